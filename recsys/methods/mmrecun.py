r"""MMRecUn (Sinha, Mandal, Kankanhalli, AAAI 2025): start from the trained model and train with
reverse BPR on the forgotten interactions and forward BPR on the retained ones,

.. math::
    \mathcal{L}_r &= -\mathrm{mean}\,\ln\sigma(\hat y_{ui} - \hat y_{uj}),\ (u,i)\in D_r,\\
    \mathcal{L}_f &= -\mathrm{mean}\,\ln\sigma(\hat y_{uj} - \hat y_{ui}),\ (u,i)\in D_f
        \quad\text{(positive and negative swapped: bounded, unlike ascent)},\\
    \mathcal{L} &= w_f\,\mathcal{L}_f + w_r\,\mathcal{L}_r + \lambda\,\|\Theta_{batch}\|^2,

on the retained graph (a deleted item's feature rows and item-item edges are gone). The sign
is pinned by a test: after MMRecUn the forgotten items score lower relative to negatives.
It is the retain/forget loop every task shares
(:class:`~graph_unlearn.core.retain_forget.RetainForgetUnlearner`) with the forget loss
*swapped* instead of negated (NegGrad+); the paper's :math:`\alpha` (forget) and :math:`\beta`
(retain) are ``forget_weight`` and ``retain_weight`` here. The paper's weights are not public;
the defaults (:math:`w_f = 0.5`, :math:`w_r = 1`, :math:`\lambda = 10^{-4}`, 30 steps of 2,048
interactions, Adam lr 1e-3) are the paper's loss with the BPR training recipe's learning rate
and regulariser, not tuned (``benchmarks/rec_unlearning.py`` tunes per request kind on a
separate request and reports the chosen settings beside the defaults).
"""
from __future__ import annotations

from graph_unlearn.core.retain_forget import RetainForgetUnlearner
from graph_unlearn.core.unlearner import Unlearner


class MMRecUn(RetainForgetUnlearner, Unlearner):
    """Args: ``forget_weight`` (:math:`w_f`, 0.5), ``retain_weight`` (:math:`w_r`, 1.0), ``reg``
    (:math:`\\lambda`, 1e-4), ``steps`` (30) or ``epochs`` (passes over :math:`D_r`), ``lr``
    (1e-3), ``optimizer`` ("adam" or "sgd"; SGD moves parameters in proportion to their gradient,
    so the large reverse-BPR gradients of the forget pairs act where Adam's per-coordinate
    normalisation would also amplify tiny retain gradients everywhere), ``batch_size`` (2048)."""

    name = "mmrecun"
    supports = ("rec",)
    reverse = "swap"
    TASK_DEFAULTS = {"rec": {"forget_weight": 0.5, "retain_weight": 1.0, "reg": 1e-4, "steps": 30, "lr": 1e-3,
                             "batch_size": 2048}}

    def __init__(self, forget_weight: float | None = None, retain_weight: float | None = None,
                 reg: float | None = None, steps: int | None = None, epochs: int | None = None,
                 lr: float | None = None, batch_size: int | None = None, optimizer: str = "adam", **kw):
        super().__init__(**kw)
        self._init_options(forget_weight=forget_weight, retain_weight=retain_weight, reg=reg, steps=steps,
                           epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer)
