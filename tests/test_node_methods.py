"""Every graph method on node and feature deletion (node classification, real Cora) and on node
deletion for link prediction: a new model, the original untouched, the parameters changed."""
import json

import pytest
import torch

from graph_unlearn import D2DGN, FeatureDeletion, NodeDeletion, get_method
from graph_unlearn.methods import ALL_METHODS as METHODS
from graph_unlearn.core import parameters_changed
from graph_unlearn.methods.gnndelete import GNNDeleteModel
from graph_unlearn.tasks.node_classification import evaluate_node_unlearning, sample_forget_nodes
from node_common import cached_retrain, cora_node_model, cora_node_split, forget_nodes, quick_config

FAST = {"gnndelete": {"steps": 5}, "neggrad_plus": {"steps": 5}, "descent_to_delete": {"steps": 5},
        "d2dgn": {"steps": 5}, "gif": {"iterations": 5}, "graph_eraser": {"num_shards": 2}, "retrain": {}}
#: feature deletion goes through the same code as node deletion (the problem differs, not the
#: method); check it on a subset to save time
FEATURE_METHODS = ("utu", "gradient_ascent", "d2dgn", "gnndelete", "gif")
NO_CHANGE = ("utu",)


def _options(name):
    opts = dict(FAST.get(name, {}))
    if name == "retrain":
        opts["config"] = quick_config()
    if name == "graph_eraser":
        from graph_unlearn import TrainConfig

        opts["config"] = TrainConfig(epochs=30, lr=0.01, weight_decay=5e-4, patience=100, eval_every=10)
    return opts


def _check_contract(name, model, result, before):
    assert result.model is not model
    assert not parameters_changed(before, model), "the original model was modified"
    if name in NO_CHANGE:
        assert not parameters_changed(model, result.model)
    elif name == "gnndelete":
        assert isinstance(result.model, GNNDeleteModel)
        assert any(not torch.allclose(op.weight, torch.eye(op.weight.size(0))) for op in result.model.operators)
    elif name != "graph_eraser":
        assert parameters_changed(model, result.model)


@pytest.mark.parametrize("name, kind", [(m, "nodes") for m in METHODS] + [(m, "features") for m in FEATURE_METHODS])
def test_node_method_contract(name, kind):
    split, model = cora_node_split(), cora_node_model()
    request = (NodeDeletion if kind == "nodes" else FeatureDeletion)(forget_nodes())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    if name == "retrain" and kind == "nodes":
        result = cached_retrain()  # the same call, shared with the utility test below
    else:
        result = get_method(name, **_options(name)).unlearn(model, split, request)
    _check_contract(name, model, result, before)
    problem = request.apply(split)
    metrics = evaluate_node_unlearning(result.model, problem)
    assert set(metrics) >= {"test_acc", "retain_acc", "forget_acc", "mia_auc"}
    assert metrics["test_acc"] > 0.5, f"{name} destroyed utility: {metrics}"
    if name == "graph_eraser":  # only the shards holding a forgotten node were retrained
        assert result.extra["touched_shards"] >= 1 and result.model.num_shards == 2


@pytest.mark.parametrize("name", [m for m in METHODS if m not in ("retrain", "graph_eraser")])
def test_node_deletion_for_link_prediction(name, cora_model, cora_split):
    nodes = sample_forget_nodes(cora_split, 0.01, seed=0)
    request = NodeDeletion(nodes)
    before = {k: v.clone() for k, v in cora_model.state_dict().items()}
    result = get_method(name, **FAST.get(name, {})).unlearn(cora_model, cora_split, request)
    _check_contract(name, cora_model, result, before)
    problem = request.apply(cora_split)
    z = result.model(problem.x, problem.graph)
    assert z.shape == (cora_split.num_nodes, 64) and torch.isfinite(z).all()


def test_d2dgn_node_destroyer_moves_forgotten_predictions():
    split, model = cora_node_split(), cora_node_model()
    problem = NodeDeletion(forget_nodes()).apply(split)
    result = D2DGN(retain_weight=0.0, steps=20, lr=5e-3, feature_weight=0.0).unlearn(model, split, NodeDeletion(forget_nodes()))
    with torch.no_grad():
        before = problem.outputs(model, query=True)[problem.forget_nodes].softmax(-1).max(-1).values.mean()
        after = problem.outputs(result.model, query=True)[problem.forget_nodes].softmax(-1).max(-1).values.mean()
    assert after < before - 0.1  # towards the random destroyer's flat class distribution


def test_d2dgn_defaults_depend_on_the_task(cora_split, cora_model, cora_request):
    from graph_unlearn.methods.d2dgn import TASK_DEFAULTS

    node = D2DGN().unlearn(cora_node_model(), cora_node_split(), NodeDeletion(forget_nodes()))
    link = D2DGN().unlearn(cora_model, cora_split, cora_request)
    assert node.extra["options"] == TASK_DEFAULTS["node"] != link.extra["options"] == TASK_DEFAULTS["link"]
    explicit = D2DGN(steps=3, retain_weight=0.6).unlearn(cora_model, cora_split, cora_request)  # explicit options win
    assert explicit.epochs == 3 and explicit.extra["options"] == {**TASK_DEFAULTS["link"], "steps": 3, "retain_weight": 0.6,
                                                                  "forget_weight": pytest.approx(0.4)}


def test_d2dgn_and_retrain_close_on_utility():
    split, model = cora_node_split(), cora_node_model()
    request = NodeDeletion(forget_nodes())
    problem = request.apply(split)
    ref = cached_retrain().model
    got = evaluate_node_unlearning(D2DGN().unlearn(model, split, request).model, problem, ref)
    want = evaluate_node_unlearning(ref, problem)
    assert abs(got["test_acc"] - want["test_acc"]) < 0.03
    assert got["js_to_retrain"] < 0.1


def test_cli_node_task(tmp_path, capsys):
    from graph_unlearn.cli import main

    out = tmp_path / "r.json"
    assert main(["run", "--task", "node", "--delete", "features", "--methods", "utu,d2dgn", "--quick",
                 "--no-progress", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "test_acc" in text and "forget_acc" in text and "mia_auc" in text
    rep = json.loads(out.read_text())
    for name in ("retrain", "utu", "d2dgn"):
        assert {"test_acc", "forget_acc", "mia_auc", "seconds", "peak_mem_mb"} <= set(rep["methods"][name])


def test_graph_eraser_retrains_only_touched_shards(cora_split):
    from graph_unlearn import TrainConfig
    from graph_unlearn.methods import GraphEraser

    split, model = cora_node_split(), cora_node_model()
    ge = GraphEraser(num_shards=4, aggregation="learned",
                     config=TrainConfig(epochs=30, lr=0.01, weight_decay=5e-4, patience=100, eval_every=10))
    ens = ge.fit(model, split)
    assert torch.isclose(ens.weights.sum(), torch.tensor(1.0)) and (ens.shard_of[split.train_idx] >= 0).all()
    counts = torch.bincount(ens.shard_of[split.train_idx])
    assert counts.max() - counts.min() <= 1  # balanced
    node = forget_nodes()[:1]
    result = ge.unlearn(ens, split, NodeDeletion(node))
    s = int(ens.shard_of[node])
    assert result.extra["touched_shards"] == 1 and int(result.model.shard_of[node]) == -1
    for i in range(4):
        assert parameters_changed(ens.shards[i], result.model.shards[i]) == (i == s)
    with pytest.raises(ValueError, match="node classification"):
        from graph_unlearn import EdgeDeletion

        ge.unlearn(ens, cora_split, EdgeDeletion.from_edge_index(cora_split.train_pos[:, :2]))
