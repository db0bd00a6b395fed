"""Recommender unlearning methods: MMRecUn (the one written for recommenders) and the methods
written once for every task (:mod:`graph_unlearn.core.methods`). ``"gold"`` is retrain, as the
recommender-unlearning literature and this package's reports call the exact reference."""
from graph_unlearn.core.methods import FineTune, GradientAscent, NegGradPlus, Retrain

from .mmrecun import MMRecUn

METHODS = {"gold": Retrain, "mmrecun": MMRecUn, "finetune": FineTune, "gradient_ascent": GradientAscent,
           "neggrad_plus": NegGradPlus}

__all__ = ["Retrain", "MMRecUn", "FineTune", "GradientAscent", "NegGradPlus", "METHODS"]
