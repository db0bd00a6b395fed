r"""SCRUB (Kurmanji et al., NeurIPS 2023): a student initialised from the teacher
:math:`\theta_o` alternates *min-steps* on the retained data (below) with *max-steps* on the
forget data (in the first ``max_epochs`` epochs)

.. math:: \max_\theta\; \tau^2\,\mathrm{KL}(p^{o}_\tau \| p^{\theta}_\tau)\big|_{D_f}

and the min-steps

.. math:: \min_\theta\; \alpha\,\tau^2\,\mathrm{KL}(p^{o}_\tau \| p^{\theta}_\tau)\big|_{D_r}
          + \gamma\,\mathcal{L}(\theta; D_r),

using :func:`graph_unlearn.core.distillation.distillation_kl` and the task's loss hook.
Each epoch runs its min-steps *before* its max-steps: at the start the student equals the
teacher, where the KL and its gradient are exactly zero, so a max-step first would be a no-op
for a model without dropout or batch norm. The last epochs (``epochs - max_epochs``) are
min-steps only, repairing the retained performance.
Defaults: τ = 4, α = 1 (KL weight), γ = 1, 3 epochs with 2 max-epochs."""
from __future__ import annotations

import torch

from ...core.distillation import distillation_kl
from ...core.options import OptionError, check_fraction, check_int, check_non_negative, check_positive
from ...core.unlearner import clone_model
from ...core.optim import make_optimizer, take_step
from .base import GeneralUnlearner


class SCRUB(GeneralUnlearner):
    """Args: ``epochs`` (3), ``max_epochs`` (2), ``temperature`` (4.0), ``retain_weight`` (α, 1.0), ``gamma``
    (1.0), ``lr`` (5e-4), ``forget_lr`` (the max-step learning rate, default = ``lr``),
    ``batch_size`` (64), ``forget_batch_size`` (16), ``retain_fraction`` of :math:`D_r` visited by
    each epoch's min-steps (1.0). Classification only."""

    name = "scrub"
    tasks = ("classification",)

    def __init__(self, epochs: int = 3, max_epochs: int = 2, temperature: float = 4.0, retain_weight: float = 1.0,
                 gamma: float = 1.0, lr: float = 5e-4, forget_lr: float | None = None, forget_batch_size: int = 16,
                 retain_fraction: float = 1.0, **kw):
        super().__init__(**kw)
        check_int(self, "epochs", epochs)
        check_int(self, "max_epochs", max_epochs, minimum=0)
        if max_epochs > epochs:
            raise OptionError(f"SCRUB: max_epochs ({max_epochs}) cannot exceed epochs ({epochs})")
        check_positive(self, "temperature", temperature)
        check_non_negative(self, "retain_weight", retain_weight)
        check_non_negative(self, "gamma", gamma)
        check_positive(self, "lr", lr)
        check_positive(self, "forget_lr", forget_lr, allow_none=True)
        check_int(self, "forget_batch_size", forget_batch_size)
        check_fraction(self, "retain_fraction", retain_fraction, low_open=True)
        self.epochs, self.max_epochs, self.temperature = epochs, max_epochs, temperature
        self.retain_weight, self.gamma, self.lr, self.forget_lr = retain_weight, gamma, lr, forget_lr
        self.forget_batch_size, self.retain_fraction = forget_batch_size, retain_fraction

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        teacher = clone_model(model, self.device).eval()
        student = clone_model(model, self.device).train()
        opt = make_optimizer(student.parameters(), self.lr)
        opt_max = make_optimizer(student.parameters(), self.forget_lr or self.lr)
        gen = self.generator()
        for epoch in range(self.epochs):
            n_r = max(1, int(round(self.retain_fraction * len(pb.xr))))
            for idx in self.epoch_batches(len(pb.xr), gen)[: -(-n_r // self.batch_size)]:
                with torch.no_grad():
                    t = teacher(pb.xr[idx])
                out = student(pb.xr[idx])
                loss = self.retain_weight * distillation_kl(out, t, self.temperature) + self.gamma * pb.loss(out, pb.yr[idx])
                take_step(opt, loss)
            if epoch < self.max_epochs:
                for idx in self.epoch_batches(len(pb.xf), gen, self.forget_batch_size):
                    with torch.no_grad():
                        t = teacher(pb.xf[idx])
                    take_step(opt_max, -distillation_kl(student(pb.xf[idx]), t, self.temperature))
        return student, self.epochs, {}
