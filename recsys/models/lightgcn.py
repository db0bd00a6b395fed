r"""LightGCN (He et al., SIGIR 2020): linear propagation on the normalised user-item graph,

.. math::
    E^{(l+1)} = \hat A\,E^{(l)},\qquad E = \frac{1}{L+1}\sum_{l=0}^{L} E^{(l)},\qquad
    \hat y_{ui} = \langle e_u, e_i\rangle,

with :math:`\hat A = D^{-1/2} A D^{-1/2}` over users + items (torch sparse CSR).

Args: ``num_users``, ``num_items``; ``dim`` (64); ``num_layers`` (3, the paper's best on most
data); embeddings initialised N(0, 0.1²) as in the official code.
"""
from __future__ import annotations

import torch
from torch import nn

from .base import RecModel
from graph_unlearn.models.sparse import spmm


def propagate(adj_t: torch.Tensor, x: torch.Tensor, num_layers: int) -> torch.Tensor:
    """Mean of ``x, Âx, …, Â^L x``."""
    out, h = x, x
    for _ in range(num_layers):
        h = spmm(adj_t, h)
        out = out + h
    return out / (num_layers + 1)


class LightGCN(RecModel):
    def __init__(self, num_users: int, num_items: int, dim: int = 64, num_layers: int = 3):
        super().__init__(num_users, num_items, dim=dim, num_layers=num_layers)
        self.num_layers = num_layers
        self.user_emb = nn.Embedding(num_users, dim)
        self.item_emb = nn.Embedding(num_items, dim)
        nn.init.normal_(self.user_emb.weight, std=0.1)
        nn.init.normal_(self.item_emb.weight, std=0.1)

    def forward(self, graph):
        x = torch.cat([self.user_emb.weight, self.item_emb.weight])
        out = propagate(graph.adj_t, x, self.num_layers)
        return out[: self.num_users], out[self.num_users:]

    def batch_parameters(self, users, pos, neg):
        w = self.item_emb.weight
        return [(self.user_emb.weight, users), (w, pos), (w, neg)]
