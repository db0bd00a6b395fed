r"""DGL models used as the original model of any method, through an adapter at the API edge.

:class:`DGLGCN` is a plain DGL module (``forward(g, x)`` on a ``dgl.DGLGraph``, layers from
``dgl.nn.GraphConv``, :math:`h^{(l+1)} = \sigma(\hat D^{-1/2}\hat A\hat D^{-1/2} h^{(l)} W_l)`).
:class:`DGLAdapter` wraps any such module so that it speaks the library's model interface,
``forward(x, graph)`` with a :class:`~graph_unlearn.data.Graph` (converted to DGL once per graph
object and cached, so a deletion's retained graph reaches the DGL module as a DGL graph),
``decode`` for link prediction and ``fresh_copy`` for retrain-like methods and destroyers: it is
the :class:`~graph_unlearn.models.adapter.GraphModel` of a DGL module.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from .adapter import GraphModel, ModelConfig, _seeded


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


class DGLAdapter(GraphModel):
    """A DGL module (``forward(g, x)``) as a library model, for users who prefer to wrap it
    themselves; passing the DGL module and a ``DGLGraph`` straight to ``unlearn`` does the same.

    Args:
        module: the DGL module.
        factory: optional zero-argument callable returning a fresh module of the same
            architecture (used by :meth:`fresh_copy`); default: a deep copy re-initialised by the
            layers' ``reset_parameters()``.
        self_loops: add a self-loop to every node of each graph given to the module (for layers
            that refuse nodes without incoming edges, which a node deletion creates).
    """

    def __init__(self, module: nn.Module, factory=None, self_loops: bool = False):
        super().__init__(module, ModelConfig(graph_input="dgl"), self_loops)
        self._factory = factory

    def dgl_graph(self, graph):
        """The DGL graph of a library :class:`~graph_unlearn.data.Graph` (cached per graph object)."""
        return self.graph_input(graph)

    def fresh_copy(self, seed: int | None = None) -> "DGLAdapter":
        if self._factory is None:
            fresh = super().fresh_copy(seed)
            return DGLAdapter(fresh.module, None, self.self_loops)
        device = next(self.parameters()).device
        with _seeded(seed, self.module):
            module = self._factory()
        return DGLAdapter(module, self._factory, self.self_loops).to(device)

    def __deepcopy__(self, memo):
        new = DGLAdapter(copy.deepcopy(self.module, memo), self._factory, self.self_loops)
        new.train(self.training)
        return new
