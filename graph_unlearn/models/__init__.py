"""Models: GNN encoders with a link decoder, their training and checkpoints, and the adapter
that lets users' own PyG / DGL modules through (:mod:`graph_unlearn.models.adapter`)."""
from .adapter import GraphModel, ModelConfig
from .dgl_gnn import DGLAdapter, DGLGCN
from .gnn import CONVS, GNN
from .training import TrainConfig, load_checkpoint, save_checkpoint, train_link_predictor

__all__ = ["CONVS", "GNN", "TrainConfig", "train_link_predictor", "save_checkpoint", "load_checkpoint",
           "GraphModel", "ModelConfig", "DGLAdapter", "DGLGCN"]
