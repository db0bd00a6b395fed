r"""l1-sparse fine-tuning (Jia et al., NeurIPS 2023, "Model sparsity can simplify machine
unlearning"): fine-tune on :math:`D_r` with an :math:`\ell_1` penalty whose weight decays
linearly to zero,

.. math:: \min_\theta \mathcal{L}(\theta; D_r) + \gamma_t \lVert\theta\rVert_1,\qquad
          \gamma_t = \gamma\,(1 - t/T)."""
from __future__ import annotations

from ...core.options import check_int, check_non_negative, check_positive
from ...core.unlearner import clone_model
from ...core.optim import make_optimizer, take_step
from .base import GeneralUnlearner


class L1Sparse(GeneralUnlearner):
    """Args: ``gamma`` (5e-4), ``epochs`` (2), ``lr`` (1e-3), ``batch_size`` (64), ``loss`` hook."""

    name = "l1_sparse"

    def __init__(self, gamma: float = 5e-4, epochs: int = 2, lr: float = 1e-3, **kw):
        super().__init__(**kw)
        check_non_negative(self, "gamma", gamma)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        self.gamma, self.epochs, self.lr = gamma, epochs, lr

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        net = clone_model(model, self.device).train()
        opt, gen = make_optimizer(net.parameters(), self.lr), self.generator()
        plan = [idx for _ in range(self.epochs) for idx in self.epoch_batches(len(pb.xr), gen)]
        for t, idx in enumerate(plan):
            g = self.gamma * (1 - t / len(plan))
            l1 = sum(p.abs().sum() for p in net.parameters())
            take_step(opt, pb.loss(net(pb.xr[idx]), pb.yr[idx]) + g * l1)
        return net, self.epochs, {}
