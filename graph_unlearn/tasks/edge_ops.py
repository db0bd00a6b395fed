"""The full-graph task-level interface of an edge deletion (:class:`EdgeTaskOps`): what every graph
method asks of a link-prediction problem (node problems provide the same members themselves,
:class:`~graph_unlearn.tasks.node_classification.NodeUnlearningProblem`; sampled steps:
:mod:`graph_unlearn.tasks.sampled`)."""
from __future__ import annotations

import torch

from ..core.distributed import shard
from ..models.training import train_link_predictor
from .link_prediction import link_bce_loss, random_pairs


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

    def __init__(self, problem):
        self.problem = problem
        self.x = self.query_x = problem.x
        self.num_nodes, self.forget = problem.num_nodes, problem.forget
        self.forget_nodes = problem.forget.flatten().unique()
        self._pools: dict[str, torch.Tensor] = {}

    # the retained graph (also where D_f is queried) and the hop masks are the problem's, read (and
    # so built) when first used
    @property
    def graph(self):
        return self.problem.graph

    @property
    def query_graph(self):
        return self.problem.graph

    @property
    def hop_masks(self):
        return self.problem.hop_masks

    def outputs(self, model, query: bool = False, with_embedding: bool = False):
        z = model(self.x, self.graph)
        return (z, z) if with_embedding else z

    def draw(self, gen, batch_size=None, scope: str = "all", retain: bool = True):
        """Start one optimisation step: its batch of retained elements (:meth:`retain_select`,
        this rank's shard of it under ``torch.distributed``; ``None`` when ``retain`` is false).
        Full-graph ops run every step on the whole retained graph; the sampled ops
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
        """The retained edges batches are drawn from: all (``"all"``) or those with an endpoint
        within 2 hops of D_f (``"khop"``)."""
        if scope not in self._pools:
            self._pools[scope] = self.problem.retain if scope == "all" else self.problem.near_retain()
        return self._pools[scope]

    def num_retained(self, scope: str = "all") -> int:
        """The size of :meth:`retain_pool` (without building the whole pool where it is all)."""
        return self.problem.num_retained if scope == "all" else self.retain_pool(scope).size(1)

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
        near_edges = self.retain_pool("khop")
        z0 = model(split.x, split.graph())
        z1 = model(self.x, self.graph)
        bce = lambda z, e: -torch.nn.functional.logsigmoid(model.decode(z, e)).sum()  # noqa: E731
        before = bce(z0, self.forget) + bce(z0, near_edges)
        after = bce(z1, near_edges)
        neg = random_pairs(self.num_nodes, split.train_pos.size(1), split.train_pos.device, gen)
        mean = link_bce_loss(model.decode(z0, split.train_pos), model.decode(z0, neg))
        return before, after, mean, split.train_pos.size(1)

    def retrain(self, model, config=None, progress: bool = False) -> dict:
        split = self.problem.split
        info = train_link_predictor(model, split.x, self.problem.graph, self.problem.retain, split.val_pos, split.val_neg,
                                    config, progress=progress, desc="retrain")
        return {"epochs": info["epochs"], "best_val_auroc": info["best_val_auroc"]}


__all__ = ["EdgeTaskOps"]
