r"""Gradient ascent: maximise the task loss on the forget set,
:math:`\max_\theta \mathcal{L}(\theta; D_f)` (unbounded: few steps, small learning rate)."""
from __future__ import annotations

from ...core.options import check_int, check_positive
from ...core.unlearner import clone_model
from .base import GeneralUnlearner


class GradientAscent(GeneralUnlearner):
    """Args: ``epochs`` over :math:`D_f` (default 1), ``lr`` (1e-4), ``batch_size`` (64), ``loss``."""

    name = "gradient_ascent"

    def __init__(self, epochs: int = 1, lr: float = 1e-4, **kw):
        super().__init__(**kw)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        self.epochs, self.lr = epochs, lr

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        net = clone_model(model, self.device).train()
        self.train_epochs(net, pb.xf, pb.yf, pb.loss, epochs=self.epochs, lr=self.lr, gen=self.generator(), sign=-1.0)
        return net, self.epochs, {}
