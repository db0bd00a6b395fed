"""What the general unlearners share: the forget / retain tensors of a sample task on the
method's device (:class:`~graph_unlearn.general.task.SampleTask`), the loss hook, and minibatch
loops."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ...core.losses import LOSSES, LossFn
from ...core.optim import make_optimizer, take_step
from ...core.options import OptionError, check_int
from ...core.unlearner import Unlearner
from ..data import GeneralData
from ..task import Problem, batches, make_problem


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
        """Forget / retain tensors on the method's device, with the loss hook: the running call's
        (built and validated once by :class:`~graph_unlearn.general.task.SampleTask`, with the hook
        given to ``unlearn(..., loss=...)`` or to the method), else built here."""
        task = self._task
        if task is not None and data is task.data and request is task.request:
            return task.problem()
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
        opt = make_optimizer(net.parameters(), lr)
        for _ in range(epochs):
            for idx in self.epoch_batches(len(x), gen):
                take_step(opt, sign * loss(net(x[idx]), y[idx]))




def random_other_labels(y: torch.Tensor, num_classes: int, gen: torch.Generator) -> torch.Tensor:
    """A uniformly random class different from each true label."""
    if num_classes < 2:
        raise ValueError("random relabelling needs at least 2 classes")
    shift = torch.randint(1, num_classes, (len(y),), generator=gen).to(y.device)
    return (y + shift) % num_classes
