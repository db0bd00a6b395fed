r"""SalUn (Fan et al., ICLR 2024): saliency-based unlearning. A weight saliency mask

.. math:: m = \mathbb 1\big[\,|\nabla_\theta \mathcal{L}(\theta_o; D_f)| \ge \gamma\,\big]

keeps the ``fraction`` (default 50%) of weights with the largest forget-loss gradient
magnitude (one global threshold :math:`\gamma`), then random-label fine-tuning
(:func:`~graph_unlearn.general.methods.random_labels.random_label_finetune`) updates only the
masked weights (:math:`\theta \leftarrow \theta - \eta\, m \odot g`)."""
from __future__ import annotations

import torch

from ...core.options import check_fraction, check_int, check_non_negative, check_positive
from ...core.unlearner import clone_model
from .base import GeneralUnlearner
from .random_labels import random_label_finetune


def saliency_mask(net, pb, fraction: float, batch_size: int) -> dict[str, torch.Tensor]:
    """Boolean masks (per parameter) of the top ``fraction`` of :math:`|\\nabla \\mathcal{L}(D_f)|`."""
    grads = {n: torch.zeros_like(p) for n, p in net.named_parameters()}
    net.eval()
    for i in range(0, len(pb.xf), batch_size):
        net.zero_grad(set_to_none=True)
        pb.loss(net(pb.xf[i:i + batch_size]), pb.yf[i:i + batch_size], reduction="sum").backward()
        for n, p in net.named_parameters():
            if p.grad is not None:
                grads[n] += p.grad.detach()
    net.zero_grad(set_to_none=True)
    flat = torch.cat([g.abs().flatten() for g in grads.values()])
    k = max(1, int(round(fraction * flat.numel())))
    threshold = torch.topk(flat, k, sorted=True).values[-1]
    return {n: g.abs() >= threshold for n, g in grads.items()}


class SalUn(GeneralUnlearner):
    """Args: ``fraction`` of weights updated (0.5), ``epochs`` over :math:`D_f` (3), ``lr`` (1e-3),
    ``retain_weight`` (1.0), ``batch_size`` (64), ``loss`` hook."""

    name = "salun"

    def __init__(self, fraction: float = 0.5, epochs: int = 3, lr: float = 1e-3, retain_weight: float = 1.0, **kw):
        super().__init__(**kw)
        check_fraction(self, "fraction", fraction, low_open=True)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        check_non_negative(self, "retain_weight", retain_weight)
        self.fraction, self.epochs, self.lr, self.retain_weight = fraction, epochs, lr, retain_weight

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        net = clone_model(model, self.device)
        masks = saliency_mask(net, pb, self.fraction, 256)

        def mask_grads(m):
            for n, p in m.named_parameters():
                if p.grad is not None:
                    p.grad.mul_(masks[n])

        random_label_finetune(net, pb, epochs=self.epochs, lr=self.lr, batch_size=self.batch_size,
                              gen=self.generator(), device=self.device, retain_weight=self.retain_weight,
                              grad_hook=mask_grads)
        kept = sum(int(m.sum()) for m in masks.values()) / sum(m.numel() for m in masks.values())
        return net, self.epochs, {"mask_fraction": round(kept, 4)}
