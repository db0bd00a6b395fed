"""Percentile bootstrap intervals for any metric computed from one or more samples.

:func:`bootstrap_ci` resamples each input array with replacement (independently, or with one
shared index when ``paired=True``), recomputes the metric ``n`` times and returns the point
value with the ``(1 - level) / 2`` and ``(1 + level) / 2`` percentiles of the resampled values
as an :class:`Estimate`. Resamples where the metric is not finite are dropped; when fewer than
half of them survive the interval is ``nan``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch


@dataclass
class Estimate:
    """A metric value with its bootstrap interval (``low``/``high``; ``nan`` when unavailable).

    ``samples`` keeps the bootstrap replicates (used to carry intervals through derived figures
    such as :func:`~graph_unlearn.metrics.completeness.completeness`); it is left out of
    :meth:`to_dict`."""

    value: float
    low: float = math.nan
    high: float = math.nan
    level: float = 0.95
    n: int = 0
    samples: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2 if math.isfinite(self.low) and math.isfinite(self.high) else math.nan

    def contains(self, x: float) -> bool:
        return bool(self.low <= x <= self.high)

    def to_dict(self) -> dict[str, Any]:
        return {"value": float(self.value), "low": float(self.low), "high": float(self.high),
                "level": float(self.level), "n": int(self.n)}

    def __float__(self) -> float:
        return float(self.value)

    def __format__(self, spec: str) -> str:
        spec = spec or ".4f"
        return f"{format(self.value, spec)} [{format(self.low, spec)}, {format(self.high, spec)}]"


def as_numpy(x) -> np.ndarray:
    """Tensors / arrays / lists -> a float64 numpy array (leading dimension = elements)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def bootstrap_ci(fn: Callable[..., float], *arrays, n: int = 1000, seed: int = 0, level: float = 0.95,
                 paired: bool = False) -> Estimate:
    """``fn(*arrays)`` with a percentile bootstrap interval.

    Args:
        fn: metric of the arrays (numpy float64 arrays, resampled along the first axis).
        arrays: one or more samples (tensors, arrays or lists).
        n: bootstrap replicates (0 = no interval).
        seed: seed of the resampling.
        level: coverage of the interval (0.95 = 2.5th to 97.5th percentile).
        paired: resample all arrays with one shared index (they must have the same length),
            e.g. per-element scores of two models on the same elements; by default each array
            is resampled on its own (two independent samples, e.g. D_f and D_h).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if not arrays:
        raise ValueError("bootstrap_ci needs at least one array")
    data = [as_numpy(a) for a in arrays]
    for i, a in enumerate(data):
        if a.ndim == 0 or len(a) == 0:
            raise ValueError(f"bootstrap_ci: array {i} is empty")
    if paired and len({len(a) for a in data}) > 1:
        raise ValueError(f"paired bootstrap needs arrays of one length, got {[len(a) for a in data]}")
    value = float(fn(*data))
    if n <= 0:
        return Estimate(value, level=level)
    rng = np.random.default_rng(seed)
    reps = np.empty(n)
    for b in range(n):
        if paired:
            idx = rng.integers(0, len(data[0]), len(data[0]))
            res = [a[idx] for a in data]
        else:
            res = [a[rng.integers(0, len(a), len(a))] for a in data]
        reps[b] = float(fn(*res))
    ok = reps[np.isfinite(reps)]
    if len(ok) < n / 2:
        return Estimate(value, level=level, n=int(len(ok)), samples=ok)
    lo, hi = np.quantile(ok, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(value, float(lo), float(hi), level, int(len(ok)), ok)
