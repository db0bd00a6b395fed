r"""The task side of the general unlearners: the one loss hook, training and prediction.

A *loss hook* is ``loss(outputs, targets, reduction="mean")``. :func:`resolve_loss` turns a
name into one: ``"cross_entropy"`` (classification, the default for class labels), ``"mse"``
and ``"l1"`` (regression); any callable with that signature works too. Every unlearner calls
the hook instead of a hard-coded loss, so the same algorithm serves classifiers and
regressors.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .data import GeneralData, TrainConfig

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


def batches(n: int, batch_size: int, generator: torch.Generator | None = None, shuffle: bool = True):
    """Index batches over ``range(n)`` (a fresh permutation when ``shuffle``)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    return order.split(batch_size)


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: LossFn, config: TrainConfig, *,
        seed: int = 0, device: str | torch.device = "cpu") -> nn.Module:
    """Train ``model`` in place with Adam on ``(x, y)`` for ``config.epochs`` epochs."""
    if len(x) == 0:
        raise ValueError("cannot train on zero samples")
    model.to(device).train()
    x, y = x.to(device), y.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(config.epochs):
        for idx in batches(len(x), config.batch_size, gen):
            idx = idx.to(device)
            opt.zero_grad(set_to_none=True)
            loss(model(x[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """Model outputs on ``x`` in eval mode (logits or regression values), on ``x``'s device."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    out = torch.cat([model(x[i:i + batch_size].to(dev)) for i in range(0, len(x), batch_size)]) if len(x) else \
        torch.empty(0)
    model.train(was_training)
    return out


def train_original(data: GeneralData, seed: int = 0, device: str | torch.device = "cpu",
                   x: torch.Tensor | None = None, y: torch.Tensor | None = None) -> nn.Module:
    """The original model: :func:`~graph_unlearn.general.models.make_model` trained with the
    dataset's recipe on the training set (or on ``x, y``)."""
    from .models import make_model

    model = make_model(data, seed)
    return fit(model, data.x_train if x is None else x, data.y_train if y is None else y,
               resolve_loss(None, data.task), data.recipe, seed=seed, device=device)
