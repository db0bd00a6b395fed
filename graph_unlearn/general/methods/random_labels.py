r"""Random labels (Golatkar et al. 2020; the "RL" baseline of SalUn): fine-tune on the forget
data with wrong targets while replaying the retained data,

.. math:: \mathcal{L} = \mathcal{L}(x_f, \tilde y_f) + \mathcal{L}(x_r, y_r),

with :math:`\tilde y_f` a uniformly random *other* class (classification) or a target drawn
from the retained targets (regression). :func:`random_label_finetune` is shared with SalUn,
which runs the same loop on a saliency-masked subset of the weights."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ...core.options import check_int, check_non_negative, check_positive
from ...core.unlearner import clone_model
from ...core.optim import make_optimizer, take_step
from ..task import paired_batches
from .base import GeneralUnlearner, Problem, random_other_labels


def random_targets(pb: Problem, gen: torch.Generator) -> torch.Tensor:
    """Wrong targets for the forget set (fixed for the whole run)."""
    if pb.task == "classification":
        return random_other_labels(pb.yf, pb.num_classes, gen)
    pick = torch.randint(0, len(pb.yr), (len(pb.yf),), generator=gen).to(pb.yr.device)
    return pb.yr[pick]


def random_label_finetune(net: nn.Module, pb: Problem, *, epochs: int, lr: float, batch_size: int,
                          gen: torch.Generator, device, retain_weight: float = 1.0,
                          grad_hook: Callable[[nn.Module], None] | None = None) -> nn.Module:
    """``epochs`` passes over :math:`D_f` with random targets, each forget batch paired with a
    retained batch weighted by ``retain_weight`` (0 = forget data only)."""
    y_tilde = random_targets(pb, gen)
    opt = make_optimizer(net.parameters(), lr)
    net.train()
    for _ in range(epochs):
        for jf, ir in paired_batches(len(pb.xf), len(pb.xr), batch_size, gen, device):
            loss = pb.loss(net(pb.xf[jf]), y_tilde[jf])
            if retain_weight:
                loss = loss + retain_weight * pb.loss(net(pb.xr[ir]), pb.yr[ir])
            take_step(opt, loss, net, grad_hook)
    return net


class RandomLabels(GeneralUnlearner):
    """Args: ``epochs`` over :math:`D_f` (default 3), ``lr`` (1e-3), ``retain_weight`` (1.0),
    ``batch_size`` (64), ``loss`` hook."""

    name = "random_labels"

    def __init__(self, epochs: int = 3, lr: float = 1e-3, retain_weight: float = 1.0, **kw):
        super().__init__(**kw)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        check_non_negative(self, "retain_weight", retain_weight)
        self.epochs, self.lr, self.retain_weight = epochs, lr, retain_weight

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        net = clone_model(model, self.device)
        random_label_finetune(net, pb, epochs=self.epochs, lr=self.lr, batch_size=self.batch_size,
                              gen=self.generator(), device=self.device, retain_weight=self.retain_weight)
        return net, self.epochs, {}
