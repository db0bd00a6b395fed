r"""DGL models used as the original model of any method, through an adapter at the API edge.

:class:`DGLGCN` is a plain DGL module (``forward(g, x)`` on a ``dgl.DGLGraph``, layers from
``dgl.nn.GraphConv``, :math:`h^{(l+1)} = \sigma(\hat D^{-1/2}\hat A\hat D^{-1/2} h^{(l)} W_l)`).
:class:`DGLAdapter` wraps any such module so that it speaks the library's model interface,
``forward(x, graph)`` with a :class:`~graph_unlearn.data.Graph` (converted to DGL once per graph
object and cached, so a deletion's retained graph reaches the DGL module as a DGL graph),
``decode`` for link prediction and ``fresh_copy`` for retrain-like methods and destroyers.
"""
from __future__ import annotations

import copy
import weakref

import torch
from torch import nn

from ..data.convert import to_dgl
from .gnn import GNN


class DGLGCN(nn.Module):
    """A DGL GCN: ``num_layers`` ``GraphConv`` layers (self-loops added), ReLU + dropout between.

    Args: in_channels, hidden_channels (128), out_channels (64), num_layers (2), dropout (0.0).
    """

    def __init__(self, in_channels: int, hidden_channels: int = 128, out_channels: int = 64, num_layers: int = 2,
                 dropout: float = 0.0):
        super().__init__()
        from dgl.nn import GraphConv

        dims = [in_channels] + [hidden_channels] * (num_layers - 1) + [out_channels]
        self.layers = nn.ModuleList(GraphConv(dims[i], dims[i + 1], allow_zero_in_degree=True)
                                    for i in range(num_layers))
        self.dropout = dropout

    def forward(self, g, x):
        import dgl

        g = dgl.add_self_loop(dgl.remove_self_loop(g))
        h = x
        for i, layer in enumerate(self.layers):
            h = layer(g, h)
            if i < len(self.layers) - 1:
                h = nn.functional.dropout(torch.relu(h), self.dropout, self.training)
        return h


class DGLAdapter(nn.Module):
    """Make a DGL module (``forward(g, x)``) usable wherever a :class:`GNN` is expected.

    Args:
        module: the DGL module.
        factory: optional zero-argument callable returning a fresh module of the same
            architecture (used by :meth:`fresh_copy`); default: a deep copy whose layers'
            ``reset_parameters()`` are called.
    """

    def __init__(self, module: nn.Module, factory=None):
        super().__init__()
        self.module = module
        self._factory = factory
        self._cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

    def dgl_graph(self, graph):
        """The DGL graph of a library :class:`Graph` (cached per graph object)."""
        if not hasattr(graph, "edge_index"):
            return graph  # already a DGL graph
        g = self._cache.get(graph)
        if g is None:
            g = to_dgl(graph)
            self._cache[graph] = g
        return g

    def forward(self, x, graph):
        return self.module(self.dgl_graph(graph), x)

    decode = staticmethod(GNN.decode)

    def fresh_copy(self, seed: int | None = None) -> "DGLAdapter":
        device = next(self.parameters()).device
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            if self._factory is not None:
                module = self._factory()
            else:
                module = copy.deepcopy(self.module)
                for m in module.modules():
                    if m is not module and hasattr(m, "reset_parameters"):
                        m.reset_parameters()
        return DGLAdapter(module, self._factory).to(device)

    def __deepcopy__(self, memo):
        new = DGLAdapter(copy.deepcopy(self.module, memo), self._factory)
        return new
