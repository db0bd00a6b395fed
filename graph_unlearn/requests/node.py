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

from .base import DeletionRequest, check_mask_length, parse_ids
from .edge import EdgeUnlearningProblem, train_key_index


def _node_ids(values: Any, who: str) -> tuple[torch.Tensor, int | None]:
    return parse_ids(values, who, "node ids", allow_mask=True)


def _check_range(nodes: torch.Tensor, n: int, who: str, mask_length: int | None = None) -> None:
    check_mask_length(mask_length, n, who, "nodes")
    if int(nodes.max()) >= n:
        raise ValueError(f"{who}: node id {int(nodes.max())} is out of range for a graph with {n} nodes "
                         f"(valid node ids: 0..{n - 1})")


def _is_node_split(data) -> bool:
    from ..tasks.node_classification import NodeSplit

    return isinstance(data, NodeSplit)


class NodeDeletion(DeletionRequest):
    """Request to forget nodes: their features, every incident edge, and their labels.

    Args:
        nodes: node ids (a 1-d integer tensor / numpy array / pandas Series / list / tuple /
            range, or a single int), or a 1-d **boolean mask over all nodes** (a bool tensor /
            array / Series; ``True`` = delete), whose length must equal the graph's number of
            nodes (checked by ``apply``). A Python list of booleans, booleans mixed into ids
            (``[5, True]``), floats, negative or repeated ids are refused.
    """

    kind = "nodes"

    def __init__(self, nodes: Any):
        self.nodes, self.mask_length = _node_ids(nodes, "NodeDeletion")

    def __len__(self) -> int:
        return self.nodes.numel()

    def __repr__(self) -> str:
        return f"NodeDeletion({len(self)} nodes)"

    def validate(self, data) -> None:
        _check_range(self.nodes, data.num_nodes, "NodeDeletion", self.mask_length)
        if _is_node_split(data):
            train = torch.isin(self.nodes, data.train_idx.cpu())
            if not bool(train.all()):
                bad = int(self.nodes[~train][0])
                raise ValueError(f"NodeDeletion: node {bad} is not a training node ({int((~train).sum())} of "
                                 f"{len(self)} requested nodes are not); only training data can be unlearned")
            if len(self) >= data.train_idx.numel():
                raise ValueError("NodeDeletion: the request deletes every training node; nothing would be retained")

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
        incident = _incident_training_edges(split, nodes)
        if incident.numel() == 0:
            raise ValueError("NodeDeletion: the requested nodes have no training edge; nothing to unlearn "
                             "for link prediction")
        x = split.x
        if x is not None:
            x = x.clone()
            x[nodes] = 0
        # only x changes (same shape): skip re-validating every edge set of the split, a full
        # pass over all training edges per request; keep the cached sorted training keys
        new_split = replace(split, x=x, _trusted=True)
        if "_train_key_index" in split.__dict__:
            new_split.__dict__["_train_key_index"] = split.__dict__["_train_key_index"]
        # retained edges, graph and hop masks (around the deleted nodes) built when first used
        problem = EdgeUnlearningProblem(new_split, split.train_pos[:, incident], base_graph=split.graph(),
                                        hop_seeds=nodes, forget_columns=incident)
        problem.deleted_nodes = nodes  # type: ignore[attr-defined]
        return problem


def _incident_training_edges(split, nodes: torch.Tensor) -> torch.Tensor:
    """The (sorted) columns of ``split.train_pos`` incident to one of ``nodes``, read from the
    nodes' rows of the training graph and the sorted training keys: the search touches the
    deleted nodes' edges, not every training edge."""
    g = split.graph()
    return train_key_index(split).columns(g.edge_index[:, g.out_edges(nodes)])


class FeatureDeletion(DeletionRequest):
    """Request to forget the feature rows of ``nodes`` (all columns, or only ``features``).

    Args:
        nodes: node ids whose features are revoked, in any form :class:`NodeDeletion` accepts
            (ids, or a boolean mask over all nodes, length checked by ``apply``).
        features: optional feature-column ids (or a boolean mask over the feature columns,
            length checked by ``apply``); ``None`` (default) = the whole row.
    """

    kind = "features"

    def __init__(self, nodes: Any, features: Any = None):
        self.nodes, self.mask_length = _node_ids(nodes, "FeatureDeletion")
        self.features, self.features_mask_length = None, None
        if features is not None:
            self.features, self.features_mask_length = parse_ids(features, "FeatureDeletion", "feature ids",
                                                                 allow_mask=True)

    def __len__(self) -> int:
        return self.nodes.numel()

    def __repr__(self) -> str:
        cols = "all features" if self.features is None else f"{self.features.numel()} features"
        return f"FeatureDeletion({len(self)} nodes, {cols})"

    def validate(self, data) -> None:
        _check_range(self.nodes, data.num_nodes, "FeatureDeletion", self.mask_length)
        if getattr(data, "x", None) is None:
            raise ValueError("FeatureDeletion: the graph has no node features")
        check_mask_length(self.features_mask_length, data.x.size(1), "FeatureDeletion", "feature columns")
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
