"""graph-unlearn: machine unlearning for graph neural networks and graph-based multimodal
recommenders, measured against retraining.

>>> from graph_unlearn import load_dataset, split_edges, GNN, EdgeDeletion, D2DGN
"""
from .core import Unlearner, UnlearnResult
from .data import Graph, load_dataset
from .methods import (D2DGN, METHODS, DescentToDelete, GNNDelete, GradientAscent, NegGradPlus, Retrain, UtU,
                      get_method)
from .models import GNN, TrainConfig, load_checkpoint, save_checkpoint, train_link_predictor
from .requests import EdgeDeletion, FeatureDeletion, NodeDeletion
from .tasks import LinkSplit, evaluate_link_unlearning, sample_forget_edges, split_edges

__version__ = "0.1.0"

__all__ = [
    "Unlearner", "UnlearnResult", "Graph", "load_dataset",
    "D2DGN", "GNNDelete", "GradientAscent", "NegGradPlus", "DescentToDelete", "Retrain", "UtU",
    "METHODS", "get_method", "GNN", "TrainConfig", "train_link_predictor", "save_checkpoint",
    "load_checkpoint", "EdgeDeletion", "LinkSplit", "split_edges", "sample_forget_edges",
    "evaluate_link_unlearning",
]

# node classification, node/feature deletion and sequential requests (issue 3)
from .tasks.node_classification import (NodeSplit, evaluate_node_unlearning, planetoid_split,  # noqa: E402
                                        random_node_split, sample_forget_nodes, train_node_classifier)
from .sequential import unlearn_sequence  # noqa: E402

__all__ += ["NodeDeletion", "FeatureDeletion", "NodeSplit", "planetoid_split", "random_node_split",
            "sample_forget_nodes", "train_node_classifier", "evaluate_node_unlearning", "unlearn_sequence"]
