"""Sequential requests on real Cora: A then B leaves the same retained data as A∪B; each step
builds on the previous model; the reference is retrained on the cumulative retained data."""
import pytest
import torch

from graph_unlearn import D2DGN, EdgeDeletion, FeatureDeletion, NodeDeletion, Retrain, UtU, sample_forget_edges
from graph_unlearn.core import parameters_changed
from graph_unlearn.data import edge_keys
from graph_unlearn.sequential import merge_requests, retained_data, unlearn_sequence
from node_common import cora_node_model, cora_node_split, forget_nodes, quick_config


def _same_node_data(a, b):
    assert torch.equal(a.x, b.x)
    assert torch.equal(a.train_idx, b.train_idx)
    assert torch.equal(a.graph.edge_index, b.graph.edge_index)


@pytest.mark.parametrize("Request", [NodeDeletion, FeatureDeletion])
def test_a_then_b_equals_a_union_b_nodes(Request):
    split = cora_node_split()
    nodes = forget_nodes()
    a, b = Request(nodes[::2]), Request(nodes[1::2])
    seq = unlearn_sequence(UtU(), cora_node_model(), split, [a, b], evaluate=False)
    once = retained_data(merge_requests([a, b]).apply(split))
    _same_node_data(seq[-1].data, once)
    _same_node_data(retained_data(b.apply(retained_data(a.apply(split)))), once)
    if Request is NodeDeletion:
        assert seq[-1].data.train_idx.numel() == split.train_idx.numel() - nodes.numel()
        assert seq[0].data.train_idx.numel() > seq[1].data.train_idx.numel()  # shrinks cumulatively


def test_a_then_b_equals_a_union_b_edges(cora_split, cora_model):
    pool = sample_forget_edges(cora_split, 0.02, "random", seed=3)
    a, b = EdgeDeletion(pool[:, ::2]), EdgeDeletion(pool[:, 1::2])
    seq = unlearn_sequence(UtU(), cora_model, cora_split, [a, b], evaluate=False)
    once = retained_data(merge_requests([a, b]).apply(cora_split))
    n = cora_split.num_nodes
    got, want = seq[-1].data, once
    assert torch.equal(torch.sort(edge_keys(got.train_pos, n)).values, torch.sort(edge_keys(want.train_pos, n)).values)
    assert torch.equal(got.graph().edge_index, want.graph().edge_index)
    assert got.train_pos.size(1) == cora_split.train_pos.size(1) - pool.size(1)


def test_sequence_builds_on_the_last_model_and_retrains_cumulatively():
    split, model = cora_node_split(), cora_node_model()
    nodes = forget_nodes()
    requests = [NodeDeletion(nodes[:20]), NodeDeletion(nodes[20:40])]
    steps = unlearn_sequence(D2DGN(steps=5), model, split, requests, reference=Retrain(config=quick_config()))
    assert len(steps) == 2 and steps[0].model is not steps[1].model
    assert parameters_changed(steps[0].model, steps[1].model) and parameters_changed(model, steps[0].model)
    # the reference at step 2 was trained without any of the 40 nodes' labels, edges or features
    assert steps[1].data.train_idx.numel() == split.train_idx.numel() - 40
    assert steps[1].reference_metrics["test_acc"] > 0.75
    assert abs(steps[1].metrics["test_acc"] - steps[1].reference_metrics["test_acc"]) < 0.05
    assert {"test_acc", "forget_acc", "mia_auc", "js_to_retrain"} <= set(steps[1].metrics)


def test_sequence_rejects_repeated_and_empty_requests():
    split, model = cora_node_split(), cora_node_model()
    node = forget_nodes()[:1]
    with pytest.raises(ValueError, match="not a training node"):
        unlearn_sequence(UtU(), model, split, [NodeDeletion(node), NodeDeletion(node)], evaluate=False)
    with pytest.raises(ValueError, match="no requests"):
        unlearn_sequence(UtU(), model, split, [], evaluate=False)
    with pytest.raises(ValueError, match="different kinds"):
        merge_requests([NodeDeletion(node), FeatureDeletion(node)])


@pytest.mark.parametrize("task", ["edges", "nodes"])
def test_gnndelete_applies_to_its_own_output(task, cora_split, cora_model):
    """A second GNNDelete request stacks new operators on the first (which stay frozen)."""
    from graph_unlearn import GNNDelete
    from graph_unlearn.methods.gnndelete import GNNDeleteModel

    if task == "edges":
        split, model = cora_split, cora_model
        pool = sample_forget_edges(split, 0.02, "random", seed=5)
        requests = [EdgeDeletion(pool[:, ::2]), EdgeDeletion(pool[:, 1::2])]
    else:
        split, model = cora_node_split(), cora_node_model()
        nodes = forget_nodes()
        requests = [NodeDeletion(nodes[:20]), NodeDeletion(nodes[20:40])]
    steps = unlearn_sequence(GNNDelete(steps=5), model, split, requests, evaluate=False)
    first, second = steps[0].model, steps[1].model
    assert isinstance(second, GNNDeleteModel) and isinstance(second.base, GNNDeleteModel)
    assert parameters_changed(first, second.base) is False  # the first request's operators are frozen
    assert any((op.weight - torch.eye(op.weight.size(0))).abs().max() > 0 for op in second.operators)
    data = steps[1].data
    x = data.x
    graph = data.graph() if task == "edges" else data.graph
    with torch.no_grad():
        z_first, z_second = first(x, graph), second(x, graph)
    assert torch.isfinite(z_second).all() and not torch.allclose(z_first, z_second)
