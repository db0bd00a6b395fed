"""Mini-batch steps on sampled subgraphs (issue 12 item 1) on real Cora: the sampler interface, the
automatic choice by size, sampled training and retraining, and the unlearners' sampled steps
(D2DGN, NegGrad+ and the other loss-stream methods, NPO, GNNDelete) for the library's GNN and a
user's PyG model, on link prediction and on node classification."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import SAGEConv

from graph_unlearn import (GIF, GNN, D2DGN, EdgeDeletion, GNNDelete, NegGradPlus, NodeDeletion, Retrain,
                           TrainConfig, random_node_split, sample_forget_nodes, train_link_predictor)
from graph_unlearn.data import sampling
from graph_unlearn.data.graph import Graph
from graph_unlearn.data.sampling import NeighborSampler, resolve_fanouts
from graph_unlearn.methods.npo import NPO
from graph_unlearn.sequential import retained_data
from graph_unlearn.models.adapter import as_graph_model
from graph_unlearn.tasks.link_prediction import evaluate_link_unlearning

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def cora_graph(cora_split):
    return cora_split.graph()


def test_sampler_returns_a_subgraph_of_the_graph_seeds_first(cora_graph):
    sampler = NeighborSampler(cora_graph, [5, 5])
    seeds = torch.tensor([17, 3, 17, 400, 3])
    before = torch.get_rng_state()
    sub = sampler.sample(seeds, torch.Generator().manual_seed(0))
    assert torch.equal(torch.get_rng_state(), before)           # the caller's torch RNG is untouched
    assert sub.nodes[:3].tolist() == [17, 3, 400] and sub.num_seeds == 3
    assert 3 < sub.num_nodes < cora_graph.num_nodes
    # every sampled edge is an edge of the graph (in global ids)
    glob = sub.nodes[sub.graph.edge_index]
    keys = set(map(tuple, cora_graph.edge_index.t().tolist()))
    assert all(tuple(e) in keys for e in glob.t().tolist())
    # fan-out bounds the neighbours drawn for each seed on the first hop
    deg = torch.bincount(sub.graph.edge_index[1], minlength=sub.num_nodes)
    assert int(deg[:3].max()) <= cora_graph.degree()[torch.tensor([17, 3, 400])].max()
    again = sampler.sample(seeds, torch.Generator().manual_seed(0))
    other = sampler.sample(seeds, torch.Generator().manual_seed(1))
    assert torch.equal(sub.nodes, again.nodes) and torch.equal(sub.graph.edge_index, again.graph.edge_index)
    assert not torch.equal(sub.graph.edge_index, other.graph.edge_index) or sub.num_nodes != other.num_nodes


def test_full_fanout_gives_the_exact_k_hop_neighbourhood(cora_graph):
    from torch_geometric.utils import k_hop_subgraph

    seeds = torch.tensor([5, 1200])
    sub = NeighborSampler(cora_graph, [-1, -1]).sample(seeds, torch.Generator().manual_seed(0))
    nodes, *_ = k_hop_subgraph(seeds, 2, cora_graph.edge_index, num_nodes=cora_graph.num_nodes)
    assert set(sub.nodes.tolist()) == set(nodes.tolist())
    # and a sum-aggregation layer gives the seeds their full-graph output
    adj_full = cora_graph.adj("sum")
    x = torch.randn(cora_graph.num_nodes, 4, generator=torch.Generator().manual_seed(0))
    full = adj_full @ (adj_full @ x)
    local = sub.graph.adj("sum") @ (sub.graph.adj("sum") @ x[sub.nodes])
    assert torch.allclose(local[:2], full[seeds], atol=1e-5)


def test_sampler_and_fanouts_refuse_bad_input(cora_graph):
    with pytest.raises(ValueError, match="fanouts"):
        NeighborSampler(cora_graph, [])
    with pytest.raises(ValueError, match="fanouts"):
        NeighborSampler(cora_graph, [10, 0])
    with pytest.raises(ValueError, match="backend"):
        NeighborSampler(cora_graph, [10], backend="mine")
    if not sampling.pyg_can_sample():
        with pytest.raises(ImportError, match="pyg-lib"):
            NeighborSampler(cora_graph, [10], backend="pyg")
    s = NeighborSampler(cora_graph, [3])
    with pytest.raises(ValueError, match="outside"):
        s.sample(torch.tensor([cora_graph.num_nodes]), torch.Generator())
    with pytest.raises(ValueError, match="no seed"):
        s.sample(torch.tensor([], dtype=torch.long), torch.Generator())
    with pytest.raises(ValueError, match="one per layer"):
        resolve_fanouts([10], 10, 2, True)
    with pytest.raises(ValueError, match="fanouts"):
        resolve_fanouts(True, 10, 2, True)
    with pytest.raises(ValueError, match="node features"):
        resolve_fanouts([10, 10], 10, 2, False)
    # the automatic choice: full below the size threshold and for featureless models
    assert resolve_fanouts("auto", 10, 2, True) is None
    assert resolve_fanouts("auto", 10, 2, True, threshold=5) == [sampling.DEFAULT_FANOUT] * 2
    assert resolve_fanouts("auto", 10, 2, False, threshold=5) is None
    assert resolve_fanouts(7, 10, 3, True) == [7, 7, 7]


def test_sampled_training_learns_like_full_training(cora_split):
    cfg = TrainConfig(epochs=100, eval_every=5, patience=4)
    scores = {}
    for name, fanouts in (("full", None), ("sampled", (10, 10))):
        torch.manual_seed(0)
        model = GNN("gcn", cora_split.num_features)
        from dataclasses import replace

        info = train_link_predictor(model, cora_split.x, cora_split.graph(), cora_split.train_pos,
                                    cora_split.val_pos, cora_split.val_neg, replace(cfg, fanouts=fanouts))
        scores[name] = info["best_val_auroc"]
    assert scores["sampled"] > 0.85, scores          # chance is 0.5
    assert abs(scores["sampled"] - scores["full"]) < 0.05, scores


def _forget_prob(model, split, request):
    model = as_graph_model(model, "link")
    problem = request.apply(split)
    with torch.no_grad():
        z = model(problem.x, problem.graph)
        return torch.sigmoid(model.decode(z, problem.forget)).mean().item()


def test_sampled_unlearning_forgets_and_keeps_utility(cora_model, cora_split, cora_request):
    problem = cora_request.apply(cora_split)
    p0 = _forget_prob(cora_model, cora_split, cora_request)
    base = evaluate_link_unlearning(cora_model, problem)["test_auroc"]
    for method in (D2DGN(lr=5e-3, steps=20), NegGradPlus(steps=10, lr=1e-3), NPO(steps=20, lr=1e-3),
                   GNNDelete(forget_weight=0.8, lr=5e-3, batch_size=512)):
        full = method.unlearn(cora_model, cora_split, cora_request, sampling="full")
        res = method.unlearn(cora_model, cora_split, cora_request, sampling=[10, 10])
        assert res.extra["sampling"]["fanouts"] == [10, 10], method.name
        # the audit's forget-output shift is measured on a sampled subgraph, and it moved
        assert res.audit["forget_output_shift"] is not None and res.audit["forget_output_shift"] > 0, res.audit
        assert full.extra["sampling"]["fanouts"] is None
        # the sampled path ran: a different model than the full-graph steps, ...
        assert any(not torch.equal(a, b) for a, b in zip(full.model.state_dict().values(),
                                                          res.model.state_dict().values())), method.name
        # ... which forgets (the deleted edges' predicted existence falls) as the full-graph one does
        p_full, p_samp = _forget_prob(full.model, cora_split, cora_request), _forget_prob(res.model, cora_split,
                                                                                          cora_request)
        assert p_samp < p0 - 0.02, (method.name, p0, p_samp, p_full)
        auc = evaluate_link_unlearning(res.model, problem)["test_auroc"]
        assert abs(p_samp - p_full) < 0.05, (method.name, p_samp, p_full)
        assert auc > base - 0.05, (method.name, auc, base)


def test_sampled_steps_touch_the_neighbourhood_only(cora_model, cora_split, cora_request):
    """A step's view is the subgraph around its batch and D_f, not the graph."""
    from graph_unlearn.tasks.graph import task_ops

    small = EdgeDeletion(cora_request.edges[:, :5])
    ops = task_ops(small.apply(cora_split), fanouts=[5, 5])
    gen = torch.Generator().manual_seed(0)
    sel = ops.draw(gen, 16, "khop")
    sub = ops.subgraph
    assert sub.num_nodes < cora_split.num_nodes / 5, sub
    assert ops.x.size(0) == sub.num_nodes and ops.graph.num_nodes == sub.num_nodes
    # the batch and D_f in local ids point at the same global nodes
    glob = ops.retain_pool("khop")
    assert sel.max() < sub.num_nodes and ops.forget.max() < sub.num_nodes
    assert torch.equal(sub.nodes[ops.forget], small.apply(cora_split).forget)
    pos = sub.nodes[sel[:, :16]]
    keys = set(map(tuple, glob.t().tolist()))
    assert all(tuple(e) in keys for e in pos.t().tolist())
    # no view before the first draw
    fresh = task_ops(cora_request.apply(cora_split), fanouts=[5, 5])
    with pytest.raises(RuntimeError, match="draw"):
        fresh.outputs(cora_model)


def test_sampled_runs_never_copy_the_retained_graph(monkeypatch, cora_model, cora_split, cora_request):
    """Sampled steps read the request's neighbourhood only: a run builds neither the retained graph
    nor the list of every retained edge (each a pass over all edges); ``result.data``, the retained
    graph for serving, is built when read."""
    from graph_unlearn.requests.edge import EdgeUnlearningProblem

    def boom(*_):
        raise AssertionError("a whole copy of the retained edges/graph was built")

    monkeypatch.setattr(Graph, "without_edges", boom)
    monkeypatch.setattr(EdgeUnlearningProblem, "retain", property(boom))
    runs = {m.name: m.unlearn(cora_model, cora_split, cora_request, sampling=[5, 5])
            for m in (D2DGN(steps=5), NegGradPlus(steps=5, batch_size=256), GNNDelete(steps=5, batch_size=256))}
    monkeypatch.undo()
    g = cora_split.graph()
    for name, res in runs.items():
        assert res.extra["sampling"]["fanouts"] == [5, 5], name
        assert res.data.edge_index.size(1) == g.num_edges - 2 * len(cora_request), name
    with pytest.raises(AssertionError, match="whole copy"):   # the check itself bites on a full-graph run
        monkeypatch.setattr(Graph, "without_edges", boom)
        D2DGN(steps=1).unlearn(cora_model, cora_split, cora_request, sampling="full")


def test_sampled_retrain(cora_model, cora_split, cora_request):
    cfg = TrainConfig(epochs=60, eval_every=5, patience=4)
    res = Retrain(config=cfg).unlearn(cora_model, cora_split, cora_request, sampling=[10, 10])
    assert res.extra["sampling"]["fanouts"] == [10, 10]
    auc = evaluate_link_unlearning(res.model, cora_request.apply(cora_split))["test_auroc"]
    assert auc > 0.8, auc


def test_automatic_choice_by_size_and_full_graph_only_methods(monkeypatch, cora_model, cora_split, cora_request):
    res = D2DGN(steps=2).unlearn(cora_model, cora_split, cora_request)
    assert res.extra["sampling"]["fanouts"] is None                 # Cora is small: full-graph steps
    monkeypatch.setattr(sampling, "SAMPLE_ABOVE_EDGES", 1000)        # pretend Cora is large
    res = D2DGN(steps=2).unlearn(cora_model, cora_split, cora_request)
    assert res.extra["sampling"]["fanouts"] == [sampling.DEFAULT_FANOUT] * 2
    res = GIF().unlearn(cora_model, cora_split, cora_request)
    assert res.extra["sampling"]["fanouts"] is None and "full graph only" in res.extra["sampling"]["note"]
    with pytest.raises(ValueError, match="full graph only"):
        GIF().unlearn(cora_model, cora_split, cora_request, sampling=[10, 10])
    res = GNNDelete(steps=2).unlearn(cora_model, cora_split, cora_request)
    assert res.extra["sampling"]["fanouts"] == [sampling.DEFAULT_FANOUT] * 2
    with pytest.raises(ValueError, match="one per layer"):
        D2DGN(steps=2).unlearn(cora_model, cora_split, cora_request, sampling=[10])


def test_sampled_gnndelete_on_its_own_output(cora_model, cora_split, cora_request):
    """Sequential requests: sampled GNNDelete on a GNNDelete model (its operators pick their node
    masks by the subgraph's global ids, the earlier operators' as well) forgets the second request."""
    first, second = EdgeDeletion(cora_request.edges[:, :40]), EdgeDeletion(cora_request.edges[:, 40:80])
    opts = dict(forget_weight=0.8, lr=5e-3, batch_size=256)
    one = GNNDelete(**opts).unlearn(cora_model, cora_split, first, sampling=[10, 10])
    after_first = retained_data(first.apply(cora_split))
    p0 = _forget_prob(one.model, after_first, second)
    two = GNNDelete(**opts).unlearn(one.model, after_first, second, sampling=[10, 10])
    assert two.model.base is not None and two.audit["forget_output_shift"] > 0
    assert _forget_prob(two.model, after_first, second) < p0 - 0.02


def test_large_requests_are_covered_in_forget_batches(monkeypatch, cora_model, cora_split, cora_request):
    """Above FORGET_BATCH deleted edges a sampled step takes the next batch of a random order of
    D_f (every edge once per pass), and the methods still forget with it."""
    from graph_unlearn.tasks import graph as graph_ops, sampled

    monkeypatch.setattr(sampled, "FORGET_BATCH", 32)
    problem = cora_request.apply(cora_split)
    k = problem.forget.size(1)
    assert k > 3 * 32
    ops = graph_ops.task_ops(problem, fanouts=[5, 5])
    gen, seen = torch.Generator().manual_seed(0), []
    for _ in range(-(-k // 32)):
        ops.draw(gen, 16, "khop")
        idx = ops.forget_index
        assert idx.numel() <= 32 and ops.forget.size(1) == idx.numel()
        assert torch.equal(ops.subgraph.nodes[ops.forget], problem.forget[:, idx])   # local ids of the batch
        seen.append(idx)
    assert sorted(torch.cat(seen).tolist()) == list(range(k))                      # one pass = every edge once
    p0 = _forget_prob(cora_model, cora_split, cora_request)
    for method in (D2DGN(lr=5e-3, steps=20), GNNDelete(forget_weight=0.8, lr=5e-3, batch_size=512),
                   NegGradPlus(steps=10, lr=1e-3)):
        res = method.unlearn(cora_model, cora_split, cora_request, sampling=[10, 10])
        assert _forget_prob(res.model, cora_split, cora_request) < p0 - 0.02, method.name


@pytest.fixture(scope="module")
def cora_nodes(cora):
    """Cora node classification: a split, a GCN trained on it, a 5% node deletion."""
    from graph_unlearn.tasks.node_classification import train_node_classifier

    split = random_node_split(cora, seed=0)
    torch.manual_seed(0)
    model = GNN("gcn", cora.num_features, 16, int(cora.y.max()) + 1)
    train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx)
    return split, model, NodeDeletion(sample_forget_nodes(split, 0.05, seed=0))


def test_sampled_node_training_learns_like_full_training(cora_nodes):
    from dataclasses import replace

    from graph_unlearn.tasks.node_classification import NODE_TRAIN, train_node_classifier

    split, _, _ = cora_nodes
    acc = {}
    for name, fanouts in (("full", None), ("sampled", (10, 10))):
        torch.manual_seed(0)
        model = GNN("gcn", split.num_features, 16, split.num_classes)
        acc[name] = train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx,
                                          replace(NODE_TRAIN, fanouts=fanouts, batch_size=256))["best_val_acc"]
    assert acc["sampled"] > 0.75, acc              # chance is about 0.3 (7 classes)
    assert abs(acc["sampled"] - acc["full"]) < 0.05, acc


@pytest.mark.parametrize("kind", ["nodes", "features"])
def test_sampled_node_steps_share_one_node_set(cora_nodes, kind):
    """A sampled node step builds both views on one sampled node set: the query view (original
    features and edges) and the retained view (the deleted rows zeroed; for a node deletion, no edge
    at a deleted node), with V_f and the batch in the subgraph's local ids."""
    from graph_unlearn import FeatureDeletion
    from graph_unlearn.tasks.graph import task_ops

    split, _, req = cora_nodes
    forget = req.nodes
    problem = (req if kind == "nodes" else FeatureDeletion(forget)).apply(split)
    ops = task_ops(problem, fanouts=[5, 5])
    sel = ops.draw(torch.Generator().manual_seed(0), 64)
    sub = ops.subgraph
    assert sub.num_nodes < split.num_nodes and ops.x.size(0) == ops.query_x.size(0) == sub.num_nodes
    assert torch.equal(sub.nodes[ops.forget_nodes], forget)
    assert set(sub.nodes[sel].tolist()) <= set(problem.retain_nodes.tolist()) and sel.numel() == 64
    assert torch.equal(ops.y, split.y[sub.nodes])
    assert torch.equal(ops.query_x, split.x[sub.nodes]) and not bool(ops.x[ops.forget_nodes].any())
    gone = torch.zeros(sub.num_nodes, dtype=torch.bool)
    gone[ops.forget_nodes] = True
    at_forget = lambda g: int((gone[g.edge_index[0]] | gone[g.edge_index[1]]).sum())  # noqa: E731
    assert at_forget(ops.query_graph) > 0
    assert at_forget(ops.graph) == (0 if kind == "nodes" else at_forget(ops.query_graph))


def test_node_deletion_graph_built_when_read_and_never_by_sampled_runs(monkeypatch, cora_nodes):
    """A node deletion's retained graph is the original without V_f's edges (same columns, same
    order as filtering every edge), built only when read; sampled runs never read it."""
    from graph_unlearn.tasks.node_classification import NodeUnlearningProblem

    split, model, req = cora_nodes
    problem = req.apply(split)
    assert problem.__dict__.get("_graph") is None
    ei = split.graph.edge_index
    keep = ~torch.isin(ei, req.nodes).any(0)
    assert torch.equal(problem.graph.edge_index, ei[:, keep]) and int((~keep).sum()) > 0

    def boom(*_):
        raise AssertionError("the retained graph was built")

    monkeypatch.setattr(NodeUnlearningProblem, "graph", property(boom, lambda self, g: self.__dict__.update(_graph=g)))
    res = D2DGN(steps=3).unlearn(model, split, req, sampling=[5, 5])
    monkeypatch.undo()
    assert res.extra["sampling"]["fanouts"] == [5, 5]
    assert torch.equal(res.data.edge_index, ei[:, keep])   # built for serving when read


def test_sampled_node_unlearning_matches_full_graph_steps(cora_nodes):
    """D2DGN, GNNDelete and NegGrad+ on sampled subgraphs lower the forgotten nodes' true-class
    log-probability as their full-graph steps do (measured: within 0.01 of each other), and keep
    test accuracy; retrain samples too."""
    from graph_unlearn.tasks.node_classification import evaluate_node_unlearning, node_scores

    split, model, req = cora_nodes
    problem = req.apply(split)

    def forget_logp(m):
        with torch.no_grad():
            return node_scores(m, problem)[problem.forget_nodes].mean().item()

    base, acc0 = forget_logp(model), evaluate_node_unlearning(model, problem)["test_acc"]
    for method in (D2DGN(lr=1e-2, steps=20), GNNDelete(batch_size=256, lr=1e-3), NegGradPlus(steps=10, lr=1e-3)):
        full = method.unlearn(model, split, req, sampling="full")
        res = method.unlearn(model, split, req, sampling=[10, 10])
        assert res.extra["sampling"]["fanouts"] == [10, 10] and full.extra["sampling"]["fanouts"] is None
        assert res.audit["forget_output_shift"] > 0, method.name
        assert any(not torch.equal(a, b) for a, b in zip(full.model.state_dict().values(),
                                                          res.model.state_dict().values())), method.name
        lp_full, lp = forget_logp(full.model), forget_logp(res.model)
        assert lp < base - 0.03, (method.name, base, lp)
        assert abs(lp - lp_full) < 0.03, (method.name, lp, lp_full)
        assert evaluate_node_unlearning(res.model, problem)["test_acc"] > acc0 - 0.03, method.name
    ret = Retrain().unlearn(model, split, req, sampling=[10, 10])
    assert ret.extra["sampling"]["fanouts"] == [10, 10]
    assert evaluate_node_unlearning(ret.model, problem)["test_acc"] > 0.75


def test_node_tasks_sample_automatically_by_size(monkeypatch, cora_nodes):
    split, model, req = cora_nodes
    assert D2DGN(steps=2).unlearn(model, split, req).extra["sampling"]["fanouts"] is None
    monkeypatch.setattr(sampling, "SAMPLE_ABOVE_EDGES", 1000)        # pretend Cora is large
    assert D2DGN(steps=2).unlearn(model, split, req).extra["sampling"]["fanouts"] == [sampling.DEFAULT_FANOUT] * 2
    with pytest.raises(ValueError, match="full graph only"):
        GIF().unlearn(model, split, req, sampling=[10, 10])


class UserSAGE(nn.Module):
    """A user's PyG model (edge_index interface)."""

    def __init__(self, cin):
        super().__init__()
        self.conv1, self.conv2 = SAGEConv(cin, 64), SAGEConv(64, 32)

    def forward(self, x, edge_index):
        return self.conv2(F.relu(self.conv1(x, edge_index)), edge_index)


def test_users_pyg_model_runs_sampled(cora_split, cora_request):
    torch.manual_seed(0)
    model = UserSAGE(cora_split.num_features)
    train_link_predictor(as_graph_model(model, "link"), cora_split.x, cora_split.graph(), cora_split.train_pos, cora_split.val_pos,
                         cora_split.val_neg, TrainConfig(epochs=60, eval_every=5, patience=4, fanouts=(10, 10)))
    problem = cora_request.apply(cora_split)
    base = evaluate_link_unlearning(as_graph_model(model, "link"), problem)["test_auroc"]
    assert base > 0.75, base
    p0 = _forget_prob(model, cora_split, cora_request)
    res = D2DGN(lr=5e-3, steps=20).unlearn(model, cora_split, cora_request, sampling=[10, 10])
    assert type(res.model) is UserSAGE and res.extra["sampling"]["fanouts"] == [10, 10]
    assert _forget_prob(res.model, cora_split, cora_request) < p0 - 0.02
    assert evaluate_link_unlearning(as_graph_model(res.model, "link"), problem)["test_auroc"] > base - 0.05


def test_graph_is_unchanged_by_sampling(cora_graph):
    before = cora_graph.edge_index.clone()
    NeighborSampler(cora_graph, [4, 4]).sample(torch.arange(10), torch.Generator().manual_seed(0))
    assert torch.equal(cora_graph.edge_index, before)
    assert isinstance(Graph(before, cora_graph.num_nodes), Graph)


def test_excluded_edges_are_never_sampled_and_the_backend_graph_is_built_once(cora_split, cora_request):
    """Sampling the training graph with a request's edges excluded samples the retained graph."""
    from torch_geometric.utils import k_hop_subgraph

    from graph_unlearn.data.sampling import _BACKEND_GRAPHS

    problem = cora_request.apply(cora_split)
    base = cora_split.graph()
    seeds = problem.forget[:, :20].reshape(-1)
    s = NeighborSampler(base, [-1, -1], exclude=problem.forget)
    sub = s.sample(seeds, torch.Generator().manual_seed(0))
    glob = sub.nodes[sub.graph.edge_index]
    deleted = set(map(tuple, problem.forget.t().tolist())) | set(map(tuple, problem.forget.flip(0).t().tolist()))
    assert not any(tuple(e) in deleted for e in glob.t().tolist())
    nodes, *_ = k_hop_subgraph(seeds.unique(), 2, problem.graph.edge_index, num_nodes=cora_split.num_nodes)
    assert set(sub.nodes.tolist()) == set(nodes.tolist())       # the retained graph's 2-hop neighbourhood
    # without the exclusion the deleted edges are sampled (the test above is not vacuous)
    plain = NeighborSampler(base, [-1, -1]).sample(seeds, torch.Generator().manual_seed(0))
    assert any(tuple(e) in deleted for e in plain.nodes[plain.graph.edge_index].t().tolist())
    # one backend graph per Graph object, shared by every sampler over it
    assert len(_BACKEND_GRAPHS.get(base, {})) == 1
    NeighborSampler(base, [3, 3], exclude=problem.forget[:, :5]).sample(seeds, torch.Generator())
    assert len(_BACKEND_GRAPHS.get(base, {})) == 1


def test_dgl_graph_shares_the_edge_index_and_samples_as_the_coo_build(cora_graph):
    """The sampler's DGL graph is built from in-edge (CSC) arrays over the graph's own edge_index
    (no COO copy); its edge ids and samples are those of DGL's own COO -> CSC build."""
    import dgl

    from graph_unlearn.data.sampling import _symmetric_csc

    indptr, indices, eids = _symmetric_csc(cora_graph)
    assert indices.data_ptr() == cora_graph.edge_index[1].data_ptr()       # shared, not copied
    ei = cora_graph.edge_index
    csc = dgl.graph(("csc", (indptr, indices, eids)), num_nodes=cora_graph.num_nodes)
    coo = dgl.graph((ei[0], ei[1]), num_nodes=cora_graph.num_nodes)
    s_csc, d_csc, e_csc = csc.edges(form="all")
    assert torch.equal(ei[:, e_csc], torch.stack([s_csc, d_csc]))           # edge id = column of edge_index
    sampler = dgl.dataloading.NeighborSampler([5, 5])
    seeds = torch.tensor([3, 17, 400])
    dgl.seed(7)
    a = sampler.sample(csc, seeds)[2]
    dgl.seed(7)
    b = sampler.sample(coo, seeds)[2]
    for x, y in zip(a, b):
        assert torch.equal(x.edata[dgl.EID].sort().values, y.edata[dgl.EID].sort().values)
    one_way = Graph(torch.tensor([[0, 1], [1, 2]]), 3, undirected=False)
    assert _symmetric_csc(one_way) is None                                   # DGL's COO path then


class UserNodeGCN(nn.Module):
    """A user's PyG node classifier (edge_index interface)."""

    def __init__(self, cin, classes):
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv1, self.conv2 = GCNConv(cin, 32), GCNConv(32, classes)

    def forward(self, x, edge_index):
        return self.conv2(F.relu(self.conv1(x, edge_index)), edge_index)


def test_users_pyg_node_classifier_runs_sampled(cora):
    """A user's PyG module and PyG ``Data`` with masks, node deletion with sampled steps: the
    result is the user's class, the sampled path ran, the forgotten nodes' true-class
    log-probability falls and test accuracy holds."""
    torch.manual_seed(0)
    model = UserNodeGCN(cora.num_features, int(cora.y.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    for _ in range(100):
        opt.zero_grad()
        F.cross_entropy(model(cora.x, cora.edge_index)[cora.train_mask], cora.y[cora.train_mask]).backward()
        opt.step()
    forget = cora.train_mask.nonzero().flatten()[:20]

    def measure(m):
        with torch.no_grad():
            out = m(cora.x, cora.edge_index)
        logp = out.log_softmax(-1)[forget].gather(1, cora.y[forget, None]).mean().item()
        return logp, (out.argmax(-1)[cora.test_mask] == cora.y[cora.test_mask]).float().mean().item()

    logp0, acc0 = measure(model)
    method = D2DGN(lr=3e-3)   # the sampled path's mechanics, at a setting that moves this model visibly
    res = method.unlearn(model, cora, NodeDeletion(forget), sampling=[5, 5])
    assert type(res.model) is UserNodeGCN and res.extra["sampling"]["fanouts"] == [5, 5]
    logp, acc = measure(res.model)
    logp_full = measure(method.unlearn(model, cora, NodeDeletion(forget), sampling="full").model)[0]
    # measured: -0.011 before, -0.114 sampled, -0.106 full-graph steps; test accuracy 0.811 -> 0.791
    assert logp < logp0 - 0.05, (logp0, logp)
    assert abs(logp - logp_full) < 0.05, (logp, logp_full)
    assert acc > acc0 - 0.03, (acc0, acc)
