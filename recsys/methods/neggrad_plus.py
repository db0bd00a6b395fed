r"""NegGrad+ for recommenders: descend BPR on the retained interactions, ascend it on the
forgotten ones,

.. math:: \mathcal{L} = \alpha\,\mathcal{L}_{BPR}(D_r) - (1-\alpha)\,\mathcal{L}_{BPR}(D_f)
          + \lambda\,\|\Theta_{batch}\|^2,

through the same loop as MMRecUn (:func:`~recsys.methods.base.retain_forget_unlearn`) with a
*negated* instead of a *swapped* forget loss."""
from __future__ import annotations

from graph_unlearn.core.options import check_fraction, check_int, check_non_negative, check_positive

from .base import RecUnlearner, retain_forget_unlearn


class NegGradPlus(RecUnlearner):
    """Args: ``alpha`` (retain weight, 0.9), ``reg`` (1e-4), ``steps`` (30), ``lr`` (1e-3),
    ``batch_size`` (2048)."""

    name = "neggrad_plus"

    def __init__(self, alpha: float = 0.9, reg: float = 1e-4, steps: int = 30, lr: float = 1e-3, **kw):
        super().__init__(**kw)
        check_fraction(self, "alpha", alpha)
        check_non_negative(self, "reg", reg)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        self.alpha, self.reg, self.steps, self.lr = alpha, reg, steps, lr

    def _unlearn(self, model, data, request):
        return retain_forget_unlearn(self, model, data, request, mode="negate", retain_weight=self.alpha,
                                     forget_weight=1 - self.alpha, reg=self.reg, steps=self.steps, lr=self.lr)
