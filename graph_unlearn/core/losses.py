r"""The per-sample loss hooks of the sample task (vision / text / regression), in the core so
that every method's options can be checked against them.

A *loss hook* is ``loss(outputs, targets, reduction="mean")``. :func:`resolve_loss` turns a
name into one: ``"cross_entropy"`` (classification, the default for class labels), ``"mse"``
and ``"l1"`` (regression); any callable with that signature works too.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

LossFn = Callable[..., torch.Tensor]


def cross_entropy(outputs, targets, reduction: str = "mean"):
    """:math:`-\\ln \\mathrm{softmax}(z)_y`."""
    return F.cross_entropy(outputs, targets.long(), reduction=reduction)


def mse(outputs, targets, reduction: str = "mean"):
    """:math:`(\\hat y - y)^2`."""
    return F.mse_loss(outputs.reshape(targets.shape), targets.float(), reduction=reduction)


def l1(outputs, targets, reduction: str = "mean"):
    """:math:`|\\hat y - y|`."""
    return F.l1_loss(outputs.reshape(targets.shape), targets.float(), reduction=reduction)


LOSSES: dict[str, LossFn] = {"cross_entropy": cross_entropy, "mse": mse, "l1": l1}


def resolve_loss(loss: str | LossFn | None, task: str = "classification") -> LossFn:
    """The loss hook: a name from :data:`LOSSES`, a callable, or ``None`` for the task default
    (cross-entropy for classification, MSE for regression)."""
    if loss is None:
        if task not in ("classification", "regression"):
            raise ValueError(f"unknown task {task!r}: use 'classification' or 'regression'")
        return cross_entropy if task == "classification" else mse
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}: use one of {', '.join(LOSSES)} or a callable")
    return LOSSES[loss]
