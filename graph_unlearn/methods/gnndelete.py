r"""GNNDelete (Cheng et al., ICLR 2023): a trainable deletion operator after each layer,
applied only to the nodes the deletion affects, with all original weights frozen.

After layer :math:`l` (0-based) the operator :math:`W_D^{(l)} \in \mathbb{R}^{d_l\times d_l}`
maps :math:`h_i \mapsto h_i W_D^{(l)}` for the nodes within :math:`l+1` hops of a deleted
edge's endpoint (computed on the undirected training graph). Each operator is trained on its
own layer's loss (layer-wise: the next layer sees its output detached)

.. math::
    \mathcal{L}^{(l)} = w_f\,\underbrace{\mathrm{MSE}\big([h_u;h_v]_{(u,v)\in D_f},\,
        [\bar h_p;\bar h_q]_{(p,q)\sim\text{random}}\big)}_{\text{Deleted Edge Consistency}}
      + w_r\,\underbrace{\mathrm{MSE}\big(h_{S},\,\bar h_{S}\big)}_{\text{Neighbourhood Influence}}

where :math:`\bar h` are the frozen original model's layer outputs on the retained graph,
the random pairs are drawn once, and :math:`S` are the affected nodes other than the deleted
edges' endpoints. Node variant (node/feature deletion): the deleted nodes, queried with their
original features and links, play the endpoints' role (their representations are matched to
random nodes'), and the masks are the hops around the deleted nodes. Everything is sparse: masks and index gathers, no :math:`N\times N` tensor.

Args:
    forget_weight, retain_weight: :math:`w_f` (Deleted Edge Consistency, the forget-side term;
        the paper's :math:`\alpha`) and :math:`w_r` (Neighbourhood Influence, the retain side;
        :math:`1-\alpha`); one given, the other is 1 minus it.
    steps: optimiser steps (the official code's epochs, one full-graph step each).
    lr: Adam learning rate (weight decay 0 as official).
    ``None`` takes the task's default (:data:`TASK_DEFAULTS`): :math:`w_f = 0.5`, 50 steps; lr 1e-3
    for links (the paper's), chosen by the completeness-and-utility tuning over five families of
    tuning requests (``benchmarks/results/tune_link_defaults.md``: the library's encoders on Cora
    and CiteSeer, PyG's own encoders trained by a user's loop, a 1M-edge graph with sampled steps,
    ogbl-ddi's dense graph; mean score 0.270 against lr 5e-3's 0.260, which scores higher on Cora and
    CiteSeer but loses 0.24 validation AUROC on ogbl-ddi, against lr 1e-3's 0.19); lr 1e-4 for
    nodes, chosen by the forgetting yardstick and validation accuracy together on node-deletion
    tuning requests (the library's GCN/GAT/GIN on Cora and CiteSeer, PyG's own encoders trained by a
    user's loop; ``benchmarks/results/tune_node_defaults.md``): mean cost 0.85, against 0.96 for
    doing nothing, 0.61 for a further retrain seed and 2.68 for the paper's lr 1e-3, which
    over-forgets (the forgotten nodes' attack AUC 0.40 against retrain's 0.54).
    init: ``"identity"`` (default; the operator starts as a no-op) or ``"ones"``
        (the official ``ones / 1000``).
    layerwise: train each operator on its own layer's loss only (default True).
    batch_size: with sampled steps (``unlearn(..., sampling=[...])``, links and nodes), the
        affected nodes drawn per step for the Neighbourhood Influence term (``None``: all); each
        step then runs on a subgraph sampled around them, D_f's endpoints and the random pairs,
        with the frozen original's outputs on the same subgraph as targets, so a step costs what
        the request touches. Full-graph steps use every affected node.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..core.optim import optimise
from ..core.retain_forget import convex_weights
from ..core.options import check_bool, check_choice, check_fraction, check_int, check_positive
from ..core.unlearner import clone_model
from ..data.convert import is_dgl_graph
from ..data.sampling import node_ids_kw
from ..tasks.graph import RETAIN_BATCH
from .base import GraphUnlearner


class DeletionOperator(nn.Module):
    """:math:`h \\mapsto h W_D` with :math:`W_D` initialised to the identity or ones/1000."""

    def __init__(self, dim: int, init: str = "identity"):
        super().__init__()
        if init == "identity":
            w = torch.eye(dim)
        elif init == "ones":
            w = torch.ones(dim, dim) / 1000
        else:
            raise ValueError(f"unknown init {init!r}: use 'identity' or 'ones'")
        self.weight = nn.Parameter(w)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h @ self.weight


class GNNDeleteModel(nn.Module):
    """A frozen GNN with deletion operators on the affected nodes of each layer.

    Same interface as the wrapped model: ``forward(x, graph, layer_hook=None,
    return_layers=False)`` and ``decode(z, edges)``; ``graph`` may be the library's
    :class:`~graph_unlearn.data.Graph` or, for a user's PyG module, an ``edge_index``, so the
    result is served as ``model(x, edge_index)``. The operators reach the layers through the
    wrapped model's layer hook (forward hooks on ``MessagePassing`` layers for users' modules).
    The wrapped model may itself be a ``GNNDeleteModel``: a later request adds its operators on
    top of the earlier ones (which stay frozen), so GNNDelete applies to its own output in
    sequential deletions.

    Args:
        base: the model to freeze.
        masks: one boolean node mask per layer (where that layer's operator applies).
        dims: each layer's output width.
        init: operator initialisation (``"identity"`` or ``"ones"``).
    """

    speaks_graph_unlearn = True
    #: run on a sampled subgraph, it is told its rows' global ids (``nodes``) to pick their masks
    takes_node_ids = True

    def __init__(self, base: nn.Module, masks: list[torch.Tensor], dims: list[int], init: str = "identity"):
        super().__init__()
        if len(masks) != len(dims):
            raise ValueError(f"{len(masks)} masks for {len(dims)} layers")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.operators = nn.ModuleList(DeletionOperator(d, init) for d in dims)
        for i, m in enumerate(masks):
            self.register_buffer(f"mask_{i}", m.clone())
        self.layerwise = False

    @property
    def num_layers(self) -> int:
        return len(self.operators)

    def mask(self, layer: int) -> torch.Tensor:
        return getattr(self, f"mask_{layer}")

    def forward(self, x, graph, layer_hook=None, return_layers: bool = False, nodes: torch.Tensor | None = None):
        """``nodes``: the global ids of ``x``'s rows when the model runs on a sampled subgraph
        (default: ``x`` is the whole graph's)."""
        if is_dgl_graph(x):  # a DGL module's result is served the DGL way, model(g, x)
            x, graph = graph, x
        outs = []
        inner = {} if nodes is None else node_ids_kw(self.base, nodes)   # an inner GNNDeleteModel's masks too

        def hook(layer, h):
            m = self.mask(layer) if nodes is None else self.mask(layer)[nodes]
            h = h.clone()
            h[m] = self.operators[layer](h[m])
            if layer_hook is not None:  # an outer GNNDeleteModel applies its operators, records, detaches
                return layer_hook(layer, h)
            outs.append(h)
            return h.detach() if self.layerwise and self.training else h

        if layer_hook is not None:
            return self.base(x, graph, layer_hook=hook, return_layers=return_layers, **inner)
        out = self.base(x, graph, layer_hook=hook, **inner)
        return (out, outs) if return_layers else out

    def decode(self, z: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        return self.base.decode(z, edges)

    def fresh_copy(self, seed=None):
        return self.base.fresh_copy(seed)


#: the options left as ``None``, per task (see the module docstring)
TASK_DEFAULTS = {"link": {"forget_weight": 0.5, "steps": 50, "lr": 1e-3},
                 "node": {"forget_weight": 0.5, "steps": 50, "lr": 1e-4}}


class GNNDelete(GraphUnlearner):
    """GNNDelete; options and loss in the module docstring."""

    name = "gnndelete"
    samples_graphs = True

    def __init__(self, retain_weight: float | None = None, forget_weight: float | None = None,
                 steps: int | None = None, lr: float | None = None, init: str = "identity", layerwise: bool = True,
                 batch_size: int | None = RETAIN_BATCH, **kw):
        super().__init__(**kw)
        check_fraction(self, "retain_weight", retain_weight, allow_none=True)
        check_fraction(self, "forget_weight", forget_weight, allow_none=True)
        check_int(self, "steps", steps, allow_none=True)
        check_positive(self, "lr", lr, allow_none=True)
        check_choice(self, "init", init, ("identity", "ones"))
        check_bool(self, "layerwise", layerwise)
        check_int(self, "batch_size", batch_size, allow_none=True)
        self.batch_size = batch_size
        self.retain_weight, self.forget_weight = retain_weight, forget_weight
        self.steps, self.lr, self.init, self.layerwise = steps, lr, init, layerwise

    def _unlearn(self, model, data, request):
        ops = self.ops(data, request)
        opts = dict(TASK_DEFAULTS[ops.task])
        opts.update({k: getattr(self, k) for k in ("steps", "lr") if getattr(self, k) is not None})
        w_r, w_f = convex_weights(self.name, self.retain_weight, self.forget_weight,
                                  (1 - opts["forget_weight"], opts["forget_weight"]))
        opts.update(retain_weight=w_r, forget_weight=w_f)
        base = clone_model(model, self.device).eval()
        hop = ops.hop_masks
        endpoints = torch.zeros(ops.num_nodes, dtype=torch.bool, device=self.device)
        endpoints[ops.forget_nodes] = True
        if ops.sampled:
            view, dims = self._sampled_views(ops, base, endpoints)
        else:
            with torch.no_grad():  # the frozen original's layer outputs on the retained graph, once
                _, target_layers = base(ops.x, ops.graph, return_layers=True)
            dims = [t.size(-1) for t in target_layers]

            def view(gen, anchors, randoms):   # every step: the whole graph, all of D_f and its pairs
                return None, anchors, randoms, target_layers
        masks = [hop[min(l + 1, len(hop) - 1)] for l in range(len(dims))]
        student = GNNDeleteModel(base, masks, dims, self.init).to(self.device)
        student.layerwise = self.layerwise
        init_ops = [op.weight.detach().clone() for op in student.operators]
        gen = self.generator()
        anchors, randoms = ops.anchors(gen)
        ni_masks = [m & ~endpoints for m in masks]   # Neighbourhood Influence: affected, not endpoints

        def objective(step):
            student.train()
            rows, a_idx, r_idx, targets = view(gen, anchors, randoms)
            kw = {} if rows is None else {"nodes": rows}
            _, layers = student(ops.x, ops.graph, return_layers=True, **kw)
            layers_q = layers if ops.same_view else student(ops.query_x, ops.query_graph, return_layers=True, **kw)[1]
            total, logs = 0.0, {}
            for l, (h, hq, t) in enumerate(zip(layers, layers_q, targets)):
                dec = F.mse_loss(torch.cat([hq[a] for a in a_idx], -1), torch.cat([t[r] for r in r_idx], -1))
                ni_nodes = ni_masks[l] if rows is None else ni_masks[l][rows]
                ni = F.mse_loss(h[ni_nodes], t[ni_nodes]) if bool(ni_nodes.any()) else h.new_zeros(())
                total = total + w_f * dec + w_r * ni
                logs[f"dec{l}"], logs[f"ni{l}"] = dec.item(), ni.item()
            return total, logs

        history = optimise(student.operators.parameters(), objective, steps=opts["steps"], lr=opts["lr"],
                           progress=self.progress(opts["steps"]))
        student.eval()
        moved = max((op.weight.detach() - w0).abs().max().item() for op, w0 in zip(student.operators, init_ops))
        if moved == 0.0:
            raise RuntimeError("gnndelete: the deletion operators did not change during training")
        return student, opts["steps"], {"options": opts, "final_loss": history[-1]["loss"] if history else None,
                                      "operator_change": moved}

    def _sampled_views(self, ops, base, endpoints):
        """Sampled steps (:class:`~graph_unlearn.tasks.sampled.SampledEdgeTaskOps`,
        :class:`~graph_unlearn.tasks.sampled.SampledNodeTaskOps`): each step's view is a subgraph
        sampled around D_f's endpoints (nodes: :math:`V_f`), the random nodes of the Deleted Edge
        Consistency pairs and ``batch_size`` affected nodes drawn for the Neighbourhood Influence
        term, with the frozen original's layer outputs on the same subgraph as its targets.
        Returns ``view(gen, anchors, randoms)`` and the layers' widths."""
        sub = ops.forget_subgraph()
        with torch.no_grad():
            _, first = base(sub.features(ops.problem.x), sub.graph, return_layers=True, **node_ids_kw(base, sub.nodes))
        affected = (ops.hop_masks[-1] & ~endpoints).nonzero().flatten()

        def view(gen, anchors, randoms):
            batch = affected
            if self.batch_size is not None and affected.numel() > self.batch_size:
                batch = affected[torch.randperm(affected.numel(), generator=gen)[: self.batch_size].to(affected.device)]
            sub = ops.view_around(gen, batch, paired=randoms)
            idx = ops.forget_index   # the step's batch of D_f when the request is covered in batches
            if idx is not None:
                anchors, randoms = [a[idx] for a in anchors], [r[idx] for r in randoms]
            with torch.no_grad():
                _, targets = base(ops.x, ops.graph, return_layers=True, **node_ids_kw(base, sub.nodes))
            return sub.nodes, [sub.local(a) for a in anchors], [sub.local(r) for r in randoms], targets

        return view, [h.size(-1) for h in first]
