"""The one interface every unlearning method implements.

Options go in the constructor, data in the call (scikit-learn style)::

    result = D2DGN(epochs=50).unlearn(model, data, request)
    result.model        # a new model; the original is never modified
    result.seconds, result.peak_mem_mb, result.epochs

A call first finds its task (:func:`graph_unlearn.core.task.resolve_task`: link, node, rec or
sample, validated before any work) and checks the method supports it. Methods written once for
every task implement ``_unlearn_task(task) -> (new_model, epochs, extra)`` against the task
protocol; a domain's own methods implement ``_unlearn(model, data, request)`` with the domain's
prepared model and data (``task.model``, ``task.data``, ``task.request``). The base class clones
nothing itself (each method decides what to copy) but checks that the original model was left
untouched, measures time and memory, and writes the audit record.
"""
from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .options import check_bool, check_device, check_int
from .profiling import RunMonitor
from .rng import seeded_rng


def clone_model(model: nn.Module, device: torch.device | str | None = None) -> nn.Module:
    """A deep copy of ``model`` (optionally moved to ``device``), with gradients enabled."""
    new = copy.deepcopy(model)
    if device is not None:
        new = new.to(device)
    for p in new.parameters():
        p.requires_grad_(True)
    return new


def _state_snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def parameters_changed(a: nn.Module | dict, b: nn.Module | dict, atol: float = 0.0) -> bool:
    """True when any shared parameter/buffer differs (or the key sets differ)."""
    sa = a.state_dict() if isinstance(a, nn.Module) else a
    sb = b.state_dict() if isinstance(b, nn.Module) else b
    if set(sa) != set(sb):
        return True
    for k in sa:
        x, y = sa[k].detach().cpu(), sb[k].detach().cpu()
        if x.shape != y.shape:
            return True
        if x.is_floating_point():
            if not torch.allclose(x.float(), y.float(), atol=atol, rtol=0.0):
                return True
        elif not torch.equal(x, y):
            return True
    return False


class UnchangedError(RuntimeError):
    """A method that changes parameters returned a model equal to the original: it did nothing
    (e.g. SSD when no parameter is more important to the forget set than to the retained data by
    its threshold). Raised rather than returning a silent no-op; a benchmark may record it."""


@dataclass
class UnlearnResult:
    """What an unlearner returns: the new model and the run's statistics."""

    method: str
    model: nn.Module
    seconds: float
    peak_mem_mb: float
    epochs: int
    device: str
    extra: dict[str, Any] = field(default_factory=dict)
    #: what serving needs besides the model: the retained data in the user's form (graph methods:
    #: a ``Data`` holding the retained graph, ``result.model(result.data.x, result.data.edge_index)``;
    #: built on first access when the method set it as a :class:`Deferred`)
    data: Any = field(default=None, repr=False)
    #: the run barely changed the model (see :mod:`graph_unlearn.core.audit`)
    noop: bool = False
    #: why the method fell back to something else (None: it did not)
    fallback: str | None = None
    #: the audit record (:func:`graph_unlearn.core.audit.audit_run`)
    audit: dict[str, Any] = field(default_factory=dict, repr=False)

    def record_attack(self, name: str, estimate: Any) -> None:
        """Add an attack result (e.g. the matched-holdout AUC with its interval) to the audit."""
        from .audit import _jsonable

        self.audit.setdefault("attacks", {})[name] = _jsonable(estimate)

    def save(self, directory) -> Any:
        """Write ``model.pt`` (state dict, ``weights_only``-loadable) and ``audit.json`` to ``directory``."""
        from .audit import save_result

        return save_result(self, directory)

    @staticmethod
    def load_audit(directory) -> dict[str, Any]:
        """The audit record saved by :meth:`save`."""
        from .audit import load_audit

        return load_audit(directory)

    def __repr__(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.extra.items() if not isinstance(v, (torch.Tensor, nn.Module)))
        return (f"UnlearnResult(method={self.method}, seconds={self.seconds:.2f}, "
                f"peak_mem_mb={self.peak_mem_mb:.1f}, epochs={self.epochs}, device={self.device}"
                + (f", {extra}" if extra else "") + ")")


class Deferred:
    """A value computed on first use: ``UnlearnResult.data = Deferred(fn)`` stores ``fn`` and the
    first read of ``result.data`` calls it once. The retained graph of a large graph is a copy of
    every retained edge (at 100M edges, seconds and GBs) that a run on sampled subgraphs never
    needs; it is built when the caller asks for it, not at the end of every run."""

    def __init__(self, fn):
        self.fn = fn


def _get_data(self):
    value = self.__dict__.get("_data")
    if isinstance(value, Deferred):
        value = self.__dict__["_data"] = value.fn()
    return value


def _set_data(self, value):
    self.__dict__["_data"] = value


UnlearnResult.data = property(_get_data, _set_data, doc="The retained data for serving (see the field's "
                              "comment); a Deferred is resolved on first read.")


class Unlearner:
    """Base class: options in ``__init__``, ``unlearn(model, data, request)`` does the work.

    Subclasses set ``name``, ``supports`` (the task kinds they handle) and
    ``changes_parameters`` (False only for methods that by design keep the original weights,
    e.g. UtU, and for retrain, a reference), and implement ``_unlearn_task`` or ``_unlearn``.
    """

    name: str = "unlearner"
    #: the task kinds the method handles (:data:`graph_unlearn.core.task.KINDS`)
    supports: tuple[str, ...] = ()
    #: whether a successful run must produce weights different from the original's
    changes_parameters: bool = True

    def __init__(self, device: str | torch.device | None = "cpu", seed: int = 0, verbose: bool = False):
        self.device = check_device(self, device)
        self.seed = check_int(self, "seed", seed, minimum=0)
        self.verbose = check_bool(self, "verbose", verbose)

    # -- scikit-learn-like niceties ---------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        params = {}
        for cls in type(self).__mro__:
            if "__init__" not in cls.__dict__:
                continue
            for name in inspect.signature(cls.__init__).parameters:
                if name not in ("self", "args", "kwargs") and hasattr(self, name):
                    params.setdefault(name, getattr(self, name))
        return params

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params()

    # -- the call -----------------------------------------------------------------------------
    def unlearn(self, model: nn.Module, data: Any, request: Any = None, **options) -> UnlearnResult:
        """Forget ``request`` from ``model`` trained on ``data``; returns a new model + stats.

        ``options`` go to the task (graphs: ``model_config``, see
        :class:`~graph_unlearn.models.adapter.ModelConfig`)."""
        from .task import resolve_task

        task = resolve_task(self, model, data, request, **options)
        if task.kind not in self.supports:
            raise ValueError(f"{self.name} handles {' and '.join(self.supports)} tasks, not a {task.kind} task")
        self.check_task(task)
        return task.finish(self._run(task))

    def generator(self) -> torch.Generator:
        """A generator seeded with the method's ``seed`` (batches, negatives, noise)."""
        return torch.Generator().manual_seed(self.seed)

    def progress(self, steps: int, desc: str | None = None):
        """A tqdm progress callback for :func:`graph_unlearn.core.optimise` (None unless ``verbose``)."""
        if not self.verbose:
            return None
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc=desc or self.name, leave=False)

        def update(step, rec):
            bar.update(1)
            bar.set_postfix(loss=f"{rec['loss']:.4f}")
            if step == steps - 1:
                bar.close()
        return update

    def check_task(self, task) -> None:
        """Refuse, before any work, options that do not apply to ``task`` (default: none)."""

    def _run(self, task) -> UnlearnResult:
        model = task.model
        before = _state_snapshot(model)
        with seeded_rng(self.seed, self.device), RunMonitor(self.device) as mon:  # caller's RNG untouched
            new_model, epochs, extra = self._unlearn_task(task)
        if new_model is model:
            raise RuntimeError(f"{self.name}: returned the original model object instead of a new one")
        if parameters_changed(before, model):
            raise RuntimeError(f"{self.name}: modified the original model in place")
        if self.changes_parameters and not parameters_changed(model, new_model):
            raise UnchangedError(f"{self.name}: unlearning left the parameters unchanged")
        new_model.eval()
        from .audit import audit_run  # parameter change, forget-output shift, no-op flag, audit record

        return audit_run(self, UnlearnResult(self.name, new_model, mon.seconds, mon.peak_mem_mb, int(epochs),
                                             str(self.device), dict(extra or {})), before, model, task)

    #: the task of the call in progress (its problem and task-level interface are built once)
    _task = None
    #: whether the method's steps can run on sampled subgraphs (``unlearn(..., sampling=...)`` on
    #: large graphs, :mod:`graph_unlearn.data.sampling`); the others run on the full graph
    samples_graphs: bool = False

    def _unlearn_task(self, task):
        """The work on ``task``; a domain's own methods implement :meth:`_unlearn` instead."""
        self._task = task
        try:
            return self._unlearn(task.model, task.data, task.request)
        finally:
            self._task = None

    def _unlearn(self, model: nn.Module, data: Any, request: Any):  # pragma: no cover - abstract
        raise NotImplementedError
