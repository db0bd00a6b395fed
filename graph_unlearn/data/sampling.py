r"""Neighbour sampling: the one interface through which training, retraining and the unlearners
run on sampled subgraphs instead of the whole graph.

:class:`NeighborSampler` draws, for a set of seed nodes, up to ``fanouts[l]`` neighbours per
node and hop (``-1`` = all), as PyG's ``NeighborLoader`` and DGL's ``NeighborSampler`` do, and
returns the union of the sampled edges as a :class:`Subgraph` with local node ids (the seeds
first, in the order given). Any model with ``forward(x, edge_index)`` runs on it unchanged: a
sampled subgraph is an ordinary, smaller graph. The seeds' outputs on it approximate their
full-graph outputs (exactly, with ``fanouts=[-1] * num_layers``, for encoders whose
aggregation depends only on each node's in-neighbours, e.g. sum/mean; GCN's symmetric
normalisation still sees truncated degrees at the boundary, as in PyG's loaders).

No sampler is written here. Backends:

- ``"pyg"``: ``torch_geometric.sampler.NeighborSampler`` (needs ``pyg-lib`` or
  ``torch-sparse``, which have no build for torch 2.13 on the registries this project uses);
- ``"dgl"``: ``dgl.dataloading.NeighborSampler`` (DGL 1.1.3 works with torch 2.13);
- ``"auto"`` (default): PyG's when it can sample, else DGL's.

Randomness: each draw is seeded from the caller's ``torch.Generator``, so runs repeat. DGL
samples from its own global generator, which this reseeds (``dgl.seed``) before each draw;
PyG's draw runs inside a forked torch RNG, the caller's torch state is left as it was.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Sequence

import torch

from .graph import Graph

BACKENDS = ("auto", "pyg", "dgl")


def pyg_can_sample() -> bool:
    """Whether PyG's neighbour sampler can run (``pyg-lib`` or ``torch-sparse`` importable)."""
    import torch_geometric.typing as pyg_typing

    return bool(getattr(pyg_typing, "WITH_PYG_LIB", False) or getattr(pyg_typing, "WITH_TORCH_SPARSE", False))


def dgl_can_sample() -> bool:
    import importlib.util

    return importlib.util.find_spec("dgl") is not None


@dataclass
class Subgraph:
    """A sampled subgraph: ``nodes`` (global ids of its rows; the seeds first) and ``graph``
    (local ids, undirected). :meth:`local` maps global node ids of its nodes to rows."""

    nodes: torch.Tensor
    graph: Graph
    num_seeds: int

    def __post_init__(self):
        self._order = torch.argsort(self.nodes)
        self._sorted = self.nodes[self._order]

    @property
    def num_nodes(self) -> int:
        return self.nodes.numel()

    def local(self, ids: torch.Tensor) -> torch.Tensor:
        """Rows of global node ids ``ids`` (any shape); every id must be a node of the subgraph."""
        flat = ids.reshape(-1).to(self.nodes.device)
        pos = torch.searchsorted(self._sorted, flat).clamp_max(self._sorted.numel() - 1)
        if flat.numel() and not bool((self._sorted[pos] == flat).all()):
            raise ValueError("Subgraph.local: some node ids are not in the sampled subgraph")
        return self._order[pos].reshape(ids.shape)

    def features(self, x: torch.Tensor | None) -> torch.Tensor:
        """The subgraph's rows of the node features ``x``."""
        if x is None:
            raise ValueError("sampled subgraphs need node features: a model that learns one embedding per node "
                             "(x=None) runs on the full graph (sampling='full')")
        return x[self.nodes.to(x.device)]


def node_ids_kw(model, nodes: torch.Tensor) -> dict:
    """The keyword telling ``model`` the global ids of the rows it runs on, for models whose
    layers depend on which nodes they see (``takes_node_ids``: GNNDelete's deletion operators act
    on node masks of the whole graph); ``{}`` for every other model."""
    return {"nodes": nodes} if getattr(model, "takes_node_ids", False) else {}


#: the backend's own graph per :class:`~graph_unlearn.data.Graph`, built once (a split's training
#: graph serves every request on that split: the request's edges are excluded, not removed)
_BACKEND_GRAPHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class NeighborSampler:
    """Sample ``fanouts`` neighbours per hop around seed nodes of ``graph`` (see module docstring).

    Args:
        graph: the library's :class:`~graph_unlearn.data.Graph` to sample from.
        fanouts: neighbours per node for each hop, hop 1 (the seeds' own neighbours) first, as
            PyG's ``num_neighbors`` (``[10, 10]``: 10 per node for each of two hops; ``-1`` =
            all). One hop per message-passing layer.
        backend: ``"auto"``, ``"pyg"`` or ``"dgl"``.
        exclude: edges ``[2, k]`` never to sample (in either direction): sampling a split's
            training graph with a request's deleted edges excluded samples the retained graph,
            without building the backend's graph of every retained graph again (DGL:
            ``exclude_eids``, edge ids found by binary search in the graph's sorted keys; PyG:
            sampled edges among them are dropped).
    """

    def __init__(self, graph: Graph, fanouts: Sequence[int], backend: str = "auto",
                 exclude: torch.Tensor | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"NeighborSampler: backend must be one of {BACKENDS}, got {backend!r}")
        fanouts = [fanouts] if isinstance(fanouts, int) else list(fanouts)
        if not fanouts or not _valid_fanouts(fanouts):
            raise ValueError(f"NeighborSampler: fanouts must be a non-empty list of positive ints or -1 (all), "
                             f"got {fanouts!r}")
        if backend == "auto":
            backend = "pyg" if pyg_can_sample() else "dgl" if dgl_can_sample() else None
            if backend is None:  # pragma: no cover
                raise ImportError("neighbour sampling needs pyg-lib or torch-sparse (PyG's sampler) or dgl==1.1.3")
        elif backend == "pyg" and not pyg_can_sample():
            raise ImportError("backend='pyg' needs pyg-lib or torch-sparse; neither is installed (use backend='dgl')")
        elif backend == "dgl" and not dgl_can_sample():  # pragma: no cover
            raise ImportError("backend='dgl' needs dgl==1.1.3")
        self.graph, self.fanouts, self.backend = graph, fanouts, backend
        self._impl = None
        self._exclude = None
        if exclude is not None and exclude.numel():
            both = torch.cat([exclude, exclude.flip(0)], 1).to(graph.device)
            self._exclude = graph.key_index().columns(both).cpu()   # edge ids = columns of edge_index

    def _build(self):
        key = (self.backend,)
        cached = _BACKEND_GRAPHS.get(self.graph, {})
        if key not in cached:
            ei = self.graph.edge_index.cpu()
            if self.backend == "dgl":
                import dgl

                csc = _symmetric_csc(self.graph)
                cached[key] = (dgl.graph(("csc", csc), num_nodes=self.graph.num_nodes) if csc is not None
                               else dgl.graph((ei[0], ei[1]), num_nodes=self.graph.num_nodes))
            else:  # pragma: no cover - needs pyg-lib
                from torch_geometric.data import Data
                from torch_geometric.sampler import NeighborSampler as PyGSampler

                cached[key] = PyGSampler(Data(edge_index=ei, num_nodes=self.graph.num_nodes),
                                         num_neighbors=self.fanouts)
            _BACKEND_GRAPHS[self.graph] = cached
        if self.backend == "dgl":
            import dgl

            return cached[key], dgl.dataloading.NeighborSampler(list(reversed(self.fanouts)))
        return None, cached[key]  # pragma: no cover - needs pyg-lib

    def sample(self, seeds: torch.Tensor, gen: torch.Generator) -> Subgraph:
        """The sampled subgraph around the unique ``seeds`` (global node ids)."""
        device = self.graph.device
        seeds = torch.as_tensor(seeds).reshape(-1).cpu().long()
        if seeds.numel() == 0:
            raise ValueError("NeighborSampler.sample: no seed nodes")
        if int(seeds.min()) < 0 or int(seeds.max()) >= self.graph.num_nodes:
            raise ValueError(f"NeighborSampler.sample: seed ids outside [0, {self.graph.num_nodes})")
        seeds = _unique_in_order(seeds)
        if self._impl is None:
            self._impl = self._build()
        draw = int(torch.randint(0, 2 ** 31 - 1, (1,), generator=gen))
        if self.backend == "dgl":
            import dgl

            g, sampler = self._impl
            dgl.seed(draw)
            nodes, _, blocks = sampler.sample(g, seeds, exclude_eids=self._exclude)
            eids = torch.cat([b.edata[dgl.EID] for b in blocks]).unique()
            edges = self.graph.edge_index.cpu()[:, eids]
            sub_nodes = nodes
        else:  # pragma: no cover - needs pyg-lib
            from torch_geometric.sampler import NodeSamplerInput

            from ..core.rng import seeded_rng

            with seeded_rng(draw):
                out = self._impl[1].sample_from_nodes(NodeSamplerInput(input_id=None, node=seeds))
            sub_nodes, edges = out.node, out.node[torch.stack([out.row, out.col])]
            if self._exclude is not None:
                edges = edges[:, ~torch.isin(out.edge, self._exclude)]
        sub = Subgraph(sub_nodes.to(device), Graph(torch.empty(2, 0, dtype=torch.long), 0), seeds.numel())
        sub.graph = Graph(sub.local(edges.to(device)), sub.num_nodes)
        return sub


def _symmetric_csc(graph: Graph):
    """DGL's in-edge (CSC) arrays ``(indptr, indices, eids)`` of an undirected graph, sharing its
    ``edge_index`` instead of DGL copying it to COO and then building CSC (at 100M edges the
    copies cost several GB). A symmetric, coalesced ``edge_index`` is sorted by source, so node
    v's in-neighbours are its out-neighbours ``edge_index[1]`` over v's range of columns, in
    ascending order; the in-edge (u, v) is then the column that a stable sort by destination puts
    at the same position. ``None`` when the graph is not symmetric (DGL's COO path is used then)."""
    if graph.key_index().order is not None:   # not coalesced
        return None
    ei, n = graph.edge_index.cpu(), graph.num_nodes
    eids = torch.sort(ei[1], stable=True).indices
    if not (bool((ei[0][eids] == ei[1]).all()) and bool((ei[1][eids] == ei[0]).all())):
        return None
    return torch.searchsorted(ei[0], torch.arange(n + 1)), ei[1], eids


def _valid_fanouts(fanouts) -> bool:
    """Every fan-out a positive int or -1 (all neighbours); bools are not ints here."""
    return all(not isinstance(f, bool) and isinstance(f, int) and (f >= 1 or f == -1) for f in fanouts)


def _unique_in_order(ids: torch.Tensor) -> torch.Tensor:
    """The distinct ids in order of first appearance."""
    uniq, inverse = torch.unique(ids, return_inverse=True)
    first = torch.full((uniq.numel(),), ids.numel(), dtype=torch.long).scatter_reduce(
        0, inverse, torch.arange(ids.numel()), "amin")
    return uniq[torch.argsort(first)]


def resolve_fanouts(sampling, num_edges: int, num_layers: int, has_features: bool,
                    threshold: int | None = None) -> list[int] | None:
    """The fanouts to sample with, or ``None`` for full-graph steps.

    ``sampling``: ``"full"``; ``"auto"`` (sampled with :data:`DEFAULT_FANOUT` per layer when the
    training graph has more than ``threshold`` (default :data:`SAMPLE_ABOVE_EDGES`) undirected
    edges and the model reads node features, else full); or the fanouts themselves (a list of
    ints, one per layer; an int = that many for every layer)."""
    if sampling == "full":
        return None
    if sampling == "auto":
        big = num_edges > (SAMPLE_ABOVE_EDGES if threshold is None else threshold)
        return [DEFAULT_FANOUT] * num_layers if big and has_features and num_layers > 0 else None
    if isinstance(sampling, bool) or not isinstance(sampling, (int, list, tuple)):
        raise ValueError(f"sampling must be 'auto', 'full' or fanouts (an int or a list of ints per layer), "
                         f"got {sampling!r}")
    fanouts = [sampling] * num_layers if isinstance(sampling, int) else list(sampling)
    if not _valid_fanouts(fanouts):
        raise ValueError(f"sampling fanouts must be positive ints or -1 (all neighbours), got {sampling!r}")
    if len(fanouts) != num_layers:
        raise ValueError(f"sampling gives {len(fanouts)} fanouts but the model has {num_layers} message-passing "
                         f"layers: give one per layer")
    if not has_features:
        raise ValueError("sampled subgraphs need node features: this model learns one embedding per node (x=None); "
                         "use sampling='full'")
    return fanouts


#: ``sampling="auto"`` samples above this many undirected training edges. A sampled step costs
#: what the 2-hop neighbourhood of its seeds holds (about ``batch x fanout^2`` nodes, x3 forwards
#: for D2DGN's two teachers), which at the methods' default retained batch of 65,536 edges is
#: most of any graph below ~100M edges: there sampling saves no time, and full-graph steps
#: (teachers computed once) are faster. It is needed where the full batch no longer fits: a
#: full-graph GCN step on 10M edges peaks at ~5.6 GB and at ~40M edges exceeds this project's
#: 24 GB machine (issue 12's measurements). For faster requests on large graphs pass a small
#: ``batch_size`` and ``sampling=[5, 5]`` (``benchmarks/results/scale.md``).
SAMPLE_ABOVE_EDGES = 20_000_000

#: neighbours per node and hop under ``sampling="auto"`` (the fan-out of PyG's and DGL's examples)
DEFAULT_FANOUT = 10


__all__ = ["NeighborSampler", "Subgraph", "resolve_fanouts", "node_ids_kw", "pyg_can_sample", "dgl_can_sample",
           "SAMPLE_ABOVE_EDGES", "DEFAULT_FANOUT", "BACKENDS"]
