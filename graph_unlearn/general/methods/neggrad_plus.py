r"""NegGrad+ (Kurmanji et al. 2023): descend on retained data, ascend on the forget data,

.. math:: \mathcal{L} = \alpha\,\mathcal{L}(D_r) - (1-\alpha)\,\mathcal{L}(D_f),

run by the shared loop :func:`graph_unlearn.core.retain_forget_steps` with the forget term
reversed by :func:`graph_unlearn.core.reversed_loss` (``"negate"``) — the same loop as the graph
NegGrad+ and MMRecUn, with the task's loss hook."""
from __future__ import annotations

from ...core.options import check_fraction, check_int, check_positive
from ...core.retain_forget import retain_forget_steps, reversed_loss
from ...core.unlearner import clone_model
from .base import GeneralUnlearner, paired_batches


class NegGradPlus(GeneralUnlearner):
    """Args: ``alpha`` (retain weight, default 0.95), ``epochs`` over :math:`D_r` (1),
    ``lr`` (1e-3), ``batch_size`` (64), ``loss`` hook."""

    name = "neggrad_plus"

    def __init__(self, alpha: float = 0.95, epochs: int = 1, lr: float = 1e-3, **kw):
        super().__init__(**kw)
        check_fraction(self, "alpha", alpha)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        self.alpha, self.epochs, self.lr = alpha, epochs, lr

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        net = clone_model(model, self.device).train()
        gen = self.generator()
        plan = [p for _ in range(self.epochs)
                for p in paired_batches(len(pb.xr), len(pb.xf), self.batch_size, gen, self.device)]
        forget_loss = reversed_loss(lambda out, y: pb.loss(out, y), "negate")

        def losses(i):
            ir, jf = plan[i]
            return pb.loss(net(pb.xr[ir]), pb.yr[ir]), forget_loss(net(pb.xf[jf]), pb.yf[jf])

        retain_forget_steps(net.parameters(), losses, steps=len(plan), retain_weight=self.alpha,
                            forget_weight=1 - self.alpha, lr=self.lr)
        return net, self.epochs, {}
