"""Shared (cached) real-Cora node-classification setup for the node/sequential/DGL tests."""
from __future__ import annotations

import functools

import torch

def quick_config():
    from graph_unlearn import TrainConfig

    return TrainConfig(epochs=100, lr=0.01, weight_decay=5e-4, patience=5, eval_every=5)


@functools.lru_cache(maxsize=None)
def cora_node_split():
    from graph_unlearn import load_dataset
    from graph_unlearn.tasks.node_classification import random_node_split

    return random_node_split(load_dataset("Cora"), seed=0)


@functools.lru_cache(maxsize=None)
def cora_node_model():
    from graph_unlearn import GNN
    from graph_unlearn.tasks.node_classification import train_node_classifier

    split = cora_node_split()
    torch.manual_seed(0)
    model = GNN("gcn", split.num_features, hidden_channels=64, out_channels=split.num_classes, dropout=0.5)
    train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx, quick_config())
    return model


@functools.lru_cache(maxsize=None)
def forget_nodes(fraction: float = 0.05, seed: int = 0):
    from graph_unlearn.tasks.node_classification import sample_forget_nodes

    return sample_forget_nodes(cora_node_split(), fraction, seed=seed)


@functools.lru_cache(maxsize=None)
def cached_retrain():
    """Retrain (quick recipe) after deleting :func:`forget_nodes`: the UnlearnResult."""
    from graph_unlearn import NodeDeletion, Retrain

    return Retrain(config=quick_config()).unlearn(cora_node_model(), cora_node_split(),
                                                  NodeDeletion(forget_nodes()))
