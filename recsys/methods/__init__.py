"""Recommender unlearning methods, one per file, all :class:`graph_unlearn.core.Unlearner`s."""
from .base import RecUnlearner, retain_forget_unlearn
from .finetune import FineTune
from .gold import Gold
from .gradient_ascent import GradientAscent
from .mmrecun import MMRecUn
from .neggrad_plus import NegGradPlus

METHODS = {"gold": Gold, "mmrecun": MMRecUn, "finetune": FineTune, "gradient_ascent": GradientAscent,
           "neggrad_plus": NegGradPlus}

__all__ = ["RecUnlearner", "retain_forget_unlearn", "Gold", "MMRecUn", "FineTune", "GradientAscent", "NegGradPlus",
           "METHODS"]
