r"""Gradient ascent: increase the link loss of the deleted edges,
:math:`\theta \leftarrow \theta + \eta\nabla_\theta \mathcal{L}_{BCE}(D_f)`, on the retained graph.
Unbounded, so it runs a small fixed number of steps (it cannot use the forget set to stop).
For node/feature deletion the loss is the cross-entropy of the forgotten nodes, queried with
their original data."""
from __future__ import annotations

from ..core.options import check_int, check_positive
from ..core.retain_forget import retain_forget_steps
from ..core.unlearner import clone_model
from .base import GraphUnlearner, task_ops


class GradientAscent(GraphUnlearner):
    """Args: ``steps`` (default 10), ``lr`` (default 1e-3)."""

    name = "gradient_ascent"

    def __init__(self, steps: int = 10, lr: float = 1e-3, **kw):
        super().__init__(**kw)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        self.steps, self.lr = steps, lr

    def _unlearn(self, model, data, request):
        problem = self.problem(data, request)
        ops = task_ops(problem)
        student = clone_model(model, self.device).train()

        def losses(step):
            zq = ops.outputs(student, query=True)
            return zq.new_zeros(()), -ops.forget_loss(student, zq)

        retain_forget_steps(student.parameters(), losses, steps=self.steps, retain_weight=0.0, forget_weight=1.0,
                            lr=self.lr, progress=self.progress(self.steps))
        return student, self.steps, {}
