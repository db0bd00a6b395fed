"""Node and feature deletion requests on real Cora: validation, the retained view, splits and
node metrics."""
from dataclasses import replace

import pytest
import torch

from graph_unlearn import FeatureDeletion, NodeDeletion, load_dataset
from graph_unlearn.metrics import node_accuracies, node_membership_auc
from graph_unlearn.tasks.node_classification import (NodeUnlearningProblem, planetoid_split, random_node_split,
                                                     sample_forget_nodes)
from node_common import cora_node_model, cora_node_split, forget_nodes


@pytest.mark.parametrize("bad, msg", [([], "empty"), ([-1, 3], "negative"), ([3, 3], "more than once"),
                                      ([1.0, 2.0], "integers"), ([[1, 2], [3, 4]], "1-d"), (["a"], "integer")])
def test_node_deletion_rejects_bad_requests(bad, msg):
    with pytest.raises(ValueError, match=msg):
        NodeDeletion(bad)
    with pytest.raises(ValueError, match=msg):
        FeatureDeletion(bad)


def test_requests_are_checked_against_the_data():
    split = cora_node_split()
    with pytest.raises(ValueError, match="out of range"):
        NodeDeletion([split.num_nodes]).apply(split)
    with pytest.raises(ValueError, match="not a training node"):
        NodeDeletion(split.test_idx[:2]).apply(split)
    with pytest.raises(ValueError, match="not a training node"):
        FeatureDeletion(split.val_idx[:1]).apply(split)
    with pytest.raises(ValueError, match="feature id 1433 is out of range"):
        FeatureDeletion(split.train_idx[:2], features=[0, 1433]).apply(split)
    with pytest.raises(ValueError, match="more than once"):
        FeatureDeletion([1], features=[2, 2])
    with pytest.raises(ValueError, match="node-classification"):
        from graph_unlearn import split_edges

        FeatureDeletion([1]).apply(split_edges(load_dataset("Cora"), seed=0))


def test_deleted_node_has_no_edge_and_no_feature_used_in_inference():
    split, model = cora_node_split(), cora_node_model()
    nodes = forget_nodes()
    problem = NodeDeletion(nodes).apply(split)
    assert isinstance(problem, NodeUnlearningProblem)
    assert not torch.isin(problem.graph.edge_index, nodes).any()
    assert split.graph.edge_index.size(1) > problem.graph.edge_index.size(1)
    assert (problem.x[nodes] == 0).all() and torch.equal(problem.x[~torch.isin(torch.arange(split.num_nodes), nodes)],
                                                         split.x[~torch.isin(torch.arange(split.num_nodes), nodes)])
    assert not torch.isin(problem.retain_nodes, nodes).any()
    assert problem.retain_nodes.numel() == split.train_idx.numel() - nodes.numel()
    # changing the deleted nodes' original features changes nothing the served model computes
    out = model(problem.x, problem.graph)
    noisy = replace(split, x=split.x.clone())   # (``to`` on the same device returns the split itself, as PyG's)
    noisy.x[nodes] = torch.rand(nodes.numel(), split.num_features)
    out2 = model(*(lambda p: (p.x, p.graph))(NodeDeletion(nodes).apply(noisy)))
    assert torch.equal(out, out2)
    # while on the original view it does change (the test can fail)
    assert not torch.equal(model(split.x, split.graph), model(noisy.x, split.graph))


def test_feature_deletion_rows_and_columns():
    split = cora_node_split()
    nodes = forget_nodes()
    p = FeatureDeletion(nodes).apply(split)
    assert (p.x[nodes] == 0).all() and torch.equal(p.graph.edge_index, split.graph.edge_index)
    assert torch.equal(p.retain_nodes, split.train_idx)  # labels stay
    cols = torch.tensor([0, 5, 19])
    q = FeatureDeletion(nodes, features=cols).apply(split)
    assert (q.x[nodes][:, cols] == 0).all()
    others = torch.ones(split.num_features, dtype=torch.bool)
    others[cols] = False
    assert torch.equal(q.x[nodes][:, others], split.x[nodes][:, others])
    assert "3 features" in repr(FeatureDeletion(nodes, features=cols))


def test_node_deletion_on_link_prediction(cora_split):
    nodes = sample_forget_nodes(cora_split, 0.01, seed=0)
    problem = NodeDeletion(nodes).apply(cora_split)
    incident = torch.isin(cora_split.train_pos, nodes).any(0)
    assert problem.forget.size(1) == int(incident.sum()) > 0
    assert not torch.isin(problem.graph.edge_index, nodes).any()
    assert not torch.isin(problem.retain, nodes).any()
    assert (problem.x[nodes] == 0).all() and (cora_split.x[nodes] != 0).any()
    assert problem.split.train_pos.size(1) == cora_split.train_pos.size(1)  # the original split is kept


def test_splits():
    data = load_dataset("Cora")
    pub = planetoid_split(data)
    assert (pub.train_idx.numel(), pub.val_idx.numel(), pub.test_idx.numel()) == (140, 500, 1000)
    a, b = random_node_split(data, seed=3), random_node_split(data, seed=3)
    assert torch.equal(a.train_idx, b.train_idx) and not torch.equal(a.train_idx, random_node_split(data, seed=4).train_idx)
    allidx = torch.cat([a.train_idx, a.val_idx, a.test_idx])
    assert allidx.unique().numel() == data.num_nodes
    f = sample_forget_nodes(a, 0.05, seed=1)
    assert f.numel() == round(0.05 * a.train_idx.numel()) and torch.isin(f, a.train_idx).all()
    with pytest.raises(ValueError, match="fraction"):
        sample_forget_nodes(a, 0.0)


def test_node_metrics():
    y = torch.tensor([0, 1, 1, 0])
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0], [1.0, 0.0]])
    assert node_accuracies(logits, y, a=torch.tensor([0, 1]), b=torch.tensor([2, 3])) == {"a_acc": 1.0, "b_acc": 0.5}
    with pytest.raises(ValueError, match="empty"):
        node_accuracies(logits, y, a=torch.tensor([], dtype=torch.long))
    # members: confident and correct; non-members: unsure; forgotten nodes that look like members -> AUC near 1
    gen = torch.Generator().manual_seed(0)
    n = 200
    y = torch.randint(0, 3, (n,), generator=gen)
    conf = torch.nn.functional.one_hot(y, 3).float()
    logits = torch.where(torch.arange(n)[:, None] < 100, 8 * conf, 0.3 * conf + 0.5 * torch.randn(n, 3, generator=gen))
    members, non = torch.arange(100), torch.arange(100, 200)
    high = node_membership_auc(logits, y, members, non, logits[:30], y[:30])
    low = node_membership_auc(logits, y, members, non, logits[150:180], y[150:180])
    assert high > 0.9 and 0.2 < low < 0.8
