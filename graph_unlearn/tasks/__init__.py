"""Tasks: splits, losses and evaluation for each learning problem."""
from .link_prediction import (LinkSplit, edge_scores, evaluate_link_unlearning, link_bce_loss, random_pairs, sample_forget_edges,
                              sample_non_edges, split_edges)

__all__ = ["LinkSplit", "edge_scores", "evaluate_link_unlearning", "link_bce_loss", "random_pairs", "sample_forget_edges",
           "sample_non_edges", "split_edges"]
