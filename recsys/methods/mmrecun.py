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
trained on ML-100K: the lowest mean cost over the three models, cost
:math:`|R@20_{forget} - \text{never-seen target}| / \max(\text{target}, 0.05) + 2\max(0, 1 -
R@20_{valid} / R@20_{valid}(\text{original}))`, among the settings keeping 95% of the original's
validation Recall@20 on every model:

============  =====================  =========  =====  ==========================================
request kind  :math:`w_f`            Adam lr    steps  mean cost (previous default's)
============  =====================  =========  =====  ==========================================
users         0.1                    1e-2       300    0.302 (3.850: forgot nothing)
items         1                      1e-4       30     0.173 (0.377)
interactions  4                      1e-4       30     0.161 (0.302)
modality      0.5 (no forget set)    1e-3       30     0.000 (kept: the previous default; tied)
============  =====================  =========  =====  ==========================================

An Adam step moves each coordinate by about ``lr`` whatever its gradient, so a small
:math:`w_f` with a large ``lr`` still moves what only the forget loss touches (a deleted user's
own embedding) while the shared item parameters follow mostly the retain loss. The previous
single default (:math:`w_f = 0.5`, lr 1e-3, 30 steps) left a deleted user's items where they
were (tuning forget Recall@20 0.21 against the chance target 0.012). For items and
interactions the chosen lr 1e-4 barely moves the model: a deleted item, gone from the retained
graph, is already ranked at or below chance by the original, and a forgotten interaction (tuning
forget Recall@20 0.35-0.40 against validation 0.29-0.34) could be pushed toward the target only
by settings that cost FREEDOM more than 5% of its validation Recall@20. SGD is not a default:
its good learning rate differed 100-fold across the three models.
"""
from __future__ import annotations

from graph_unlearn.core.retain_forget import RetainForgetUnlearner
from graph_unlearn.core.unlearner import Unlearner


class MMRecUn(RetainForgetUnlearner, Unlearner):
    """Args: ``forget_weight`` (:math:`w_f`), ``retain_weight`` (:math:`w_r`, 1.0), ``reg``
    (:math:`\\lambda`, 1e-4), ``steps`` or ``epochs`` (passes over :math:`D_r`), ``lr``: left at
    ``None``, :math:`w_f`, ``steps`` and ``lr`` take the request kind's tuned default
    (:attr:`KIND_DEFAULTS`: users 0.1 / 1e-2 / 300, items 1 / 1e-4 / 30,
    interactions 4 / 1e-4 / 30, modality 0.5 / 1e-3 / 30; ``benchmarks/tune_rec_defaults.py``);
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
    KIND_DEFAULTS = {"users": {"forget_weight": 0.1, "lr": 1e-2, "steps": 300},
                     "items": {"forget_weight": 1.0, "lr": 1e-4, "steps": 30},
                     "interactions": {"forget_weight": 4.0, "lr": 1e-4, "steps": 30},
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
