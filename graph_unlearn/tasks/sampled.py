"""Sampled (mini-batch) steps: the task-level interfaces of :mod:`graph_unlearn.tasks.graph` whose
every optimisation step runs on a subgraph sampled around what the step touches (its batch of
retained elements and the forget set), so that a request costs what its neighbourhood holds,
not the whole graph. :class:`SampledEdgeTaskOps` for link prediction, :class:`SampledNodeTaskOps`
for node and feature deletion; both through :class:`~graph_unlearn.data.sampling.NeighborSampler`
(PyG's sampler where ``pyg-lib`` is installed, DGL's otherwise). Built by
:func:`graph_unlearn.tasks.graph.task_ops` with ``fanouts``."""
from __future__ import annotations

import torch

from ..core.distributed import shard
from ..data.graph import Graph
from ..requests.edge import EdgeUnlearningProblem
from .edge_ops import EdgeTaskOps
from .link_prediction import random_pairs

#: with sampled steps, the deleted edges one step's forget term covers at most
#: (:class:`SampledEdgeTaskOps`): a 10,000-edge request on a 10M-edge graph otherwise samples a
#: 2-hop subgraph around 20,000 endpoints every step (``benchmarks/results/scale.md``)
FORGET_BATCH = 1024


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
    graph = query_graph = None   # the step's subgraph (set by draw()), never the whole retained graph

    def __init__(self, problem: EdgeUnlearningProblem, fanouts, backend: str = "auto"):
        from ..data.sampling import NeighborSampler

        super().__init__(problem)
        if problem.x is None:
            raise ValueError("sampled steps need node features: this graph has none (the model learns one embedding "
                             "per node); use sampling='full'")
        self.fanouts = list(fanouts)
        # the split's training graph with D_f excluded = the retained graph; its sampler's graph is
        # built once per split, not once per request
        if problem.derived:
            base, exclude = problem.base_graph, problem.forget
        else:   # a retained graph given explicitly: sample it as it is
            base, exclude = problem.graph, None
        self.sampler = NeighborSampler(base, self.fanouts, backend, exclude=exclude)
        self._forget_sub = None
        self.x = self.graph = self.query_x = self.query_graph = None   # set by draw()
        self.forget_index = None

    def draw(self, gen, batch_size=None, scope: str = "all", retain: bool = True):
        sel = super().draw(gen, batch_size, scope, retain)
        sub = self.view_around(gen, None if sel is None else sel.reshape(-1))
        return None if sel is None else sub.local(sel)

    def retain_select(self, gen, batch_size=None, scope: str = "all") -> torch.Tensor:
        """As :meth:`EdgeTaskOps.retain_select`; from all retained edges, a batch of distinct
        ranks drawn uniformly and read by :meth:`EdgeUnlearningProblem.retained_edges`,
        without building the pool of every retained edge (a step costs its batch, not E)."""
        n = self.num_retained(scope)
        if scope != "all" or batch_size is None or batch_size >= n:
            return super().retain_select(gen, batch_size, scope)
        ranks = torch.zeros(0, dtype=torch.long)
        while ranks.numel() < batch_size:   # distinct ranks (a repeat costs one more short draw)
            more = torch.randint(0, n, (batch_size - ranks.numel(),), generator=gen)
            ranks = torch.unique(torch.cat([ranks, more]))
        pos = self.problem.retained_edges(ranks)
        return torch.cat([pos, random_pairs(self.num_nodes, pos.size(1), pos.device, gen)], 1)

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

    def num_retained(self, scope: str = "all") -> int:
        return self.problem.num_retained(scope)

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


__all__ = ["SampledEdgeTaskOps", "SampledNodeTaskOps", "FORGET_BATCH"]
