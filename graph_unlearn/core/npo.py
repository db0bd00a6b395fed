r"""Negative Preference Optimization (Zhang, Lin, Bai, Mei, "Negative Preference Optimization:
From Catastrophic Collapse to Effective Unlearning", COLM 2024), as a plain loss.

For forget samples :math:`(x, y)` with the current model's log-likelihood
:math:`\log p_\theta(y|x)` and the frozen reference (the original model)
:math:`\log p_{ref}(y|x)`,

.. math::
    \mathcal{L}_{NPO} = \frac{2}{\beta}\,\mathbb{E}_{D_f}\Big[\log\Big(1 +
        \Big(\frac{p_\theta(y|x)}{p_{ref}(y|x)}\Big)^{\beta}\Big)\Big]
    = \frac{2}{\beta}\,\mathbb{E}_{D_f}\big[\operatorname{softplus}
        \big(\beta(\log p_\theta - \log p_{ref})\big)\big].

It is non-negative and bounded below by 0; its gradient is the gradient-ascent direction
:math:`-\nabla\log p_\theta` weighted by :math:`2\sigma(\beta(\log p_\theta-\log p_{ref}))`, a weight
that vanishes once the forget sample is already unlikely, so (unlike gradient ascent, whose
loss :math:`-\mathcal{L}_{CE}` diverges to :math:`-\infty`) the updates die out instead of
collapsing the model. As :math:`\beta\to 0` it recovers gradient ascent (up to a constant).

Any task works through its log-likelihood: class log-softmax (:func:`class_log_likelihood`),
edge existence :math:`\log\sigma(s)` (:func:`binary_log_likelihood`), or ``-loss(reduction="none")``
of any per-sample loss that is a negative log-likelihood up to a constant (MSE = Gaussian).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def npo_loss(logp: torch.Tensor, logp_ref: torch.Tensor, beta: float = 0.1, reduction: str = "mean") -> torch.Tensor:
    r""":math:`\frac2\beta\operatorname{softplus}(\beta(\log p_\theta - \log p_{ref}))`, averaged
    (``reduction="mean"``), summed (``"sum"``) or per sample (``"none"``). ``logp_ref`` is
    treated as a constant (detached)."""
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    logp = torch.as_tensor(logp)
    logp_ref = torch.as_tensor(logp_ref).detach().to(logp.dtype)
    if logp.shape != logp_ref.shape:
        raise ValueError(f"log-likelihoods differ in shape: {tuple(logp.shape)} vs {tuple(logp_ref.shape)}")
    per = (2.0 / beta) * F.softplus(beta * (logp - logp_ref))
    if reduction == "none":
        return per
    if per.numel() == 0:
        raise ValueError("NPO loss of zero samples is undefined")
    if reduction == "mean":
        return per.mean()
    if reduction == "sum":
        return per.sum()
    raise ValueError(f"unknown reduction {reduction!r}: use 'mean', 'sum' or 'none'")


def class_log_likelihood(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    r""":math:`\log\operatorname{softmax}(z)_y` per row of ``logits [n, c]``."""
    return F.log_softmax(logits, -1).gather(-1, labels.long().view(-1, 1)).squeeze(-1)


def binary_log_likelihood(logits: torch.Tensor, positive: bool = True) -> torch.Tensor:
    r""":math:`\log\sigma(s)` (``positive``) or :math:`\log\sigma(-s)` per logit, e.g. edge existence."""
    return F.logsigmoid(logits if positive else -logits)


__all__ = ["npo_loss", "class_log_likelihood", "binary_log_likelihood"]
