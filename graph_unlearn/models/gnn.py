r"""Two-layer (by default) GNN encoders with a dot-product link decoder.

.. math::
    h^{(l+1)} = \sigma\big(\mathrm{Conv}_l(h^{(l)}, \mathcal{G})\big),\qquad
    s_{uv} = \langle h_u^{(L)}, h_v^{(L)} \rangle,\quad p(u \sim v) = \sigma(s_{uv})

Message passing runs on the sparse adjacency cached by :class:`~graph_unlearn.data.Graph`
(``"gcn"``-normalised for GCN, ``"mean"`` for GraphSAGE, ``"sum"`` for GIN); GAT needs
per-edge attention and uses ``edge_index``. Graphs without node features (ogbl-ddi) use a
learnable embedding table as input (``in_channels=None, num_nodes=N``).

Args:
    conv: ``"gcn"``, ``"gat"``, ``"gin"`` or ``"sage"``.
    in_channels: input feature size, or ``None`` for a learnable embedding.
    hidden_channels: width of the hidden layers (default 128, as GNNDelete).
    out_channels: embedding size (default 64).
    num_layers: number of message-passing layers (default 2).
    num_nodes: required when ``in_channels`` is ``None``.
    heads: attention heads of GAT's hidden layers (default 4, concatenated).
    dropout: dropout between layers (default 0.0).
    mlp_norm: normalisation between the two linear layers of GIN's MLP: ``None`` (default),
        ``"batch"`` (as the GIN paper and PyG's ``GIN``) or ``"layer"``. Sum aggregation scales
        a node's input by its degree; on a dense graph (ogbl-ddi, mean degree ~500) an
        unnormalised GIN saturates and learns nothing (validation AUROC 0.54), so the benchmark
        runs ogbl-ddi's GIN with ``"batch"``. Only GIN has an MLP: other convs refuse it.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch_geometric.nn import GATConv

from ..data.graph import Graph
from .sparse import SparseGCNConv, SparseGINConv, SparseSAGEConv

CONVS = ("gcn", "gat", "gin", "sage")
_ADJ_NORM = {"gcn": "gcn", "sage": "mean", "gin": "sum"}
#: ``mlp_norm`` values and the layer each puts inside GIN's MLP
MLP_NORMS = {None: None, "batch": nn.BatchNorm1d, "layer": nn.LayerNorm}

LayerHook = Callable[[int, torch.Tensor], torch.Tensor]


class GNN(nn.Module):
    """GNN encoder + dot-product decoder for link prediction (see module docstring).

    ``forward(x, graph)`` takes the library's :class:`~graph_unlearn.data.Graph` (its cached
    sparse adjacency is what makes it fast) or, as any PyG model, an ``edge_index`` ``[2, E]``.
    """

    speaks_graph_unlearn = True

    def __init__(self, conv: str = "gcn", in_channels: int | None = None, hidden_channels: int = 128,
                 out_channels: int = 64, num_layers: int = 2, num_nodes: int | None = None,
                 heads: int = 4, dropout: float = 0.0, mlp_norm: str | None = None):
        super().__init__()
        conv = conv.lower()
        if conv not in CONVS:
            raise ValueError(f"unknown conv {conv!r}; choose from {CONVS}")
        if num_layers < 1:
            raise ValueError("num_layers must be >= 1")
        if in_channels is None and not num_nodes:
            raise ValueError("a featureless graph needs num_nodes (for the learnable node embedding)")
        if not (mlp_norm is None or isinstance(mlp_norm, str) and mlp_norm in MLP_NORMS):
            raise ValueError(f"unknown mlp_norm {mlp_norm!r}; choose from {tuple(MLP_NORMS)}")
        if mlp_norm is not None and conv != "gin":
            raise ValueError(f"mlp_norm normalises GIN's MLP; a {conv!r} layer has none (leave mlp_norm=None)")
        self.config = dict(conv=conv, in_channels=in_channels, hidden_channels=hidden_channels,
                           out_channels=out_channels, num_layers=num_layers, num_nodes=num_nodes,
                           heads=heads, dropout=dropout)
        if mlp_norm is not None:   # only when set: checkpoints and reprs of plain models are unchanged
            self.config["mlp_norm"] = mlp_norm
        self.conv, self.dropout = conv, dropout
        self.embedding = nn.Embedding(num_nodes, hidden_channels) if in_channels is None else None
        dims = [in_channels or hidden_channels] + [hidden_channels] * (num_layers - 1) + [out_channels]
        self.convs = nn.ModuleList(self._make_conv(dims[i], dims[i + 1], last=i == num_layers - 1)
                                   for i in range(num_layers))
        self.act = nn.ReLU()

    def _make_conv(self, cin: int, cout: int, last: bool) -> nn.Module:
        if self.conv == "gcn":
            return SparseGCNConv(cin, cout, normalize=False)
        if self.conv == "sage":
            return SparseSAGEConv(cin, cout, aggr="sum")  # mean via the row-normalised adjacency
        if self.conv == "gin":
            norm = MLP_NORMS[self.config.get("mlp_norm")]
            return SparseGINConv(nn.Sequential(nn.Linear(cin, cout), *([norm(cout)] if norm else []), nn.ReLU(),
                                               nn.Linear(cout, cout)), train_eps=True)
        heads = 1 if last else self.config["heads"]
        return GATConv(cin, cout // heads, heads=heads)

    @property
    def num_layers(self) -> int:
        return len(self.convs)

    def _propagate(self, i: int, h: torch.Tensor, graph: Graph) -> torch.Tensor:
        if self.conv == "gat":
            return self.convs[i](h, graph.edge_index)
        return self.convs[i](h, graph.adj(_ADJ_NORM[self.conv]))

    def forward(self, x: torch.Tensor | None, graph: Graph | torch.Tensor, layer_hook: LayerHook | None = None,
                return_layers: bool = False):
        """Node embeddings ``[N, out_channels]`` (and every layer's output if ``return_layers``).

        ``layer_hook(l, h)`` may transform each layer's output (after the activation of hidden
        layers); GNNDelete inserts its deletion operators this way.
        """
        if x is None:
            if self.embedding is None:
                raise ValueError("this model expects node features x, got None")
            h = self.embedding.weight
        else:
            if self.embedding is not None:
                raise ValueError("this model learns node embeddings: pass x=None")
            if x.size(-1) != self.config["in_channels"]:
                raise ValueError(f"x has {x.size(-1)} features, the model expects {self.config['in_channels']}")
            h = x
        if isinstance(graph, torch.Tensor):
            graph = Graph(graph, h.size(0))
        if graph.num_nodes != h.size(0):
            raise ValueError(f"graph has {graph.num_nodes} nodes but the input has {h.size(0)} rows")
        layers = []
        for i in range(self.num_layers):
            h = self._propagate(i, h, graph)
            if i < self.num_layers - 1:
                h = self.act(h)
                h = nn.functional.dropout(h, self.dropout, self.training)
            if layer_hook is not None:
                h = layer_hook(i, h)
            layers.append(h)
        return (h, layers) if return_layers else h

    @staticmethod
    def decode(z: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        """Edge logits :math:`s_{uv} = \\langle z_u, z_v\\rangle` for ``edges`` ([2, k])."""
        return (z[edges[0]] * z[edges[1]]).sum(-1)

    def fresh_copy(self, seed: int | None = None) -> "GNN":
        """A new, randomly initialised model of the same architecture (built on the CPU from a
        forked generator seeded with ``seed``: the caller's random state is left as it was)."""
        from ..core.rng import seeded_rng

        device = next(self.parameters()).device
        if seed is None:
            return type(self)(**self.config).to(device)
        with seeded_rng(seed):
            return type(self)(**self.config).to(device)

    def __repr__(self) -> str:
        c = self.config
        return (f"GNN({c['conv']}, in={c['in_channels'] or 'embedding'}, hidden={c['hidden_channels']}, "
                f"out={c['out_channels']}, layers={c['num_layers']}"
                + (f", mlp_norm={c['mlp_norm']}" if c.get("mlp_norm") else "") + ")")
