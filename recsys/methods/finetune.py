r"""Fine-tune: continue BPR training on the retained interactions only (on the retained graph),
:math:`\min \mathcal{L}_{BPR}(D_r) + \lambda\,\tfrac{1}{2B}\|\Theta_{batch}\|^2`, for ``steps`` Adam steps."""
from __future__ import annotations

from graph_unlearn.core.optim import optimise
from graph_unlearn.core.options import check_int, check_non_negative, check_positive
from graph_unlearn.core.unlearner import clone_model

from ..training import batch_bpr
from .base import RecUnlearner


class FineTune(RecUnlearner):
    """Args: ``steps`` (50), ``lr`` (1e-3), ``reg`` (1e-4), ``batch_size`` (2048)."""

    name = "finetune"

    def __init__(self, steps: int = 50, lr: float = 1e-3, reg: float = 1e-4, **kw):
        super().__init__(**kw)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        check_non_negative(self, "reg", reg)
        self.steps, self.lr, self.reg = steps, lr, reg

    def _unlearn(self, model, data, request):
        p = self.problem(model, data, request, need_forget=False)
        student = clone_model(model, self.device).train()

        def objective(step):
            loss, _, _ = batch_bpr(student, p.graph, *p.retain.next(), self.reg)
            return loss, {}

        optimise(student.parameters(), objective, steps=self.steps, lr=self.lr)
        return student, self.steps, {}
