"""Edge deletion: forget a set of undirected edges of the training graph."""
from __future__ import annotations

from typing import Any

import torch

from ..data.graph import EdgeKeyIndex, Graph
from .base import DeletionRequest, parse_edges


class EdgeUnlearningProblem:
    """What an edge-deletion request means for a link-prediction split.

    Attributes:
        split: the original :class:`~graph_unlearn.tasks.LinkSplit`.
        forget: deleted edges ``[2, k]`` (u < v), the forget set :math:`D_f`.
        retain: retained training edges ``[2, E - k]`` (u < v), :math:`D_r`.
        graph: the retained training graph (deleted edges removed in both directions).
        hop_masks: boolean node masks ``[0-hop, 1-hop, 2-hop]`` around the endpoints of
            :math:`D_f` (or ``hop_seeds``), computed on the undirected *original* training graph.

    Keyword-only: ``base_graph`` (the training graph, default ``split.graph()``), ``hop_seeds``
    (default D_f's endpoints) and ``forget_columns`` (D_f's columns of ``split.train_pos``, when
    the caller already has them; default found by binary search).

    ``retain``, ``graph`` and ``hop_masks`` are built on first use, then kept (pass them to
    fix them instead). Each whole copy costs a pass over every training edge (0.8 s and
    ~1 GB at 10M edges, 29 s at 100M), which sampled steps never need: they sample the
    training graph with :math:`D_f` excluded, draw retained batches by rank
    (:meth:`retained_edges`) and read the hop masks from the endpoints' rows, so applying a
    request costs what it touches (issue 12).
    """

    def __init__(self, split, forget: torch.Tensor, retain: torch.Tensor | None = None, graph: Graph | None = None,
                 hop_masks: list[torch.Tensor] | None = None, *, base_graph: Graph | None = None,
                 hop_seeds: torch.Tensor | None = None, forget_columns: torch.Tensor | None = None):
        self.split, self.forget = split, forget
        self._retain, self._graph, self._hop_masks = retain, graph, hop_masks
        self._base, self._hop_seeds, self._forget_columns = base_graph, hop_seeds, forget_columns
        #: whether the retained edges and graph are "the training ones minus D_f" (built here)
        self.derived = retain is None and graph is None

    @property
    def x(self):
        return self.split.x

    @property
    def num_nodes(self) -> int:
        return self.split.num_nodes

    @property
    def base_graph(self) -> Graph:
        """The training graph before the deletion."""
        return self._base if self._base is not None else self.split.graph()

    @property
    def forget_columns(self) -> torch.Tensor:
        """The columns of ``split.train_pos`` holding :math:`D_f` (sorted; binary search)."""
        if self._forget_columns is None:
            self._forget_columns = train_key_index(self.split).columns(self.forget)
        return self._forget_columns

    @property
    def num_retained(self) -> int:
        if self._retain is not None:
            return self._retain.size(1)
        return self.split.train_pos.size(1) - self.forget_columns.numel()

    @property
    def retain(self) -> torch.Tensor:
        if self._retain is None:
            keep = torch.ones(self.split.train_pos.size(1), dtype=torch.bool, device=self.forget.device)
            keep[self.forget_columns] = False
            self._retain = self.split.train_pos[:, keep]
        return self._retain

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = self.base_graph.without_edges(self.forget)
        return self._graph

    @property
    def hop_masks(self) -> list[torch.Tensor]:
        if self._hop_masks is None:
            seeds = self.forget.flatten() if self._hop_seeds is None else self._hop_seeds
            self._hop_masks = self.base_graph.k_hop(seeds, 2)
        return self._hop_masks

    def retained_edges(self, ranks: torch.Tensor) -> torch.Tensor:
        """The retained edges of the given ranks (positions in ``retain``, which need not be
        built): rank r is training column r + #{forget columns c_i : c_i - i <= r}, found by
        binary search."""
        if self._retain is not None or not self.derived:
            return self.retain[:, ranks.to(self.retain.device)]
        cols = self.forget_columns
        shift = cols - torch.arange(cols.numel(), device=cols.device)
        ranks = ranks.to(cols.device)
        return self.split.train_pos[:, ranks + torch.searchsorted(shift, ranks, right=True)]

    def near_retain(self) -> torch.Tensor:
        """The retained edges with an endpoint within the 2-hop neighbourhood of :math:`D_f`
        (in ``retain``'s order): read from those nodes' rows of the training graph where they are
        few (:data:`LOCAL_SEARCH_COST`), else by one pass over the training edges (no copy of
        the retained ones either way)."""
        near = self.hop_masks[-1]
        if not self.derived:
            return self.retain[:, near[self.retain[0]] | near[self.retain[1]]]
        g, train = self.base_graph, self.split.train_pos
        out = g.out_edges(near.nonzero().flatten(), limit=train.size(1) // LOCAL_SEARCH_COST)
        if out is None:   # one sequential pass over the edges is cheaper
            keep = near[train[0]] | near[train[1]]
            keep[self.forget_columns] = False
            return train[:, keep]
        cols = train_key_index(self.split).columns(g.edge_index[:, out])
        return train[:, cols[~torch.isin(cols, self.forget_columns)]]

    def __repr__(self) -> str:
        return (f"EdgeUnlearningProblem(forget={self.forget.size(1)} edges, retain={self.num_retained} edges, "
                f"nodes={self.num_nodes})")

    def to(self, device) -> "EdgeUnlearningProblem":
        device = torch.device(device)
        if self.forget.device == device:
            return self
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        out = EdgeUnlearningProblem(self.split.to(device), self.forget.to(device), move(self._retain),
                                    move(self._graph), None if self._hop_masks is None else [move(m) for m in self._hop_masks],
                                    base_graph=move(self._base), hop_seeds=move(self._hop_seeds),
                                    forget_columns=move(self._forget_columns))
        out.derived = self.derived
        if hasattr(self, "deleted_nodes"):
            out.deleted_nodes = self.deleted_nodes.to(device)
        return out


#: a binary search of one edge key among E sorted keys costs about this many sequential per-edge
#: steps of a pass over all edges (10M edges, one thread: 0.65 us per searched edge against 9-16 ns per
#: edge of a mask pass), so :meth:`EdgeUnlearningProblem.near_retain` reads the near edges' rows only
#: when they are fewer than 1/50 of the edges (at 10M edges a 10-edge request's 2-hop rows; a 100-edge
#: request's 1.4M rows take 0.94 s by search, 0.16 s by one pass)
LOCAL_SEARCH_COST = 50


def train_key_index(split) -> EdgeKeyIndex:
    """The sorted training-edge keys of ``split``: cached on a
    :class:`~graph_unlearn.tasks.LinkSplit` (sorted once per split), built for other objects
    with ``train_pos`` / ``num_nodes``."""
    cached = getattr(split, "train_key_index", None)
    return cached() if callable(cached) else EdgeKeyIndex(split.train_pos, split.num_nodes)


class EdgeDeletion(DeletionRequest):
    """Request to forget undirected training edges.

    Args:
        edges: the edges, as

            * a Python list / tuple of ``(u, v)`` pairs -- always read as pairs, also with exactly
              two pairs: ``EdgeDeletion([(a, b), (c, d)])`` deletes ``(a, b)`` and ``(c, d)``;
            * an integer tensor / numpy array ``[2, k]`` (PyG ``edge_index``) or ``[k, 2]``
              (pairs), or a pandas ``DataFrame`` with one edge per row. A ``[2, 2]`` tensor is
              ambiguous and refused: use :meth:`from_edge_index` / :meth:`from_pairs` or
              ``layout=``.

            ``(u, v)`` and ``(v, u)`` name the same edge. Floats, booleans (no edge masks),
            strings, masked arrays, sparse / meta tensors, self loops, negative and repeated
            edges are refused with a ``TypeError`` / ``ValueError``.
        layout: ``None`` (infer as above), ``"edge_index"`` (``[2, k]``) or ``"pairs"`` (``[k, 2]``).

    Applying it to a split (``request.apply(split)``) checks every edge against the training
    graph and returns an :class:`EdgeUnlearningProblem` with the retained graph and masks.
    """

    kind = "edges"

    def __init__(self, edges: Any, layout: str | None = None):
        t = parse_edges(edges, "EdgeDeletion", layout)
        if (t < 0).any():
            raise ValueError(f"EdgeDeletion: negative node id {int(t.min())}")
        if (t[0] == t[1]).any():
            i = int((t[0] == t[1]).nonzero()[0])
            raise ValueError(f"EdgeDeletion: self-loop ({int(t[0, i])}, {int(t[1, i])}) is not an edge of the graph")
        u, v = torch.minimum(t[0], t[1]), torch.maximum(t[0], t[1])
        uniq, counts = torch.unique(torch.stack([u, v]), dim=1, return_counts=True)
        if (counts > 1).any():
            a, b = uniq[:, counts > 1][:, 0].tolist()
            raise ValueError(f"EdgeDeletion: edge ({a}, {b}) is listed more than once (in either direction)")
        self.edges = torch.stack([u, v])

    @classmethod
    def from_edge_index(cls, edge_index: Any) -> "EdgeDeletion":
        """Edges given as a ``[2, k]`` ``edge_index`` (row 0: sources, row 1: targets), any k."""
        return cls(edge_index, layout="edge_index")

    @classmethod
    def from_pairs(cls, pairs: Any) -> "EdgeDeletion":
        """Edges given as ``[k, 2]`` ``(u, v)`` rows, any k."""
        return cls(pairs, layout="pairs")

    def __len__(self) -> int:
        return self.edges.size(1)

    def __repr__(self) -> str:
        return f"EdgeDeletion({len(self)} edges)"

    def validate(self, split) -> None:
        n = split.num_nodes
        if int(self.edges.max()) >= n:
            bad = int(self.edges.max())
            raise ValueError(f"EdgeDeletion: node id {bad} is out of range for a graph with {n} nodes "
                             f"(valid node ids: 0..{n - 1})")
        present = train_key_index(split).contains(self.edges).cpu()  # binary search, O(k log E)
        if not bool(present.all()):
            i = int((~present).nonzero()[0])
            u, v = int(self.edges[0, i]), int(self.edges[1, i])
            raise ValueError(f"EdgeDeletion: edge ({u}, {v}) is not in the training graph "
                             f"(checked in both directions); {int((~present).sum())} of {len(self)} edges are missing")

    def apply(self, split) -> EdgeUnlearningProblem:
        """Validate against ``split`` and return the problem (its retained graph, retained edges
        and masks are built when first used: :class:`EdgeUnlearningProblem`)."""
        self.validate(split)
        return EdgeUnlearningProblem(split, self.edges.to(split.train_pos.device))
