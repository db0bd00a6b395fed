r"""Fine-tune: continue training the original on the retained data only,
:math:`\min_\theta \mathcal{L}(\theta; D_r)\;(+\,\lambda\,\Omega)`, so that :math:`D_f` is
forgotten catastrophically. One class for every task (:class:`~graph_unlearn.core.retain_forget.RetainForgetUnlearner`
with :math:`w_f = 0`).

Defaults per task (``TASK_DEFAULTS``), none tuned on a reported request:

* link / node: 50 steps, Adam lr 1e-3, 65,536 retained edges (or all retained training nodes)
  per full-graph step: NegGrad+'s graph recipe without its forget term;
* rec: 50 steps of 2,048 retained interactions, lr 1e-3, :math:`\lambda = 10^{-4}` (the BPR
  training recipe's batch regulariser);
* sample: 2 epochs over :math:`D_r` in batches of 64, lr 1e-3 (the recipe's learning rate).
"""
from __future__ import annotations

from ..retain_forget import RetainForgetUnlearner
from ..task import KINDS
from ..unlearner import Unlearner

_GRAPH = {"steps": 50, "lr": 1e-3, "batch_size": 65536, "retain_weight": 1.0}


class FineTune(RetainForgetUnlearner, Unlearner):
    """Args: ``steps`` or ``epochs`` (passes over :math:`D_r`), ``lr``, ``batch_size``, ``reg``
    (recommenders' batch regulariser), each ``None`` = the task's default; ``optimizer``."""

    name = "finetune"
    supports = KINDS
    TASK_DEFAULTS = {"link": _GRAPH, "node": _GRAPH,
                     "rec": {"steps": 50, "lr": 1e-3, "batch_size": 2048, "reg": 1e-4, "retain_weight": 1.0},
                     "sample": {"epochs": 2, "lr": 1e-3, "batch_size": 64, "retain_weight": 1.0}}

    def __init__(self, steps: int | None = None, epochs: int | None = None, lr: float | None = None,
                 batch_size: int | None = None, reg: float | None = None, optimizer: str = "adam", loss=None, **kw):
        super().__init__(**kw)
        self._init_options(steps=steps, epochs=epochs, lr=lr, batch_size=batch_size, reg=reg, optimizer=optimizer,
                           loss=loss)
        self.retain_weight, self.forget_weight = 1.0, 0.0
