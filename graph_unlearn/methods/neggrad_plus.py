r"""NegGrad+: descend on the retained edges, ascend on the deleted ones,

.. math:: \mathcal{L} = \alpha\,\mathcal{L}_{BCE}(D_r) - (1-\alpha)\,\mathcal{L}_{BCE}(D_f),

through the shared loop :func:`graph_unlearn.core.retain_forget_steps` (the same one MMRecUn
runs with a swapped instead of negated forget loss). For node/feature deletion the losses are
the cross-entropy of the retained training nodes and of the forgotten nodes (queried with their
original data)."""
from __future__ import annotations

from ..core.options import check_fraction, check_int, check_positive
from ..core.retain_forget import retain_forget_steps
from ..core.unlearner import clone_model
from .base import RETAIN_BATCH, GraphUnlearner, task_ops


class NegGradPlus(GraphUnlearner):
    """Args: ``alpha`` (retain weight, default 0.5), ``steps`` (default 50), ``lr`` (1e-3),
    ``batch_size`` of retained edges per step (default 65536; ``None`` = all)."""

    name = "neggrad_plus"

    def __init__(self, alpha: float = 0.5, steps: int = 50, lr: float = 1e-3, batch_size: int | None = RETAIN_BATCH, **kw):
        super().__init__(**kw)
        check_fraction(self, "alpha", alpha)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        check_int(self, "batch_size", batch_size, allow_none=True)
        self.alpha, self.steps, self.lr, self.batch_size = alpha, steps, lr, batch_size

    def _unlearn(self, model, data, request):
        problem = self.problem(data, request)
        ops = task_ops(problem)
        student = clone_model(model, self.device).train()
        gen = self.generator()

        def losses(step):
            z = ops.outputs(student)
            zq = z if ops.same_view else ops.outputs(student, query=True)
            return (ops.retain_loss(student, z, gen, self.batch_size), -ops.forget_loss(student, zq))

        retain_forget_steps(student.parameters(), losses, steps=self.steps, retain_weight=self.alpha,
                            forget_weight=1 - self.alpha, lr=self.lr, progress=self.progress(self.steps))
        return student, self.steps, {}
