"""Tasks: splits, losses and evaluation for each learning problem, and the link / node task of
the task protocol (:mod:`graph_unlearn.tasks.graph`, registered on import)."""
from .graph import GraphTask
from .link_prediction import (LinkSplit, edge_scores, evaluate_link_unlearning, link_bce_loss, random_pairs, sample_forget_edges,
                              sample_non_edges, split_edges)

__all__ = ["GraphTask", "LinkSplit", "edge_scores", "evaluate_link_unlearning", "link_bce_loss", "random_pairs", "sample_forget_edges",
           "sample_non_edges", "split_edges"]
