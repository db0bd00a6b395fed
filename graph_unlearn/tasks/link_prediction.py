r"""Link prediction under the GNNDelete protocol.

- Edges are undirected; the positive edges are split 90/5/5 into train/val/test
  (:func:`split_edges`), with one sampled non-edge per val/test edge (1:1 negatives).
  Everything is deterministic for a seed.
- The model is trained on the training graph with binary cross-entropy on training edges
  against freshly sampled non-edges each epoch:
  :math:`\mathcal{L} = -\frac1{|E^+|}\sum \ln\sigma(s_{uv}) - \frac1{|E^-|}\sum\ln\sigma(-s_{uv})`.
- The forget set :math:`D_f` is a fraction of the *training* edges, sampled in the ``"out"``
  setting (edges outside the 2-hop enclosing subgraph of the test edges) or ``"in"``
  (inside it). Neighbourhoods are computed on the undirected training graph.
"""
from __future__ import annotations

import warnings
from dataclasses import InitVar, dataclass, field

import torch
import torch.nn.functional as F
from torch_geometric.data import Data

from ..data.graph import EdgeKeyIndex, Graph, edge_keys


_EDGE_SETS = ("train_pos", "val_pos", "val_neg", "test_pos", "test_neg")


@dataclass
class LinkSplit:
    """A link-prediction split. Edge tensors are integer ``[2, k]`` with each undirected edge
    once (u < v).

    A hand-built split is validated on construction (``ValueError`` / ``TypeError``): integer
    ``[2, k]`` edge tensors (cast to int64), node ids in ``[0, num_nodes)``, every edge once as
    ``u < v`` (no self loops, no edge in both directions), validation / test positives disjoint
    from the training edges and from each other, negatives disjoint from every positive, and
    ``x`` with one row per node."""

    x: torch.Tensor | None
    num_nodes: int
    train_pos: torch.Tensor
    val_pos: torch.Tensor
    val_neg: torch.Tensor
    test_pos: torch.Tensor
    test_neg: torch.Tensor
    name: str = ""
    seed: int = 0
    #: the matched holdout D_h ([2, k], u < v) withheld from training (``withhold_holdout_edges``)
    holdout_pos: torch.Tensor | None = field(default=None, repr=False)
    _graph: Graph | None = field(default=None, repr=False)
    _trusted: InitVar[bool] = False

    def __post_init__(self, _trusted: bool = False):
        if _trusted:  # a copy of an already validated split (``to``)
            return
        if isinstance(self.num_nodes, bool) or not isinstance(self.num_nodes, (int, torch.Tensor)) \
                or (isinstance(self.num_nodes, torch.Tensor) and (self.num_nodes.numel() != 1
                                                                  or self.num_nodes.is_floating_point())):
            raise TypeError(f"LinkSplit: num_nodes must be an int, got {type(self.num_nodes).__name__}")
        self.num_nodes = int(self.num_nodes)
        n = self.num_nodes
        if n < 2:
            raise ValueError(f"LinkSplit: num_nodes must be >= 2, got {n}")
        if self.x is not None:
            if not isinstance(self.x, torch.Tensor) or self.x.dim() != 2 or self.x.size(0) != n:
                shape = tuple(self.x.shape) if isinstance(self.x, torch.Tensor) else type(self.x).__name__
                raise ValueError(f"LinkSplit: x must be a [num_nodes={n}, d] tensor, got {shape}")
        keys = {}
        for name in _EDGE_SETS + (("holdout_pos",) if self.holdout_pos is not None else ()):
            e = _edge_tensor(getattr(self, name), n, name, "LinkSplit")
            setattr(self, name, e)
            if not bool((e[0] < e[1]).all()):
                i = int((e[0] >= e[1]).nonzero()[0])
                raise ValueError(f"LinkSplit: {name} must list each undirected edge once as (u, v) with u < v; "
                                 f"column {i} is ({int(e[0, i])}, {int(e[1, i])})"
                                 + (" (a self loop)" if int(e[0, i]) == int(e[1, i]) else
                                    "; canonicalise with torch.stack([min, max]) and drop repeats"))
            k = (e[0] * n + e[1]).cpu()
            uniq = torch.unique(k)
            if uniq.numel() != k.numel():
                raise ValueError(f"LinkSplit: {name} lists {k.numel() - uniq.numel()} edge(s) more than once")
            keys[name] = uniq
        pos = [("train_pos", "val_pos"), ("train_pos", "test_pos"), ("val_pos", "test_pos")]
        if self.holdout_pos is not None:
            pos += [(a, "holdout_pos") for a in ("train_pos", "val_pos", "test_pos")]
        for a, b in pos + [(p, q) for q in ("val_neg", "test_neg") for p in ("train_pos", "val_pos", "test_pos")]:
            both = torch.isin(keys[b], keys[a])
            if both.any():
                key = int(keys[b][both][0])
                kind = "positives" if b.endswith("pos") else "negatives"
                raise ValueError(f"LinkSplit: {int(both.sum())} {b} {kind} are also in {a}, e.g. "
                                 f"({key // n}, {key % n}); the sets must not overlap")

    @property
    def num_features(self) -> int | None:
        return None if self.x is None else self.x.size(1)

    def graph(self) -> Graph:
        """The training graph (both directions), built once."""
        if self._graph is None:
            self._graph = Graph(self.train_pos, self.num_nodes)
        return self._graph

    def train_key_index(self) -> EdgeKeyIndex:
        """The training edges' keys, sorted once and cached (not a dataclass field: a copy made
        with ``dataclasses.replace`` or ``to`` builds its own), for membership checks by binary
        search. Rebuilt if ``train_pos`` is replaced or modified in place."""
        train = self.train_pos
        cached = self.__dict__.get("_train_key_index")
        if cached is None or cached[0] is not train or cached[1] != train._version:
            cached = (train, train._version, EdgeKeyIndex(train, self.num_nodes))
            self.__dict__["_train_key_index"] = cached
        return cached[2]

    def to(self, device) -> "LinkSplit":
        """The split on ``device``: itself when it is there already (as ``Tensor.to`` and PyG's
        ``Data.to``; its cached graph and sorted keys are kept), else a moved copy."""
        device = torch.device(device)
        if self.train_pos.device == device and (self.x is None or self.x.device == device):
            return self   # keeps the cached training graph and sorted keys (a pass over E edges each)
        moved = LinkSplit(None if self.x is None else self.x.to(device), self.num_nodes,
                          *(getattr(self, k).to(device) for k in ("train_pos", "val_pos", "val_neg", "test_pos", "test_neg")),
                          name=self.name, seed=self.seed,
                          holdout_pos=None if self.holdout_pos is None else self.holdout_pos.to(device), _trusted=True)
        if self._graph is not None:
            moved._graph = self._graph.to(device)
        return moved

    def __repr__(self) -> str:
        return (f"LinkSplit({self.name or 'graph'}: nodes={self.num_nodes}, train={self.train_pos.size(1)}, "
                f"val={self.val_pos.size(1)}, test={self.test_pos.size(1)}, "
                f"features={self.num_features})")


def _edge_tensor(e, num_nodes: int | None, name: str, who: str) -> torch.Tensor:
    """``e`` as a ``[2, k]`` int64 tensor of node ids in ``[0, num_nodes)``, or a clear error."""
    if not isinstance(e, torch.Tensor):
        raise TypeError(f"{who}: {name} must be a [2, k] integer tensor, got {type(e).__name__}")
    if e.dtype == torch.bool or e.is_floating_point() or e.is_complex():
        raise TypeError(f"{who}: {name} must hold integer node ids, got dtype {e.dtype}")
    if e.dim() != 2 or e.size(0) != 2:
        raise ValueError(f"{who}: {name} must have shape [2, k], got {tuple(e.shape)}")
    e = e.long()
    if num_nodes is not None and e.numel() and (int(e.min()) < 0 or int(e.max()) >= num_nodes):
        raise ValueError(f"{who}: {name} has node ids outside [0, {num_nodes}) (min {int(e.min())}, max {int(e.max())})")
    return e


def _unique_undirected(edge_index: torch.Tensor, num_nodes: int | None = None, name: str = "graph",
                       who: str = "split_edges") -> torch.Tensor:
    """Each undirected edge once as ``(min, max)``, sorted: a graph given with one direction per
    edge and one given with both give the same edges. Self loops are dropped with a warning."""
    u, v = _edge_tensor(edge_index, num_nodes, "edge_index", who)
    loops = u == v
    if loops.any():
        warnings.warn(f"{who}: {name} has {int(loops.sum())} self loops; they are dropped (a self loop is "
                      f"not a link to predict)")
    u, v = u[~loops], v[~loops]
    e = torch.stack([torch.minimum(u, v), torch.maximum(u, v)])
    return torch.unique(e, dim=1)


def sample_non_edges(num_nodes: int, count: int, forbidden: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """``count`` distinct undirected non-edges (u < v) not in ``forbidden`` ([2, E], any direction)."""
    max_pairs = num_nodes * (num_nodes - 1) // 2
    forbidden_keys = torch.unique(edge_keys(forbidden, num_nodes))
    if count > max_pairs - forbidden_keys.numel():
        raise ValueError(f"cannot sample {count} non-edges: the graph has only "
                         f"{max_pairs - forbidden_keys.numel()}")
    found = torch.empty(0, dtype=torch.long)
    while found.numel() < count:
        need = int((count - found.numel()) * 1.3) + 16
        u = torch.randint(0, num_nodes, (need,), generator=generator)
        v = torch.randint(0, num_nodes, (need,), generator=generator)
        keep = u != v
        keys = edge_keys(torch.stack([u[keep], v[keep]]), num_nodes)
        keys = keys[~torch.isin(keys, forbidden_keys)]
        keys = keys[~torch.isin(keys, found)]
        keys = torch.unique(keys)  # sorted; shuffle to keep the sample uniform
        keys = keys[torch.randperm(keys.numel(), generator=generator)]
        found = torch.cat([found, keys])[:count]
    return torch.stack([found // num_nodes, found % num_nodes])


def split_edges(data: Data, val_ratio: float = 0.05, test_ratio: float = 0.05, seed: int = 0) -> LinkSplit:
    """Random 90/5/5 split of the undirected edges with 1:1 negatives for val/test.

    ``data.edge_index`` may hold one or both directions of each edge (a networkx / scipy / OGB
    edge list, or a PyG graph): edges are canonicalised to ``(min, max)`` and deduplicated
    first, so both give the same split; self loops are dropped with a warning."""
    if not (0 < val_ratio < 1 and 0 < test_ratio < 1 and val_ratio + test_ratio < 1):
        raise ValueError(f"invalid split ratios val={val_ratio}, test={test_ratio}")
    num_nodes = int(data.num_nodes)
    edges = _unique_undirected(data.edge_index.cpu(), num_nodes, getattr(data, "name", "") or "the graph")
    if edges.size(1) < 3:
        raise ValueError(f"split_edges: the graph has {edges.size(1)} undirected edges; at least 3 are needed "
                         f"for train / validation / test")
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(edges.size(1), generator=gen)
    n_val, n_test = int(round(val_ratio * perm.numel())), int(round(test_ratio * perm.numel()))
    val = edges[:, perm[:n_val]]
    test = edges[:, perm[n_val:n_val + n_test]]
    train = edges[:, perm[n_val + n_test:]]
    negs = sample_non_edges(num_nodes, n_val + n_test, edges, gen)
    x = data.x if getattr(data, "x", None) is not None else None
    return LinkSplit(x, num_nodes, train, val, negs[:, :n_val], test, negs[:, n_val:],
                     name=getattr(data, "name", ""), seed=seed)


def sample_forget_edges(split: LinkSplit, fraction: float = 0.05, setting: str = "out", seed: int = 0,
                        num_hops: int = 2, holdout: bool = False):
    """Sample ``fraction`` of the training edges as the forget set ([2, k], u < v).

    ``"out"``: training edges outside the ``num_hops`` enclosing subgraph of the test edges
    (not both endpoints within ``num_hops`` hops of a test-edge endpoint); ``"in"``: edges
    inside it; ``"random"``: any training edge. On dense graphs the "out" pool can be too
    small (on ogbl-ddi every node lies within 2 hops of a test edge): the sample is then
    filled with the edges farthest from the test edges (outside the 1-hop, then the 0-hop
    subgraph, then any), with a warning; the fraction of edges that satisfy the requested
    setting is stored on the returned tensor as ``.setting_fraction``.

    ``holdout=True`` (the matched holdout, DESIGN.md section 8): draw twice as many edges with the
    same procedure and split them at random into the forget set and a holdout of the same size;
    returns a :class:`~graph_unlearn.metrics.holdout.MatchedSample` ``(forget, holdout)``. Withhold
    the holdout from all training with :func:`withhold_holdout_edges`.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    if setting not in ("in", "out", "random"):
        raise ValueError(f"setting must be 'in', 'out' or 'random', got {setting!r}")
    train = split.train_pos.cpu()
    k = max(1, int(round(fraction * train.size(1))))
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(train.size(1), generator=gen)
    if setting == "random":
        priority = torch.zeros(train.size(1), dtype=torch.long)
    else:
        seeds = torch.unique(split.test_pos.cpu().flatten())
        masks = [m.cpu() for m in split.graph().k_hop(seeds, num_hops)]
        inside = torch.stack([m[train[0]] & m[train[1]] for m in masks])  # [hops+1, E]
        # "out": number of hop levels the edge lies outside of (num_hops+1 = outside all);
        # "in": 1 when inside the num_hops subgraph
        priority = (~inside).sum(0) if setting == "out" else inside[-1].long()
    best = num_hops + 1 if setting == "out" else 1
    # random order, then stable sort by priority: a uniform sample within each level
    ranked = order[torch.sort(priority[order], descending=True, stable=True).indices]
    chosen = ranked[:min(2 * k, train.size(1)) if holdout else k]
    ok = float((priority[chosen] == best).float().mean()) if setting != "random" else 1.0
    if ok < 1.0:
        warnings.warn(f"{split.name or 'graph'}: only {ok:.1%} of the {k} forget edges satisfy the {setting!r} "
                      f"setting at {num_hops} hops (the graph has too few such training edges); the rest are the "
                      f"training edges closest to it")
    forget = train[:, chosen]
    if holdout:
        from ..metrics.holdout import split_matched

        pair = split_matched(forget, gen, dim=1)
        for t in pair:
            t.setting_fraction = ok  # type: ignore[attr-defined]
        return pair
    forget.setting_fraction = ok  # type: ignore[attr-defined]
    return forget


def withhold_holdout_edges(split: LinkSplit, holdout: torch.Tensor) -> LinkSplit:
    """A copy of ``split`` whose training edges exclude the matched ``holdout`` edges ([2, k],
    either direction). The holdout edges are then neither training, validation nor test edges:
    they are kept on the returned split as ``split.holdout_pos`` (u < v) for the matched-holdout
    attack (carried by ``to`` and copies; ``evaluate_link_unlearning`` then reports the attack).
    Train the original model (and every retrain) on the returned split."""
    from dataclasses import replace

    from ..data.graph import edge_membership

    holdout = holdout.cpu().long()
    hold = torch.stack([torch.minimum(holdout[0], holdout[1]), torch.maximum(holdout[0], holdout[1])])
    train = split.train_pos.cpu()
    is_hold = edge_membership(train, hold, split.num_nodes)
    if int(is_hold.sum()) != hold.size(1):
        raise ValueError(f"withhold_holdout_edges: {hold.size(1) - int(is_hold.sum())} holdout edges are not "
                         f"training edges of the split")
    return replace(split, train_pos=train[:, ~is_hold].to(split.train_pos.device), _graph=None,
                   holdout_pos=hold.to(split.train_pos.device))


# ---------------------------------------------------------------------------------------------
# losses and scores shared by training, methods and evaluation

def link_bce_loss(pos_logits: torch.Tensor, neg_logits: torch.Tensor | None = None) -> torch.Tensor:
    """Binary cross-entropy with positives labelled 1 and negatives 0 (mean of both means)."""
    loss = F.binary_cross_entropy_with_logits(pos_logits, torch.ones_like(pos_logits))
    if neg_logits is not None and neg_logits.numel():
        loss = 0.5 * (loss + F.binary_cross_entropy_with_logits(neg_logits, torch.zeros_like(neg_logits)))
    return loss


def random_pairs(num_nodes: int, count: int, device=None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform random node pairs (u != v) as fresh negatives for one training step. Collisions
    with true edges are allowed (standard in GNN link-prediction training)."""
    u = torch.randint(0, num_nodes, (count,), generator=generator)
    v = torch.randint(0, num_nodes - 1, (count,), generator=generator)
    v = v + (v >= u).long()
    out = torch.stack([u, v])
    return out if device is None else out.to(device)


@torch.no_grad()
def edge_scores(model, x, graph: Graph, *edge_sets: torch.Tensor, batch_size: int = 2**20) -> list[torch.Tensor]:
    """Logits of the model on each edge set, with one forward pass over ``graph``."""
    model.eval()
    z = model(x, graph)
    return [torch.cat([model.decode(z, e[:, i:i + batch_size]) for i in range(0, max(e.size(1), 1), batch_size)])
            if e.numel() else z.new_zeros(0) for e in edge_sets]


def _edge_features(z: torch.Tensor, edges: torch.Tensor, decode) -> torch.Tensor:
    """Per-edge output features for membership inference: logit, cosine of the endpoint
    embeddings and the log of their norms' product."""
    logit = decode(z, edges)
    zu, zv = z[edges[0]], z[edges[1]]
    cos = F.cosine_similarity(zu, zv, dim=-1)
    norm = torch.log(zu.norm(dim=-1) * zv.norm(dim=-1) + 1e-12)
    return torch.stack([logit, cos, norm], dim=-1)


@torch.no_grad()
def evaluate_link_unlearning(model, problem, reference=None, *, resamples: int = 50, seed: int = 0,
                             max_members: int = 20000) -> dict[str, float]:
    """Utility, forgetting and privacy of ``model`` on an edge-unlearning problem.

    Every model is run on the *retained* graph ``problem.graph``. Returns
    ``test_auroc``/``test_auprc`` (test edges vs test non-edges), ``forget_auroc``/
    ``forget_auprc`` (retained training edges = 1 vs deleted edges = 0, equal-size resamples),
    ``mia_auc`` (edge membership attack, see :func:`graph_unlearn.metrics.membership_attack_auc`),
    on a split with a matched holdout (:func:`withhold_holdout_edges`) ``holdout_auc`` with its 95%
    interval (``_low``/``_high``: the model's own score on :math:`D_f` against :math:`D_h`, 0.5 =
    cannot tell them apart, retrain's value by construction) and, given the ``reference`` (retrain) model, ``js_to_retrain`` and ``kl_to_retrain``:
    divergence of edge-existence probabilities on the deleted and test edges.
    """
    from ..metrics import auprc, auroc, forget_auroc, js_divergence, kl_divergence, membership_attack_auc
    from ..models.adapter import as_graph_model

    model = as_graph_model(model, "link")  # a user's PyG module is read through the adapter
    reference = None if reference is None else as_graph_model(reference, "link")
    split = problem.split
    model.eval()
    z = model(split.x, problem.graph)
    decode = model.decode
    test_scores = torch.cat([decode(z, split.test_pos), decode(z, split.test_neg)])
    test_labels = torch.cat([torch.ones(split.test_pos.size(1)), torch.zeros(split.test_neg.size(1))])
    out = {"test_auroc": auroc(test_scores, test_labels), "test_auprc": auprc(test_scores, test_labels)}
    forget_s = decode(z, problem.forget)
    retain_s = decode(z, problem.retain)
    out["forget_auroc"], out["forget_auprc"] = forget_auroc(forget_s, retain_s, resamples=resamples, seed=seed,
                                                            with_auprc=True)
    gen = torch.Generator().manual_seed(seed)
    members = problem.retain[:, torch.randperm(problem.retain.size(1), generator=gen)[:max_members].to(z.device)]
    out["mia_auc"] = membership_attack_auc(
        _edge_features(z, members, decode), _edge_features(z, split.val_pos, decode),
        _edge_features(z, problem.forget, decode), _edge_features(z, split.test_pos, decode), seed=seed)
    if split.holdout_pos is not None:  # the matched-holdout attack: D_f (seen, then forgotten) vs D_h (never seen)
        from ..metrics import holdout_attack_auc

        est = holdout_attack_auc(forget_s, decode(z, split.holdout_pos), seed=seed)
        out["holdout_auc"], out["holdout_auc_low"], out["holdout_auc_high"] = est.value, est.low, est.high
    if reference is not None:
        reference.eval()
        z_ref = reference(split.x, problem.graph)
        edges = torch.cat([problem.forget, split.test_pos, split.test_neg], dim=1)
        p, q = torch.sigmoid(decode(z, edges)), torch.sigmoid(reference.decode(z_ref, edges))
        out["js_to_retrain"] = js_divergence(p, q)
        out["kl_to_retrain"] = kl_divergence(q, p)
    return out
