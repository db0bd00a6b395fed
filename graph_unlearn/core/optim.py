"""The one optimisation loop every fine-tuning-style unlearner runs."""
from __future__ import annotations

from typing import Callable, Iterable

import torch


def optimise(params: Iterable[torch.nn.Parameter], objective: Callable[[int], tuple[torch.Tensor, dict]], *,
             steps: int, lr: float = 1e-3, weight_decay: float = 0.0,
             progress: Callable[[int, dict], None] | None = None,
             max_grad_norm: float | None = None, optimizer: str = "adam") -> list[dict]:
    """``steps`` optimizer steps on ``objective(step) -> (loss, logs)``; returns the history.

    Raises a clear error when the loss stops being finite (learning rate too high).
    """
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ValueError("optimise: no trainable parameters")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}: use 'adam' or 'sgd'")
    history = []
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        loss, logs = objective(step)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {float(loss)} at step {step}; lower the learning rate")
        loss.backward()
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        opt.step()
        rec = {"step": step, "loss": float(loss.detach()), **logs}
        history.append(rec)
        if progress is not None:
            progress(step, rec)
    return history
