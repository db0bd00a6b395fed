r"""Forgetting completeness: where a method lies between doing nothing and retraining.

For a metric :math:`M` (matched-holdout attack AUC, forget-set distance to the retrain band,
forget AUROC / accuracy / Recall@20, ...):

.. math:: C = \operatorname{clip}\Big(1 - \frac{|M(\text{method}) - M(\text{retrain})|}
          {|M(\text{original}) - M(\text{retrain})|},\ 0,\ 1\Big)

0 = as far from retrain as the untouched original (did nothing), 1 = like retrain. A method
that overshoots retrain by more than the original's distance also scores 0 (over-forgetting is
a failure too).

When :math:`|M(\text{original}) - M(\text{retrain})|` is within noise the metric cannot see
forgetting at all on this request, and dividing by it would turn seed noise into a verdict:
the value is then ``nan`` and ``reason`` says why. "Noise" is ``noise`` when given (e.g. the
distance between two retrain seeds on this metric), else the half-width of retrain's bootstrap
interval when ``m_retrain`` is an :class:`~graph_unlearn.metrics.bootstrap.Estimate`, else
only an exactly zero span (relative 1e-12) counts.

Intervals: when any of the three figures is an :class:`Estimate` carrying bootstrap replicates,
the completeness is recomputed per replicate (replicate ``b`` of each figure; a plain number is
held fixed) and the percentile interval reported, clipped like the value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .bootstrap import Estimate


@dataclass
class Completeness:
    """Completeness with its interval; ``reason`` is set (and ``value`` is nan) when undefined."""

    value: float
    low: float = math.nan
    high: float = math.nan
    span: float = math.nan
    noise: float = 0.0
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "span": self.span, "noise": self.noise,
                "reason": self.reason}

    def __format__(self, spec: str) -> str:
        if self.reason is not None:
            return "n/a"
        spec = spec or ".2f"
        if math.isfinite(self.low):
            return f"{format(self.value, spec)} [{format(self.low, spec)}, {format(self.high, spec)}]"
        return format(self.value, spec)


def _value(m) -> float:
    return float(m.value) if isinstance(m, Estimate) else float(m)


def _raw(method, retrain, original):
    span = np.abs(original - retrain)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = 1.0 - np.abs(method - retrain) / span
    return np.clip(c, 0.0, 1.0)


def completeness(m_method, m_retrain, m_original, *, noise: float | None = None,
                 level: float = 0.95) -> Completeness:
    """Completeness of one metric (floats or :class:`Estimate` objects); see the module docstring."""
    vm, vr, vo = _value(m_method), _value(m_retrain), _value(m_original)
    if not all(math.isfinite(v) for v in (vm, vr, vo)):
        return Completeness(math.nan, reason=f"a metric value is not finite (method {vm}, retrain {vr}, "
                                             f"original {vo})")
    span = abs(vo - vr)
    if noise is None:
        hw = m_retrain.half_width if isinstance(m_retrain, Estimate) else math.nan
        noise = hw if math.isfinite(hw) else 0.0
    tiny = 1e-12 * max(1.0, abs(vr), abs(vo))
    if span <= max(float(noise), tiny):
        return Completeness(math.nan, span=span, noise=float(noise),
                            reason=(f"the original and retrain differ by {span:.4g} on this metric, within its noise "
                                    f"({float(noise):.4g}): it cannot tell forgetting from doing nothing here"))
    value = float(_raw(np.float64(vm), np.float64(vr), np.float64(vo)))
    reps = [m.samples if isinstance(m, Estimate) and m.samples is not None and len(m.samples) else None
            for m in (m_method, m_retrain, m_original)]
    low = high = math.nan
    if any(r is not None for r in reps):
        b = min(len(r) for r in reps if r is not None)
        arrs = [r[:b] if r is not None else np.full(b, v) for r, v in zip(reps, (vm, vr, vo))]
        c = _raw(*arrs)
        c = c[np.isfinite(c)]
        if len(c):
            low, high = (float(q) for q in np.quantile(c, [(1 - level) / 2, (1 + level) / 2]))
    return Completeness(value, low, high, span, float(noise))
