r"""Worst-case forget sets (after Fan et al., "Challenging Forgets: Unveiling the Worst-Case
Forget Sets in Machine Unlearning", ECCV 2024), approximated cheaply.

The paper selects the forget set by a bi-level problem: sample weights :math:`w\in\{0,1\}^n`
with :math:`\sum w = k` that *maximise* how far an unlearner's result on the selected set stays
from the ideal (retrain), the lower level being the unlearning itself. Solving it needs an
unlearning run per outer step; here it is linearised per sample:

* the cheap unlearners the paper attacks stay close to the original model on the forget set,
  so their per-sample loss is approximated by the **in-sample** loss of a model trained on
  all training data;
* retrain's per-sample loss is approximated by the **out-of-fold** loss of the same model
  trained without the sample (K-fold cross-fitting, :math:`K = 5`);
* the per-sample gap :math:`s_i = \ell^{oof}_i - \ell^{in}_i` (a memorisation score) is the
  upper-level objective restricted to :math:`\{i\}`; the worst-case set is the greedy top-:math:`k`
  by :math:`s_i`, i.e. the exact maximiser of the summed (additive) surrogate.

The proxy model is a multinomial logistic regression on standardised inputs (``C = 10``, weak
regularisation so that it can memorise; classification) or ridge regression (regression,
squared error), fitted with fold assignment seeded by ``seed``: deterministic, seconds on
MNIST-5k, no network trained. What it ignores: interactions between the selected samples (the
additive surrogate) and the network's own memorisation, which differs from a linear model's.
Nothing in it was tuned; the proxy's settings (K = 5, C = 10) are fixed choices. In
``benchmarks/results/general_recent.md`` (digits, seeds 0-2) every approximate method's gap to
retrain in forget accuracy grew from 2-3 points on random 10% sets to 13-20 points on these.
"""
from __future__ import annotations

import numpy as np
import torch

from .data import ForgetRequest, GeneralData


def memorisation_scores(data: GeneralData, *, folds: int = 5, seed: int = 0, c: float = 10.0) -> np.ndarray:
    """Per-training-sample :math:`\\ell^{oof}_i - \\ell^{in}_i` of the linear proxy (see module docstring)."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    x = data.x_train.detach().cpu().double().numpy()
    y = data.y_train.detach().cpu().numpy()
    classification = data.task == "classification"

    def fit(xa, ya):
        sc = StandardScaler().fit(xa)
        model = LogisticRegression(C=c, max_iter=500) if classification else Ridge(alpha=1.0 / c)
        return sc, model.fit(sc.transform(xa), ya)

    def losses(sc, model, xb, yb):
        if classification:
            p = model.predict_proba(sc.transform(xb))
            if not np.isin(yb, model.classes_).all():
                raise ValueError("worst-case scores: a class is missing from a cross-fitting fold")
            return -np.log(np.clip(p[np.arange(len(yb)), np.searchsorted(model.classes_, yb)], 1e-12, None))
        return (model.predict(sc.transform(xb)) - yb) ** 2

    inside = losses(*fit(x, y), x, y)
    oof = np.empty(len(x))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed) if classification else \
        KFold(folds, shuffle=True, random_state=seed)
    for tr, te in splitter.split(x, y):
        oof[te] = losses(*fit(x[tr], y[tr]), x[te], y[te])
    return oof - inside


def worst_case_request(data: GeneralData, fraction: float = 0.1, seed: int = 0, **kw) -> ForgetRequest:
    """The ``fraction`` of training samples with the largest memorisation gap
    (:func:`memorisation_scores`; ties broken by index): ``kind="worst"``."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    k = max(1, int(round(fraction * data.num_train)))
    scores = memorisation_scores(data, seed=seed, **kw)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return ForgetRequest(torch.as_tensor(np.sort(order[:k])), "worst")


__all__ = ["memorisation_scores", "worst_case_request"]
