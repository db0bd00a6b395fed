r"""Selective Synaptic Dampening (Foster et al., AAAI 2024): no training. With diagonal Fisher
importances (mean squared batch gradients of the loss)

.. math:: I_D = \mathbb E_{D}[(\nabla_\theta \mathcal{L})^2],\quad
          I_f = \mathbb E_{D_f}[(\nabla_\theta \mathcal{L})^2],

every parameter with :math:`I_{f} > \alpha I_{D}` is dampened,
:math:`\theta \leftarrow \beta\,\theta` with :math:`\beta = \min(\lambda I_D / I_f, 1)`.
Defaults: selection weighting :math:`\alpha = 10`, dampening constant :math:`\lambda = 1`."""
from __future__ import annotations

import torch

from ...core.options import check_positive
from ...core.unlearner import clone_model
from .base import GeneralUnlearner


def fisher_diagonal(net, loss, x, y, batch_size: int) -> dict[str, torch.Tensor]:
    """Mean over batches of squared batch-mean gradients (the SSD importance estimate)."""
    imp = {n: torch.zeros_like(p) for n, p in net.named_parameters()}
    n_batches = 0
    for i in range(0, len(x), batch_size):
        net.zero_grad(set_to_none=True)
        loss(net(x[i:i + batch_size]), y[i:i + batch_size]).backward()
        for n, p in net.named_parameters():
            if p.grad is not None:
                imp[n] += p.grad.detach() ** 2
        n_batches += 1
    net.zero_grad(set_to_none=True)
    return {n: v / max(n_batches, 1) for n, v in imp.items()}


class SSD(GeneralUnlearner):
    """Args: ``selection_weight`` (α, 10), ``dampening`` (λ, 1), ``batch_size`` (64),
    ``loss`` hook."""

    name = "ssd"

    def __init__(self, selection_weight: float = 10.0, dampening: float = 1.0, **kw):
        super().__init__(**kw)
        check_positive(self, "selection_weight", selection_weight)
        check_positive(self, "dampening", dampening)
        self.selection_weight, self.dampening = selection_weight, dampening

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        net = clone_model(model, self.device).eval()
        x_all = torch.cat([pb.xr, pb.xf])
        y_all = torch.cat([pb.yr, pb.yf])
        perm = torch.randperm(len(x_all), generator=self.generator()).to(self.device)
        i_d = fisher_diagonal(net, pb.loss, x_all[perm], y_all[perm], self.batch_size)
        i_f = fisher_diagonal(net, pb.loss, pb.xf, pb.yf, self.batch_size)
        selected = total = 0
        with torch.no_grad():
            for n, p in net.named_parameters():
                sel = i_f[n] > self.selection_weight * i_d[n]
                beta = (self.dampening * i_d[n] / i_f[n].clamp_min(1e-30)).clamp(max=1.0)
                p[sel] = p[sel] * beta[sel]
                selected += int(sel.sum())
                total += sel.numel()
        return net, 0, {"dampened_fraction": round(selected / total, 6)}
