"""Graph unlearning methods (link and node tasks), one file each, one interface:
``Method(**options).unlearn(model, data, request) -> UnlearnResult``; with the methods written
once for every task (:mod:`graph_unlearn.core.methods`: Retrain, FineTune, GradientAscent,
NegGradPlus)."""
from ..core.methods import FineTune, GradientAscent, NegGradPlus, Retrain
from .d2dgn import D2DGN
from .descent_to_delete import DescentToDelete
from .gif import GIF
from .gnndelete import GNNDelete, GNNDeleteModel
from .graph_eraser import GraphEraser, ShardEnsemble
from .npo import NPO
from .utu import UtU

#: names used by the CLI and the benchmarks
METHODS = {
    "retrain": Retrain,
    "utu": UtU,
    "gradient_ascent": GradientAscent,
    "neggrad_plus": NegGradPlus,
    "descent_to_delete": DescentToDelete,
    "gnndelete": GNNDelete,
    "d2dgn": D2DGN,
}

#: every method, by name: METHODS plus GIF (edges, nodes, features) and GraphEraser (nodes and
#: features only). Kept apart from METHODS so the edge CLI/benchmark defaults stay as they are.
ALL_METHODS = {**METHODS, "gif": GIF, "graph_eraser": GraphEraser, "npo": NPO, "finetune": FineTune}


def get_method(name: str, **options):
    """Instantiate a method by its CLI name."""
    key = name.strip().lower().replace("-", "_")
    if key not in ALL_METHODS:
        raise ValueError(f"unknown method {name!r}; available: {', '.join(ALL_METHODS)}")
    return ALL_METHODS[key](**options)


__all__ = ["D2DGN", "DescentToDelete", "GNNDelete", "GNNDeleteModel", "GradientAscent", "NegGradPlus",
           "Retrain", "UtU", "FineTune", "METHODS", "get_method", "GIF", "GraphEraser", "ShardEnsemble", "ALL_METHODS", "NPO"]
