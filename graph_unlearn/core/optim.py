"""The one optimisation loop every fine-tuning-style unlearner runs (:func:`optimise`), and its
two parts for methods whose batches follow their own schedule (:func:`make_optimizer`,
:func:`take_step`: SCRUB's max/min phases, Bad Teacher's mixed batches, LAF's stages)."""
from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn

from .distributed import sync_gradients


def make_optimizer(params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float = 0.0,
                   optimizer: str = "adam") -> torch.optim.Optimizer:
    """Adam (or ``"sgd"``) over the trainable ``params``; a clear error when there are none."""
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ValueError("no trainable parameters")
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {optimizer!r}: use 'adam' or 'sgd'")


def take_step(opt: torch.optim.Optimizer, loss: torch.Tensor, model: nn.Module | None = None,
              grad_hook: Callable[[nn.Module], None] | None = None, max_grad_norm: float | None = None,
              params: list | None = None, where: str = "") -> None:
    """One optimiser step on ``loss`` with a finiteness check (and an optional gradient mask
    ``grad_hook(model)`` or clip to ``max_grad_norm`` over ``params`` or the model's); under
    ``torch.distributed`` the gradients are first averaged over the ranks
    (:mod:`graph_unlearn.core.distributed`)."""
    if not torch.isfinite(loss):
        raise FloatingPointError(f"loss became {float(loss)}{where}; lower the learning rate")
    opt.zero_grad(set_to_none=True)
    loss.backward()
    sync_gradients([p for group in opt.param_groups for p in group["params"]])  # data-parallel ranks
    if grad_hook is not None:
        grad_hook(model)
    if max_grad_norm is not None:
        clip = params if params is not None else (model.parameters() if model is not None else None)
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(clip, max_grad_norm)
    opt.step()


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
    opt = make_optimizer(params, lr, weight_decay, optimizer)
    history = []
    for step in range(steps):
        loss, logs = objective(step)
        take_step(opt, loss, max_grad_norm=max_grad_norm, params=params, where=f" at step {step}")
        rec = {"step": step, "loss": float(loss.detach()), **logs}
        history.append(rec)
        if progress is not None:
            progress(step, rec)
    return history
