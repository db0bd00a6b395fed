r"""The sample task (vision / text / regression): batches, training and prediction, and
:class:`SampleTask`, the task protocol on samples. Every unlearner calls the loss hook
(:mod:`graph_unlearn.core.losses`: cross-entropy, MSE, L1 or the user's callable) instead of a
hard-coded loss, so the same algorithm serves classifiers and regressors.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..core.losses import LOSSES, LossFn, resolve_loss
from ..core.task import StepLosses, UnlearningTask, register_task
from .data import ForgetSplit, GeneralData, TrainConfig


def batches(n: int, batch_size: int, generator: torch.Generator | None = None, shuffle: bool = True):
    """Index batches over ``range(n)`` (a fresh permutation when ``shuffle``)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    return order.split(batch_size)


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


def train_original(data: GeneralData, seed: int = 0, device: str | torch.device = "cpu",
                   x: torch.Tensor | None = None, y: torch.Tensor | None = None) -> nn.Module:
    """The original model: :func:`~graph_unlearn.general.models.make_model` trained with the
    dataset's recipe on the training set (or on ``x, y``)."""
    from .models import make_model

    model = make_model(data, seed)
    return fit(model, data.x_train if x is None else x, data.y_train if y is None else y,
               resolve_loss(None, data.task), data.recipe, seed=seed, device=device)


# -- the sample task: the task protocol on vision / text / regression samples ---------------------
@dataclass
class Problem:
    """Forget / retain tensors on the method's device, with the task and its loss hook."""

    split: ForgetSplit
    task: str
    loss: LossFn
    num_classes: int
    data: GeneralData

    @property
    def xf(self):
        return self.split.x_forget

    @property
    def yf(self):
        return self.split.y_forget

    @property
    def xr(self):
        return self.split.x_retain

    @property
    def yr(self):
        return self.split.y_retain


def make_problem(who: str, data: GeneralData, request, loss, device, tasks=("classification", "regression")) -> Problem:
    """``request`` applied to ``data`` on ``device``, with the loss hook resolved for the task."""
    if not isinstance(data, GeneralData):
        raise ValueError(f"{who}: data must be a GeneralData, got {type(data).__name__}")
    if data.task not in tasks:
        raise ValueError(f"{who} supports {' and '.join(tasks)} only, not {data.task} (dataset {data.name})")
    if request is None:
        raise ValueError(f"{who}: no forget request given")
    split = data.to(device).partition(request)
    return Problem(split, data.task, resolve_loss(loss, data.task), data.num_classes, data)


#: the sample tasks; a method handles those in its ``tasks`` (default: both)
SAMPLE_TASKS = ("classification", "regression")


def handles(method, task: str) -> bool:
    """Whether ``method`` (a class or an instance) handles the sample task ``task``."""
    return task in getattr(method, "tasks", SAMPLE_TASKS)


class _IndexStream:
    """Shuffled batches of ``range(n)``, a fresh permutation for every pass."""

    def __init__(self, n: int, batch_size: int, gen: torch.Generator, device):
        self.n, self.batch_size, self.gen, self.device = n, batch_size, gen, device
        self._batches: list = []

    def next(self) -> torch.Tensor:
        if not self._batches:
            self._batches = list(batches(self.n, self.batch_size, self.gen))
        return self._batches.pop(0).to(self.device)


@register_task
class SampleTask(UnlearningTask):
    """Vision / text / regression samples: ``data`` a :class:`~graph_unlearn.general.GeneralData`
    (or an ``(x, y)`` pair, a ``TensorDataset`` / map-style dataset, a ``DataLoader``: see
    :mod:`graph_unlearn.general.inputs`), ``request`` a
    :class:`~graph_unlearn.general.ForgetRequest` or training indices / a boolean mask, the loss
    the loss hook (``unlearn(..., loss=...)`` or the method's ``loss`` option; default
    cross-entropy / MSE)."""

    kind = "sample"
    priority = 2   # the broadest claims (any (x, y) pair, any Dataset): asked last

    def __init__(self, model, data: GeneralData, request, device, loss, tasks):
        super().__init__(model, data, request, device)
        self.loss = loss
        self._problem = make_problem(type(self).__name__, data, request, loss, device, tasks)

    @staticmethod
    def claims(data, request) -> bool:
        from torch.utils.data import DataLoader, Dataset

        from .data import ForgetRequest

        if isinstance(request, ForgetRequest) or isinstance(data, (GeneralData, Dataset, DataLoader)):
            return True
        return isinstance(data, (tuple, list)) and len(data) == 2

    @classmethod
    def build(cls, unlearner, model, data, request=None, *, loss=None):
        from .data import ForgetRequest
        from .inputs import as_general_data

        own = getattr(unlearner, "loss", None)
        if loss is not None and own is not None:
            raise ValueError(f"{unlearner.name}: the loss hook is given twice (the method's loss={own!r} and "
                             f"unlearn(..., loss={loss!r})); give one")
        hook = loss if loss is not None else own
        if not (hook is None or callable(hook) or (isinstance(hook, str) and hook in LOSSES)):
            raise ValueError(f"{unlearner.name}: loss must be None, one of {', '.join(map(repr, LOSSES))} or a "
                             f"callable loss(outputs, targets, reduction='mean'), got {hook!r}")
        data = as_general_data(data, unlearner.name)
        if request is None:
            raise ValueError(f"{unlearner.name}: no forget request given")
        if not isinstance(request, ForgetRequest):
            request = ForgetRequest(request)
        check_model_output(model, data, unlearner.name)
        tasks = getattr(unlearner, "tasks", SAMPLE_TASKS)
        if data.task not in tasks:
            raise ValueError(f"{unlearner.name} supports {' and '.join(tasks)} only, not {data.task} "
                             f"(dataset {data.name})")
        return cls(model, data, request, unlearner.device, hook, tasks)

    def problem(self) -> Problem:
        return self._problem

    @property
    def num_forget(self) -> int:
        return len(self._problem.xf)

    def loss_stream(self, gen: torch.Generator, batch_size: int | None):
        """Each call: the next shuffled batch of :math:`D_r` and/or of :math:`D_f` (a fresh
        permutation per pass; with both, each batch of a pass over :math:`D_r` is paired with one
        of :math:`D_f`, cycled when shorter, :func:`paired_batches`), their losses by the hook."""
        pb = self._problem
        n_r, n_f = len(pb.xr), len(pb.xf)
        r_stream = _IndexStream(n_r, batch_size or max(n_r, 1), gen, self.device)
        f_stream = _IndexStream(n_f, batch_size or max(n_f, 1), gen, self.device)
        pairs: list = []

        def next_pair():
            if not pairs:   # a new pass over D_r, each batch paired with a batch of D_f (cycled when shorter)
                pairs.extend(paired_batches(n_r, n_f, batch_size or max(n_r, 1), gen, self.device))
            return pairs.pop(0)

        def losses(model, retain: bool = True, forget: bool = True, swap: bool = False) -> StepLosses:
            out = StepLosses()
            if retain and forget:
                i, j = next_pair()
            else:
                i = r_stream.next() if retain else None
                j = f_stream.next() if forget else None
            if retain:
                out.retain = pb.loss(model(pb.xr[i]), pb.yr[i])
            if forget:
                out.forget = pb.loss(model(pb.xf[j]), pb.yf[j])
            return out
        return losses

    def steps_per_epoch(self, over: str, batch_size: int | None) -> int:
        n = len(self._problem.xr if over == "retain" else self._problem.xf)
        return max(1, -(-n // batch_size)) if batch_size else 1

    def default_recipe(self) -> TrainConfig:
        return self.data.recipe

    def retrain(self, *, seed: int, init_seed: int | None, config, train_fn=None, progress: bool = False):
        """Fresh weights (seed ``init_seed``, default ``seed``) trained on :math:`D_r` by ``config``
        or by ``train_fn(model, TensorDataset(x_retain, y_retain))``."""
        from .models import reinitialize

        pb = self._problem
        new = reinitialize(self.model, init_seed if init_seed is not None else seed).to(self.device)
        if train_fn is not None:
            from torch.utils.data import TensorDataset

            new.train()
            out = train_fn(new, TensorDataset(pb.xr, pb.yr))
            if out is not None and out is not new:
                if not isinstance(out, nn.Module):
                    raise TypeError(f"retrain: train_fn returned {type(out).__name__}; return nothing (train in "
                                    f"place) or the trained module")
                new = out
            return new, 0, {"recipe": f"user train_fn {getattr(train_fn, '__qualname__', type(train_fn).__name__)}"}
        fit(new, pb.xr, pb.yr, pb.loss, config, seed=seed, device=self.device)
        return new, config.epochs, {"recipe": f"library {config}"}

    def forget_outputs(self, model):
        """The model's outputs on the forget samples."""
        p = next(iter(model.parameters()), None)
        dev = p.device if p is not None else self.device
        x = self.data.x_train
        return model(x[self.request.indices.to(x.device)].to(dev))

    @torch.no_grad()
    def element_scores(self, model, holdout=None, original_data: bool = False):
        """Minus the per-sample loss (a log-likelihood) of the forget samples and of ``holdout``:
        the withheld samples, a :class:`~graph_unlearn.general.data.WithheldData` or an
        ``(x, y)`` pair; ``None`` without."""
        was = model.training
        model.eval()
        p = next(iter(model.parameters()), None)
        dev = p.device if p is not None else self.device
        hook = self._problem.loss

        def scores(x, y):
            return -hook(model(x.to(dev)), y.to(dev), reduction="none").reshape(len(x), -1).mean(1)

        pb = self._problem
        forget = scores(pb.xf, pb.yf)
        held = None
        if holdout is not None:
            x, y = (holdout.x_holdout, holdout.y_holdout) if hasattr(holdout, "x_holdout") else holdout
            held = scores(torch.as_tensor(x), torch.as_tensor(y))
        model.train(was)
        return forget, held

    @torch.no_grad()
    def attack_features(self, model, holdout=None, original_data: bool = False, max_members: int = 20000):
        """Features for the trained (shadow) attacker: minus the per-sample loss, and for a
        classifier (class scores ``[n, c]``, one label per row) the confidence features of
        :func:`~graph_unlearn.metrics.node.confidence_features`; members = retained training
        samples (at most ``max_members``, a fixed draw), non-members = the test samples; ``None``
        without a holdout or test samples."""
        from ..metrics.node import confidence_features

        if holdout is None or self.data.x_test is None or not len(self.data.x_test):
            return None
        was = model.training
        model.eval()
        p = next(iter(model.parameters()), None)
        dev = p.device if p is not None else self.device
        pb = self._problem

        def feats(x, y):
            x, y = torch.as_tensor(x).to(dev), torch.as_tensor(y).to(dev)
            out = model(x)
            f = [-pb.loss(out, y, reduction="none").reshape(len(x), -1).mean(1, keepdim=True).double()]
            if out.dim() == 2 and out.size(1) > 1 and y.dim() == 1 and not y.is_floating_point():
                f.append(confidence_features(out, y))
            return torch.cat(f, 1)

        pick = torch.randperm(len(pb.xr), generator=torch.Generator().manual_seed(0))[:max_members]
        x, y = (holdout.x_holdout, holdout.y_holdout) if hasattr(holdout, "x_holdout") else holdout
        out = {"member": feats(pb.xr[pick], pb.yr[pick]), "nonmember": feats(self.data.x_test, self.data.y_test),
               "forget": feats(pb.xf, pb.yf), "holdout": feats(x, y)}
        model.train(was)
        return out

    def evaluate(self, model, reference=None, **kw) -> dict:
        """:func:`~graph_unlearn.general.evaluate.evaluate_general` (``reference``: retrain)."""
        from .evaluate import evaluate_general

        return evaluate_general(model, self.data, self.request, retrain=reference, **kw)
