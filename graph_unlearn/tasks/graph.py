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

from ..core.task import StepLosses, UnlearningTask, register_task
from ..core.unlearner import Deferred
from ..models.adapter import GraphModel, ModelConfig, as_graph_model, unwrap
from ..requests.edge import EdgeUnlearningProblem
from .contract import as_task_data, retained_link_triple, serving_data
from .edge_ops import EdgeTaskOps
from .sampled import SampledEdgeTaskOps, SampledNodeTaskOps

#: retained training elements (edges) per optimisation step, as in the training recipe
#: (``TrainConfig.batch_size``): on ogbl-ddi a step over all 0.9M retained edges costs 10x more
#: for the same result
RETAIN_BATCH = 65536


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
        size = problem.num_retained if td.task == "link" else problem.query_graph.num_edges // 2
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
        subgraph sampled around the step's batch and the forget set (:mod:`graph_unlearn.tasks.sampled`)."""
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
        n = self.ops.num_retained()
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
        data, td = self.data, self.task_data
        result.data = Deferred(lambda: serving_data(data, td))   # built when read (a copy of E edges)
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
    set (``forget_subgraph()`` of :mod:`graph_unlearn.tasks.sampled`, reused later), not on the whole graph."""
    from ..data.sampling import node_ids_kw

    sub = ops.forget_subgraph() if ops is not None and ops.sampled else None
    ops = task_ops(problem)
    params = list(model.parameters())
    device = ops.forget.device
    if params and device is not None and params[0].device != device:
        return
    if sub is None:
        x, graph, num_nodes = ops.x, ops.graph, ops.num_nodes
    else:
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


def task_ops(problem, fanouts=None, backend: str = "auto"):
    """The task-level interface of a problem (see :class:`EdgeTaskOps`); with ``fanouts``, its
    sampled form (:mod:`graph_unlearn.tasks.sampled`)."""
    if isinstance(problem, EdgeUnlearningProblem):
        return EdgeTaskOps(problem) if fanouts is None else SampledEdgeTaskOps(problem, fanouts, backend)
    if fanouts is not None:
        return SampledNodeTaskOps(problem, fanouts, backend)
    if hasattr(problem, "retain_loss") and hasattr(problem, "forget_loss"):
        return problem
    raise ValueError(f"unsupported unlearning problem {type(problem).__name__}")


__all__ = ["GraphTask", "apply_graph_request", "task_ops", "EdgeTaskOps", "check_model_fits", "RETAIN_BATCH"]
