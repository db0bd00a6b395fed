"""Sparse adjacency times dense features with a cheap backward pass.

``A @ X`` on a torch CSR matrix differentiates w.r.t. ``X`` as ``A^T @ G``; torch rebuilds
``A^T`` on every backward call, which costs 5x the forward on ogbl-ddi. :class:`~graph_unlearn.data.Graph`
attaches the transposed matrix (the matrix itself when it is symmetric) to each adjacency it
builds as ``adj.transposed``, and :func:`spmm` uses it in the backward pass.
"""
from __future__ import annotations

import torch
from torch_geometric.nn import GCNConv, GINConv, SAGEConv


class _SpMM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, adj, adj_t, x):
        ctx.adj_t = adj_t
        return adj @ x

    @staticmethod
    def backward(ctx, grad):
        return None, None, ctx.adj_t @ grad


def spmm(adj: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``adj @ x`` (``adj`` sparse CSR); uses ``adj.transposed`` for the gradient when present."""
    transposed = getattr(adj, "transposed", None)
    if transposed is None or not torch.is_grad_enabled() or not x.requires_grad:
        return adj @ x
    return _SpMM.apply(adj, transposed, x)


class SparseGCNConv(GCNConv):
    """PyG ``GCNConv`` whose aggregation over a pre-normalised CSR adjacency uses :func:`spmm`."""

    def message_and_aggregate(self, adj_t, x):
        return spmm(adj_t, x)


class SparseSAGEConv(SAGEConv):
    """PyG ``SAGEConv`` (sum over a row-normalised adjacency = mean) using :func:`spmm`."""

    def message_and_aggregate(self, adj_t, x):
        return spmm(adj_t, x[0])


class SparseGINConv(GINConv):
    """PyG ``GINConv`` using :func:`spmm` for its sum aggregation."""

    def message_and_aggregate(self, adj_t, x):
        return spmm(adj_t, x[0])
