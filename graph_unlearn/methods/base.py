"""What the graph unlearners share: turning ``(data, request)`` into a problem on the
method's device, the link-prediction losses on it, and :func:`task_ops`, the small task-level
interface through which every method handles edge, node and feature deletion with one
implementation (link prediction: :class:`EdgeTaskOps`; node classification: the
:class:`~graph_unlearn.tasks.node_classification.NodeUnlearningProblem` itself)."""
from __future__ import annotations

import torch

from ..core.unlearner import Unlearner
from ..requests.edge import EdgeUnlearningProblem
from ..tasks.link_prediction import link_bce_loss, random_pairs


#: retained training elements (edges) per optimisation step, as in the training recipe
#: (``TrainConfig.batch_size``): on ogbl-ddi a step over all 0.9M retained edges costs 10x more
#: for the same result
RETAIN_BATCH = 65536


class GraphUnlearner(Unlearner):
    """Base class of the methods written for graphs (link and node tasks).

    ``unlearn(model, data, request, model_config=None)`` takes the user's own model and data
    (:class:`~graph_unlearn.tasks.graph.GraphTask` says which forms); ``result.model`` is a module
    of the user's class and ``result.data`` the retained data to serve it on. ``_unlearn``
    receives the prepared model and the applied problem; methods reach the problem through
    :func:`task_ops`."""

    supports = ("link", "node")

    def problem(self, data, request=None):
        """The applied problem on the method's device (``data`` is one already)."""
        from ..tasks.graph import apply_graph_request

        return apply_graph_request(self.name, data, request, self.device)


@torch.no_grad()
def check_model_fits(model, problem, who: str = "unlearn") -> None:
    """Run the model once on the retained data and check its output fits the task: one row per
    node, and for node classification at least as many columns as classes. A model built for
    another graph, another feature size or another task fails here with a clear error, before
    any work (skipped when the model's parameters are not on the data's device: the methods
    move their copies)."""
    ops = task_ops(problem)
    params = list(model.parameters())
    device = ops.graph.device if hasattr(ops.graph, "device") else None
    if params and device is not None and params[0].device != device:
        return
    was = model.training
    model.eval()
    try:
        out = model(ops.x, ops.graph)
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
    if out.size(0) != ops.num_nodes:
        raise ValueError(f"{who}: the model returns {out.size(0)} rows but the graph has {ops.num_nodes} nodes")
    if ops.task == "node":
        classes = int(problem.y.max()) + 1
        if out.size(1) < classes:
            raise ValueError(f"{who}: the model returns {out.size(1)} scores per node but the labels have "
                             f"{classes} classes")


def retained_edge_loss(model, z: torch.Tensor, problem: EdgeUnlearningProblem, gen: torch.Generator,
                       batch_size: int | None = None) -> torch.Tensor:
    """BCE of retained training edges (all, or a random batch) against as many random pairs."""
    pos = problem.retain
    if batch_size is not None and batch_size < pos.size(1):
        pos = pos[:, torch.randperm(pos.size(1), generator=gen)[:batch_size].to(pos.device)]
    neg = random_pairs(problem.num_nodes, pos.size(1), pos.device, gen)
    return link_bce_loss(model.decode(z, pos), model.decode(z, neg))


def forget_edge_loss(model, z: torch.Tensor, problem: EdgeUnlearningProblem) -> torch.Tensor:
    """BCE of the deleted edges labelled as edges: the loss that gradient ascent increases."""
    return link_bce_loss(model.decode(z, problem.forget))


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

    def retain_loss(self, model, z, gen, batch_size=None):
        return retained_edge_loss(model, z, self.problem, gen, batch_size)

    def forget_loss(self, model, zq):
        return forget_edge_loss(model, zq, self.problem)

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
        pairs = random_pairs(self.num_nodes, self.forget.size(1), self.forget.device, gen)
        return [self.forget[0], self.forget[1]], [pairs[0], pairs[1]]

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
        info = train_link_predictor(model, split.x, self.graph, self.problem.retain, split.val_pos, split.val_neg,
                                    config, progress=progress, desc="retrain")
        return {"epochs": info["epochs"], "best_val_auroc": info["best_val_auroc"]}


def task_ops(problem):
    """The task-level interface of a problem (see :class:`EdgeTaskOps`)."""
    if isinstance(problem, EdgeUnlearningProblem):
        return EdgeTaskOps(problem)
    if hasattr(problem, "retain_loss") and hasattr(problem, "forget_loss"):
        return problem
    raise ValueError(f"unsupported unlearning problem {type(problem).__name__}")
