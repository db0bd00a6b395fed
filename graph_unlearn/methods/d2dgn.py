r"""D2DGN, "Distill to Delete" (Sinha, Mandal, Kankanhalli, 2023): model-agnostic unlearning
by two-teacher knowledge distillation.

A *preserver* (the frozen original model) marks the knowledge to retain, a *destroyer* (a
frozen, randomly initialised model of the same architecture, never the trained module) marks
the knowledge to delete. A plain GNN student (no extra operators, so inference costs what the
original costs) minimises, via :func:`graph_unlearn.core.two_teacher_loss`,

.. math::
    \mathcal{L} = \alpha\Big[\tau^2\mathrm{KL}\big(p^{pres}_{E_r}\,\|\,p^{stud}_{E_r}\big)
        + \lambda\,\mathrm{MSE}(z^{stud}_{V_r}, z^{pres}_{V_r})\Big]
      + (1-\alpha)\Big[\tau^2\mathrm{KL}\big(p^{destr}_{D_f}\,\|\,p^{stud}_{D_f}\big)
        + \lambda\,\mathrm{MSE}(z^{stud}_{V_f}, z^{destr}_{V_f})\Big]

where :math:`p_e = [\sigma(s_e/\tau), 1-\sigma(s_e/\tau)]` is the edge-existence
distribution, :math:`E_r` a batch of retained edges plus as many random node pairs (the
preserver's non-edge knowledge is retained too), :math:`D_f` the deleted edges,
:math:`V_r, V_f` the endpoints of :math:`E_r` and :math:`D_f`. All models run on the retained
graph.

The paper's text was not available; its open choices are options. Defaults were chosen by
validation AUROC on Cora/CiteSeer GCN (never on the forget set), see
``benchmarks/results/d2dgn_options.md``.

Args:
    alpha: retain weight :math:`\alpha` (default 0.5, as the paper).
    temperature: :math:`\tau` (default 4.0).
    feature_weight: :math:`\lambda`, weight of the embedding MSE (default 1.0).
    student_init: ``"original"`` (default; start from :math:`\theta_o`) or ``"random"``.
    retain_scope: ``"all"`` retained edges (default) or ``"khop"``: only those with an
        endpoint in the 2-hop neighbourhood of :math:`D_f`.
    epochs: optimisation steps (default 10); lr: Adam learning rate (default 1e-3).
    batch_size: retained edges per step (default ``None`` = all in scope).
"""
from __future__ import annotations

import torch

from ..core.distillation import two_teacher_loss
from ..core.optim import optimise
from ..core.unlearner import clone_model
from ..tasks.link_prediction import random_pairs
from .base import GraphUnlearner


class D2DGN(GraphUnlearner):
    """D2DGN; loss and options in the module docstring."""

    name = "d2dgn"

    def __init__(self, alpha: float = 0.5, temperature: float = 4.0, feature_weight: float = 1.0,
                 student_init: str = "original", retain_scope: str = "all", epochs: int = 10, lr: float = 1e-3,
                 batch_size: int | None = None, **kw):
        super().__init__(**kw)
        if student_init not in ("original", "random"):
            raise ValueError(f"student_init must be 'original' or 'random', got {student_init!r}")
        if retain_scope not in ("all", "khop"):
            raise ValueError(f"retain_scope must be 'all' or 'khop', got {retain_scope!r}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.alpha, self.temperature, self.feature_weight = alpha, temperature, feature_weight
        self.student_init, self.retain_scope = student_init, retain_scope
        self.epochs, self.lr, self.batch_size = epochs, lr, batch_size

    def _unlearn(self, model, data, request):
        problem = self.problem(data, request)
        x, graph = problem.x, problem.graph
        preserver = clone_model(model, self.device).eval()
        destroyer = model.fresh_copy(seed=self.seed + 7919).to(self.device).eval()
        student = (clone_model(model, self.device) if self.student_init == "original"
                   else model.fresh_copy(seed=self.seed + 1).to(self.device))
        with torch.no_grad():
            z_pres, z_destr = preserver(x, graph), destroyer(x, graph)
        retain = problem.retain
        if self.retain_scope == "khop":
            near = problem.hop_masks[-1]
            retain = retain[:, near[retain[0]] | near[retain[1]]]
        if retain.size(1) == 0:
            raise ValueError("d2dgn: no retained edges in scope to preserve")
        gen = self.generator()
        forget = problem.forget
        forget_nodes = forget.flatten().unique()
        decode = student.decode
        t_forget = decode(z_destr, forget)

        def objective(step):
            student.train()
            pos = retain
            if self.batch_size is not None and self.batch_size < retain.size(1):
                pos = retain[:, torch.randperm(retain.size(1), generator=gen)[:self.batch_size].to(retain.device)]
            edges = torch.cat([pos, random_pairs(problem.num_nodes, pos.size(1), self.device, gen)], 1)
            z = student(x, graph)
            nodes_r = edges.flatten().unique() if self.feature_weight else None
            return two_teacher_loss(
                decode(z, edges), decode(z_pres, edges), decode(z, forget), t_forget,
                alpha=self.alpha, temperature=self.temperature, feature_weight=self.feature_weight,
                student_retain_feat=z[nodes_r] if self.feature_weight else None,
                preserver_retain_feat=z_pres[nodes_r] if self.feature_weight else None,
                student_forget_feat=z[forget_nodes] if self.feature_weight else None,
                destroyer_forget_feat=z_destr[forget_nodes] if self.feature_weight else None)

        history = optimise(student.parameters(), objective, steps=self.epochs, lr=self.lr,
                           progress=self.progress(self.epochs))
        student.eval()
        return student, self.epochs, {"final_loss": history[-1]["loss"] if history else None}
