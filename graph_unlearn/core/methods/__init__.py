"""The methods written once for every task (link, node, rec, sample), against the task protocol
(:mod:`graph_unlearn.core.task`): :class:`Retrain` (the exact reference), :class:`FineTune`,
:class:`GradientAscent` and :class:`NegGradPlus` (the retain/forget loop of
:mod:`graph_unlearn.core.retain_forget`, which MMRecUn also runs). Each domain's registry
(``graph_unlearn.methods.ALL_METHODS``, ``recsys.METHODS``, ``graph_unlearn.general.GENERAL_METHODS``)
lists them beside the domain's own methods."""
from .finetune import FineTune
from .gradient_ascent import GradientAscent
from .neggrad_plus import NegGradPlus
from .retrain import Retrain

__all__ = ["FineTune", "GradientAscent", "NegGradPlus", "Retrain"]
