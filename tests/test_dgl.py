"""DGL at the API edge, on real Cora: conversions PyG ⇄ DGL ⇄ networkx ⇄ scipy, and a DGL GNN
module with DGL-built data as the original model of Retrain, UtU, GradientAscent and D2DGN."""
import pytest
import torch

dgl = pytest.importorskip("dgl", reason="DGL (optional extra dgl==1.1.3) cannot be imported here")

from graph_unlearn import (D2DGN, EdgeDeletion, GradientAscent, NodeDeletion, Retrain, TrainConfig, UtU,  # noqa: E402
                           evaluate_link_unlearning, evaluate_node_unlearning, load_dataset,
                           random_node_split, sample_forget_edges, sample_forget_nodes, split_edges,
                           train_link_predictor, train_node_classifier)
from graph_unlearn.core import parameters_changed  # noqa: E402
from graph_unlearn.data import Graph, edge_keys  # noqa: E402
from graph_unlearn.data.convert import from_dgl, from_networkx, from_scipy, to_dgl, to_networkx, to_scipy  # noqa: E402
from graph_unlearn.models.dgl_gnn import DGLAdapter, DGLGCN  # noqa: E402


def _keys(ei, n):
    return torch.unique(edge_keys(ei, n))


@pytest.fixture(scope="module")
def cora_dgl():
    return to_dgl(load_dataset("Cora"))


def test_conversions_round_trip_on_cora(cora_dgl):
    data = load_dataset("Cora")
    assert cora_dgl.num_nodes() == 2708 and cora_dgl.num_edges() == data.edge_index.size(1)
    back = from_dgl(cora_dgl)
    assert torch.equal(back.x, data.x) and torch.equal(back.y, data.y) and torch.equal(back.train_mask, data.train_mask)
    assert torch.equal(_keys(back.edge_index, 2708), _keys(data.edge_index, 2708))
    graph = Graph(data.edge_index, 2708)
    nxg = to_networkx(graph)
    assert nxg.number_of_nodes() == 2708 and nxg.number_of_edges() == data.edge_index.size(1) // 2
    assert torch.equal(from_networkx(nxg).edge_index, graph.edge_index)
    adj = to_scipy(graph)
    assert adj.nnz == graph.num_edges and (adj != adj.T).nnz == 0
    assert torch.equal(from_scipy(adj).edge_index, graph.edge_index)
    assert torch.equal(from_dgl(to_dgl(graph), as_data=False).edge_index, graph.edge_index)


def test_dgl_node_classifier_through_methods(cora_dgl):
    data = from_dgl(cora_dgl)  # the data arrives as a DGL graph
    split = random_node_split(data, seed=0)
    torch.manual_seed(0)
    model = DGLAdapter(DGLGCN(split.num_features, 64, split.num_classes, dropout=0.5))
    cfg = TrainConfig(epochs=100, lr=0.01, weight_decay=5e-4, patience=5, eval_every=5)
    train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx, cfg)
    nodes = sample_forget_nodes(split, 0.05, seed=0)
    request = NodeDeletion(nodes)
    problem = request.apply(split)
    # the DGL module receives the retained graph: no edge of a deleted node
    g = model.dgl_graph(problem.graph)
    src, dst = g.edges()
    assert not torch.isin(src, nodes).any() and not torch.isin(dst, nodes).any()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    results = {}
    for method in (Retrain(config=cfg), UtU(), GradientAscent(), D2DGN()):
        r = method.unlearn(model, split, request)
        assert isinstance(r.model, DGLAdapter) and r.model is not model
        assert not parameters_changed(before, model)
        assert parameters_changed(model, r.model) == (method.name != "utu")
        results[method.name] = evaluate_node_unlearning(r.model, problem, results.get("retrain_model"))
        if method.name == "retrain":
            results["retrain_model"] = r.model
    assert results["retrain"]["test_acc"] > 0.8
    assert abs(results["d2dgn"]["test_acc"] - results["retrain"]["test_acc"]) < 0.03


def test_dgl_link_predictor_through_methods(cora_dgl):
    split = split_edges(from_dgl(cora_dgl), seed=0)
    torch.manual_seed(0)
    model = DGLAdapter(DGLGCN(split.num_features))
    cfg = TrainConfig(epochs=40, eval_every=5, patience=3)
    train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg, cfg)
    request = EdgeDeletion(sample_forget_edges(split, 0.05, "out", seed=0))
    problem = request.apply(split)
    assert not (torch.isin(_keys(torch.stack(model.dgl_graph(problem.graph).edges()), split.num_nodes),
                           _keys(problem.forget, split.num_nodes))).any()
    utu = evaluate_link_unlearning(UtU().unlearn(model, split, request).model, problem, resamples=5)
    d2 = D2DGN().unlearn(model, split, request)
    assert isinstance(d2.model, DGLAdapter) and parameters_changed(model, d2.model)
    got = evaluate_link_unlearning(d2.model, problem, resamples=5)
    assert got["test_auroc"] > 0.8 and got["forget_auroc"] > utu["forget_auroc"]
