r"""Bad Teacher (Chundawat et al., AAAI 2023): a student initialised from :math:`\theta_o` is
distilled from a *competent* teacher (the frozen original) on retained data and from an
*incompetent* teacher (a frozen, randomly initialised copy of the architecture) on the
forget data,

.. math:: \mathcal{L} = \alpha\,\tau^2\,\mathrm{KL}(p^{o}_\tau \| p^{s}_\tau)\big|_{D_r'}
   + (1-\alpha)\,\tau^2\,\mathrm{KL}(p^{rand}_\tau \| p^{s}_\tau)\big|_{D_f},

using the shared :func:`graph_unlearn.core.distillation.two_teacher_loss` (the same objective
as D2DGN on graphs). :math:`D_r'` is a random ``retain_fraction`` (30%) of :math:`D_r`; batches
are drawn from :math:`D_r' \cup D_f` and :math:`\alpha` is each batch's retained share, so the
loss is the per-sample mean of the paper. Defaults from the paper: τ = 1, Adam 1e-4, 1 epoch."""
from __future__ import annotations

import torch

from ...core.distillation import two_teacher_loss
from ...core.options import check_fraction, check_int, check_positive
from ...core.unlearner import clone_model
from ..models import reinitialize
from ...core.optim import make_optimizer, take_step
from .base import GeneralUnlearner


class BadTeacher(GeneralUnlearner):
    """Args: ``retain_fraction`` (0.3), ``temperature`` (1.0), ``lr`` (1e-4), ``epochs`` (1),
    ``batch_size`` (64). Classification only (distils class distributions)."""

    name = "bad_teacher"
    tasks = ("classification",)

    def __init__(self, retain_fraction: float = 0.3, temperature: float = 1.0, lr: float = 1e-4,
                 epochs: int = 1, **kw):
        super().__init__(**kw)
        check_fraction(self, "retain_fraction", retain_fraction, low_open=True)
        check_positive(self, "temperature", temperature)
        check_positive(self, "lr", lr)
        check_int(self, "epochs", epochs)
        self.retain_fraction, self.temperature, self.lr, self.epochs = retain_fraction, temperature, lr, epochs

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        gen = self.generator()
        preserver = clone_model(model, self.device).eval()
        destroyer = reinitialize(model, self.seed + 1).to(self.device).eval()
        student = clone_model(model, self.device).train()
        n_r = max(1, int(round(self.retain_fraction * len(pb.xr))))
        keep = torch.randperm(len(pb.xr), generator=gen)[:n_r].to(self.device)
        x = torch.cat([pb.xr[keep], pb.xf])
        is_forget = torch.cat([torch.zeros(n_r, dtype=torch.bool), torch.ones(len(pb.xf), dtype=torch.bool)])
        is_forget = is_forget.to(self.device)
        opt = make_optimizer(student.parameters(), self.lr)
        for _ in range(self.epochs):
            for idx in self.epoch_batches(len(x), gen):
                xb, fb = x[idx], is_forget[idx]
                with torch.no_grad():
                    t_keep, t_forget = preserver(xb[~fb]), destroyer(xb[fb])
                out = student(xb)
                share = float((~fb).float().mean())
                loss, _ = two_teacher_loss(out[~fb], t_keep, out[fb], t_forget, retain_weight=share,
                                           forget_weight=1.0 - share,
                                           temperature=self.temperature)
                take_step(opt, loss)
        return student, self.epochs, {"retain_subset": n_r}
