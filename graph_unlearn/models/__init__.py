"""Models: GNN encoders with a link decoder, their training and checkpoints."""
from .gnn import CONVS, GNN
from .training import TrainConfig, load_checkpoint, save_checkpoint, train_link_predictor

__all__ = ["CONVS", "GNN", "TrainConfig", "train_link_predictor", "save_checkpoint", "load_checkpoint"]
