r"""Gradient ascent on BPR over the forgotten interactions,
:math:`\min -\mathcal{L}_{BPR}(D_f)` (unbounded: the score gap is pushed towards -∞; stop
early), on the retained graph."""
from __future__ import annotations

from graph_unlearn.core.optim import optimise
from graph_unlearn.core.options import check_int, check_positive
from graph_unlearn.core.unlearner import clone_model

from ..training import batch_bpr
from .base import RecUnlearner


class GradientAscent(RecUnlearner):
    """Args: ``steps`` (10), ``lr`` (1e-3), ``batch_size`` (2048)."""

    name = "gradient_ascent"

    def __init__(self, steps: int = 10, lr: float = 1e-3, **kw):
        super().__init__(**kw)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        self.steps, self.lr = steps, lr

    def _unlearn(self, model, data, request):
        p = self.problem(model, data, request, need_retain=False)
        student = clone_model(model, self.device).train()

        def objective(step):
            loss, _, _ = batch_bpr(student, p.graph, *p.forget.next())
            return -loss, {}

        optimise(student.parameters(), objective, steps=self.steps, lr=self.lr)
        return student, self.steps, {}
