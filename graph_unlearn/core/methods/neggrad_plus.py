r"""NegGrad+ (Kurmanji et al., NeurIPS 2023): descend on the retained data, ascend on the
forget data,

.. math:: \mathcal{L} = w_r\,\mathcal{L}(B_r) - w_f\,\mathcal{L}(B_f)\;(+\,\lambda\,\Omega),

one class for every task (:class:`~graph_unlearn.core.retain_forget.RetainForgetUnlearner`,
reverse ``"negate"``; MMRecUn runs the same loop with ``"swap"``).

Defaults per task (``TASK_DEFAULTS``):

* link / node: :math:`w_r = w_f = 0.5`, 50 full-graph steps at lr 1e-3, 65,536 retained edges
  per step (the paper's equal weighting; not tuned);
* rec: :math:`w_r = 0.9, w_f = 0.1`, 30 steps of 2,048 interactions each, lr 1e-3,
  :math:`\lambda = 10^{-4}` (equal weights collapsed validation Recall@20 on ML-100K);
* sample: :math:`w_r = 0.95, w_f = 0.05`, 1 epoch over :math:`D_r` in batches of 64 (each
  paired with a batch of :math:`D_f`), lr 1e-3 (the paper's retain-heavy weighting).
"""
from __future__ import annotations

from ..retain_forget import RetainForgetUnlearner
from ..task import KINDS
from ..unlearner import Unlearner

_GRAPH = {"retain_weight": 0.5, "forget_weight": 0.5, "steps": 50, "lr": 1e-3, "batch_size": 65536}


class NegGradPlus(RetainForgetUnlearner, Unlearner):
    """Args: ``retain_weight`` / ``forget_weight`` (:math:`w_r`, :math:`w_f`; one given, the
    other is 1 minus it), ``steps`` or
    ``epochs`` (passes over :math:`D_r`), ``lr``, ``batch_size``, ``reg``, each ``None`` = the
    task's default; ``optimizer``."""

    name = "neggrad_plus"
    supports = KINDS
    convex = True
    TASK_DEFAULTS = {"link": _GRAPH, "node": _GRAPH,
                     "rec": {"retain_weight": 0.9, "forget_weight": 0.1, "steps": 30, "lr": 1e-3, "batch_size": 2048,
                             "reg": 1e-4},
                     "sample": {"retain_weight": 0.95, "forget_weight": 0.05, "epochs": 1, "lr": 1e-3,
                                "batch_size": 64}}

    def __init__(self, retain_weight: float | None = None, forget_weight: float | None = None,
                 steps: int | None = None, epochs: int | None = None, lr: float | None = None,
                 batch_size: int | None = None, reg: float | None = None, optimizer: str = "adam", loss=None, **kw):
        super().__init__(**kw)
        self._init_options(retain_weight=retain_weight, forget_weight=forget_weight, steps=steps, epochs=epochs,
                           lr=lr, batch_size=batch_size, reg=reg, optimizer=optimizer, loss=loss)
