r"""Gradient ascent: increase the task loss of the forget set,
:math:`\theta \leftarrow \theta + \eta\,\nabla_\theta \mathcal{L}(\theta; D_f)`. Unbounded, so it
runs a small fixed number of steps (it cannot use the forget set to stop). One class for every
task (:class:`~graph_unlearn.core.retain_forget.RetainForgetUnlearner` with :math:`w_r = 0`):
edges (BCE of the deleted edges, on the retained graph), nodes (cross-entropy of the forgotten
nodes, queried with their original data), interactions (BPR of the forgotten interactions),
samples (the loss hook).

Defaults per task (``TASK_DEFAULTS``), not tuned: link / node 10 full-graph steps at lr 1e-3;
rec 10 steps of 2,048 forgotten interactions at lr 1e-3; sample 1 epoch over :math:`D_f` in
batches of 64 at lr 1e-4 (a tenth of the recipe's: larger rates destroy the test accuracy of
the small networks within one epoch).
"""
from __future__ import annotations

from ..retain_forget import RetainForgetUnlearner
from ..task import KINDS
from ..unlearner import Unlearner

_GRAPH = {"steps": 10, "lr": 1e-3, "forget_weight": 1.0}


class GradientAscent(RetainForgetUnlearner, Unlearner):
    """Args: ``steps`` or ``epochs`` (passes over :math:`D_f`), ``lr``, ``batch_size``, ``reg``,
    each ``None`` = the task's default; ``optimizer``."""

    name = "gradient_ascent"
    supports = KINDS
    over = "forget"
    TASK_DEFAULTS = {"link": _GRAPH, "node": _GRAPH,
                     "rec": {"steps": 10, "lr": 1e-3, "batch_size": 2048, "forget_weight": 1.0},
                     "sample": {"epochs": 1, "lr": 1e-4, "batch_size": 64, "forget_weight": 1.0}}

    def __init__(self, steps: int | None = None, epochs: int | None = None, lr: float | None = None,
                 batch_size: int | None = None, reg: float | None = None, optimizer: str = "adam", loss=None, **kw):
        super().__init__(**kw)
        self._init_options(steps=steps, epochs=epochs, lr=lr, batch_size=batch_size, reg=reg, optimizer=optimizer,
                           loss=loss)
        self.retain_weight, self.forget_weight = 0.0, 1.0
