r"""Blindspot (Tarun, Chundawat, Mandal, Kankanhalli, ICML 2023, "Deep regression unlearning").
A *blindspot* proxy of the same architecture is trained briefly (``proxy_epochs``) from random
initialisation on the retained data only, so it has never seen :math:`D_f`. The original is then tuned for ``epochs``
(default 1, as in the paper) on paired batches of :math:`D_r` and :math:`D_f` with

.. math:: \mathcal{L} = \mathcal{L}(\theta; D_r)
   + w\Big(\lVert f_\theta(x_f) - f_{bs}(x_f)\rVert_1
   + \lambda \sum_l \big\lVert a_l^\theta(x_f) - a_l^{bs}(x_f)\big\rVert_2\Big),

where :math:`a_l = \mathrm{vec}(h_l^2) / \lVert \mathrm{vec}(h_l^2) \rVert_2` is the
attention map of the model's ``features(x)[l]`` (channel-summed for conv maps), and
:math:`\lambda` = ``attention_weight`` = 50, :math:`w` = ``forget_weight`` = 1. Works for any loss
hook (L1/MSE regression, cross-entropy)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...core.options import check_int, check_non_negative, check_positive
from ...core.unlearner import clone_model
from ..data import TrainConfig
from ..models import reinitialize
from ..task import fit
from ...core.optim import make_optimizer, take_step
from ..task import paired_batches
from .base import GeneralUnlearner


def attention_map(h: torch.Tensor) -> torch.Tensor:
    """L2-normalised squared activations per sample (summed over channels for ``[n, c, h, w]``)."""
    a = h.pow(2)
    if a.dim() == 4:
        a = a.sum(1)
    return F.normalize(a.flatten(1), dim=1)


class Blindspot(GeneralUnlearner):
    """Args: ``proxy_epochs`` (10), ``proxy_lr`` (1e-3), ``epochs`` (1), ``lr`` (1e-3),
    ``attention_weight`` (50.0), ``forget_weight`` (1.0), ``batch_size`` (32), ``loss`` hook. The model needs a
    ``features(x)`` method returning its intermediate activations (both bundled models have
    one); without it only the output L1 term is used."""

    name = "blindspot"

    def __init__(self, proxy_epochs: int = 10, proxy_lr: float = 1e-3, epochs: int = 1, lr: float = 1e-3,
                 attention_weight: float = 50.0, forget_weight: float = 1.0, batch_size: int = 32, **kw):
        super().__init__(batch_size=batch_size, **kw)
        check_int(self, "proxy_epochs", proxy_epochs)
        check_positive(self, "proxy_lr", proxy_lr)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        check_non_negative(self, "attention_weight", attention_weight)
        check_non_negative(self, "forget_weight", forget_weight)
        self.proxy_epochs, self.proxy_lr, self.epochs, self.lr = proxy_epochs, proxy_lr, epochs, lr
        self.attention_weight, self.forget_weight = attention_weight, forget_weight

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        proxy = reinitialize(model, self.seed + 1).to(self.device)
        fit(proxy, pb.xr, pb.yr, pb.loss, TrainConfig(self.proxy_epochs, self.proxy_lr, self.batch_size),
            seed=self.seed, device=self.device)
        proxy.eval()
        net = clone_model(model, self.device).train()
        has_feats = hasattr(net, "features")
        opt, gen = make_optimizer(net.parameters(), self.lr), self.generator()
        for _ in range(self.epochs):
            for ir, jf in paired_batches(len(pb.xr), len(pb.xf), self.batch_size, gen, self.device):
                xf = pb.xf[jf]
                with torch.no_grad():
                    p_out = proxy(xf)
                    p_feats = proxy.features(xf) if has_feats else []
                f_out = net(xf)
                forget = F.l1_loss(f_out, p_out)
                if has_feats:
                    for h, hp in zip(net.features(xf), p_feats):
                        att = (attention_map(h) - attention_map(hp)).norm(dim=1).mean()
                        forget = forget + self.attention_weight * att
                take_step(opt, pb.loss(net(pb.xr[ir]), pb.yr[ir]) + self.forget_weight * forget)
        return net, self.epochs, {}
