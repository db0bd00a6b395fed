r"""Knowledge recovery (RESTOR-style; "RESTOR: Knowledge Recovery in Machine Unlearning", 2024):
does a short, innocent fine-tune on *unrelated* retained data bring the forgotten behaviour back?

A copy of the unlearned model is fine-tuned for a few Adam steps on a random subset of retained
data (never the forget set); the forget set's accuracy / loss is measured before and after:

.. math::
    \text{recovered} = \frac{m_{after} - m_{retrain}}{m_{original} - m_{retrain}},

0 = as far from the original as retrain, 1 = back to the original's behaviour (values below 0
or above 1 are possible). Retrain fine-tuned the same way is the reference a method should
match: generalisation alone also raises forget accuracy a little. Relearn time (fine-tuning on
the forget set itself) is :func:`graph_unlearn.metrics.general.relearn_time`.
"""
from __future__ import annotations

import copy
from typing import Callable

import torch


@torch.no_grad()
def _forget_scores(model, x, y, loss_fn) -> tuple[float, float]:
    model.eval()
    out = model(x)
    loss = float(loss_fn(out, y))
    acc = float((out.argmax(-1) == y).float().mean()) if out.dim() == 2 else float("nan")
    return acc, loss


def knowledge_recovery(model: torch.nn.Module, x_fit: torch.Tensor, y_fit: torch.Tensor, x_forget: torch.Tensor,
                       y_forget: torch.Tensor, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], *,
                       original_acc: float | None = None, retrain_acc: float | None = None, steps: int = 20,
                       lr: float = 1e-3, batch_size: int = 64, seed: int = 0) -> dict[str, float]:
    """Fine-tune a copy of ``model`` for ``steps`` Adam steps on random batches of ``(x_fit,
    y_fit)`` (unrelated retained data) and report the forget set's ``acc_before`` /
    ``acc_after`` / ``loss_before`` / ``loss_after`` (accuracy is NaN for regression), and, given
    the original's and retrain's forget accuracy, ``recovered`` (see the module docstring; NaN
    when they coincide)."""
    if len(x_fit) == 0 or len(x_forget) == 0:
        raise ValueError("knowledge recovery needs non-empty fine-tuning and forget sets")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    net = copy.deepcopy(model)
    trainable = [p for p in net.parameters() if p.is_floating_point()]
    for p in trainable:
        p.requires_grad_(True)
    acc0, loss0 = _forget_scores(net, x_forget, y_forget, loss_fn)
    opt = torch.optim.Adam(trainable, lr=lr)
    gen = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(steps):
        idx = torch.randint(0, len(x_fit), (min(batch_size, len(x_fit)),), generator=gen).to(x_fit.device)
        opt.zero_grad(set_to_none=True)
        out = net(x_fit[idx])
        loss_fn(out.to(torch.float32) if out.dtype != torch.float32 else out, y_fit[idx]).backward()
        opt.step()
    acc1, loss1 = _forget_scores(net, x_forget, y_forget, loss_fn)
    out = {"acc_before": acc0, "acc_after": acc1, "loss_before": loss0, "loss_after": loss1}
    if original_acc is not None and retrain_acc is not None:
        den = original_acc - retrain_acc
        out["recovered"] = (acc1 - retrain_acc) / den if abs(den) > 1e-12 else float("nan")
    return out


__all__ = ["knowledge_recovery"]
