r"""Descent-to-Delete (Neel et al., 2021): from :math:`\theta_o`, a few gradient steps on the
retained data, then Gaussian noise :math:`\theta \leftarrow \theta + \mathcal{N}(0, \sigma^2 I)`
that masks what the steps could not remove."""
from __future__ import annotations

import torch

from ..core.optim import optimise
from ..core.options import check_int, check_non_negative, check_positive
from ..core.unlearner import clone_model
from ..tasks.graph import RETAIN_BATCH
from .base import GraphUnlearner


class DescentToDelete(GraphUnlearner):
    """Args: ``steps`` on :math:`D_r` (default 20), ``lr`` (1e-3), ``noise_std`` :math:`\\sigma`
    (default 1e-3, absolute), ``batch_size`` of retained edges per step (default 65536; ``None`` = all)."""

    name = "descent_to_delete"
    samples_graphs = True

    def __init__(self, steps: int = 20, lr: float = 1e-3, noise_std: float = 1e-3, batch_size: int | None = RETAIN_BATCH,
                 **kw):
        super().__init__(**kw)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        check_non_negative(self, "noise_std", noise_std)
        check_int(self, "batch_size", batch_size, allow_none=True)
        self.steps, self.lr, self.noise_std, self.batch_size = steps, lr, noise_std, batch_size

    def _unlearn(self, model, data, request):
        ops = self.ops(data, request)
        student = clone_model(model, self.device).train()
        gen = self.generator()

        def objective(step):
            sel = ops.draw(gen, self.batch_size)
            return ops.retain_loss(student, ops.outputs(student), sel), {}

        optimise(student.parameters(), objective, steps=self.steps, lr=self.lr, progress=self.progress(self.steps))
        with torch.no_grad():
            for p in student.parameters():
                p.add_(torch.randn(p.shape, generator=gen).to(p.device) * self.noise_std)
        return student, self.steps, {}
