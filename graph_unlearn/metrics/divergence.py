r"""Divergences between the predictions of two models (e.g. an unlearned model and retrain).

For distributions :math:`p, q` over classes (rows),
:math:`\mathrm{KL}(p\|q) = \sum_c p_c \ln(p_c/q_c)` and
:math:`\mathrm{JS}(p,q) = \tfrac12\mathrm{KL}(p\|m) + \tfrac12\mathrm{KL}(q\|m)`, :math:`m=(p+q)/2`
(natural log, so JS lies in :math:`[0, \ln 2]`). Binary scores (edge existence) are turned
into :math:`[p, 1-p]` by :func:`bernoulli_probs`. Both return the mean over rows.
"""
from __future__ import annotations

import torch

_EPS = 1e-12


def bernoulli_probs(p: torch.Tensor) -> torch.Tensor:
    """``[p, 1 - p]`` rows from a vector of probabilities."""
    p = torch.as_tensor(p).double().flatten()
    return torch.stack([p, 1 - p], dim=-1)


def _as_dist(p: torch.Tensor) -> torch.Tensor:
    p = torch.as_tensor(p).detach().double().cpu()
    if p.dim() == 1:
        p = bernoulli_probs(p)
    if (p < -1e-9).any():
        raise ValueError("probabilities must be non-negative")
    return p.clamp_min(0.0)


def kl_divergence(p: torch.Tensor, q: torch.Tensor, per_sample: bool = False):
    """Mean (or per-row) KL(p || q) between row distributions (1-d input = Bernoulli)."""
    p, q = _as_dist(p), _as_dist(q)
    if p.shape != q.shape:
        raise ValueError(f"distributions differ in shape: {tuple(p.shape)} vs {tuple(q.shape)}")
    kl = (p * (torch.log(p + _EPS) - torch.log(q + _EPS))).sum(-1).clamp_min(0.0)
    return kl if per_sample else float(kl.mean())


def js_divergence(p: torch.Tensor, q: torch.Tensor, per_sample: bool = False):
    """Mean (or per-row) Jensen-Shannon divergence (natural log; at most ln 2)."""
    p, q = _as_dist(p), _as_dist(q)
    if p.shape != q.shape:
        raise ValueError(f"distributions differ in shape: {tuple(p.shape)} vs {tuple(q.shape)}")
    m = (p + q) / 2
    js = 0.5 * kl_divergence(p, m, per_sample=True) + 0.5 * kl_divergence(q, m, per_sample=True)
    return js if per_sample else float(js.mean())
