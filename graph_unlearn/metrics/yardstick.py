r"""The forgetting yardstick, once for every task (links, nodes, features, users, items,
interactions, samples), on the task protocol's per-element scores
(:meth:`graph_unlearn.core.task.UnlearningTask.element_scores`).

:func:`forgetting_table` scores the original model, the retrains and every candidate on the same
task and returns one row each:

* ``holdout_auc`` (with ``_low`` / ``_high``, a bootstrap 95% interval): the own-score attack of
  :math:`D_f` against the matched holdout :math:`D_h` (:func:`~graph_unlearn.metrics.holdout.holdout_attack_auc`;
  0.5 = cannot tell :math:`D_f` from never-seen data), where a holdout exists;
* ``shadow_auc`` (with interval) and ``completeness_shadow``: the trained (shadow) attacker
  (:func:`~graph_unlearn.metrics.holdout.shadow_attack_auc`: logistic regression on the task's
  per-element features, members = retained training elements, non-members = never-trained
  elements other than :math:`D_h`, asked about :math:`D_f` against :math:`D_h`), where the task
  gives those sets (:meth:`~graph_unlearn.core.task.UnlearningTask.attack_features`; links,
  nodes, samples, recommender interactions; not user or item deletions, which leave no
  never-trained user or item) and a holdout exists; ``shadow_note`` says why not otherwise;
* ``dist_mean_abs_z`` (with interval) and ``dist_ks``: the forget-set scores' distance to the band
  of the retrains (:func:`~graph_unlearn.metrics.retrain_distance.retrain_distance`); the last
  retrain is kept out of the band and reported as ``retrain_extra``, the noise floor;
* ``completeness_holdout`` / ``completeness_dist`` (with intervals):
  :math:`1 - |M - M_{retrain}| / |M_{original} - M_{retrain}|` clipped to [0, 1], with
  :math:`M_{retrain}` the band retrains' mean attack AUC, resp. the extra retrain's distance (the
  noise floor), and :math:`M_{original}` the original's; NaN with the reason where the two
  references cannot be told apart (``completeness_*_note``). The distance is one-sided: a model
  at or below the noise floor scores 1 (nothing is closer to retraining than a further retrain
  seed), and the ``retrain`` row, one of the band's seeds, gets NaN.

With ``retrains`` of :math:`s \ge 3` models the band has :math:`s - 1 \ge 2` seeds. Two band
seeds suffice where retrain seeds agree (Cora links: a further seed scores completeness >= 0.8),
not where the recipe's seeds differ in calibration (Cora nodes with early stopping: a band of two
placed a third seed at completeness 0; a band of six placed each of six further seeds at >= 0.85):
check the ``retrain_extra`` row, and add seeds until it sits well below the original. Rows:
``original`` (served on the data before the deletion: nothing done), ``retrain`` (the first
retrain), ``retrain_extra`` and the candidates in order, all served on the retained data (so the
original's weights among the candidates, e.g. UtU's result, are "no training, retained graph").
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from .completeness import completeness
from .holdout import holdout_attack_auc
from .retrain_distance import distance_table


def _np(t) -> np.ndarray:
    return t.detach().double().cpu().numpy().ravel()


def forgetting_table(task, candidates: Mapping[str, torch.nn.Module], *, original: torch.nn.Module,
                     retrains: Sequence[torch.nn.Module], holdout: Any = None, seed: int = 0,
                     n_boot: int = 1000) -> dict[str, dict]:
    """The yardstick rows (see the module docstring) for ``candidates`` on ``task`` (from
    :func:`graph_unlearn.core.task.make_task`, or an unlearning run's task)."""
    if len(retrains) < 3:
        raise ValueError(f"forgetting_table needs at least 3 retrains (a band of 2 and one extra seed), "
                         f"got {len(retrains)}")
    band_scores = [task.element_scores(r, holdout) for r in retrains[:-1]]
    models = {"retrain_extra": retrains[-1], **candidates}
    scores = {"original": task.element_scores(original, holdout, original_data=True), "retrain": band_scores[0],
              **{name: task.element_scores(m, holdout) for name, m in models.items()}}
    scores = {k: scores[k] for k in ("original", "retrain", "retrain_extra", *candidates)}
    band = np.stack([_np(f) for f, _ in band_scores])
    dist = distance_table({name: _np(f) for name, (f, _) in scores.items()}, band, n_boot=n_boot, seed=seed)
    rows: dict[str, dict] = {}
    attacks = {}
    for name, (f, h) in scores.items():
        row = {"dist_mean_abs_z": dist[name].mean_abs_z.value, "dist_mean_abs_z_low": dist[name].mean_abs_z.low,
               "dist_mean_abs_z_high": dist[name].mean_abs_z.high, "dist_ks": dist[name].ks}
        if h is not None and h.numel() and f.numel():
            attacks[name] = holdout_attack_auc(_np(f), _np(h), n_boot=n_boot, seed=seed)
            row.update(holdout_auc=attacks[name].value, holdout_auc_low=attacks[name].low,
                       holdout_auc_high=attacks[name].high)
        rows[name] = row
    if "original" in attacks:
        band_auc = float(np.mean([holdout_attack_auc(_np(f), _np(h), n_boot=0).value for f, h in band_scores]))
        _complete(rows, attacks, band_auc, "holdout")
    _shadow(rows, task, {"original": original, "retrain": retrains[0], **models}, retrains[1:-1], holdout,
            seed=seed, n_boot=n_boot)
    floor, ceiling = dist["retrain_extra"].mean_abs_z, dist["original"].mean_abs_z
    for name in rows:
        if name == "retrain":   # one of the band's own seeds: its distance to the band says nothing
            rows[name].update(completeness_dist=math.nan, completeness_dist_low=math.nan,
                              completeness_dist_high=math.nan,
                              completeness_dist_note="this retrain is one of the band's seeds")
            continue
        m = dist[name].mean_abs_z
        noise = floor.half_width if math.isfinite(floor.half_width) else 0.0
        if ceiling.value <= floor.value + noise:   # the original is no farther from the band than a further seed
            rows[name].update(completeness_dist=math.nan, completeness_dist_low=math.nan,
                              completeness_dist_high=math.nan,
                              completeness_dist_note=(f"the original's distance {ceiling.value:.3g} is within the noise "
                                                      f"floor {floor.value:.3g} (+{noise:.2g}): the distance cannot "
                                                      f"tell forgetting from doing nothing here"))
            continue
        if m.value <= floor.value:   # as close to the band as a further retrain seed, or closer: done
            rows[name].update(completeness_dist=1.0, completeness_dist_low=math.nan, completeness_dist_high=math.nan)
            continue
        c = completeness(m, floor, ceiling)
        rows[name].update(completeness_dist=c.value, completeness_dist_low=c.low, completeness_dist_high=c.high)
        if not c.defined:
            rows[name]["completeness_dist_note"] = c.reason
    return rows


def _complete(rows: dict, attacks: Mapping[str, Any], band_auc: float, key: str) -> None:
    """``completeness_<key>`` per row from the attack ``Estimate``s: against the band's mean AUC,
    the original's as the do-nothing end, retrain's interval as the noise."""
    for name, est in attacks.items():
        c = completeness(est, band_auc, attacks["original"], noise=attacks["retrain"].half_width)
        rows[name].update({f"completeness_{key}": c.value, f"completeness_{key}_low": c.low,
                           f"completeness_{key}_high": c.high})
        if not c.defined:
            rows[name][f"completeness_{key}_note"] = c.reason


def _shadow(rows: dict, task, models: Mapping[str, torch.nn.Module], more_band: Sequence[torch.nn.Module],
            holdout: Any, *, seed: int, n_boot: int) -> None:
    """The shadow attacker's columns (``shadow_auc``, ``completeness_shadow``) where the task
    gives attack features; ``shadow_note`` on every row otherwise."""
    from .holdout import shadow_attack_auc

    def attack(model, original_data=False, boot=n_boot):
        sets = task.attack_features(model, holdout, original_data=original_data)
        if sets is None:
            return None
        return shadow_attack_auc(sets["member"], sets["nonmember"], sets["forget"], sets["holdout"], seed=seed,
                                 n_boot=boot)

    attacks = {}
    for name, model in models.items():
        est = attack(model, original_data=(name == "original"))
        if est is None:
            note = ("unavailable: no matched holdout, or no member / non-member sets in this task to train "
                    "an attacker on")
            for row in rows.values():
                row["shadow_note"] = note
            return
        attacks[name] = est
        rows[name].update(shadow_auc=est.value, shadow_auc_low=est.low, shadow_auc_high=est.high)
    band_auc = float(np.mean([attacks["retrain"].value] + [attack(m, boot=0).value for m in more_band]))
    _complete(rows, attacks, band_auc, "shadow")


def met_only_where_original_fails(rows: Mapping[str, Mapping[str, float]], key: str, target, *,
                                  lower_is_better: bool = True) -> dict[str, str]:
    """Per row, whether ``rows[name][key]`` meets ``target`` (a number: ``<=`` it, or ``>=`` with
    ``lower_is_better=False``), counted as met only where the original model fails it:
    ``"met"``, ``"not met"``, or ``"original meets it too"`` (the target then proves nothing)."""
    def ok(v):
        return v is not None and not (isinstance(v, float) and math.isnan(v)) and (
            v <= target if lower_is_better else v >= target)

    original_ok = ok(rows.get("original", {}).get(key))
    return {name: ("original meets it too" if original_ok and ok(r.get(key)) else "met" if ok(r.get(key))
                   else "not met") for name, r in rows.items()}
