r"""The link and node tasks: the task protocol (:mod:`graph_unlearn.core.task`) on graphs.

:meth:`GraphTask.build` takes the user's own model and data (the PyG contract,
:mod:`graph_unlearn.models.adapter` and :mod:`graph_unlearn.tasks.contract`): ``model`` any
``nn.Module`` with ``forward(x, edge_index)`` (or a DGL module), ``data`` a ``Data`` with ``y``
and split masks (node classification), RandomLinkSplit's ``(train, val, test)`` triple (link
prediction), a ``DGLGraph``, networkx graph, or the library's
:class:`~graph_unlearn.LinkSplit` / :class:`~graph_unlearn.NodeSplit` (or an already applied
problem with ``request=None``); ``request`` an :class:`~graph_unlearn.EdgeDeletion`,
:class:`~graph_unlearn.NodeDeletion` or :class:`~graph_unlearn.FeatureDeletion`. The request is
applied and validated and the model checked against the data before any work. The graph
methods reach the applied problem as ``task.data`` and its task-level interface as
``task.ops`` (:func:`task_ops`). :meth:`GraphTask.finish` hands back
a module of the user's class (GNNDelete: with its deletion operators inside) and
``result.data``, the retained data to serve it on.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable

import torch

from ..core.distributed import shard
from ..data.graph import Graph
from ..core.task import StepLosses, UnlearningTask, register_task
from ..models.adapter import GraphModel, ModelConfig, as_graph_model, unwrap
from ..requests.edge import EdgeUnlearningProblem
from .contract import as_task_data, retained_link_triple, serving_data
from .link_prediction import link_bce_loss, random_pairs

#: retained training elements (edges) per optimisation step, as in the training recipe
#: (``TrainConfig.batch_size``): on ogbl-ddi a step over all 0.9M retained edges costs 10x more
#: for the same result
RETAIN_BATCH = 65536
#: with sampled steps, the deleted edges one step's forget term covers at most
#: (:class:`SampledEdgeTaskOps`): a 10,000-edge request on a 10M-edge graph otherwise samples a
#: 2-hop subgraph around 20,000 endpoints every step (``benchmarks/results/scale.md``)
FORGET_BATCH = 1024


def _graph_request(request) -> bool:
    from ..requests.edge import EdgeDeletion
    from ..requests.node import FeatureDeletion, NodeDeletion

    return isinstance(request, (EdgeDeletion, NodeDeletion, FeatureDeletion))


def _graph_data(data) -> bool:
    from torch_geometric.data import Data

    from ..data.convert import is_dgl_graph
    from ..requests.edge import EdgeUnlearningProblem
    from .link_prediction import LinkSplit
    from .node_classification import NodeSplit, NodeUnlearningProblem

    if isinstance(data, (Data, LinkSplit, NodeSplit, EdgeUnlearningProblem, NodeUnlearningProblem)):
        return True
    if isinstance(data, (tuple, list)) and data and all(isinstance(d, Data) for d in data):
        return True
    if is_dgl_graph(data):
        return True
    try:
        import networkx as nx
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover
        return False
    return isinstance(data, nx.Graph) or sp.issparse(data)


@register_task
class GraphTask(UnlearningTask):
    """Link prediction (``kind="link"``) or node classification (``kind="node"``)."""

    kinds = ("link", "node")
    priority = 1   # after the recommenders (an InteractionData is no graph), before samples

    def __init__(self, model, problem, td, request, device, user_model, validation_seconds: float,
                 fanouts=None, sampling_note: str | None = None):
        super().__init__(model, problem, None, device)

        self.kind = td.task if td is not None else getattr(problem, "task", "link")
        self.ops = task_ops(problem, fanouts)
        self.sampling = {"fanouts": fanouts, "backend": self.ops.sampler.backend} if fanouts else {"fanouts": None}
        if sampling_note:
            self.sampling["note"] = sampling_note
        self.task_data, self.user_request, self.user_model = td, request, user_model
        self.validation_seconds = validation_seconds
        self._views: dict[str, Any] = {}

    # -- building ---------------------------------------------------------------------------
    @staticmethod
    def claims(data, request) -> bool:
        return _graph_request(request) or _graph_data(data)

    @classmethod
    def build(cls, unlearner, model, data, request=None, *, model_config: ModelConfig | dict | None = None,
              sampling="auto"):
        """``sampling``: ``"auto"`` (default: sampled steps with 10 neighbours per hop above
        :data:`~graph_unlearn.data.sampling.SAMPLE_ABOVE_EDGES` training edges, for methods
        that can sample and models that read node features; else full-graph), ``"full"``, or
        the fanouts per hop (``[10, 10]``); see :mod:`graph_unlearn.data.sampling`."""
        from dataclasses import replace

        from ..data.sampling import resolve_fanouts


        cfg = ModelConfig.coerce(model_config)
        td = as_task_data(data, cfg.task)
        if td.form == "dgl" and cfg.graph_input == "edge_index":
            cfg = replace(cfg, graph_input="dgl")
        net = as_graph_model(model, td.task, cfg, td.self_loops)
        start = time.perf_counter()
        problem = apply_graph_request(unlearner.name, td.split, request, unlearner.device)
        fanouts, note = None, None
        explicit = not (isinstance(sampling, str) and sampling in ("auto", "full"))
        if isinstance(sampling, str) and explicit:
            raise ValueError(f"{unlearner.name}: sampling must be 'auto', 'full' or the fanouts per hop "
                             f"(e.g. [10, 10]), got {sampling!r}")
        if explicit and not unlearner.samples_graphs:
            raise ValueError(f"{unlearner.name} runs on the full graph only (its terms need whole-graph node "
                             f"masks or gradients): use sampling='full'")
        size = problem.retain.size(1) if td.task == "link" else problem.query_graph.num_edges // 2
        fanouts = resolve_fanouts(sampling, size, getattr(net, "num_layers", 0), problem.x is not None)
        if fanouts is not None and not unlearner.samples_graphs:
            fanouts, note = None, f"{unlearner.name} runs on the full graph only"
        task = cls(net, problem, td, request, unlearner.device, model, time.perf_counter() - start, fanouts, note)
        check_model_fits(net, problem, unlearner.name, task.ops)
        return task

    # -- the protocol -----------------------------------------------------------------------
    def loss_stream(self, gen: torch.Generator, batch_size: int | None) -> Callable[..., StepLosses]:
        """One step's losses: the retain term on a batch of ``batch_size`` retained edges (as many
        random pairs as negatives) or retained training nodes, on the retained graph; the forget
        term on the whole forget set, queried where the task queries it (node tasks: with the
        forgotten nodes' original data). Full-graph steps, or (``sampling``) steps on the
        subgraph sampled around the step's batch and the forget set (:class:`SampledEdgeTaskOps`)."""
        ops = self.ops

        def losses(model, retain: bool = True, forget: bool = True, swap: bool = False) -> StepLosses:
            out, z = StepLosses(), None
            sel = ops.draw(gen, batch_size, retain=retain)
            if retain:
                z = ops.outputs(model)
                out.retain = ops.retain_loss(model, z, sel)
            if forget:
                zq = z if z is not None and ops.same_view else ops.outputs(model, query=True)
                out.forget = ops.forget_loss(model, zq)
            return out
        return losses

    @property
    def num_forget(self) -> int:
        forget = self.ops.forget
        return int(forget.size(1) if forget.dim() == 2 else forget.numel())

    def steps_per_epoch(self, over: str, batch_size: int | None) -> int:
        if over == "forget":
            return 1
        pool = self.ops.retain_pool() if self.kind == "link" else self.data.retain_nodes
        n = pool.size(-1) if pool.dim() == 2 else pool.numel()
        return 1 if batch_size is None else max(1, math.ceil(n / batch_size))

    def default_recipe(self):
        from ..models.training import TrainConfig
        from .node_classification import NODE_TRAIN

        return NODE_TRAIN if self.kind == "node" else TrainConfig()

    def retrain(self, *, seed: int, init_seed: int | None, config, train_fn: Callable | None = None,
                progress: bool = False):
        """A fresh copy (``reset_parameters()``; seed ``init_seed``, default ``seed + 1`` so that it
        differs from the original's) trained on the retained graph by the library's recipe, or by
        the user's ``train_fn(model, data)`` on the retained data in the form the user gave."""
        model = self.model
        new = model.fresh_copy(seed=init_seed if init_seed is not None else seed + 1).to(self.device)
        if train_fn is None:
            info = self.ops.retrain(new, config, progress=progress)
            info["recipe"] = f"library {info.pop('config', config)}"
            return new, info.pop("epochs"), info
        td = self.task_data
        user_data = (retained_link_triple(self.data, td) if td is not None and td.form == "link_triple"
                     else serving_data(self.data, td))
        user_model = unwrap(new)
        user_model.train()
        out = train_fn(user_model, user_data)
        if out is not None and out is not user_model:
            if not hasattr(out, "parameters"):
                raise TypeError(f"retrain: train_fn returned {type(out).__name__}; return nothing (train in place) "
                                f"or the trained module")
            new = GraphModel(out, new.model_config, new.self_loops) if isinstance(new, GraphModel) else out
        name = getattr(train_fn, "__qualname__", None) or type(train_fn).__name__
        return new, 0, {"recipe": f"user train_fn {name}"}

    def _view(self, model):
        """The applied problem on ``model``'s device (moved once per device)."""
        p = next(iter(model.parameters()), None)
        dev = str(p.device if p is not None else self.device)
        if dev not in self._views:
            self._views[dev] = self.data.to(dev)
        return self._views[dev]

    def forget_outputs(self, model):
        """Edge logits of the deleted edges on the retained graph (links; with sampled steps, on
        one subgraph sampled around their endpoints, the same for every model); class logits of
        the forgotten nodes on the query view (nodes)."""
        problem = self._view(model)
        if self.kind == "node":
            if self.ops.sampled:
                return self.ops.fixed_forget_logits(model, problem.query_x)
            return problem.outputs(model, query=True)[problem.forget_nodes]
        if not hasattr(model, "decode"):
            return None
        if self.ops.sampled:
            return self.ops.fixed_forget_logits(model, problem.x)
        return model.decode(model(problem.x, problem.graph), problem.forget)

    @torch.no_grad()
    def element_scores(self, model, holdout=None, original_data: bool = False):
        """Links: edge logits on the retained graph of the deleted edges and of ``holdout`` (a
        ``[2, k]`` edge tensor; default the split's ``holdout_pos``); nodes: the log-probability of
        the true class (full data) of the forgotten nodes and of ``holdout`` (node ids; default the
        split's ``holdout_idx``)."""
        from .node_classification import node_scores

        net = as_graph_model(model, self.kind, getattr(self.model, "model_config", None))
        net.eval()
        problem = self._view(net)
        dev = problem.x.device if problem.x is not None else self.device
        if self.kind == "node":
            scores = node_scores(net, problem)
            hold = holdout if holdout is not None else problem.split.holdout_idx
            return (scores[problem.forget_nodes],
                    None if hold is None else scores[torch.as_tensor(hold, device=scores.device).long()])
        z = net(problem.split.x, problem.split.graph()) if original_data else net(problem.x, problem.graph)
        hold = holdout if holdout is not None else problem.split.holdout_pos
        return (net.decode(z, problem.forget),
                None if hold is None else net.decode(z, torch.as_tensor(hold, device=dev).long()))

    @torch.no_grad()
    def attack_features(self, model, holdout=None, original_data: bool = False, max_members: int = 20000):
        """Per-element features for the trained (shadow) attacker of the yardstick
        (:func:`~graph_unlearn.metrics.holdout.shadow_attack_auc`): ``{"member", "nonmember",
        "forget", "holdout"}``, or ``None`` without a holdout. Links: logit, endpoint cosine and
        log norm product (``_edge_features``) on the retained graph (``original_data``: the
        training graph before the deletion); members = retained training edges, non-members = the
        validation positives. Nodes: :func:`~graph_unlearn.metrics.node.confidence_features` of
        the full-data logits; members = retained training nodes other than :math:`V_f`,
        non-members = test nodes. At most ``max_members`` members (a fixed draw, seed 0)."""
        from ..metrics.node import confidence_features
        from .link_prediction import _edge_features
        from .node_classification import attack_members, full_data_logits

        net = as_graph_model(model, self.kind, getattr(self.model, "model_config", None))
        net.eval()
        problem = self._view(net)
        split = problem.split

        def cap(ids: torch.Tensor) -> torch.Tensor:   # the same draw for every model
            n = ids.size(-1)
            if n <= max_members:
                return ids
            pick = torch.randperm(n, generator=torch.Generator().manual_seed(0))[:max_members].to(ids.device)
            return ids.index_select(-1, pick)

        if self.kind == "node":
            hold = holdout if holdout is not None else split.holdout_idx
            if hold is None:
                return None
            feats = confidence_features(full_data_logits(net, problem), split.y)
            return {"member": feats[cap(attack_members(problem))], "nonmember": feats[split.test_idx],
                    "forget": feats[problem.forget_nodes],
                    "holdout": feats[torch.as_tensor(hold, device=feats.device).long()]}
        hold = holdout if holdout is not None else split.holdout_pos
        if hold is None or not hasattr(net, "decode"):
            return None
        z = net(split.x, split.graph()) if original_data else net(problem.x, problem.graph)
        sets = {"member": cap(problem.retain), "nonmember": split.val_pos, "forget": problem.forget,
                "holdout": torch.as_tensor(hold, device=z.device).long()}
        return {name: _edge_features(z, edges.to(z.device), net.decode) for name, edges in sets.items()}

    def deleted(self) -> dict:
        from ..core.audit import request_digest

        if self.user_request is not None:   # the request as the user wrote it
            return request_digest(self.user_request, self.task_data.split if self.task_data else None)
        return request_digest(None, self.data)

    def evaluate(self, model, reference=None, **kw) -> dict:
        """:func:`~graph_unlearn.tasks.link_prediction.evaluate_link_unlearning` or
        :func:`~graph_unlearn.tasks.node_classification.evaluate_node_unlearning`."""
        from .link_prediction import evaluate_link_unlearning
        from .node_classification import evaluate_node_unlearning

        fn = evaluate_node_unlearning if self.kind == "node" else evaluate_link_unlearning
        return fn(as_graph_model(model, self.kind, getattr(self.model, "model_config", None)), self._view(model),
                  reference, **kw)

    def finish(self, result):
        if self.model is not self.user_model:  # the library wrapped the user's module: hand back their class
            result.model = unwrap(result.model)
        result.data = serving_data(self.data, self.task_data)
        result.extra["validation_seconds"] = self.validation_seconds
        result.extra["sampling"] = self.sampling
        return result


def apply_graph_request(who: str, data, request, device):
    """The request applied to ``data`` on ``device`` (an applied problem passes through)."""
    from ..requests.edge import EdgeUnlearningProblem
    from .node_classification import NodeUnlearningProblem

    if isinstance(data, (EdgeUnlearningProblem, NodeUnlearningProblem)):
        return data.to(device)
    if request is None:
        raise ValueError(f"{who}: no deletion request given")
    if not hasattr(request, "apply"):
        raise ValueError(f"{who}: request must be a deletion request such as EdgeDeletion, "
                         f"got {type(request).__name__}")
    return request.apply(data.to(device))


# ---------------------------------------------------------------------------------------------
# the task-level interface the graph methods use (EdgeTaskOps; node problems provide the same)
@torch.no_grad()
def check_model_fits(model, problem, who: str = "unlearn", ops=None) -> None:
    """Run the model once on the retained data and check its output fits the task: one row per
    node, and for node classification at least as many columns as classes. A model built for
    another graph, another feature size or another task fails here with a clear error, before
    any work (skipped when the model's parameters are not on the data's device: the methods
    move their copies). With sampled ``ops`` it runs on their subgraph sampled around the forget
    set (:meth:`SampledEdgeTaskOps.forget_subgraph`, reused later), not on the whole graph."""
    from ..data.sampling import node_ids_kw

    sub = ops.forget_subgraph() if ops is not None and ops.sampled else None
    ops = task_ops(problem)
    params = list(model.parameters())
    device = ops.graph.device if hasattr(ops.graph, "device") else None
    if params and device is not None and params[0].device != device:
        return
    x, graph, num_nodes = ops.x, ops.graph, ops.num_nodes
    if sub is not None:
        x, graph, num_nodes = sub.features(ops.x), sub.graph, sub.num_nodes
    was = model.training
    model.eval()
    try:
        out = model(x, graph, **({} if sub is None else node_ids_kw(model, sub.nodes)))
    except ValueError:
        raise
    except Exception as err:
        raise ValueError(f"{who}: the model cannot run on this data ({type(err).__name__}: {err}); check that it "
                         f"was built for this graph (nodes {ops.num_nodes}, features "
                         f"{None if ops.x is None else ops.x.size(-1)})") from err
    finally:
        model.train(was)
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        raise ValueError(f"{who}: the model must return a [num_nodes, d] tensor (node embeddings or class scores), "
                         f"got {type(out).__name__}{'' if not isinstance(out, torch.Tensor) else tuple(out.shape)}")
    if out.size(0) != num_nodes:
        raise ValueError(f"{who}: the model returns {out.size(0)} rows but the graph has {num_nodes} nodes")
    if ops.task == "node":
        classes = int(problem.y.max()) + 1
        if out.size(1) < classes:
            raise ValueError(f"{who}: the model returns {out.size(1)} scores per node but the labels have "
                             f"{classes} classes")


class EdgeTaskOps:
    """The task-level interface over an :class:`EdgeUnlearningProblem` (link prediction).

    Every graph method talks to a problem only through these members (node problems provide
    the same ones): ``x``/``graph`` (retained view), ``query_x``/``query_graph`` (where the
    forget set is queried; the retained view itself for edges), ``same_view``,
    ``forget_nodes``, ``hop_masks``, ``outputs``, ``retain_loss``, ``forget_loss``,
    ``retain_select``/``retain_logits``/``select_nodes``/``forget_logits`` (distillation),
    ``anchors`` (GNNDelete) and ``retrain``.
    """

    task = "link"
    same_view = True
    sampled = False

    def __init__(self, problem: EdgeUnlearningProblem):
        self.problem = problem
        self.x, self.graph = problem.x, problem.graph
        self.query_x, self.query_graph = problem.x, problem.graph
        self.num_nodes, self.hop_masks, self.forget = problem.num_nodes, problem.hop_masks, problem.forget
        self.forget_nodes = problem.forget.flatten().unique()
        self._pools: dict[str, torch.Tensor] = {}

    def outputs(self, model, query: bool = False, with_embedding: bool = False):
        z = model(self.x, self.graph)
        return (z, z) if with_embedding else z

    def draw(self, gen, batch_size=None, scope: str = "all", retain: bool = True):
        """Start one optimisation step: its batch of retained elements (:meth:`retain_select`,
        this rank's shard of it under ``torch.distributed``; ``None`` when ``retain`` is false).
        Full-graph ops run every step on the whole retained graph; :class:`SampledEdgeTaskOps`
        also fixes the step's sampled subgraph here."""
        if not retain:
            return None
        sel = self.retain_select(gen, batch_size, scope)
        k = sel.size(1) // 2
        return torch.cat([shard(sel[:, :k]), shard(sel[:, k:])], 1)

    def retain_loss(self, model, z, sel):
        """BCE of the drawn retained edges ``sel[:, :k]`` against the drawn random pairs ``sel[:, k:]``."""
        k = sel.size(1) // 2
        return link_bce_loss(model.decode(z, sel[:, :k]), model.decode(z, sel[:, k:]))

    def forget_loss(self, model, zq):
        """BCE of the deleted edges labelled as edges: the loss that gradient ascent increases."""
        return link_bce_loss(model.decode(zq, self.forget))

    def retain_pool(self, scope: str = "all") -> torch.Tensor:
        if scope not in self._pools:
            retain = self.problem.retain
            if scope == "khop":
                near = self.hop_masks[-1]
                retain = retain[:, near[retain[0]] | near[retain[1]]]
            self._pools[scope] = retain
        return self._pools[scope]

    def retain_select(self, gen, batch_size=None, scope: str = "all") -> torch.Tensor:
        """A batch of retained edges plus as many random node pairs."""
        pos = self.retain_pool(scope)
        if batch_size is not None and batch_size < pos.size(1):
            pos = pos[:, torch.randperm(pos.size(1), generator=gen)[:batch_size].to(pos.device)]
        return torch.cat([pos, random_pairs(self.num_nodes, pos.size(1), pos.device, gen)], 1)

    @staticmethod
    def retain_logits(model, z, sel):
        return model.decode(z, sel)

    @staticmethod
    def select_nodes(sel):
        return sel.flatten().unique()

    def forget_logits(self, model, zq):
        return model.decode(zq, self.forget)

    def anchors(self, gen):
        """Deleted Edge Consistency: endpoints of D_f vs as many random pairs (drawn once)."""
        forget = self.problem.forget   # global ids (a sampled step's view holds local ones)
        pairs = random_pairs(self.num_nodes, forget.size(1), forget.device, gen)
        return [forget[0], forget[1]], [pairs[0], pairs[1]]

    def influence_losses(self, model, gen):
        """GIF's terms: (sum of BCE over D_f and the retained edges near D_f on the original
        graph, the same near edges' BCE sum on the retained graph, the mean training loss on the
        original graph (random pairs fixed once), number of training edges)."""
        split = self.problem.split
        near = self.hop_masks[-1]
        retain = self.problem.retain
        near_edges = retain[:, near[retain[0]] | near[retain[1]]]
        z0 = model(split.x, split.graph())
        z1 = model(self.x, self.graph)
        bce = lambda z, e: -torch.nn.functional.logsigmoid(model.decode(z, e)).sum()  # noqa: E731
        before = bce(z0, self.forget) + bce(z0, near_edges)
        after = bce(z1, near_edges)
        neg = random_pairs(self.num_nodes, split.train_pos.size(1), split.train_pos.device, gen)
        mean = link_bce_loss(model.decode(z0, split.train_pos), model.decode(z0, neg))
        return before, after, mean, split.train_pos.size(1)

    def retrain(self, model, config=None, progress: bool = False) -> dict:
        from ..models.training import train_link_predictor

        split = self.problem.split
        info = train_link_predictor(model, split.x, self.problem.graph, self.problem.retain, split.val_pos, split.val_neg,
                                    config, progress=progress, desc="retrain")
        return {"epochs": info["epochs"], "best_val_auroc": info["best_val_auroc"]}


class ForgetBatches:
    """The forget set covered in batches of :data:`FORGET_BATCH` elements over sampled steps: each
    step takes the next batch of a random order of the forget set, a new order after each pass."""

    def _next_forget_batch(self, gen, k: int, device):
        """The next step's positions in the forget set (of ``k`` elements), ``None`` for all of it."""
        size = FORGET_BATCH   # read when used (a module setting)
        if size is None or k <= size:
            return None
        if getattr(self, "_forget_order", None) is None or self._forget_pos >= k:
            self._forget_order, self._forget_pos = torch.randperm(k, generator=gen).to(device), 0
        idx = self._forget_order[self._forget_pos:self._forget_pos + size]
        self._forget_pos += idx.numel()
        return idx


class SampledEdgeTaskOps(ForgetBatches, EdgeTaskOps):
    """:class:`EdgeTaskOps` whose steps run on sampled subgraphs (mini-batch unlearning).

    :meth:`draw` draws the step's retained batch from the same pool as the full-graph ops, then
    samples ``fanouts`` neighbours per hop around the batch's endpoints and the deleted edges'
    endpoints on the retained graph (:class:`~graph_unlearn.data.sampling.NeighborSampler`), and
    makes that subgraph the step's view: ``x``, ``graph``, ``forget`` and ``forget_nodes`` are
    then the subgraph's, in its local ids, and the batch is returned in local ids. A step costs
    what the request and the batch touch, not the whole graph. ``retain_pool``/``retain_select``
    keep global ids (the pools the batches are drawn from).

    A request larger than :data:`FORGET_BATCH` deleted edges is covered in batches: each step's
    forget term (and its subgraph) takes the next ``FORGET_BATCH`` edges of a random order of D_f,
    a new order after each pass, so a step's cost stays bounded whatever the request's size
    (``forget_index``: the step's rows of D_f, ``None`` when the whole D_f fits one step)."""

    sampled = True

    def __init__(self, problem: EdgeUnlearningProblem, fanouts, backend: str = "auto"):
        from ..data.sampling import NeighborSampler

        super().__init__(problem)
        if problem.x is None:
            raise ValueError("sampled steps need node features: this graph has none (the model learns one embedding "
                             "per node); use sampling='full'")
        self.fanouts = list(fanouts)
        # the split's training graph with D_f excluded = the retained graph; its sampler's graph is
        # built once per split, not once per request
        base = problem.split.graph()
        if base.num_edges - problem.graph.num_edges != 2 * problem.forget.size(1):
            base, exclude = problem.graph, None   # the retained graph is not "training graph minus D_f"
        else:
            exclude = problem.forget
        self.sampler = NeighborSampler(base, self.fanouts, backend, exclude=exclude)
        self._forget_sub = None
        self.x = self.graph = self.query_x = self.query_graph = None   # set by draw()
        self.forget_index = None

    def draw(self, gen, batch_size=None, scope: str = "all", retain: bool = True):
        sel = super().draw(gen, batch_size, scope, retain)
        sub = self.view_around(gen, None if sel is None else sel.reshape(-1))
        return None if sel is None else sub.local(sel)

    def view_around(self, gen, nodes: torch.Tensor | None = None, paired=()):
        """Sample the step's subgraph around D_f's endpoints (the step's batch of them), ``nodes``
        and the ``paired`` node ids (tensors aligned with D_f's columns, batched with them; global
        ids) and make it the view (``x``, ``graph``, ``forget``, ``forget_nodes`` in its local
        ids); returns it."""
        self.forget_index = idx = self._next_forget_batch(gen, self.problem.forget.size(1), self.problem.forget.device)
        forget = self.problem.forget if idx is None else self.problem.forget[:, idx]
        seeds = [forget.reshape(-1), *(p if idx is None else p[idx] for p in paired)]
        if nodes is not None:
            seeds.append(nodes.reshape(-1))
        sub = self.sampler.sample(torch.cat(seeds), gen)
        self.x = self.query_x = sub.features(self.problem.x)
        self.graph = self.query_graph = sub.graph
        self.forget = sub.local(forget)
        self.forget_nodes = self.forget.flatten().unique()
        self.subgraph = sub
        return sub

    def outputs(self, model, query: bool = False, with_embedding: bool = False):
        from ..data.sampling import node_ids_kw

        if self.graph is None:
            raise RuntimeError("SampledEdgeTaskOps.outputs before draw(): a sampled step starts with draw()")
        z = model(self.x, self.graph, **node_ids_kw(model, self.subgraph.nodes))
        return (z, z) if with_embedding else z

    def forget_subgraph(self):
        """One subgraph sampled around D_f's endpoints (seed 0), the same for every call: where
        step-independent outputs on D_f are read (D2DGN's destroyer targets, the audit)."""
        if self._forget_sub is None:
            self._forget_sub = self.sampler.sample(self.problem.forget.reshape(-1), torch.Generator().manual_seed(0))
        return self._forget_sub

    @torch.no_grad()
    def fixed_forget_logits(self, model, x=None):
        """``model``'s logits of D_f (in D_f's order) on :meth:`forget_subgraph`; ``x`` = the node
        features on the model's device (default the problem's)."""
        from ..data.sampling import node_ids_kw

        sub = self.forget_subgraph()
        x = self.problem.x if x is None else x
        dev = x.device
        z = model(sub.features(x), sub.graph.to(dev), **node_ids_kw(model, sub.nodes.to(dev)))
        return model.decode(z, sub.local(self.problem.forget).to(dev))

    def influence_losses(self, model, gen):
        raise ValueError("GIF's influence terms need whole-graph gradients: it runs on the full graph "
                         "(sampling='full')")

    def retrain(self, model, config=None, progress: bool = False) -> dict:
        from dataclasses import replace

        from ..models.training import TrainConfig

        config = config or TrainConfig()
        if config.fanouts is None:
            config = replace(config, fanouts=self.fanouts)
        return super().retrain(model, config, progress)


class SampledNodeTaskOps(ForgetBatches):
    """The node problem's task-level interface (:class:`NodeUnlearningProblem`'s members) with
    steps on sampled subgraphs (mini-batch unlearning for node and feature deletion).

    Each step samples ``fanouts`` neighbours per hop on the *original* graph around the step's
    batch of retained training nodes and of :math:`V_f` (covered in batches of
    :data:`FORGET_BATCH` when larger), and builds both views on that one node set, so that they
    share local ids: the query view (original features and edges, where :math:`V_f` is asked
    about) and the retained view (the problem's features, with a node deletion's edges at
    :math:`V_f` dropped). ``x``, ``graph``, ``query_x``, ``query_graph``, ``forget_nodes`` and
    ``y`` are then the step's, the batch is returned in local ids. A retained node's sampled
    neighbours may include deleted nodes, whose edges the retained view then drops: it sees
    fewer than ``fanouts`` neighbours there, never a deleted one."""

    task = "node"
    same_view = False
    sampled = True

    def __init__(self, problem, fanouts, backend: str = "auto"):
        from ..data.sampling import NeighborSampler

        self.problem, self.fanouts = problem, list(fanouts)
        self.sampler = NeighborSampler(problem.query_graph, self.fanouts, backend)
        self.num_nodes, self.hop_masks, self.forget = problem.num_nodes, problem.hop_masks, problem.forget_nodes
        self.forget_nodes, self.y = problem.forget_nodes, problem.y   # global until the first draw()
        self.x = self.graph = self.query_x = self.query_graph = None    # set by draw()
        self.forget_index, self._forget_sub = None, None
        self._deleted = torch.zeros(problem.num_nodes, dtype=torch.bool, device=problem.forget_nodes.device)
        if problem.kind == "nodes":
            self._deleted[problem.forget_nodes] = True

    # the pools batches are drawn from: the problem's (global ids)
    def retain_select(self, gen, batch_size=None, scope: str = "all"):
        return self.problem.retain_select(gen, batch_size, scope)

    @property
    def retrain_nodes(self):
        return self.problem.retain_nodes

    def draw(self, gen, batch_size=None, scope: str = "all", retain: bool = True):
        sel = shard(self.retain_select(gen, batch_size, scope)) if retain else None
        sub = self.view_around(gen, sel)
        return None if sel is None else sub.local(sel)

    def view_around(self, gen, nodes=None, paired=()):
        """Sample the step's subgraph around :math:`V_f` (the step's batch of it), ``nodes`` and
        the ``paired`` node ids (aligned with :math:`V_f`, batched with it) and make it the view;
        returns it."""
        forget = self.problem.forget_nodes
        self.forget_index = idx = self._next_forget_batch(gen, forget.numel(), forget.device)
        forget = forget if idx is None else forget[idx]
        seeds = [forget, *(p if idx is None else p[idx] for p in paired)]
        if nodes is not None:
            seeds.append(nodes.reshape(-1))
        sub = self.sampler.sample(torch.cat(seeds), gen)
        self._set_view(sub, forget)
        return sub

    def _set_view(self, sub, forget):
        p = self.problem
        self.query_x, self.query_graph = sub.features(p.query_x), sub.graph
        self.x, self.graph = sub.features(p.x), sub.graph
        gone = self._deleted[sub.nodes]
        if bool(gone.any()):   # a node deletion: the retained view has no edge at a deleted node
            ei = sub.graph.edge_index
            self.graph = Graph(ei[:, ~(gone[ei[0]] | gone[ei[1]])], sub.num_nodes, undirected=False)
        self.forget_nodes, self.y, self.subgraph = sub.local(forget), p.y[sub.nodes], sub

    def outputs(self, model, query: bool = False, with_embedding: bool = False):
        from ..data.sampling import node_ids_kw
        from .node_classification import _model_out

        if self.graph is None:
            raise RuntimeError("SampledNodeTaskOps.outputs before draw(): a sampled step starts with draw()")
        x, g = (self.query_x, self.query_graph) if query else (self.x, self.graph)
        kw = node_ids_kw(model, self.subgraph.nodes)
        if not with_embedding:
            return model(x, g, **kw)
        return _model_out(lambda *a, **k: model(*a, **k, **kw), x, g, True)

    def retain_loss(self, model, z, sel):
        from .node_classification import node_ce_loss

        return node_ce_loss(z, self.y, sel)

    def forget_loss(self, model, zq):
        from .node_classification import node_ce_loss

        return node_ce_loss(zq, self.y, self.forget_nodes)

    @staticmethod
    def retain_logits(model, z, sel):
        return z[sel]

    @staticmethod
    def select_nodes(sel):
        return sel

    def forget_logits(self, model, zq):
        return zq[self.forget_nodes]

    def anchors(self, gen):
        """As the problem's (global ids; the sampled views map them to the step's rows)."""
        return self.problem.anchors(gen)

    def forget_subgraph(self):
        """One subgraph sampled around :math:`V_f` (seed 0), the same for every call."""
        if self._forget_sub is None:
            self._forget_sub = self.sampler.sample(self.problem.forget_nodes, torch.Generator().manual_seed(0))
        return self._forget_sub

    @torch.no_grad()
    def fixed_forget_logits(self, model, x=None):
        """``model``'s logits of :math:`V_f` (in order) queried on :meth:`forget_subgraph` with
        the original data (``x`` = the query features on the model's device)."""
        from ..data.sampling import node_ids_kw

        sub = self.forget_subgraph()
        x = self.problem.query_x if x is None else x
        dev = x.device
        z = model(sub.features(x), sub.graph.to(dev), **node_ids_kw(model, sub.nodes.to(dev)))
        return z[sub.local(self.problem.forget_nodes).to(dev)]

    def influence_losses(self, model, gen):
        raise ValueError("GIF's influence terms need whole-graph gradients: it runs on the full graph "
                         "(sampling='full')")

    def retrain(self, model, config=None, progress: bool = False) -> dict:
        from dataclasses import replace

        from ..models.training import TrainConfig
        from .node_classification import NODE_TRAIN, train_node_classifier

        p = self.problem
        config = NODE_TRAIN if config is None or config == TrainConfig() else config
        if config.fanouts is None:
            config = replace(config, fanouts=self.fanouts)
        info = train_node_classifier(model, p.x, p.graph, p.y, p.retain_nodes, p.split.val_idx, config, progress)
        return {"epochs": info["epochs"], "best_val_acc": info["best_val_acc"], "config": config}


def task_ops(problem, fanouts=None, backend: str = "auto"):
    """The task-level interface of a problem (see :class:`EdgeTaskOps`); with ``fanouts``, its
    sampled form (:class:`SampledEdgeTaskOps`, :class:`SampledNodeTaskOps`)."""
    if isinstance(problem, EdgeUnlearningProblem):
        return EdgeTaskOps(problem) if fanouts is None else SampledEdgeTaskOps(problem, fanouts, backend)
    if fanouts is not None:
        return SampledNodeTaskOps(problem, fanouts, backend)
    if hasattr(problem, "retain_loss") and hasattr(problem, "forget_loss"):
        return problem
    raise ValueError(f"unsupported unlearning problem {type(problem).__name__}")


__all__ = ["GraphTask", "apply_graph_request", "task_ops", "EdgeTaskOps", "SampledEdgeTaskOps", "check_model_fits", "RETAIN_BATCH"]
