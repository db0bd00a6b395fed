r"""Node classification: splits, training, forget sampling, the unlearning problem and its
evaluation.

- Splits: the Planetoid public split (:func:`planetoid_split`, 20 labelled nodes per class)
  or a seeded random split (:func:`random_node_split`, default 60/20/20).
- The classifier is a GNN whose output width is the number of classes, trained full-batch
  with cross-entropy on the training nodes,
  :math:`\mathcal{L} = -\frac1{|V_{tr}|}\sum_{v\in V_{tr}} \ln \mathrm{softmax}(z_v)_{y_v}`,
  with early stopping on validation accuracy (:func:`train_node_classifier`).
- The forget set is a fraction of the *training* nodes (:func:`sample_forget_nodes`).
- :class:`NodeUnlearningProblem` is what :class:`~graph_unlearn.NodeDeletion` and
  :class:`~graph_unlearn.FeatureDeletion` produce on a :class:`NodeSplit`: the retained view
  (``x``, ``graph``) every method and the served model use, and the *query view*
  (``query_x``, ``query_graph``: the original data) on which the forgotten nodes are asked
  about, by the forget losses and by the evaluation (an attacker holding a deleted node's
  features and links queries the model with them).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F

from ..data.graph import Graph


@dataclass
class NodeSplit:
    """A node-classification split over one graph (index tensors of node ids)."""

    x: torch.Tensor
    y: torch.Tensor
    graph: Graph
    train_idx: torch.Tensor
    val_idx: torch.Tensor
    test_idx: torch.Tensor
    name: str = ""
    seed: int = 0
    kind: str = "public"
    #: the matched holdout withheld from training (:func:`withhold_holdout_nodes`), and the full
    #: data on which both it and the forget set are queried
    holdout_idx: torch.Tensor | None = field(default=None, repr=False)
    full_x: torch.Tensor | None = field(default=None, repr=False)
    full_graph: Graph | None = field(default=None, repr=False)

    @property
    def num_nodes(self) -> int:
        return self.graph.num_nodes

    @property
    def num_features(self) -> int:
        return self.x.size(1)

    @property
    def num_classes(self) -> int:
        return int(self.y.max()) + 1

    def to(self, device) -> "NodeSplit":
        """The split on ``device``: itself when it is there already (as ``Tensor.to`` and PyG's
        ``Data.to``; its cached graph and sorted keys are kept), else a moved copy."""
        device = torch.device(device)
        if all(t.device == device for t in (self.x, self.y, self.train_idx, self.graph.edge_index)):
            return self
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        return replace(self, x=self.x.to(device), y=self.y.to(device), graph=self.graph.to(device),
                       train_idx=self.train_idx.to(device), val_idx=self.val_idx.to(device),
                       test_idx=self.test_idx.to(device), holdout_idx=move(self.holdout_idx),
                       full_x=move(self.full_x), full_graph=move(self.full_graph))

    def __repr__(self) -> str:
        return (f"NodeSplit({self.name or 'graph'} {self.kind}: nodes={self.num_nodes}, train={self.train_idx.numel()}, "
                f"val={self.val_idx.numel()}, test={self.test_idx.numel()}, classes={self.num_classes})")


def _check_data(data):
    """``data`` as a PyG ``Data`` (DGL / networkx / scipy graphs converted), checked for x and y."""
    from ..data.convert import to_pyg_data

    data = to_pyg_data(data)
    if getattr(data, "x", None) is None or getattr(data, "y", None) is None:
        raise ValueError("node classification needs node features x and labels y")
    return data


def planetoid_split(data) -> NodeSplit:
    """The public Planetoid split carried by ``data.train_mask/val_mask/test_mask``."""
    data = _check_data(data)
    if getattr(data, "train_mask", None) is None:
        raise ValueError("the data has no train_mask: use random_node_split")
    idx = [m.nonzero().flatten() for m in (data.train_mask, data.val_mask, data.test_mask)]
    return NodeSplit(data.x, data.y, Graph(data.edge_index, data.num_nodes), *idx,
                     name=getattr(data, "name", ""), kind="public")


def random_node_split(data, train_ratio: float = 0.6, val_ratio: float = 0.2, seed: int = 0) -> NodeSplit:
    """Seeded random split: ``train_ratio`` / ``val_ratio`` / the rest for test."""
    data = _check_data(data)
    if not (0 < train_ratio < 1 and 0 < val_ratio < 1 and train_ratio + val_ratio < 1):
        raise ValueError(f"invalid split ratios train={train_ratio}, val={val_ratio}")
    n = int(data.num_nodes)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    a, b = int(round(train_ratio * n)), int(round((train_ratio + val_ratio) * n))
    return NodeSplit(data.x, data.y, Graph(data.edge_index, n), perm[:a].sort().values, perm[a:b].sort().values,
                     perm[b:].sort().values, name=getattr(data, "name", ""), seed=seed, kind="random")


def sample_forget_nodes(split, fraction: float = 0.05, seed: int = 0, min_degree: int = 0, holdout: bool = False):
    """``fraction`` of the training nodes (at least one), uniformly; ``min_degree`` keeps only
    nodes with at least that many edges (for link prediction, where a deleted node must have
    training edges to forget). ``split`` is a :class:`NodeSplit` or a
    :class:`~graph_unlearn.tasks.LinkSplit` (then any node with a training edge is eligible).

    ``holdout=True``: draw twice as many nodes the same way and split them at random into the
    forget set and an equally sized holdout; returns a
    :class:`~graph_unlearn.metrics.holdout.MatchedSample` ``(forget, holdout)`` (each sorted).
    Withhold the holdout from training with :func:`withhold_holdout_nodes`."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    gen = torch.Generator().manual_seed(seed)
    if isinstance(split, NodeSplit):
        pool = split.train_idx.cpu()
        deg = split.graph.degree().cpu()[pool]
    else:  # link prediction: nodes of the training graph
        deg_all = split.graph().degree().cpu()
        pool = torch.arange(split.num_nodes)
        deg = deg_all
        min_degree = max(min_degree, 1)
    pool = pool[deg >= min_degree]
    if pool.numel() == 0:
        raise ValueError(f"no candidate nodes with degree >= {min_degree}")
    base = split.train_idx.numel() if isinstance(split, NodeSplit) else split.num_nodes
    k = min(pool.numel(), max(1, int(round(fraction * base))))
    if holdout:
        from ..metrics.holdout import split_matched

        drawn = pool[torch.randperm(pool.numel(), generator=gen)[:min(pool.numel(), 2 * k)]]
        return split_matched(drawn, gen)
    return pool[torch.randperm(pool.numel(), generator=gen)[:k]].sort().values


def withhold_holdout_nodes(split: NodeSplit, holdout: torch.Tensor, how: str = "nodes") -> NodeSplit:
    """A copy of ``split`` with the matched ``holdout`` nodes withheld from training the way the
    forget set will be deleted, so that retrain treats :math:`D_f` and :math:`D_h` alike:

    * ``how="nodes"`` (for :class:`~graph_unlearn.NodeDeletion`): the holdout nodes leave the
      training nodes, their feature rows are zeroed and their edges removed;
    * ``how="features"`` (for :class:`~graph_unlearn.FeatureDeletion`): only their feature rows
      are zeroed (the labels stay, as a feature deletion keeps them);
    * ``how="labels"``: only removed from the training nodes (they stay in the graph like
      validation / test nodes). Not matched to a node deletion (retrain then sees the holdout's
      links and features but not the forget set's); on Cora GCN this put retrain's attack AUC
      at 0.455.

    The holdout ids are kept as ``split.holdout_idx`` and the full data (on which both sets are
    queried, like the query view of a deletion) as ``split.full_x`` / ``split.full_graph``. Train
    the original model and every retrain on the returned split."""
    if how not in ("nodes", "features", "labels"):
        raise ValueError(f"how must be 'nodes', 'features' or 'labels', got {how!r}")
    dev = split.train_idx.device
    holdout = torch.as_tensor(holdout).long().flatten().to(dev)
    is_hold = torch.isin(split.train_idx, holdout)
    if int(is_hold.sum()) != holdout.unique().numel():
        raise ValueError("withhold_holdout_nodes: some holdout nodes are not training nodes of the split")
    x, graph, train = split.x, split.graph, split.train_idx
    if how in ("nodes", "features"):
        x = x.clone()
        x[holdout.to(x.device)] = 0
    if how == "nodes":
        ei = graph.edge_index
        incident = torch.isin(ei, holdout.to(ei.device)).any(0)
        graph = Graph(ei[:, ~incident], split.num_nodes, undirected=False)
    if how != "features":
        train = train[~is_hold]
    return replace(split, x=x, graph=graph, train_idx=train, holdout_idx=holdout.sort().values,
                   full_x=split.x, full_graph=split.graph)


# ---------------------------------------------------------------------------------------------
# training

def node_ce_loss(logits: torch.Tensor, y: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``logits[idx]`` against ``y[idx]``."""
    return F.cross_entropy(logits[idx], y[idx])


def train_node_classifier(model, x: torch.Tensor, graph: Graph, y: torch.Tensor, train_idx: torch.Tensor,
                          val_idx: torch.Tensor, config=None, progress: bool = False) -> dict:
    """Train ``model`` (output width = number of classes) in place with Adam; stop when
    validation accuracy has not improved for ``patience`` evaluations and restore the best state.
    ``config`` is a :class:`~graph_unlearn.TrainConfig` (``epochs``, ``lr``, ``weight_decay``,
    ``patience``, ``eval_every``; ``neg_ratio`` is ignored); default :data:`NODE_TRAIN`. With
    ``config.fanouts`` each epoch is one step on ``batch_size`` random training nodes, on the
    subgraph sampled around them (:class:`~graph_unlearn.data.sampling.NeighborSampler`), and
    validation runs on a subgraph sampled once around the validation nodes. Returns
    ``{"epochs", "best_val_acc", "history"}``."""
    from ..models.training import TrainConfig, fit_early_stopping

    cfg = config or NODE_TRAIN
    if not isinstance(cfg, TrainConfig):
        raise ValueError(f"config must be a TrainConfig, got {type(cfg).__name__}")
    if train_idx.numel() == 0:
        raise ValueError("no training nodes")
    if cfg.fanouts is None:
        return fit_early_stopping(model, lambda: node_ce_loss(model(x, graph), y, train_idx),
                                  lambda: (model(x, graph)[val_idx].argmax(-1) == y[val_idx]).float().mean(),
                                  cfg, progress, "train", metric="val_acc")
    from ..core.distributed import shard
    from ..data.sampling import NeighborSampler

    # sampled: each epoch one step on a random batch of ``batch_size`` training nodes, on the
    # subgraph sampled around them; validation on a subgraph sampled once around the validation nodes
    sampler, gen = NeighborSampler(graph, cfg.fanouts), torch.Generator().manual_seed(cfg.seed)
    n = train_idx.numel() if cfg.batch_size is None else min(cfg.batch_size, train_idx.numel())

    def loss_fn():
        batch = train_idx
        if n < train_idx.numel():
            batch = train_idx[torch.randperm(train_idx.numel(), generator=gen)[:n].to(train_idx.device)]
        batch = shard(batch)
        sub = sampler.sample(batch, gen)
        return F.cross_entropy(model(sub.features(x), sub.graph)[sub.local(batch)], y[batch])

    val_sub = sampler.sample(val_idx, torch.Generator().manual_seed(cfg.seed + 1))
    val_rows = val_sub.local(val_idx)
    return fit_early_stopping(model, loss_fn,
                              lambda: (model(val_sub.features(x), val_sub.graph)[val_rows].argmax(-1)
                                       == y[val_idx]).float().mean(),
                              cfg, progress, "train", metric="val_acc")


def _node_train_config():
    from ..models.training import TrainConfig

    return TrainConfig(epochs=200, lr=0.01, weight_decay=5e-4, patience=10, eval_every=5)


#: default recipe for node classifiers (Kipf & Welling's GCN recipe with early stopping)
NODE_TRAIN = _node_train_config()


# ---------------------------------------------------------------------------------------------
# the unlearning problem (the task-level interface the methods consume)

def _model_out(model, x, graph, with_embedding: bool = False):
    """Logits (and the penultimate layer as the node embedding when the model exposes its
    layers; the logits otherwise)."""
    if not with_embedding:
        return model(x, graph)
    try:
        out, layers = model(x, graph, return_layers=True)
    except TypeError:
        out = model(x, graph)
        return out, out
    return out, (layers[-2] if len(layers) > 1 else out)


@dataclass
class NodeUnlearningProblem:
    """A node- or feature-deletion request applied to a :class:`NodeSplit`.

    Attributes:
        split: the original split.
        kind: ``"nodes"`` or ``"features"``.
        forget_nodes: the nodes named by the request (:math:`V_f`).
        retain_nodes: training nodes whose labels are still used (:math:`V_r`): the training
            nodes minus :math:`V_f` for node deletion, all training nodes for feature deletion
            (the labels were not revoked; the features were).
        x, graph: the retained view (deleted rows/columns zeroed, incident edges removed).
        query_x, query_graph: the original data, on which :math:`V_f` is queried.
        hop_masks: 0/1/2-hop node masks around :math:`V_f` on the original graph.

    A node deletion's retained ``graph`` (``None`` given) is built when first read: it copies
    every edge, which sampled steps never need (they drop :math:`V_f`'s edges from each sampled
    subgraph), so applying the request costs what :math:`V_f`'s neighbourhood holds.
    """

    split: NodeSplit
    kind: str
    forget_nodes: torch.Tensor
    retain_nodes: torch.Tensor
    x: torch.Tensor
    graph: Graph | None
    hop_masks: list[torch.Tensor]
    query_x: torch.Tensor = field(repr=False, default=None)
    query_graph: Graph = field(repr=False, default=None)

    task = "node"

    def __post_init__(self):
        if self.query_x is None:
            self.query_x = self.split.x
        if self.query_graph is None:
            self.query_graph = self.split.graph

    @property
    def num_nodes(self) -> int:
        return self.split.num_nodes

    @property
    def y(self) -> torch.Tensor:
        return self.split.y

    @property
    def forget(self) -> torch.Tensor:
        return self.forget_nodes

    @property
    def same_view(self) -> bool:
        return False

    def to(self, device) -> "NodeUnlearningProblem":
        device = torch.device(device)
        if self.forget_nodes.device == device:
            return self
        graph = self.__dict__.get("_graph")
        return NodeUnlearningProblem(self.split.to(device), self.kind, self.forget_nodes.to(device),
                                     self.retain_nodes.to(device), self.x.to(device),
                                     None if graph is None else graph.to(device),
                                     [m.to(device) for m in self.hop_masks], self.query_x.to(device),
                                     self.query_graph.to(device))

    # -- the interface the graph methods use (see graph_unlearn.tasks.graph.task_ops) --------
    def retain_select(self, gen: torch.Generator, batch_size: int | None = None, scope: str = "all") -> torch.Tensor:
        """Retained training nodes :math:`V_r` (a random batch of them; only the 2-hop
        neighbourhood of :math:`V_f` with ``scope="khop"``). Distilling on every non-deleted
        node instead (no labels needed) was tried on Cora GCN: validation accuracy 0.8558 vs
        0.8540, no material difference."""
        nodes = self.retain_nodes
        if scope == "khop":
            nodes = nodes[self.hop_masks[-1][nodes]]
        if batch_size is not None and batch_size < nodes.numel():
            nodes = nodes[torch.randperm(nodes.numel(), generator=gen)[:batch_size].to(nodes.device)]
        return nodes

    def num_retained(self, scope: str = "all") -> int:
        """The number of retained training nodes in ``scope`` (what :meth:`retain_select` draws from)."""
        return self.retain_select(None, None, scope).numel()

    def retain_logits(self, model, z: torch.Tensor, sel: torch.Tensor) -> torch.Tensor:
        return z[sel]

    @staticmethod
    def select_nodes(sel: torch.Tensor) -> torch.Tensor:
        return sel

    def forget_logits(self, model, zq: torch.Tensor) -> torch.Tensor:
        return zq[self.forget_nodes]

    def draw(self, gen: torch.Generator, batch_size: int | None = None, scope: str = "all", retain: bool = True):
        """Start one optimisation step: its batch of retained nodes (``None`` when ``retain`` is
        false; this rank's shard of it under ``torch.distributed``); node tasks run every step on
        the whole graph."""
        from ..core.distributed import shard

        return shard(self.retain_select(gen, batch_size, scope)) if retain else None

    sampled = False

    def retain_loss(self, model, z: torch.Tensor, sel: torch.Tensor) -> torch.Tensor:
        """Cross-entropy on the drawn batch ``sel`` of retained training nodes, retained view."""
        return node_ce_loss(z, self.y, sel)

    def forget_loss(self, model, zq: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of :math:`V_f` with their true labels, on the query view (the loss
        gradient ascent increases)."""
        return node_ce_loss(zq, self.y, self.forget_nodes)

    def outputs(self, model, query: bool = False, with_embedding: bool = False):
        """The model's output (logits) on the retained view, or on the query view."""
        x, g = (self.query_x, self.query_graph) if query else (self.x, self.graph)
        return _model_out(model, x, g, with_embedding)

    def anchors(self, gen: torch.Generator):
        """GNNDelete's Deleted Edge Consistency for nodes: :math:`V_f`'s representations are
        matched to those of as many random nodes."""
        rand = torch.randint(0, self.num_nodes, (self.forget_nodes.numel(),), generator=gen).to(self.forget_nodes.device)
        return [self.forget_nodes], [rand]

    def influence_losses(self, model, gen):
        """GIF's terms: (summed cross-entropy of the affected training nodes, i.e. within two hops
        of :math:`V_f`, :math:`V_f` included, on the original data; the same nodes still retained,
        on the retained view; mean training loss on the original data; number of training nodes)."""
        train = self.split.train_idx
        affected = train[self.hop_masks[-1][train]]
        kept = affected[torch.isin(affected, self.retain_nodes)]
        z0 = model(self.query_x, self.query_graph)
        z1 = model(self.x, self.graph)
        before = F.cross_entropy(z0[affected], self.y[affected], reduction="sum")
        after = F.cross_entropy(z1[kept], self.y[kept], reduction="sum") if kept.numel() else z1.sum() * 0
        return before, after, node_ce_loss(z0, self.y, train), train.numel()

    @property
    def retrain_nodes(self) -> torch.Tensor:
        return self.retain_nodes

    def retrain(self, model, config=None, progress: bool = False) -> dict:
        """Train ``model`` (fresh) on the retained view and retained training labels."""
        from ..models.training import TrainConfig

        if config is not None and config == TrainConfig():
            config = None  # Retrain's link default: use the node recipe instead
        info = train_node_classifier(model, self.x, self.graph, self.y, self.retain_nodes, self.split.val_idx,
                                     config, progress)
        return {"epochs": info["epochs"], "best_val_acc": info["best_val_acc"], "config": config or NODE_TRAIN}

    def __repr__(self) -> str:
        return (f"NodeUnlearningProblem({self.kind}: forget={self.forget_nodes.numel()} nodes, "
                f"retain={self.retain_nodes.numel()} training nodes, {self.query_graph})")


def _retained_graph(self) -> Graph:
    """The retained view's graph: the original one without :math:`V_f`'s edges (node deletion),
    built on first read (:class:`NodeUnlearningProblem`)."""
    graph = self.__dict__.get("_graph")
    if graph is None:
        g = self.split.graph
        out = g.out_edges(self.forget_nodes)   # (u, v), u deleted; and their reverses (v, u)
        cols = torch.cat([out, g.key_index().columns(g.edge_index[:, out].flip(0))])
        keep = torch.ones(g.num_edges, dtype=torch.bool, device=g.device)
        keep[cols] = False
        graph = self.__dict__["_graph"] = Graph.__new__(Graph)
        graph.edge_index, graph.num_nodes, graph._cache = g.edge_index[:, keep], g.num_nodes, {}
    return graph


def _set_graph(self, graph) -> None:
    self.__dict__["_graph"] = graph


NodeUnlearningProblem.graph = property(_retained_graph, _set_graph)


def build_node_problem(split: NodeSplit, nodes: torch.Tensor, kind: str,
                       features: torch.Tensor | None = None) -> NodeUnlearningProblem:
    """Apply a validated node/feature deletion to ``split`` (used by the request objects)."""
    device = split.x.device
    nodes = nodes.to(device)
    x = split.x.clone()
    if kind == "nodes":
        x[nodes] = 0
        graph = None   # built when first read: the original without V_f's edges
        retain = split.train_idx[~torch.isin(split.train_idx, nodes)]
    elif kind == "features":
        if features is None:
            x[nodes] = 0
        else:
            x[nodes.unsqueeze(1), features.to(device).unsqueeze(0)] = 0
        graph = split.graph
        retain = split.train_idx
    else:
        raise ValueError(f"unknown node deletion kind {kind!r}")
    return NodeUnlearningProblem(split, kind, nodes, retain, x, graph, split.graph.k_hop(nodes, 2))


# ---------------------------------------------------------------------------------------------
# evaluation

@torch.no_grad()
def full_data_logits(model, problem: NodeUnlearningProblem) -> torch.Tensor:
    """Every node's class logits queried on the full data (the split's ``full_x`` /
    ``full_graph`` when it withheld a holdout, else the query view): what the attacks look at."""
    split = problem.split
    x = split.full_x if split.full_x is not None else problem.query_x
    g = split.full_graph if split.full_graph is not None else problem.query_graph
    return _model_out(model, x, g)


def node_scores(model, problem: NodeUnlearningProblem) -> torch.Tensor:
    """Every node's own score for the matched-holdout attack: the log-probability of its true
    class on the full data (:func:`full_data_logits`)."""
    return full_data_logits(model, problem).log_softmax(-1).gather(1, problem.split.y.view(-1, 1)).squeeze(1)


def attack_members(problem: NodeUnlearningProblem) -> torch.Tensor:
    """The membership attacker's members: retained training nodes other than :math:`V_f` (a
    feature deletion keeps :math:`V_f`'s labels in training, but the attacker must not be taught
    on the nodes it is asked about)."""
    return problem.retain_nodes[~torch.isin(problem.retain_nodes, problem.forget_nodes)]


def evaluate_node_unlearning(model, problem: NodeUnlearningProblem, reference=None, *, seed: int = 0) -> dict:
    """Utility, forgetting and privacy of ``model`` on a node-unlearning problem.

    ``test_acc`` and ``retain_acc`` (retained training nodes) on the retained view;
    ``forget_acc`` on :math:`V_f` queried with their original data; ``mia_auc``: node
    membership attack (:func:`graph_unlearn.metrics.node_membership_auc`: members = retained
    training nodes other than :math:`V_f` (a feature deletion keeps :math:`V_f`'s labels in
    training, but the attacker must not be taught on the nodes it is asked about), non-members =
    test nodes, reported on :math:`V_f`); on a split with a matched holdout
    (:func:`withhold_holdout_nodes`) ``holdout_auc`` with its 95% interval: the own-score attack
    (log-probability of the true class, both sets queried on the full data) of :math:`V_f`
    against the never-trained holdout; with the ``reference``
    (retrain) model, ``kl_to_retrain`` / ``js_to_retrain`` of the class distributions on
    :math:`V_f` (query view) and the test nodes.
    """
    from ..metrics import js_divergence, kl_divergence
    from ..metrics.node import node_accuracies, node_membership_auc
    from ..models.adapter import as_graph_model

    model = as_graph_model(model, "node")  # a user's PyG module is read through the adapter
    reference = None if reference is None else as_graph_model(reference, "node")
    model.eval()
    split = problem.split
    z = problem.outputs(model)
    zq = problem.outputs(model, query=True)
    out = node_accuracies(z, split.y, test=split.test_idx, retain=problem.retain_nodes)
    out["forget_acc"] = node_accuracies(zq, split.y, forget=problem.forget_nodes)["forget_acc"]
    zf = zq[problem.forget_nodes]
    out["mia_auc"] = node_membership_auc(z, split.y, attack_members(problem), split.test_idx, zf,
                                         split.y[problem.forget_nodes], seed=seed)
    if split.holdout_idx is not None:
        from ..metrics import holdout_attack_auc

        scores = node_scores(model, problem)
        est = holdout_attack_auc(scores[problem.forget_nodes], scores[split.holdout_idx], seed=seed)
        out["holdout_auc"], out["holdout_auc_low"], out["holdout_auc_high"] = est.value, est.low, est.high
    if reference is not None:
        reference.eval()
        r = problem.outputs(reference)
        rq = problem.outputs(reference, query=True)
        p = torch.cat([zq[problem.forget_nodes], z[split.test_idx]]).softmax(-1)
        q = torch.cat([rq[problem.forget_nodes], r[split.test_idx]]).softmax(-1)
        out["js_to_retrain"] = js_divergence(p, q)
        out["kl_to_retrain"] = kl_divergence(q, p)
    return out
