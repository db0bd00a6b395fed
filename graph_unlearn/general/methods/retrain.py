"""Retrain: the exact reference. A freshly initialised copy of the architecture trained from
scratch on the retained data :math:`D_r` with the original recipe (``data.recipe``, or the
``epochs`` / ``lr`` given here)."""
from __future__ import annotations

from dataclasses import replace

from ...core.options import check_int, check_positive
from ..models import reinitialize
from ..task import fit
from .base import GeneralUnlearner


class Retrain(GeneralUnlearner):
    """Args: ``epochs`` / ``lr`` / ``batch_size`` override the dataset recipe (default ``None``:
    the recipe the original was trained with)."""

    name = "retrain"
    changes_parameters = False  # a reference, not an edit of the original weights

    def __init__(self, epochs: int | None = None, lr: float | None = None, batch_size: int | None = None, **kw):
        check_int(self, "batch_size", batch_size, allow_none=True)
        super().__init__(batch_size=batch_size or 64, **kw)
        check_int(self, "epochs", epochs, allow_none=True)
        check_positive(self, "lr", lr, allow_none=True)
        self.epochs, self.lr, self.batch_size = epochs, lr, batch_size

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        cfg = data.recipe
        cfg = replace(cfg, **{k: v for k, v in (("epochs", self.epochs), ("lr", self.lr),
                                                 ("batch_size", self.batch_size)) if v is not None})
        new = reinitialize(model, self.seed).to(self.device)
        fit(new, pb.xr, pb.yr, pb.loss, cfg, seed=self.seed, device=self.device)
        return new, cfg.epochs, {}
