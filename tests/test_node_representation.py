"""Representation-level forgetting on node embeddings (issue 13 item 7), on real Cora: linear CKA
of the forget nodes' penultimate GNN embeddings with the original's / retrain's, and k-NN /
linear-probe accuracy of their labels from frozen embeddings (probes fitted on retained training
+ validation nodes)."""
from __future__ import annotations

import pytest
import torch

from node_common import cached_retrain, cora_node_model, cora_node_split, forget_nodes, quick_config


@pytest.fixture(scope="module")
def setup():
    from graph_unlearn import NodeDeletion, Retrain

    split, model, nodes = cora_node_split(), cora_node_model(), forget_nodes()
    problem = NodeDeletion(nodes).apply(split)
    retrain = cached_retrain().model
    retrain2 = Retrain(config=quick_config(), seed=1).unlearn(model, split, NodeDeletion(nodes)).model
    return split, model, nodes, problem, retrain, retrain2


def report(model, setup):
    from graph_unlearn.metrics.representation import node_representation_report

    _, original, _, problem, retrain, _ = setup
    return node_representation_report(model, problem, original, retrain)


def test_embeddings_are_the_penultimate_layer_on_the_query_view(setup):
    from graph_unlearn.metrics.representation import node_embeddings

    split, model, _, problem, _, _ = setup
    model.train()
    h = node_embeddings(model, problem)
    assert model.training  # the mode is restored
    model.eval()
    with torch.no_grad():
        _, layers = model(split.x, split.graph, return_layers=True)  # the query view is the original data
    assert h.shape == (split.num_nodes, layers[-2].size(1))
    torch.testing.assert_close(h, layers[-2])


def test_original_and_retrain(setup):
    _, model, nodes, _, retrain, retrain2 = setup
    o, r, r2 = report(model, setup), report(retrain, setup), report(retrain2, setup)
    assert o["n_forget"] == nodes.numel() and o["n_fit"] > 10 * nodes.numel()
    assert o["cka_to_original"] == pytest.approx(1.0, abs=1e-9)
    assert r["cka_to_retrain"] == pytest.approx(1.0, abs=1e-9)
    # the retrain's forget embeddings differ from the original's (CKA is symmetric)
    assert r["cka_to_original"] == pytest.approx(o["cka_to_retrain"], abs=1e-9)
    assert o["cka_to_retrain"] < 1.0 - 1e-3
    # two retrains (seeds 0, 1) agree on the forget nodes more than either agrees with the original
    assert r2["cka_to_retrain"] > max(r["cka_to_original"], r2["cka_to_original"])
    # the forget nodes moved more between original and retrain than as many unseen test nodes did
    assert r["cka_to_original"] < r["cka_test_to_original"]
    # the embeddings carry the labels: far above chance (1/7), for every model
    for rep in (o, r, r2):
        assert rep["knn_probe_forget"] > 0.7 and rep["linear_probe_forget"] > 0.7
        assert rep["knn_probe_test"] > 0.7
    # the original separates its own training nodes better than unseen nodes; the retrains do not
    # separate the (now unseen) forget nodes better than the original does
    assert o["knn_probe_forget"] > o["knn_probe_test"]
    assert max(r["knn_probe_forget"], r2["knn_probe_forget"]) <= o["knn_probe_forget"]


def test_a_method_that_leaves_the_body_unchanged_keeps_the_original_representation(setup):
    """UtU changes no parameter (its forgetting lives in the retained graph): on the query view its
    forget embeddings are the original's. Reinitialising only the output layer changes the logits
    but not the penultimate embeddings either: the report sees through both."""
    from graph_unlearn import NodeDeletion, UtU

    split, model, nodes, problem, _, _ = setup
    o = report(model, setup)
    utu = UtU().unlearn(model, split, NodeDeletion(nodes)).model
    u = report(utu, setup)
    assert u["cka_to_original"] == pytest.approx(1.0, abs=1e-9)
    assert u["knn_probe_forget"] == o["knn_probe_forget"]
    head = UtU().unlearn(model, split, NodeDeletion(nodes)).model
    torch.manual_seed(0)
    head.convs[-1].reset_parameters()
    with torch.no_grad():
        assert not torch.allclose(problem.outputs(head, query=True), problem.outputs(model, query=True))
    hr = report(head, setup)
    assert hr["cka_to_original"] == pytest.approx(1.0, abs=1e-9)
    assert hr["linear_probe_forget"] == o["linear_probe_forget"]


def test_approximate_methods_report(setup):
    from graph_unlearn import D2DGN, GradientAscent, NodeDeletion

    split, model, nodes, _, _, _ = setup
    for method in (D2DGN(), GradientAscent()):
        rep = report(method.unlearn(model, split, NodeDeletion(nodes)).model, setup)
        for key in ("cka_to_original", "cka_to_retrain", "cka_test_to_original", "cka_test_to_retrain"):
            assert 0.0 < rep[key] <= 1.0 + 1e-9
        for key in ("knn_probe_forget", "linear_probe_forget", "knn_probe_test", "linear_probe_test"):
            assert 0.0 <= rep[key] <= 1.0


def test_report_checks_its_input(setup):
    from graph_unlearn import NodeDeletion
    from graph_unlearn.metrics.representation import node_representation_report

    split, model, nodes, _, retrain, _ = setup
    with pytest.raises(ValueError, match="at least 2"):
        node_representation_report(model, NodeDeletion(nodes[:1]).apply(split), model, retrain)
