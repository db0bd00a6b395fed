r"""Distance of a model's forget-set scores to the distribution the retrains span.

Inexact unlearning is judged against *retraining with different seeds*, not one retrain
(Hayes et al., "Inexact unlearning needs more careful evaluations"). Given the per-element
scores of :math:`s \ge 2` retrain seeds on the forget set (``retrain_scores [s, n]``) and a
method's scores on the same elements (``method_scores [n]``), :func:`retrain_distance` reports

* ``mean_abs_z`` -- the mean over elements of :math:`|x_i - \mu_i| / \max(\sigma_i, \sigma_0)`,
  with :math:`\mu_i, \sigma_i` the per-element mean and std over the retrain seeds (ddof=1) and
  the floor :math:`\sigma_0` = ``std_floor`` (default: half the median per-element std, at least
  1e-8), which keeps an element on which the few retrains happen to agree from dominating;
  its bootstrap interval resamples elements;
* ``ks`` -- the two-sample Kolmogorov-Smirnov statistic between the method's forget-set score
  distribution and the pooled retrain scores (all seeds, all elements): 0 = the same
  distribution, 1 = disjoint.

How to read it (the procedure the benchmarks follow):

* **noise floor**: train one more retrain seed (not among the ``s``) and compute its distance
  to the ``s`` retrains: a method cannot be expected to be closer than that;
* **do-nothing ceiling**: the distance of the original model (nothing forgotten);
* a method's figure is then placed between the two, e.g. with
  :func:`~graph_unlearn.metrics.completeness.completeness` (``m_retrain`` = the noise floor,
  ``m_original`` = the ceiling). :func:`distance_table` computes all rows at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .bootstrap import Estimate, as_numpy, bootstrap_ci


@dataclass
class RetrainDistance:
    """``mean_abs_z`` (an :class:`Estimate`), the KS statistic and the std floor used."""

    mean_abs_z: Estimate
    ks: float
    std_floor: float
    num_retrains: int

    def to_dict(self) -> dict:
        return {"mean_abs_z": self.mean_abs_z.to_dict(), "ks": self.ks, "std_floor": self.std_floor,
                "num_retrains": self.num_retrains}


def ks_statistic(a, b) -> float:
    """Two-sample KS statistic sup_x |F_a(x) - F_b(x)| of two 1-d samples."""
    a, b = np.sort(as_numpy(a).ravel()), np.sort(as_numpy(b).ravel())
    if len(a) == 0 or len(b) == 0:
        raise ValueError("ks_statistic: empty sample")
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / len(a)
    fb = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.abs(fa - fb).max())


def retrain_z(method_scores, retrain_scores, std_floor: float | None = None) -> tuple[np.ndarray, float]:
    """Per-element z-scores of ``method_scores [n]`` against ``retrain_scores [s, n]`` and the floor used."""
    x, r = as_numpy(method_scores).ravel(), as_numpy(retrain_scores)
    if r.ndim != 2 or r.shape[1] != len(x):
        raise ValueError(f"retrain_scores must be [seeds, {len(x)}], got {r.shape}")
    if r.shape[0] < 2:
        raise ValueError("the retrain distribution needs at least 2 retrain seeds")
    mu, sd = r.mean(0), r.std(0, ddof=1)
    floor = float(max(0.5 * np.median(sd), 1e-8)) if std_floor is None else float(std_floor)
    if floor <= 0:
        raise ValueError(f"std_floor must be > 0, got {floor}")
    return (x - mu) / np.maximum(sd, floor), floor


def retrain_distance(method_scores, retrain_scores, *, std_floor: float | None = None, n_boot: int = 1000,
                     seed: int = 0, level: float = 0.95) -> RetrainDistance:
    """Mean |z| (with a bootstrap interval over elements) and the KS statistic of
    ``method_scores [n]`` against the retrain band ``retrain_scores [s, n]``."""
    z, floor = retrain_z(method_scores, retrain_scores, std_floor)
    est = bootstrap_ci(lambda v: float(np.abs(v).mean()), z, n=n_boot, seed=seed, level=level)
    r = as_numpy(retrain_scores)
    return RetrainDistance(est, ks_statistic(method_scores, r.ravel()), floor, int(r.shape[0]))


def distance_table(candidates: Mapping[str, object], retrain_scores, *, std_floor: float | None = None,
                   n_boot: int = 1000, seed: int = 0) -> dict[str, RetrainDistance]:
    """:func:`retrain_distance` of every candidate (e.g. ``{"original": ..., "retrain_extra": ...,
    "d2dgn": ...}``) against the same band, with one shared std floor (computed from the band
    unless given) so that the rows are comparable."""
    _, floor = retrain_z(as_numpy(retrain_scores)[0], retrain_scores, std_floor)
    return {name: retrain_distance(s, retrain_scores, std_floor=floor, n_boot=n_boot, seed=seed)
            for name, s in candidates.items()}
