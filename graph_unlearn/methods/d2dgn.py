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

Node and feature deletion (node classification) use the same loss with
:math:`p = \mathrm{softmax}(z/\tau)` over classes: the retain term on the retained training
nodes :math:`V_r` (retained view), the forget term on the deleted nodes :math:`V_f` queried with
their original features and links (the destroyer sees the same query), and :math:`h` the
penultimate-layer node embedding.

With sampled steps (``unlearn(..., sampling=[...])``, :mod:`graph_unlearn.data.sampling`) the
student and the preserver run on each step's subgraph, sampled around the retained batch and
:math:`D_f`; the destroyer's targets on :math:`D_f` do not depend on the batch and are computed
once, on one subgraph sampled around :math:`D_f` (as the full-graph steps compute them once).

The paper's text was not available; its open choices are options. The link-prediction structure
options (student init, retain scope, feature weight) were chosen by validation AUROC on
Cora/CiteSeer GCN (``benchmarks/results/d2dgn_options.md``), the weights, temperature, steps and
learning rate examined by forgetting completeness and utility together on separate tuning
requests across GCN, GAT, GIN and GraphSAGE (``benchmarks/results/tune_link_defaults.md``; not
shipped, see Args); the node-classification ones as described under Args.

Args:
    retain_weight, forget_weight: :math:`\alpha` and :math:`1-\alpha` (one given, the other is
        1 minus it); temperature: :math:`\tau`; steps: optimiser steps; lr: Adam learning rate.
        ``None`` (default) takes the task's default
        (:data:`TASK_DEFAULTS`): link prediction :math:`\alpha=0.9`, :math:`\tau=4`, 10 steps at lr
        5e-3, chosen by completeness and utility together over five families of tuning requests
        (``benchmarks/results/tune_link_defaults.md``: the library's GCN/GAT/GIN/GraphSAGE on Cora
        and CiteSeer; PyG's own four encoders trained by a user's loop, on "out" and on random
        requests; a 1M-edge graph with sampled steps; ogbl-ddi's dense graph): mean score 0.480,
        level with lr 2e-3 (0.480: lr 5e-3 scores higher on the library's models, 0.50 against 0.37,
        and lower on PyG's tutorial encoders, 0.73 against 0.84), against 0.270 for the paper's
        :math:`\alpha=0.5` at lr 1e-3, which loses 0.16 validation AUROC on ogbl-ddi; lower
        :math:`\alpha` costs ogbl-ddi up to 0.4 validation AUROC; node classification
        :math:`\alpha=0.97`, :math:`\tau=4`, 10 steps at lr 1e-3, chosen by the forgetting yardstick
        and validation accuracy together on node-deletion tuning requests (the library's GCN/GAT/GIN
        on Cora and CiteSeer, PyG's own encoders trained by a user's loop;
        ``benchmarks/results/tune_node_defaults.md``): mean cost 0.91, barely under doing nothing's
        0.96 (a further retrain seed: 0.61; above 1 on the user-trained encoders, whose forgotten
        nodes it moves away from the retrains' scores), and 1.78 for the earlier lr 3e-3 (chosen
        against retrain's accuracy alone, ``d2dgn_node_options.md``), which over-forgets.
        The options that ran are in ``result.extra["options"]``.
    feature_weight: :math:`\lambda`, weight of the embedding MSE (default 0.0). On dense
        graphs (ogbl-ddi) the deleted edges touch nearly every node, and an embedding term
        towards the destroyer pulls every node to a random embedding.
    student_init: ``"original"`` (default; start from :math:`\theta_o`) or ``"random"``.
    retain_scope: ``"khop"`` (default): retained edges (nodes) within the 2-hop
        neighbourhood of :math:`D_f`, or ``"all"`` retained edges (nodes).
    batch_size: retained edges (nodes) per step (default 65536; ``None`` = all in scope).

Long streams of requests (:func:`~graph_unlearn.unlearn_sequence`) compound each step's
utility loss; ``benchmarks/results/sequential_unlearning.md`` (Cora GCN, 10 requests of 0.5%,
3 seeds) measures the gap to the cumulative retrain after step 10: edges 0.039 with the link
defaults, 0.026 with ``retain_weight=0.97`` (both over-forget; doing nothing: 0.009); nodes
0.004 with the node defaults, 0.010 with ``retain_scope="all"`` (doing nothing: 0.006).
"""
from __future__ import annotations

import torch

from ..core.distillation import two_teacher_loss
from ..core.optim import optimise
from ..core.options import check_choice, check_fraction, check_int, check_non_negative, check_positive
from ..core.retain_forget import convex_weights
from ..core.unlearner import clone_model
from ..tasks.graph import RETAIN_BATCH
from .base import GraphUnlearner


#: the options left as ``None``, per task (see the module docstring)
TASK_DEFAULTS = {"link": {"retain_weight": 0.9, "forget_weight": 0.1, "temperature": 4.0, "steps": 10, "lr": 5e-3},
                 "node": {"retain_weight": 0.97, "forget_weight": 1 - 0.97, "temperature": 4.0, "steps": 10, "lr": 1e-3}}


class D2DGN(GraphUnlearner):
    """D2DGN; loss and options in the module docstring."""

    name = "d2dgn"
    samples_graphs = True

    def __init__(self, retain_weight: float | None = None, forget_weight: float | None = None,
                 temperature: float | None = None, feature_weight: float = 0.0,
                 student_init: str = "original", retain_scope: str = "khop", steps: int | None = None,
                 lr: float | None = None, batch_size: int | None = RETAIN_BATCH, **kw):
        super().__init__(**kw)
        check_choice(self, "student_init", student_init, ("original", "random"))
        check_choice(self, "retain_scope", retain_scope, ("all", "khop"))
        check_fraction(self, "retain_weight", retain_weight, allow_none=True)
        check_fraction(self, "forget_weight", forget_weight, allow_none=True)
        check_positive(self, "temperature", temperature, allow_none=True)
        check_non_negative(self, "feature_weight", feature_weight)
        check_int(self, "steps", steps, allow_none=True)
        check_positive(self, "lr", lr, allow_none=True)
        check_int(self, "batch_size", batch_size, allow_none=True)
        self.retain_weight, self.forget_weight = retain_weight, forget_weight
        self.temperature, self.feature_weight = temperature, feature_weight
        self.student_init, self.retain_scope = student_init, retain_scope
        self.steps, self.lr, self.batch_size = steps, lr, batch_size

    def _unlearn(self, model, data, request):
        ops = self.ops(data, request)
        defaults = TASK_DEFAULTS[ops.task]
        opts = {k: v if getattr(self, k) is None else getattr(self, k) for k, v in defaults.items()}
        opts["retain_weight"], opts["forget_weight"] = convex_weights(
            self.name, self.retain_weight, self.forget_weight, (defaults["retain_weight"], defaults["forget_weight"]))
        temperature, steps = opts["temperature"], opts["steps"]
        preserver = clone_model(model, self.device).eval()
        destroyer = model.fresh_copy(seed=self.seed + 7919).to(self.device).eval()
        student = (clone_model(model, self.device) if self.student_init == "original"
                   else model.fresh_copy(seed=self.seed + 1).to(self.device))
        emb = bool(self.feature_weight)

        # sampled steps: the destroyer's targets on D_f do not depend on the step's batch, so they are
        # computed once, on the subgraph sampled around D_f (with the embedding term they stay per step)
        t_fixed = ops.fixed_forget_logits(destroyer) if ops.sampled and not emb else None

        @torch.no_grad()
        def teachers():
            """The preserver's outputs on the retained view, the destroyer's on the query view
            (once for full-graph steps; on each step's subgraph for sampled ones)."""
            z_pres, h_pres = ops.outputs(preserver, with_embedding=True)
            if t_fixed is not None:   # the step's batch of D_f when the request is covered in batches
                return z_pres, h_pres, None, t_fixed if ops.forget_index is None else t_fixed[ops.forget_index]
            z_destr, h_destr = ops.outputs(destroyer, query=True, with_embedding=True)
            return z_pres, h_pres, h_destr, ops.forget_logits(destroyer, z_destr)

        if ops.num_retained(self.retain_scope) == 0:
            raise ValueError("d2dgn: no retained edges/nodes in scope to preserve")
        fixed = None if ops.sampled else teachers()
        gen = self.generator()

        def objective(step):
            student.train()
            sel = ops.draw(gen, self.batch_size, self.retain_scope)
            z_pres, h_pres, h_destr, t_forget = fixed or teachers()
            z, h = ops.outputs(student, with_embedding=True)
            zq, hq = (z, h) if ops.same_view else ops.outputs(student, query=True, with_embedding=True)
            nodes_r = ops.select_nodes(sel) if emb else None
            forget_nodes = ops.forget_nodes
            return two_teacher_loss(
                ops.retain_logits(student, z, sel), ops.retain_logits(preserver, z_pres, sel),
                ops.forget_logits(student, zq), t_forget,
                retain_weight=opts["retain_weight"], forget_weight=opts["forget_weight"], temperature=temperature, feature_weight=self.feature_weight,
                student_retain_feat=h[nodes_r] if emb else None,
                preserver_retain_feat=h_pres[nodes_r] if emb else None,
                student_forget_feat=hq[forget_nodes] if emb else None,
                destroyer_forget_feat=h_destr[forget_nodes] if emb else None)

        history = optimise(student.parameters(), objective, steps=steps, lr=opts["lr"],
                           progress=self.progress(steps))
        student.eval()
        return student, steps, {"final_loss": history[-1]["loss"] if history else None, "options": opts}
