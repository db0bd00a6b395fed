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
(retain) are ``forget_weight`` and ``retain_weight`` here. The paper's weights are not public.

Defaults per request kind (:attr:`MMRecUn.KIND_DEFAULTS` over :math:`w_r = 1`,
:math:`\lambda = 10^{-4}`, batches of 2,048 interactions, Adam), chosen by
``benchmarks/tune_rec_defaults.py`` (results: ``benchmarks/results/tune_rec_defaults.{md,json}``)
on 5% *tuning* requests (seed 999; no evaluated request is used) for LightGCN, FREEDOM and VBPR
trained on ML-100K without a matched holdout of the same kind: the lowest mean cost over the
three models, cost :math:`|AUC - 0.5| / \max(|AUC_{original} - 0.5|, 0.05) + 2\max(0, 1 -
R@20_{valid} / R@20_{valid}(\text{original}))` with AUC the matched-holdout attack (forget set
against never-seen data: 0.5 = forgotten, below = over-forgotten), among the settings keeping
95% of the original's validation Recall@20 on every model:

============  =====================  =========  =====  ==========================================
request kind  :math:`w_f`            Adam lr    steps  mean cost (previous default's)
============  =====================  =========  =====  ==========================================
users         0.1                    3e-3       100    0.572 (1.020 for 0.1 / 1e-2 / 300: AUC 0)
items         0.25                   3e-3       300    0.487 (0.773 for 1 / 1e-4 / 30)
interactions  1                      1e-4       30     0.849 (0.851 for 4 / 1e-4 / 30)
modality      0.5 (no forget set)    1e-3       30     0.000 (validation term only; tied)
============  =====================  =========  =====  ==========================================

The first tuning scored the forget set's Recall@20 against a never-seen target (chance for
users) and chose 0.1 / 1e-2 / 300 for users, which drove the deleted users' interactions to
Recall@20 0, far below never-seen users: the evaluated yardstick measured it over-forgetting
(attack AUC 0.000 against retrain's 0.456). On users the attack is a cliff: a setting flips from
"remembers" (AUC 1) to "over-forgets" (AUC 0) within a factor of 3 in lr or steps, at a different
place per model, so no setting forgets users well on all three (the chosen one: LightGCN 0.98,
FREEDOM 0.57, VBPR 0.75 on the tuning request). Interactions: no setting in the grid that keeps
95% of validation Recall@20 brings the attack near 0.5. An Adam step moves each coordinate by
about ``lr`` whatever its gradient, so a small :math:`w_f` with a large ``lr`` still moves what
only the forget loss touches (a deleted user's own embedding). SGD is not a default: its good
learning rate differed 100-fold across the three models.
"""
from __future__ import annotations

from graph_unlearn.core.retain_forget import RetainForgetUnlearner
from graph_unlearn.core.unlearner import Unlearner


class MMRecUn(RetainForgetUnlearner, Unlearner):
    """Args: ``forget_weight`` (:math:`w_f`), ``retain_weight`` (:math:`w_r`, 1.0), ``reg``
    (:math:`\\lambda`, 1e-4), ``steps`` or ``epochs`` (passes over :math:`D_r`), ``lr``: left at
    ``None``, :math:`w_f`, ``steps`` and ``lr`` take the request kind's tuned default
    (:attr:`KIND_DEFAULTS`: users 0.1 / 3e-3 / 100, items 0.25 / 3e-3 / 300,
    interactions 1 / 1e-4 / 30, modality 0.5 / 1e-3 / 30; ``benchmarks/tune_rec_defaults.py``);
    options given explicitly always win. ``optimizer`` ("adam" or "sgd"; SGD moves parameters in
    proportion to their gradient, so the large reverse-BPR gradients of the forget pairs act where
    Adam's per-coordinate normalisation would also amplify tiny retain gradients everywhere),
    ``batch_size`` (2048)."""

    name = "mmrecun"
    supports = ("rec",)
    reverse = "swap"
    #: any request (the previous single default; a request kind without a tuned layer keeps it)
    TASK_DEFAULTS = {"rec": {"forget_weight": 0.5, "retain_weight": 1.0, "reg": 1e-4, "steps": 30, "lr": 1e-3,
                             "batch_size": 2048}}
    #: per request kind (``task.request.kind``), over ``TASK_DEFAULTS["rec"]``: chosen by
    #: ``benchmarks/tune_rec_defaults.py`` (``benchmarks/results/tune_rec_defaults.md``)
    KIND_DEFAULTS = {"users": {"forget_weight": 0.1, "lr": 3e-3, "steps": 100},
                     "items": {"forget_weight": 0.25, "lr": 3e-3, "steps": 300},
                     "interactions": {"forget_weight": 1.0, "lr": 1e-4, "steps": 30},
                     "modality": {"forget_weight": 0.5, "lr": 1e-3, "steps": 30}}

    def __init__(self, forget_weight: float | None = None, retain_weight: float | None = None,
                 reg: float | None = None, steps: int | None = None, epochs: int | None = None,
                 lr: float | None = None, batch_size: int | None = None, optimizer: str = "adam", **kw):
        super().__init__(**kw)
        self._init_options(forget_weight=forget_weight, retain_weight=retain_weight, reg=reg, steps=steps,
                           epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer)

    def task_defaults(self, task) -> dict:
        """The request kind's defaults (:attr:`KIND_DEFAULTS`) over the task's (``TASK_DEFAULTS``)."""
        kind = getattr(getattr(task, "request", None), "kind", None)
        return {**super().task_defaults(task), **self.KIND_DEFAULTS.get(kind, {})}
