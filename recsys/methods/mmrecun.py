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

============  =====================  =========  =====  =============  ===============================
request kind  :math:`w_f`            Adam lr    steps  reset_deleted  mean cost (before)
============  =====================  =========  =====  =============  ===============================
users         0.25                   1e-3       100    yes            0.034 (0.572: 0.1 / 3e-3 / 100)
items         0 (reset + retain)     1e-3       30     yes            0.029 (0.487: 0.25 / 3e-3 / 300)
interactions  1                      1e-4       30     no             0.849 (0.851 for 4 / 1e-4 / 30)
modality      0.5 (no forget set)    1e-3       30     no             0.000 (validation term only; tied)
============  =====================  =========  =====  =============  ===============================

``reset_deleted`` (users and items): the deleted users' (items') own parameter rows are set to a
fresh initialisation and held there through the steps, so the loss moves only what they share
with others. A retrain never updates those rows (no batch holds a deleted user; a removed item is
never a positive nor a negative), so this is where retraining leaves them. The fresh seed is
drawn from the method's generator, never the original's: the original's users were pulled
towards the items' *initial* vectors (and items towards the users'), so restoring those keeps
a trace: with the original's seed the attack stayed at 0.69-0.73 on ML-100K's first 300 users
(15-user requests, so noisy; LightGCN, FREEDOM, and items on LightGCN). It was added after the users cliff: without it, a setting flipped from
"remembers" (attack AUC 1) to "over-forgets" (AUC 0) within a factor of 3 in lr or steps, at a
different place per model (the previous users default: LightGCN 0.98, FREEDOM 0.57, VBPR 0.75
on the tuning request; with it: 0.53, 0.51, 0.49). Interactions: no setting in the grid that
keeps 95% of validation Recall@20 brings the attack near 0.5. An Adam step moves each coordinate
by about ``lr`` whatever its gradient. SGD is not a default: its good learning rate differed
100-fold across the three models.
"""
from __future__ import annotations

import contextlib

import torch

from graph_unlearn.core.options import check_bool
from graph_unlearn.core.retain_forget import RetainForgetUnlearner
from graph_unlearn.core.unlearner import Unlearner


class MMRecUn(RetainForgetUnlearner, Unlearner):
    """Args: ``forget_weight`` (:math:`w_f`), ``retain_weight`` (:math:`w_r`, 1.0), ``reg``
    (:math:`\\lambda`, 1e-4), ``steps`` or ``epochs`` (passes over :math:`D_r`), ``lr``: left at
    ``None``, :math:`w_f`, ``steps``, ``lr`` and ``reset_deleted`` take the request kind's tuned
    default (:attr:`KIND_DEFAULTS`: users 0.25 / 1e-3 / 100 with reset, items 0 / 1e-3 / 30 with
    reset, interactions 1 / 1e-4 / 30, modality 0.5 / 1e-3 / 30; ``benchmarks/tune_rec_defaults.py``);
    options given explicitly always win. ``reset_deleted`` (user and item deletions only): start
    the deleted users' or items' own rows from a fresh initialisation and hold them there. ``optimizer`` ("adam" or "sgd"; SGD moves parameters in
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
    KIND_DEFAULTS = {"users": {"forget_weight": 0.25, "lr": 1e-3, "steps": 100, "reset_deleted": True},
                     "items": {"forget_weight": 0.0, "lr": 1e-3, "steps": 30, "reset_deleted": True},
                     "interactions": {"forget_weight": 1.0, "lr": 1e-4, "steps": 30},
                     "modality": {"forget_weight": 0.5, "lr": 1e-3, "steps": 30}}

    def __init__(self, forget_weight: float | None = None, retain_weight: float | None = None,
                 reg: float | None = None, steps: int | None = None, epochs: int | None = None,
                 lr: float | None = None, batch_size: int | None = None, optimizer: str = "adam",
                 reset_deleted: bool | None = None, **kw):
        super().__init__(**kw)
        if reset_deleted is not None:
            check_bool(self, "reset_deleted", reset_deleted)
        self._init_options(forget_weight=forget_weight, retain_weight=retain_weight, reg=reg, steps=steps,
                           epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
                           reset_deleted=reset_deleted)

    TUNABLE = RetainForgetUnlearner.TUNABLE + ("reset_deleted",)

    def check_task(self, task) -> None:
        super().check_task(task)
        kind = getattr(getattr(task, "request", None), "kind", None)
        if self.reset_deleted and kind not in ("users", "items"):
            raise ValueError(f"{self.name}: reset_deleted=True resets deleted users' or items' own rows; a {kind!r} "
                             f"request deletes neither (leave reset_deleted unset)")

    @contextlib.contextmanager
    def prepared(self, student, task, opts: dict):
        """With ``reset_deleted``: the deleted users' (items') own rows are set to a fresh
        initialisation (:meth:`recsys.task.RecTask.reset_deleted_rows`, seed drawn from the
        method's generator) and held there through the steps (their gradient rows are zeroed), as
        a retrain leaves them; the loss then moves only what they share with others."""
        opts["reset_deleted"] = bool(opts.get("reset_deleted"))
        if not opts["reset_deleted"]:
            yield {}
            return
        seed = int(torch.randint(2**62, (1,), generator=self.generator()))
        owned = task.reset_deleted_rows(student, seed)
        handles = [table.register_hook(lambda g, rows=rows: g.index_fill(0, rows, 0.0)) for table, rows in owned]
        try:
            yield {"reset_rows": sum(int(rows.numel()) for _, rows in owned)}
        finally:
            for handle in handles:
                handle.remove()

    def task_defaults(self, task) -> dict:
        """The request kind's defaults (:attr:`KIND_DEFAULTS`) over the task's (``TASK_DEFAULTS``)."""
        kind = getattr(getattr(task, "request", None), "kind", None)
        return {**super().task_defaults(task), **self.KIND_DEFAULTS.get(kind, {})}
