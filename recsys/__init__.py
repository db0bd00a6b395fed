"""Multimodal recommender unlearning: interaction-graph data, recommender models, deletion
requests, MMRecUn and its baselines, full-ranking evaluation.

>>> from recsys import MMRecUn, ItemDeletion, load_dataset, make_model, train_bpr
>>> data = load_dataset("ml100k-mm")
>>> model = make_model("lightgcn", data); train_bpr(model, data)
>>> result = MMRecUn().unlearn(model, data, ItemDeletion([1, 2, 3]))

Your own data and model: ``load_dataset(df)`` / ``load_dataset("file.csv")`` (raw ids kept,
``UserDeletion(data.user_index(["alice"]))``), and PyG's ``LightGCN`` accepted by every method
(see :mod:`recsys.models.pyg`).
"""
from .data import InteractionData, load_dataset, load_mmrec, load_movielens100k, load_recbole, per_user_split, \
    prepare_ml100k_mm
from .evaluation import evaluate, interaction_mia, rank_topk
from .methods import METHODS, FineTune, GradientAscent, MMRecUn, NegGradPlus, Retrain
from .models import FREEDOM, MODELS, VBPR, LightGCN, PyGLightGCN, build_graph, make_model
from .requests import InteractionDeletion, ItemDeletion, ModalityDeletion, RecDeletion, UserDeletion, sample_request
from .training import BPRConfig, train_bpr
from .task import RecTask  # registers the rec task

__all__ = ["InteractionData", "load_dataset", "load_mmrec", "load_movielens100k", "load_recbole", "per_user_split",
           "prepare_ml100k_mm", "evaluate", "interaction_mia", "rank_topk", "METHODS", "Retrain", "MMRecUn", "FineTune",
           "GradientAscent", "NegGradPlus", "MODELS", "LightGCN", "PyGLightGCN", "VBPR", "FREEDOM", "build_graph",
           "make_model",
           "UserDeletion", "ItemDeletion", "InteractionDeletion", "ModalityDeletion", "RecDeletion", "sample_request",
           "train_bpr", "BPRConfig", "RecTask"]
