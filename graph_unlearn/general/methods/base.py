"""What the general unlearners share: the forget / retain tensors of a sample task on the
method's device (:class:`~graph_unlearn.general.task.SampleTask`), the loss hook, and minibatch
loops."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ...core.options import OptionError, check_int
from ...core.unlearner import Unlearner
from ..data import GeneralData
from ..task import LOSSES, LossFn, Problem, batches, make_problem


@torch.no_grad()
def check_model_output(model: nn.Module, data: GeneralData, who: str) -> None:
    """Run the model on two training samples and check its output fits the task (one score per
    class, or one value per sample for regression): a model built for other inputs or another
    number of classes fails here with a clear error, before any work."""
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    x = data.x_train[:2].to(device)
    was = model.training
    model.eval()
    try:
        out = model(x)
    except Exception as err:
        raise ValueError(f"{who}: the model cannot run on this data's inputs (each of shape "
                         f"{tuple(x.shape[1:])}): {type(err).__name__}: {err}") from err
    finally:
        model.train(was)
    if not isinstance(out, torch.Tensor):
        raise ValueError(f"{who}: the model must return a tensor, got {type(out).__name__}")
    if data.task == "classification" and (out.dim() != 2 or out.size(1) < data.num_classes):
        raise ValueError(f"{who}: the model returns outputs of shape {tuple(out.shape[1:])} per sample but the data "
                         f"has {data.num_classes} classes")
    if data.task == "regression" and out.numel() != x.size(0):
        raise ValueError(f"{who}: a regression model must return one value per sample, got shape "
                         f"{tuple(out.shape[1:])} per sample")


class GeneralUnlearner(Unlearner):
    """Base class of the vision / text / regression unlearners.

    ``data`` is a :class:`~graph_unlearn.general.GeneralData` and ``request`` a
    :class:`~graph_unlearn.general.ForgetRequest` (indices into the training set). ``loss`` is
    the loss hook (``None`` = the task default: cross-entropy or MSE; or ``"l1"``, ``"mse"``,
    ``"cross_entropy"``, or any ``loss(outputs, targets, reduction="mean")`` callable)."""

    supports = ("sample",)
    #: the sample tasks the method handles
    tasks: tuple[str, ...] = ("classification", "regression")

    def __init__(self, loss: str | LossFn | None = None, batch_size: int = 64, **kw):
        super().__init__(**kw)
        check_int(self, "batch_size", batch_size)
        if not (loss is None or callable(loss) or (isinstance(loss, str) and loss in LOSSES)):
            raise OptionError(f"{type(self).__name__}: loss must be None, one of {', '.join(map(repr, LOSSES))} "
                              f"or a callable loss(outputs, targets, reduction='mean'), got {loss!r}")
        self.loss, self.batch_size = loss, batch_size

    def problem(self, data: GeneralData, request) -> Problem:
        """Forget / retain tensors on the method's device, with the loss hook."""
        return make_problem(self.name, data, request, self.loss, self.device, self.tasks)

    def stateful_model(self, model: nn.Module, data: GeneralData, kind: type, fit: Callable[[], nn.Module]):
        """For methods that keep their own model of the training set (ACU's analytic head, the
        sharded adapters): ``model`` itself when it already is one (a stream of deletions), else
        ``fit()`` from the given network. Returns ``(model, fitted_now)``; the model must hold as
        many training samples as ``data`` has."""
        fitted = not isinstance(model, kind)
        base = fit() if fitted else model.to(self.device)
        if base.active.numel() != data.num_train:
            raise ValueError(f"{self.name}: the {kind.__name__} holds {base.active.numel()} training samples, the "
                             f"data has {data.num_train}")
        return base, fitted

    def epoch_batches(self, n: int, gen: torch.Generator, batch_size: int | None = None):
        return [i.to(self.device) for i in batches(n, batch_size or self.batch_size, gen)]

    def train_epochs(self, net: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: LossFn, *, epochs: int,
                     lr: float, gen: torch.Generator, sign: float = 1.0) -> None:
        """``epochs`` Adam passes over shuffled minibatches of ``(x, y)`` on ``sign * loss``
        (``sign=-1``: gradient ascent)."""
        opt = adam(net.parameters(), lr)
        for _ in range(epochs):
            for idx in self.epoch_batches(len(x), gen):
                step(opt, sign * loss(net(x[idx]), y[idx]))


def paired_batches(n_a: int, n_b: int, batch_size: int, gen: torch.Generator, device, *, cycle_b: bool = True):
    """One epoch over ``A`` in shuffled batches, each paired with a batch of ``B`` (``B`` cycled
    when shorter): yields ``(idx_a, idx_b)``."""
    a = torch.randperm(n_a, generator=gen).split(batch_size)
    b_all = torch.randperm(n_b, generator=gen)
    if n_b == 0:
        raise ValueError("the second set is empty")
    for i, ia in enumerate(a):
        start = (i * batch_size) % n_b
        ib = b_all[start:start + batch_size]
        if len(ib) < min(batch_size, n_b):
            ib = torch.cat([ib, b_all[:min(batch_size, n_b) - len(ib)]])
        yield ia.to(device), ib.to(device)


def adam(params, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ValueError("no trainable parameters")
    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def step(opt: torch.optim.Optimizer, loss: torch.Tensor, model: nn.Module | None = None,
         grad_hook: Callable[[nn.Module], None] | None = None, max_grad_norm: float | None = None):
    """One optimiser step with a finiteness check (and an optional gradient mask/clip)."""
    if not torch.isfinite(loss):
        raise FloatingPointError(f"loss became {float(loss)}; lower the learning rate")
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if grad_hook is not None:
        grad_hook(model)
    if max_grad_norm is not None and model is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    opt.step()


def random_other_labels(y: torch.Tensor, num_classes: int, gen: torch.Generator) -> torch.Tensor:
    """A uniformly random class different from each true label."""
    if num_classes < 2:
        raise ValueError("random relabelling needs at least 2 classes")
    shift = torch.randint(1, num_classes, (len(y),), generator=gen).to(y.device)
    return (y + shift) % num_classes
