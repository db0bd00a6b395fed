r"""NegGrad+ for recommenders: descend BPR on the retained interactions, ascend it on the
forgotten ones,

.. math:: \mathcal{L} = \alpha\,\mathcal{L}_{BPR}(D_r) - (1-\alpha)\,\mathcal{L}_{BPR}(D_f)
          + \lambda\,\|\Theta_{batch}\|^2,

through the same loop as MMRecUn (:func:`~recsys.methods.base.retain_forget_unlearn`) with a
*negated* instead of a *swapped* forget loss."""
from __future__ import annotations

from .base import RecUnlearner, retain_forget_unlearn


class NegGradPlus(RecUnlearner):
    """Args: ``alpha`` (retain weight, 0.9), ``reg`` (1e-4), ``steps`` (30), ``lr`` (1e-3),
    ``batch_size`` (2048)."""

    name = "neggrad_plus"

    def __init__(self, alpha: float = 0.9, reg: float = 1e-4, steps: int = 30, lr: float = 1e-3, **kw):
        super().__init__(**kw)
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        self.alpha, self.reg, self.steps, self.lr = alpha, reg, steps, lr

    def _unlearn(self, model, data, request):
        return retain_forget_unlearn(self, model, data, request, mode="negate", retain_weight=self.alpha,
                                     forget_weight=1 - self.alpha, reg=self.reg, steps=self.steps, lr=self.lr)
