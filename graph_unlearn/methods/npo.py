r"""Negative Preference Optimization (Zhang, Lin, Bai, Mei, COLM 2024) for the graph tasks:

.. math::
    \mathcal{L} = \frac{2}{\beta}\,\mathbb{E}_{D_f}\Big[\log\Big(1 +
      \Big(\frac{p_\theta}{p_{\theta_o}}\Big)^{\beta}\Big)\Big] + \lambda\,\mathcal{L}(D_r),

the shared :func:`graph_unlearn.core.npo.npo_loss` with the frozen original as reference, through
:func:`~graph_unlearn.tasks.graph.task_ops`: for link prediction :math:`p_\theta` is the
predicted existence :math:`\sigma(s_{uv})` of each deleted edge (on the retained graph); for
node / feature deletion it is the class softmax of each forgotten node's true label (queried
with its original data). The retained term is the task's usual loss (BCE of retained edges
against random pairs, cross-entropy of retained training nodes), run by
:func:`graph_unlearn.core.retain_forget_steps`.

Bounded below by 0 where gradient ascent's :math:`-\mathcal{L}(D_f)` is not: its gradient is
gradient ascent's weighted by :math:`2\sigma(\beta\log(p_\theta/p_{\theta_o}))`, which vanishes
once the forget elements are unlikely.

Defaults and their provenance: ``beta = 0.1`` (the paper's), ``retain_weight = 1.0`` (the
paper's NPO+RT equal weighting), ``steps = 50``, ``lr = 1e-3`` and the retained batch size
(65536 edges) as the graph NegGrad+ here; none of them tuned on graphs yet.
"""
from __future__ import annotations

import torch

from ..core.npo import binary_log_likelihood, class_log_likelihood, npo_loss
from ..core.options import check_int, check_non_negative, check_positive
from ..core.retain_forget import retain_forget_steps
from ..core.unlearner import clone_model
from ..tasks.graph import RETAIN_BATCH
from .base import GraphUnlearner


def forget_log_likelihood(ops, model, zq):
    r""":math:`\log p_\theta` of each forget element: :math:`\log\sigma(s)` of deleted edges, or the
    log-softmax of each forgotten node's label."""
    logits = ops.forget_logits(model, zq)
    if getattr(ops, "task", None) == "link":
        return binary_log_likelihood(logits)
    return class_log_likelihood(logits, ops.y[ops.forget_nodes])


class NPO(GraphUnlearner):
    """Args: ``beta`` (0.1), ``retain_weight`` λ (1.0; 0 = plain NPO), ``steps`` (50), ``lr``
    (1e-3), ``batch_size`` of retained edges per step (65536; ``None`` = all)."""

    name = "npo"
    samples_graphs = True

    def __init__(self, beta: float = 0.1, retain_weight: float = 1.0, steps: int = 50, lr: float = 1e-3,
                 batch_size: int | None = RETAIN_BATCH, **kw):
        super().__init__(**kw)
        check_positive(self, "beta", beta)
        check_non_negative(self, "retain_weight", retain_weight)
        check_int(self, "steps", steps)
        check_positive(self, "lr", lr)
        check_int(self, "batch_size", batch_size, allow_none=True)
        self.beta, self.retain_weight, self.steps, self.lr, self.batch_size = beta, retain_weight, steps, lr, batch_size

    def _unlearn(self, model, data, request):
        ops = self.ops(data, request)
        reference = clone_model(model, self.device).eval()

        def reference_logp():
            with torch.no_grad():
                return forget_log_likelihood(ops, reference, ops.outputs(reference, query=True)).detach()

        logp_ref = None if ops.sampled else reference_logp()  # sampled steps: on each step's subgraph
        student = clone_model(model, self.device).train()
        gen = self.generator()

        def losses(step):
            sel = ops.draw(gen, self.batch_size, retain=self.retain_weight > 0)
            ref = reference_logp() if ops.sampled else logp_ref
            z = ops.outputs(student)
            zq = z if ops.same_view else ops.outputs(student, query=True)
            l_f = npo_loss(forget_log_likelihood(ops, student, zq), ref, self.beta)
            l_r = ops.retain_loss(student, z, sel) if sel is not None else z.new_zeros(())
            return l_r, l_f

        retain_forget_steps(student.parameters(), losses, steps=self.steps, retain_weight=self.retain_weight,
                            forget_weight=1.0, lr=self.lr, progress=self.progress(self.steps))
        return student, self.steps, {}
