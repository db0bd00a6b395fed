r"""PyTorch Geometric's ``LightGCN`` as a recommender of this library.

PyG's :class:`torch_geometric.nn.models.LightGCN` is one embedding table over ``num_nodes``
nodes that propagates on an ``edge_index``; for recommendation the nodes are the users
``0..U-1`` followed by the items ``U..U+I-1`` (``num_nodes = U + I``), and ``edge_index`` holds
the training interactions in both directions (:meth:`InteractionData.to_edge_index` builds it).

:class:`PyGLightGCN` adapts such a module to the :class:`~recsys.models.base.RecModel`
interface (``forward(graph) -> (users, items)`` through the module's own ``get_embedding``
on the retained training ``edge_index``; ``fresh`` re-initialises with the module's
``reset_parameters``). The unlearners do this at the edge: ``MMRecUn().unlearn(pyg_model,
data, request)`` wraps the module, runs, and returns ``result.model`` as the user's PyG
``LightGCN`` again, with ``result.data`` a PyG ``Data`` whose ``edge_index`` is the retained
training graph to serve it on (``result.model.recommend(result.data.edge_index,
src_index=users, dst_index=items, k=10)``, item node ids offset by ``U``).
"""
from __future__ import annotations

import copy
import sys

import torch
from torch import nn

from .base import RecModel
from .graph import RecGraph, build_graph


def is_pyg_lightgcn(model) -> bool:
    """True for an instance of ``torch_geometric.nn.models.LightGCN`` (or a subclass)."""
    if "torch_geometric" not in sys.modules:   # a PyG module exists only once PyG is imported
        return False
    from torch_geometric.nn.models import LightGCN

    return isinstance(model, LightGCN)


def graph_edge_index(graph: RecGraph) -> torch.Tensor:
    """The ``[2, E]`` edge index (users then items) of a graph's user-item adjacency."""
    ei = getattr(graph, "edge_index", None)
    if ei is None:
        ei = graph.adj_t.to_sparse_coo().coalesce().indices()
        graph.edge_index = ei
    return ei


class PyGLightGCN(RecModel):
    """Wraps a PyG ``LightGCN`` whose nodes are ``num_users`` users then ``num_items`` items.

    Args: ``module`` (the PyG model, used as is: not copied), ``num_users``, ``num_items``.
    ``adapter.module`` is the PyG model."""

    def __init__(self, module: nn.Module, num_users: int, num_items: int):
        if not is_pyg_lightgcn(module):
            raise TypeError(f"PyGLightGCN wraps a torch_geometric.nn.models.LightGCN, got {type(module).__name__}")
        if module.num_nodes != num_users + num_items:
            raise ValueError(f"the PyG LightGCN has num_nodes={module.num_nodes} but the data has {num_users} users + "
                             f"{num_items} items = {num_users + num_items}: PyG's LightGCN must have one node per "
                             f"user (ids 0..U-1) then one per item (ids U..U+I-1)")
        super().__init__(num_users, num_items)
        self.module = module

    def fresh(self, seed: int = 0) -> "PyGLightGCN":
        """An untrained copy: the module deep-copied and re-initialised by its
        ``reset_parameters`` under ``seed``."""
        from graph_unlearn.core.rng import seeded_rng

        new = copy.deepcopy(self.module)
        with seeded_rng(seed):
            new.reset_parameters()
        return PyGLightGCN(new, self.num_users, self.num_items)

    def build_graph(self, data, device=None) -> RecGraph:
        graph = build_graph(data, device or next(self.parameters()).device)
        graph.edge_index = data.to_edge_index().to(graph.device)
        return graph

    def forward(self, graph: RecGraph) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.module.get_embedding(graph_edge_index(graph))
        return emb[: self.num_users], emb[self.num_users:]

    def batch_parameters(self, users, pos, neg):
        w = self.module.embedding.weight
        return [(w, users), (w, pos + self.num_users), (w, neg + self.num_users)]


def as_rec_model(model, data) -> nn.Module:
    """``model`` as the unlearners see it: a PyG ``LightGCN`` wrapped in :class:`PyGLightGCN`
    sized for ``data``; any other model unchanged (it must have ``num_users`` / ``num_items``)."""
    if is_pyg_lightgcn(model):
        return PyGLightGCN(model, data.num_users, data.num_items)
    if isinstance(model, nn.Module) and not hasattr(model, "num_users"):
        raise TypeError(f"{type(model).__name__} is not a recommender of this library (a RecModel such as "
                        f"recsys.LightGCN, with num_users / num_items and forward(graph)) nor a PyG "
                        f"torch_geometric.nn.models.LightGCN")
    return model
