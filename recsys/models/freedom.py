r"""FREEDOM-style multimodal graph recommender (after Zhou & Shen, "A Tale of Two Graphs:
Freezing and Denoising Graph Structures for Multimodal Recommendation", MM 2023).

Two graphs: the user-item graph (LightGCN propagation) and a *frozen* item-item kNN graph
:math:`S = \frac{1}{|M|}\sum_m D_m^{-1/2} A_m D_m^{-1/2}` built from each modality's raw
features (top-``knn_k`` cosine neighbours, built in chunks; see
:func:`recsys.models.graph.item_item_graph`). Item representation

.. math::
    h_i = \mathrm{LightGCN}(E)_i + \big(S^{L_{ii}}\,(E_{item} + \textstyle\sum_m W_m f^m)\big)_i,
    \qquad \hat y_{ui} = \langle e_u, h_i\rangle.

Differences from the paper (stated, not hidden): no degree-sensitive edge pruning of the
user-item graph, and the modality projections :math:`W_m f^m` are propagated on S and enter
the score directly instead of through separate modality BPR losses; so deleting a modality
row changes the scores as well as S.

Args: ``num_users``, ``num_items``; ``modality_dims`` (dict name -> d); ``dim`` (64);
``num_layers`` (2, user-item); ``ii_layers`` (1); ``knn_k`` (10, FREEDOM's default).
"""
from __future__ import annotations

import torch
from torch import nn

from .base import RecModel
from graph_unlearn.models.sparse import spmm
from .lightgcn import propagate


class FREEDOM(RecModel):
    def __init__(self, num_users: int, num_items: int, modality_dims: dict[str, int], dim: int = 64,
                 num_layers: int = 2, ii_layers: int = 1, knn_k: int = 10):
        if not modality_dims:
            raise ValueError("FREEDOM needs at least one item modality (modality_dims is empty)")
        super().__init__(num_users, num_items, modality_dims=dict(modality_dims), dim=dim, num_layers=num_layers,
                         ii_layers=ii_layers, knn_k=knn_k)
        self.knn_k, self.num_layers, self.ii_layers = knn_k, num_layers, ii_layers
        self.names = sorted(modality_dims)
        self.user_emb = nn.Embedding(num_users, dim)
        self.item_emb = nn.Embedding(num_items, dim)
        nn.init.normal_(self.user_emb.weight, std=0.1)
        nn.init.normal_(self.item_emb.weight, std=0.1)
        self.proj = nn.ModuleDict({n: nn.Linear(modality_dims[n], dim) for n in self.names})

    def forward(self, graph):
        if graph.item_item is None:
            raise ValueError("FREEDOM needs the item-item graph: build it with model.build_graph(data)")
        x = torch.cat([self.user_emb.weight, self.item_emb.weight])
        out = propagate(graph.adj_t, x, self.num_layers)
        h = self.item_emb.weight
        for n in self.names:
            present = graph.features[n].abs().sum(1, keepdim=True) > 0   # absent rows: no bias either
            h = h + self.proj[n](graph.features[n]) * present
        for _ in range(self.ii_layers):
            h = spmm(graph.item_item, h)
        return out[: self.num_users], out[self.num_users:] + h

    def batch_parameters(self, users, pos, neg):
        w = self.item_emb.weight
        return [(self.user_emb.weight, users), (w, pos), (w, neg)]
