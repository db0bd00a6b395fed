"""General (vision / text / regression) unlearners for any ``torch.nn.Module``, on offline data.

>>> from graph_unlearn.general import load_general_dataset, make_request, train_original, SCRUB
>>> data = load_general_dataset("digits")
>>> request = make_request(data, "random", fraction=0.1)
>>> model = train_original(data)
>>> result = SCRUB().unlearn(model, data, request)      # result.model is a new model
"""
from .data import (DATASETS, ForgetRequest, ForgetSplit, GeneralData, TrainConfig, load_diabetes_data,
                   load_digits_data, load_general_dataset, load_mnist5k, load_rotten_tomatoes, make_request)
from .evaluate import evaluate_general
from .experiment import run_general_experiment
from .methods import (GENERAL_METHODS, SCRUB, SSD, BadTeacher, Blindspot, FineTune, GaussianAmnesiac,
                      GeneralUnlearner, GradientAscent, L1Sparse, NegGradPlus, RandomLabels, Retrain, SalUn,
                      get_general_method)
from .models import MLP, SmallCNN, make_model, predict, reinitialize
from ..core.losses import LOSSES, resolve_loss
from .task import SampleTask, fit, train_original

__all__ = [
    "DATASETS", "ForgetRequest", "ForgetSplit", "GeneralData", "TrainConfig", "load_general_dataset",
    "load_digits_data", "load_mnist5k", "load_rotten_tomatoes", "load_diabetes_data", "make_request",
    "evaluate_general", "run_general_experiment",
    "GENERAL_METHODS", "get_general_method", "GeneralUnlearner", "Retrain", "FineTune", "GradientAscent",
    "NegGradPlus", "RandomLabels", "BadTeacher", "SCRUB", "SSD", "SalUn", "L1Sparse", "Blindspot",
    "GaussianAmnesiac", "MLP", "SmallCNN", "make_model", "reinitialize", "LOSSES", "fit", "predict",
    "resolve_loss", "train_original", "SampleTask",
]
from .methods import ACU, LAF, NPO, ShardedAdapters  # noqa: E402
from .models import penultimate_features  # noqa: E402
from .worst_case import worst_case_request  # noqa: E402

__all__ += ["NPO", "ACU", "ShardedAdapters", "LAF", "penultimate_features", "worst_case_request"]
