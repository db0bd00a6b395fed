"""Recommender models (one per file) and the graphs they propagate on."""
from .base import RecModel, bpr_loss
from .freedom import FREEDOM
from .graph import RecGraph, build_graph, item_item_graph, knn_edges, user_item_adjacency
from .lightgcn import LightGCN
from .pyg import PyGLightGCN, as_rec_model, is_pyg_lightgcn
from .vbpr import VBPR

MODELS = {"lightgcn": LightGCN, "vbpr": VBPR, "freedom": FREEDOM}


def make_model(name: str, data, **kw) -> RecModel:
    """``name`` in :data:`MODELS`, sized for ``data`` (modalities taken from it)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}: use one of {sorted(MODELS)}")
    if name == "lightgcn":
        return LightGCN(data.num_users, data.num_items, **kw)
    return MODELS[name](data.num_users, data.num_items, data.modality_dims(), **kw)


__all__ = ["RecModel", "bpr_loss", "LightGCN", "VBPR", "FREEDOM", "RecGraph", "build_graph", "item_item_graph",
           "knn_edges", "user_item_adjacency", "MODELS", "make_model", "PyGLightGCN", "as_rec_model", "is_pyg_lightgcn"]
