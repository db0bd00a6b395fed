"""graph-unlearn: machine unlearning for graph neural networks and graph-based multimodal
recommenders, measured against retraining.

>>> from graph_unlearn import load_dataset, split_edges, GNN, EdgeDeletion, D2DGN
"""
from .core import Unlearner, UnlearnResult
from .data import Graph, load_dataset
from .methods import (ALL_METHODS, D2DGN, GIF, METHODS, DescentToDelete, FineTune, GNNDelete, GradientAscent,
                      GraphEraser, NegGradPlus, Retrain, UtU, get_method)
from .models import (GNN, DGLAdapter, DGLGCN, GraphModel, ModelConfig, TrainConfig, load_checkpoint, save_checkpoint,
                     train_link_predictor)
from .requests import EdgeDeletion, FeatureDeletion, NodeDeletion
from .sequential import unlearn_sequence
from .tasks import LinkSplit, evaluate_link_unlearning, sample_forget_edges, split_edges
from .tasks.node_classification import (NodeSplit, evaluate_node_unlearning, planetoid_split, random_node_split,
                                        sample_forget_nodes, train_node_classifier)

__version__ = "0.1.0"

__all__ = [
    "Unlearner", "UnlearnResult", "Graph", "load_dataset",
    "D2DGN", "GNNDelete", "GradientAscent", "NegGradPlus", "DescentToDelete", "Retrain", "UtU", "GIF", "FineTune",
    "GraphEraser", "METHODS", "ALL_METHODS", "get_method",
    "GNN", "TrainConfig", "train_link_predictor", "save_checkpoint", "load_checkpoint",
    "ModelConfig", "GraphModel", "DGLAdapter", "DGLGCN",
    "EdgeDeletion", "NodeDeletion", "FeatureDeletion",
    "LinkSplit", "split_edges", "sample_forget_edges", "evaluate_link_unlearning",
    "NodeSplit", "planetoid_split", "random_node_split", "sample_forget_nodes", "train_node_classifier",
    "evaluate_node_unlearning", "unlearn_sequence",
]
