"""Shared fixtures: real Cora, loaded offline from ../shared/datasets through a cached copy."""
from __future__ import annotations

import os
import tempfile

import pytest
import torch

# keep test caches away from the user's cache, and the suite single-threaded and quiet
os.environ.setdefault("GRAPH_UNLEARN_CACHE", os.path.join(tempfile.gettempdir(), "graph-unlearn-test-cache"))
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope="module")
def one_thread():
    """Single-threaded torch for a module of many small tensor operations, which a second
    intra-op thread slows down many times on a busy machine (restored afterwards). Use with
    ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def cora():
    from graph_unlearn import load_dataset

    return load_dataset("Cora")


@pytest.fixture(scope="session")
def cora_split(cora):
    from graph_unlearn import split_edges

    return split_edges(cora, seed=0)


@pytest.fixture(scope="session")
def quick_config():
    from graph_unlearn import TrainConfig

    return TrainConfig(epochs=100, eval_every=5, patience=4)


@pytest.fixture(scope="session")
def cora_model(cora_split, quick_config):
    """A GCN link predictor trained on the Cora training graph (the original model)."""
    from graph_unlearn import GNN, train_link_predictor

    torch.manual_seed(0)
    model = GNN("gcn", cora_split.num_features)
    train_link_predictor(model, cora_split.x, cora_split.graph(), cora_split.train_pos, cora_split.val_pos,
                         cora_split.val_neg, quick_config)
    return model


@pytest.fixture(scope="session")
def cora_request(cora_split):
    from graph_unlearn import EdgeDeletion, sample_forget_edges

    return EdgeDeletion(sample_forget_edges(cora_split, 0.05, "out", seed=0))


@pytest.fixture(scope="session")
def cora_retrain(cora_model, cora_split, cora_request, quick_config):
    from graph_unlearn import Retrain

    return Retrain(config=quick_config).unlearn(cora_model, cora_split, cora_request)


@pytest.fixture(scope="session")
def small_rec():
    """A small LightGCN on the first 80 users of ML-100K (2 epochs): ``(data, model)``."""
    from graph_unlearn.core.rng import seeded_rng
    from recsys import LightGCN, load_dataset, train_bpr

    data = load_dataset("ml100k").first_users(80)
    with seeded_rng(0):
        model = LightGCN(data.num_users, data.num_items, dim=16, num_layers=1)
    train_bpr(model, data, epochs=2, eval_every=1, patience=1, batch_size=1024, lr=1e-2)
    return data, model
