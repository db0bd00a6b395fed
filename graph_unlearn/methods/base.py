"""What the graph unlearners share: turning ``(data, request)`` into a problem on the
method's device, the link-prediction losses on it, and :func:`task_ops`, the small task-level
interface through which every method handles edge, node and feature deletion with one
implementation (link prediction: :class:`EdgeTaskOps`; node classification: the
:class:`~graph_unlearn.tasks.node_classification.NodeUnlearningProblem` itself)."""
from __future__ import annotations

import torch
from tqdm.auto import tqdm

from ..core.unlearner import Unlearner
from ..requests.edge import EdgeUnlearningProblem
from ..tasks.link_prediction import link_bce_loss, random_pairs


#: retained training elements (edges) per optimisation step, as in the training recipe
#: (``TrainConfig.batch_size``): on ogbl-ddi a step over all 0.9M retained edges costs 10x more
#: for the same result
RETAIN_BATCH = 65536


class GraphUnlearner(Unlearner):
    """Base class of the graph methods. ``data`` is a :class:`~graph_unlearn.tasks.LinkSplit`
    and ``request`` an :class:`~graph_unlearn.EdgeDeletion` or :class:`~graph_unlearn.NodeDeletion`,
    or ``data`` a :class:`~graph_unlearn.NodeSplit` and ``request`` a ``NodeDeletion`` /
    :class:`~graph_unlearn.FeatureDeletion` (or ``data`` an already applied problem and
    ``request=None``). Methods reach the problem through :func:`task_ops`."""

    def problem(self, data, request) -> EdgeUnlearningProblem:
        if isinstance(data, EdgeUnlearningProblem) or getattr(data, "task", None) == "node":
            return data.to(self.device)
        if request is None:
            raise ValueError(f"{self.name}: no deletion request given")
        if not hasattr(request, "apply"):
            raise ValueError(f"{self.name}: request must be a deletion request such as EdgeDeletion, "
                             f"got {type(request).__name__}")
        return request.apply(data.to(self.device))

    def generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed)

    def progress(self, steps: int, desc: str | None = None):
        """A tqdm progress callback for :func:`graph_unlearn.core.optimise` (None when quiet)."""
        if not self.verbose:
            return None
        bar = tqdm(total=steps, desc=desc or self.name, leave=False)

        def update(step, rec):
            bar.update(1)
            bar.set_postfix(loss=f"{rec['loss']:.4f}")
            if step == steps - 1:
                bar.close()
        return update


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
