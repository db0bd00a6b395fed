r"""Matched-holdout attacks: can a model tell what it saw and then forgot from data it never saw?

The protocol (DESIGN.md section 8): draw twice as many elements as the forget set needs, with
the sampling procedure of the request, and split them at random into the forget set
:math:`D_f` and the holdout :math:`D_h` (:func:`split_matched`). :math:`D_h` is withheld from
the training of the original model and of every other model (retrain included). Both sets
then come from one distribution, and a model that never saw :math:`D_f` (retrain) cannot tell
them apart: the attack AUC of :math:`D_f` against :math:`D_h` is 0.5 by construction, up to
sampling noise, which the bootstrap interval shows. The original model saw :math:`D_f`, so
its AUC lies above 0.5; an unlearning method should bring it back to retrain's.

Two attacks:

* :func:`holdout_attack_auc` -- the model's own per-element score (edge logit, true-class
  confidence, negative loss, interaction score): AUC of :math:`D_f` (positives) against
  :math:`D_h`. No attacker is trained.
* :func:`shadow_attack_auc` -- the trained attacker of
  :func:`~graph_unlearn.metrics.membership.membership_attack_auc` (standardised logistic
  regression on per-element output features), trained on retained training elements
  (members) against a *separate* holdout of never-trained elements (non-members), then
  evaluated on :math:`D_f` against :math:`D_h`. Its interval resamples the evaluation sets
  with the attacker fixed (it does not cover the attacker's training noise).

Both return an :class:`~graph_unlearn.metrics.bootstrap.Estimate` (value, low, high).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .bootstrap import Estimate, as_numpy, bootstrap_ci


class MatchedSample(NamedTuple):
    """A forget set and its matched holdout, drawn by one procedure (``forget, holdout = s``)."""

    forget: object
    holdout: object


def split_matched(sample: torch.Tensor, generator: torch.Generator, dim: int = -1) -> MatchedSample:
    """Split a sample of ``2k`` (or ``2k + 1``) elements at random into two halves along ``dim``:
    the forget set (the first ``ceil(n / 2)``) and the holdout (the rest), each in the
    sample's original order."""
    n = sample.size(dim)
    if n < 2:
        raise ValueError(f"a matched holdout needs at least 2 sampled elements, got {n}")
    perm = torch.randperm(n, generator=generator)
    k = (n + 1) // 2
    a, b = perm[:k].sort().values, perm[k:].sort().values
    return MatchedSample(sample.index_select(dim, a.to(sample.device)), sample.index_select(dim, b.to(sample.device)))


def auc_numpy(pos: np.ndarray, neg: np.ndarray) -> float:
    """AUC = P(pos > neg) + P(pos = neg) / 2 (Mann-Whitney), in O(n log n)."""
    pos, neg = np.ravel(pos), np.sort(np.ravel(neg))
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    less = np.searchsorted(neg, pos, side="left")
    leq = np.searchsorted(neg, pos, side="right")
    return float((less + 0.5 * (leq - less)).sum() / (len(pos) * len(neg)))


def holdout_attack_auc(forget_scores, holdout_scores, higher_is_member: bool = True, *, n_boot: int = 1000,
                       seed: int = 0, level: float = 0.95) -> Estimate:
    """AUC of the model's own per-element scores on :math:`D_f` (positives) against
    :math:`D_h`, with a percentile bootstrap interval (``D_f`` and ``D_h`` resampled
    independently). ``higher_is_member=False`` for losses (a lower loss means "seen").

    0.5 = the model cannot tell :math:`D_f` from never-seen data (retrain's value by
    construction); above 0.5 = it still treats :math:`D_f` as seen."""
    f, h = as_numpy(forget_scores).ravel(), as_numpy(holdout_scores).ravel()
    if len(f) == 0 or len(h) == 0:
        raise ValueError(f"holdout attack: empty set (forget {len(f)}, holdout {len(h)})")
    if not (np.isfinite(f).all() and np.isfinite(h).all()):
        raise ValueError("holdout attack: scores must be finite")
    if not higher_is_member:
        f, h = -f, -h
    return bootstrap_ci(auc_numpy, f, h, n=n_boot, seed=seed, level=level)


def shadow_attack_auc(member_features, nonmember_features, forget_features, holdout_features, *, seed: int = 0,
                      n_boot: int = 1000, level: float = 0.95, max_train: int = 20000) -> Estimate:
    """The trained (shadow) attacker: a logistic regression on per-element features
    (``[n, d]`` or ``[n]``) trained on ``member_features`` (retained training elements, label 1)
    against ``nonmember_features`` (a holdout of never-trained elements *other than*
    :math:`D_h`, label 0), reported as the AUC of its membership probability on
    :math:`D_f` (positives) against :math:`D_h`, with a bootstrap interval over the evaluation
    elements (attacker fixed)."""
    from .membership import membership_scores

    score_f, score_h = membership_scores(member_features, nonmember_features, forget_features, holdout_features,
                                         seed=seed, max_train=max_train)
    return bootstrap_ci(auc_numpy, score_f, score_h, n=n_boot, seed=seed, level=level)
