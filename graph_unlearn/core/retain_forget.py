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

import contextlib
import math
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


class RetainForgetUnlearner:
    r"""The methods written once for every task (mixed into :class:`~graph_unlearn.core.Unlearner`):
    starting from the original weights, ``steps`` optimiser steps on

    .. math:: \mathcal{L} = w_r\,\mathcal{L}(B_r) + w_f\,\mathcal{L}^{rev}(B_f) + \lambda\,\Omega(B_r, B_f),

    with :math:`B_r`, :math:`B_f` the step's batches of retained and forgotten elements, the
    task's loss (:meth:`graph_unlearn.core.task.UnlearningTask.loss_stream`), its reverse
    ``"negate"`` (gradient ascent) or ``"swap"`` (positives and negatives exchanged), and
    :math:`\Omega` the task's batch regulariser (recommenders; ``reg`` = :math:`\lambda`).
    FineTune is :math:`w_f = 0`, gradient ascent :math:`w_r = 0`, NegGrad+ both with
    ``"negate"``, MMRecUn both with ``"swap"``.

    Options left at ``None`` take the method's default for the task (``TASK_DEFAULTS``, with
    their provenance in each method's docstring). ``steps`` counts optimiser steps, ``epochs``
    passes over the data the method iterates (``over``: :math:`D_r`, or :math:`D_f` for gradient
    ascent); give one of them. The values used are in ``result.extra["options"]``. ``loss``: the
    sample task's loss hook (``None``: cross-entropy / MSE; refused on other tasks).
    """

    #: "negate" or "swap"
    reverse: str = "negate"
    #: the steps run through the task's loss stream, on sampled subgraphs where the call chose them
    samples_graphs = True
    #: which data an epoch passes over
    over: str = "retain"
    #: option defaults per task kind
    TASK_DEFAULTS: dict = {}
    #: the weights are a convex combination (one given: the other is 1 - it, :func:`convex_weights`)
    convex: bool = False
    TUNABLE = ("steps", "epochs", "lr", "batch_size", "retain_weight", "forget_weight", "reg")

    def _init_options(self, **opts) -> None:
        from .options import (OptionError, check_choice, check_fraction, check_int, check_loss_hook, check_non_negative,
                              check_positive)

        check_int(self, "steps", opts.get("steps"), allow_none=True)
        check_int(self, "epochs", opts.get("epochs"), allow_none=True)
        if opts.get("steps") is not None and opts.get("epochs") is not None:
            raise OptionError(f"{type(self).__name__}: give steps (optimiser steps) or epochs (passes over the data), "
                              f"not both")
        check_positive(self, "lr", opts.get("lr"), allow_none=True)
        check_int(self, "batch_size", opts.get("batch_size"), allow_none=True)
        for name in ("retain_weight", "forget_weight", "reg"):
            check = check_fraction if self.convex and name != "reg" else check_non_negative
            check(self, name, opts.get(name), allow_none=True)
        check_choice(self, "optimizer", opts.get("optimizer", "adam"), ("adam", "sgd"))
        check_loss_hook(self, "loss", opts.get("loss"))
        for name, value in opts.items():
            setattr(self, name, value)

    def task_defaults(self, task) -> dict:
        """The option defaults of a run on ``task`` (``TASK_DEFAULTS`` of its kind)."""
        return self.TASK_DEFAULTS.get(task.kind, {})

    def options_for(self, task) -> dict:
        """The options of a run on ``task``: the given ones, the rest from :meth:`task_defaults`."""
        defaults = dict(self.task_defaults(task))
        given = {k: getattr(self, k, None) for k in self.TUNABLE}
        if given["steps"] is not None or given["epochs"] is not None:
            defaults.pop("steps", None)
            defaults.pop("epochs", None)
        opts = {k: given[k] if given[k] is not None else defaults.get(k) for k in self.TUNABLE}
        opts["reg"] = opts["reg"] or 0.0
        if self.convex:
            opts["retain_weight"], opts["forget_weight"] = convex_weights(
                self.name, given["retain_weight"], given["forget_weight"],
                (defaults.get("retain_weight", 0.0), defaults.get("forget_weight", 0.0)))
        for k in ("retain_weight", "forget_weight"):
            opts[k] = 0.0 if opts[k] is None else opts[k]
        return opts

    def check_task(self, task) -> None:
        opts = self.options_for(task)
        task.check_options(self.name, reg=opts["reg"], swap=self.reverse == "swap" and opts["forget_weight"] > 0,
                           loss=getattr(self, "loss", None))
        if opts["forget_weight"] > 0 and getattr(task, "num_forget", 1) == 0 and opts["retain_weight"] == 0:
            raise ValueError(f"{self.name}: nothing to unlearn: the request removes no training element "
                             f"(e.g. a modality deletion) and the method uses only the forget set")

    def _unlearn_task(self, task):
        from .unlearner import clone_model

        opts = self.options_for(task)
        spe = task.steps_per_epoch(self.over, opts["batch_size"])
        steps = opts["steps"] if opts["steps"] is not None else opts["epochs"] * spe
        student = clone_model(task.model, self.device).train()
        with self.prepared(student, task, opts) as prepared:
            history = self._steps(student, task, opts, steps)
        last = history[-1] if history else {}
        opts["steps"] = steps
        return student, math.ceil(steps / spe), {"options": opts, "final_retain_loss": last.get("retain"),
                                                  "final_forget_loss": last.get("forget"), **prepared}

    @contextlib.contextmanager
    def prepared(self, student, task, opts: dict):
        """Change the student (the original's copy) before the first step and undo any hooks
        after the last; yields what goes into ``result.extra``. Nothing here; MMRecUn resets the
        deleted users' or items' own rows and holds them there."""
        yield {}

    def _steps(self, student, task, opts: dict, steps: int) -> list[dict]:
        losses = task.loss_stream(self.generator(), opts["batch_size"])
        w_r, w_f, reg = opts["retain_weight"], opts["forget_weight"], opts["reg"]
        swap = self.reverse == "swap"
        sign = 1.0 if swap else -1.0
        penalty = {}

        def step_losses(step):
            out = losses(student, retain=w_r > 0, forget=w_f > 0, swap=swap)
            zero = next(t for t in (out.retain, out.forget, out.penalty) if t is not None) * 0.0
            penalty["last"] = out.penalty
            l_f = zero if out.forget is None else sign * out.forget
            return (zero if out.retain is None else out.retain), l_f

        def regulariser():
            return reg * penalty["last"]

        return retain_forget_steps(student.parameters(), step_losses, steps=steps, retain_weight=w_r,
                                   forget_weight=w_f, lr=opts["lr"], optimizer=getattr(self, "optimizer", "adam"),
                                   regulariser=regulariser if reg else None, progress=self.progress(steps))


def convex_weights(owner, retain_weight: float | None, forget_weight: float | None,
                   default: tuple[float, float]) -> tuple[float, float]:
    r"""The retain / forget weights :math:`(w_r, w_f)` of a method whose loss is a convex
    combination (:math:`w_r + w_f = 1` by default: NegGrad+, D2DGN, GNNDelete): both as given;
    one given, the other :math:`1 -` it; none, ``default``."""
    from .options import OptionError

    if retain_weight is None and forget_weight is None:
        return default
    if retain_weight is not None and forget_weight is not None:
        return retain_weight, forget_weight
    given = retain_weight if retain_weight is not None else forget_weight
    if given > 1:
        raise OptionError(f"{owner}: a single weight above 1 leaves a negative other one; give both "
                          f"retain_weight and forget_weight")
    return (given, 1.0 - given) if retain_weight is not None else (1.0 - given, given)
