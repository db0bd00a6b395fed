"""Node and node-feature deletion requests.

- :class:`NodeDeletion` forgets whole nodes: their feature rows and every incident edge are
  removed from what the model may use (and, on a node-classification split, their labels).
- :class:`FeatureDeletion` forgets the feature rows of some nodes (or only selected feature
  columns of them); the graph and the labels stay.

``request.apply(split)`` validates the request against the data and returns the problem the
methods consume: a :class:`~graph_unlearn.tasks.node_classification.NodeUnlearningProblem` on a
:class:`~graph_unlearn.tasks.NodeSplit`; on a :class:`~graph_unlearn.tasks.LinkSplit`
(node deletion only) an :class:`~graph_unlearn.requests.EdgeUnlearningProblem` whose forget set
is every training edge incident to the deleted nodes and whose features have the deleted rows
zeroed.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from ..data.graph import k_hop_nodes
from .base import DeletionRequest, as_index_tensor
from .edge import EdgeUnlearningProblem


def _node_ids(values: Any, who: str) -> torch.Tensor:
    t = as_index_tensor(values, who, "node ids")
    if t.dim() == 0:
        t = t.view(1)
    if t.dim() != 1:
        raise ValueError(f"{who}: nodes must be a 1-d list of node ids, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise ValueError(f"{who}: the request is empty (no nodes to delete)")
    if (t < 0).any():
        raise ValueError(f"{who}: negative node id {int(t.min())}")
    uniq, counts = torch.unique(t, return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"{who}: node {int(uniq[counts > 1][0])} is listed more than once")
    return t.sort().values


def _check_range(nodes: torch.Tensor, n: int, who: str) -> None:
    if int(nodes.max()) >= n:
        raise ValueError(f"{who}: node id {int(nodes.max())} is out of range for a graph with {n} nodes")


def _is_node_split(data) -> bool:
    from ..tasks.node_classification import NodeSplit

    return isinstance(data, NodeSplit)


class NodeDeletion(DeletionRequest):
    """Request to forget nodes: their features, every incident edge, and their labels.

    Args:
        nodes: node ids (1-d tensor/array/list, or a single int).
    """

    kind = "nodes"

    def __init__(self, nodes: Any):
        self.nodes = _node_ids(nodes, "NodeDeletion")

    def __len__(self) -> int:
        return self.nodes.numel()

    def __repr__(self) -> str:
        return f"NodeDeletion({len(self)} nodes)"

    def validate(self, data) -> None:
        _check_range(self.nodes, data.num_nodes, "NodeDeletion")
        if _is_node_split(data):
            train = torch.isin(self.nodes, data.train_idx.cpu())
            if not bool(train.all()):
                bad = int(self.nodes[~train][0])
                raise ValueError(f"NodeDeletion: node {bad} is not a training node ({int((~train).sum())} of "
                                 f"{len(self)} requested nodes are not); only training data can be unlearned")

    def apply(self, data):
        """Validate against ``data`` (a NodeSplit or a LinkSplit) and build the problem."""
        self.validate(data)
        if _is_node_split(data):
            from ..tasks.node_classification import build_node_problem

            return build_node_problem(data, self.nodes, "nodes")
        return self._apply_link(data)

    def _apply_link(self, split) -> EdgeUnlearningProblem:
        device = split.train_pos.device
        nodes = self.nodes.to(device)
        incident = torch.isin(split.train_pos, nodes).any(0)
        if not bool(incident.any()):
            raise ValueError("NodeDeletion: the requested nodes have no training edge; nothing to unlearn "
                             "for link prediction")
        forget, retain = split.train_pos[:, incident], split.train_pos[:, ~incident]
        x = split.x
        if x is not None:
            x = x.clone()
            x[nodes] = 0
        new_split = replace(split, x=x)
        graph = split.graph().without_edges(forget)
        hop = k_hop_nodes(split.graph().edge_index, nodes, 2, split.num_nodes)
        problem = EdgeUnlearningProblem(new_split, forget, retain, graph, hop)
        problem.deleted_nodes = nodes  # type: ignore[attr-defined]
        return problem


class FeatureDeletion(DeletionRequest):
    """Request to forget the feature rows of ``nodes`` (all columns, or only ``features``).

    Args:
        nodes: node ids whose features are revoked.
        features: optional feature-column ids; ``None`` (default) = the whole row.
    """

    kind = "features"

    def __init__(self, nodes: Any, features: Any = None):
        self.nodes = _node_ids(nodes, "FeatureDeletion")
        self.features = None
        if features is not None:
            f = as_index_tensor(features, "FeatureDeletion", "feature ids")
            if f.dim() == 0:
                f = f.view(1)
            if f.dim() != 1 or f.numel() == 0:
                raise ValueError("FeatureDeletion: features must be a non-empty 1-d list of column ids")
            if (f < 0).any():
                raise ValueError(f"FeatureDeletion: negative feature id {int(f.min())}")
            if f.unique().numel() != f.numel():
                raise ValueError("FeatureDeletion: a feature id is listed more than once")
            self.features = f.sort().values

    def __len__(self) -> int:
        return self.nodes.numel()

    def __repr__(self) -> str:
        cols = "all features" if self.features is None else f"{self.features.numel()} features"
        return f"FeatureDeletion({len(self)} nodes, {cols})"

    def validate(self, data) -> None:
        _check_range(self.nodes, data.num_nodes, "FeatureDeletion")
        if getattr(data, "x", None) is None:
            raise ValueError("FeatureDeletion: the graph has no node features")
        if self.features is not None and int(self.features.max()) >= data.x.size(1):
            raise ValueError(f"FeatureDeletion: feature id {int(self.features.max())} is out of range for "
                             f"{data.x.size(1)} features")
        if not _is_node_split(data):
            raise ValueError("FeatureDeletion applies to node-classification splits (NodeSplit); for link "
                             "prediction use NodeDeletion")
        train = torch.isin(self.nodes, data.train_idx.cpu())
        if not bool(train.all()):
            raise ValueError(f"FeatureDeletion: node {int(self.nodes[~train][0])} is not a training node")

    def apply(self, data):
        self.validate(data)
        from ..tasks.node_classification import build_node_problem

        return build_node_problem(data, self.nodes, "features", self.features)
