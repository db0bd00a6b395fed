"""Graph unlearning methods, one file each, one interface:
``Method(**options).unlearn(model, data, request) -> UnlearnResult``."""
from .d2dgn import D2DGN
from .descent_to_delete import DescentToDelete
from .gnndelete import GNNDelete, GNNDeleteModel
from .gradient_ascent import GradientAscent
from .neggrad_plus import NegGradPlus
from .retrain import Retrain
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


def get_method(name: str, **options):
    """Instantiate a method by its CLI name."""
    key = name.strip().lower().replace("-", "_")
    if key not in METHODS:
        raise ValueError(f"unknown method {name!r}; available: {', '.join(METHODS)}")
    return METHODS[key](**options)


__all__ = ["D2DGN", "DescentToDelete", "GNNDelete", "GNNDeleteModel", "GradientAscent", "NegGradPlus",
           "Retrain", "UtU", "METHODS", "get_method"]
