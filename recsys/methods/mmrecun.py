r"""MMRecUn (Sinha, Mandal, Kankanhalli, AAAI 2025): start from the trained model and train with
reverse BPR on the forgotten interactions and forward BPR on the retained ones,

.. math::
    \mathcal{L}_r &= -\mathrm{mean}\,\ln\sigma(\hat y_{ui} - \hat y_{uj}),\ (u,i)\in D_r,\\
    \mathcal{L}_f &= -\mathrm{mean}\,\ln\sigma(\hat y_{uj} - \hat y_{ui}),\ (u,i)\in D_f
        \quad\text{(positive and negative swapped: bounded, unlike ascent)},\\
    \mathcal{L} &= \alpha\,\mathcal{L}_f + \beta\,\mathcal{L}_r + \lambda\,\|\Theta_{batch}\|^2,

on the retained graph (a deleted item's feature rows and item-item edges are gone). The sign
is pinned by a test: after MMRecUn the forgotten items score lower relative to negatives.
The paper's weights are not public: ``alpha``, ``beta``, ``reg`` (λ), ``steps`` and ``lr``
are options; the defaults are the values chosen on validation data in
``benchmarks/rec_unlearning.py`` (see its results file). Runs through the shared
:func:`~recsys.methods.base.retain_forget_unlearn` (the same loop as NegGrad+, swap vs negate).
"""
from __future__ import annotations

from graph_unlearn.core.options import check_choice, check_int, check_non_negative, check_positive

from .base import RecUnlearner, retain_forget_unlearn


class MMRecUn(RecUnlearner):
    """Args: ``alpha`` (forget weight, 0.5), ``beta`` (retain weight, 1.0), ``reg`` (λ, 1e-4),
    ``steps`` (30), ``lr`` (1e-3), ``optimizer`` ("adam" or "sgd"; SGD moves parameters in
    proportion to their gradient, so the large reverse-BPR gradients of the forget pairs act
    where Adam's per-coordinate normalisation would also amplify tiny retain gradients
    everywhere), ``batch_size`` (2048)."""

    name = "mmrecun"

    def __init__(self, alpha: float = 0.5, beta: float = 1.0, reg: float = 1e-4, steps: int = 30, lr: float = 1e-3,
                 optimizer: str = "adam", **kw):
        super().__init__(**kw)
        for name, value in (("alpha", alpha), ("beta", beta), ("reg", reg)):
            check_non_negative(self, name, value)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        check_choice(self, "optimizer", optimizer, ("adam", "sgd"))
        self.alpha, self.beta, self.reg, self.steps, self.lr = alpha, beta, reg, steps, lr
        self.optimizer = optimizer

    def _unlearn(self, model, data, request):
        return retain_forget_unlearn(self, model, data, request, mode="swap", retain_weight=self.beta,
                                     forget_weight=self.alpha, reg=self.reg, steps=self.steps, lr=self.lr,
                                     optimizer=self.optimizer)
