"""The unlearners of the sample task (vision / text / regression), one file per method, and
the methods written once for every task (:mod:`graph_unlearn.core.methods`: Retrain, FineTune,
GradientAscent, NegGradPlus)."""
from ...core.methods import FineTune, GradientAscent, NegGradPlus, Retrain
from .acu import ACU
from .bad_teacher import BadTeacher
from .base import GeneralUnlearner
from .blindspot import Blindspot
from .datamodel import DatamodelMatching
from .gaussian_amnesiac import GaussianAmnesiac
from .l1_sparse import L1Sparse
from .laf import LAF
from .npo import NPO
from .random_labels import RandomLabels
from .salun import SalUn
from .scrub import SCRUB
from .sharded_adapters import ShardedAdapters
from .ssd import SSD

#: method name -> class
GENERAL_METHODS = {cls.name: cls for cls in (Retrain, FineTune, GradientAscent, NegGradPlus, RandomLabels,
                                             BadTeacher, SCRUB, SSD, SalUn, L1Sparse, Blindspot,
                                             GaussianAmnesiac, NPO, ACU, ShardedAdapters, LAF,
                                             DatamodelMatching)}


def get_general_method(name: str, **options):
    """An unlearner by name (see :data:`GENERAL_METHODS`) with its options."""
    if name not in GENERAL_METHODS:
        raise ValueError(f"unknown method {name!r}: use one of {', '.join(GENERAL_METHODS)}")
    return GENERAL_METHODS[name](**options)


__all__ = ["GeneralUnlearner", "Retrain", "FineTune", "GradientAscent", "NegGradPlus", "RandomLabels", "BadTeacher",
           "SCRUB", "SSD", "SalUn", "L1Sparse", "Blindspot", "GaussianAmnesiac", "NPO", "ACU", "ShardedAdapters", "LAF",
           "DatamodelMatching", "GENERAL_METHODS",
           "get_general_method"]
