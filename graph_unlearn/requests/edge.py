"""Edge deletion: forget a set of undirected edges of the training graph."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..data.graph import EdgeKeyIndex, Graph, k_hop_nodes
from .base import DeletionRequest, parse_edges


@dataclass
class EdgeUnlearningProblem:
    """What an edge-deletion request means for a link-prediction split.

    Attributes:
        split: the original :class:`~graph_unlearn.tasks.LinkSplit`.
        forget: deleted edges ``[2, k]`` (u < v), the forget set :math:`D_f`.
        retain: retained training edges ``[2, E - k]`` (u < v), :math:`D_r`.
        graph: the retained training graph (deleted edges removed in both directions).
        hop_masks: boolean node masks ``[0-hop, 1-hop, 2-hop]`` around the endpoints of
            :math:`D_f`, computed on the undirected *original* training graph.
    """

    split: Any
    forget: torch.Tensor
    retain: torch.Tensor
    graph: Graph
    hop_masks: list[torch.Tensor]

    @property
    def x(self):
        return self.split.x

    @property
    def num_nodes(self) -> int:
        return self.split.num_nodes

    def to(self, device) -> "EdgeUnlearningProblem":
        return EdgeUnlearningProblem(self.split.to(device), self.forget.to(device), self.retain.to(device),
                                     self.graph.to(device), [m.to(device) for m in self.hop_masks])


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
        """Validate against ``split`` and build the retained graph, retained edges and masks."""
        self.validate(split)
        device = split.train_pos.device
        forget = self.edges.to(device)
        is_forget = train_key_index(split).mask(forget)
        retain = split.train_pos[:, ~is_forget]
        graph = split.graph().without_edges(forget)
        hop_masks = k_hop_nodes(split.graph().edge_index, forget.flatten().unique(), 2, split.num_nodes)
        return EdgeUnlearningProblem(split, forget, retain, graph, hop_masks)
