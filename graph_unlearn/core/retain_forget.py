r"""Descend on the retained data, reverse on the forget data: one loop for NegGrad+,
MMRecUn and their relatives.

Each step minimises

.. math::
    \mathcal{L} = w_r\,\mathcal{L}(D_r) + w_f\,\mathcal{L}^{rev}(D_f) \;(+\;\text{regulariser}),

where the *reverse* of a loss on the forget data is either its negation (``"negate"``,
gradient ascent, unbounded: NegGrad+) or the same loss with positives and negatives swapped
(``"swap"``, bounded: reverse BPR of MMRecUn, flipped labels for BCE).
"""
from __future__ import annotations

from typing import Callable, Iterable

import torch

from .optim import optimise


def reversed_loss(loss_fn: Callable[..., torch.Tensor], mode: str = "negate") -> Callable[..., torch.Tensor]:
    """The reverse of a pairwise/binary loss ``loss_fn(pos, neg)``.

    ``"negate"``: ``-loss_fn(pos, neg)`` (gradient ascent);
    ``"swap"``: ``loss_fn(neg, pos)`` (positives and negatives exchanged, e.g. reverse BPR
    ``-ln σ(ŷ_uj - ŷ_ui)``).
    """
    if mode == "negate":
        return lambda pos, neg=None, **kw: -loss_fn(pos, neg, **kw)
    if mode == "swap":
        return lambda pos, neg=None, **kw: loss_fn(neg, pos, **kw)
    raise ValueError(f"unknown reverse mode {mode!r}: use 'negate' or 'swap'")


def retain_forget_steps(params: Iterable[torch.nn.Parameter],
                        losses: Callable[[int], tuple[torch.Tensor, torch.Tensor]], *,
                        steps: int, retain_weight: float, forget_weight: float,
                        lr: float = 1e-3, weight_decay: float = 0.0,
                        regulariser: Callable[[], torch.Tensor] | None = None,
                        progress: Callable[[int, dict], None] | None = None,
                        max_grad_norm: float | None = None, optimizer: str = "adam") -> list[dict]:
    """Run ``steps`` Adam (or ``optimizer="sgd"``) steps on ``w_r * L_retain + w_f * L_forget_reversed (+ reg)``.

    ``losses(step)`` returns ``(L_retain, L_forget_reversed)`` computed on the current model
    (the caller builds batches and applies the reversal). Returns the per-step loss history.
    """
    def objective(step: int):
        l_retain, l_forget = losses(step)
        loss = retain_weight * l_retain + forget_weight * l_forget
        if regulariser is not None:
            loss = loss + regulariser()
        return loss, {"retain": float(l_retain.detach()), "forget": float(l_forget.detach())}

    return optimise(params, objective, steps=steps, lr=lr, weight_decay=weight_decay,
                    progress=progress, max_grad_norm=max_grad_norm, optimizer=optimizer)
