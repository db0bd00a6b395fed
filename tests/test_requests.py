import numpy as np
import pytest
import torch

from graph_unlearn import EdgeDeletion
from graph_unlearn.data.graph import edge_keys


def test_accepts_tensor_and_list_of_pairs_in_either_direction(cora_split):
    u, v = cora_split.train_pos[:, 0].tolist()
    a = EdgeDeletion(torch.tensor([[u], [v]]))
    b = EdgeDeletion([(v, u)])
    c = EdgeDeletion(np.array([[v, u]]))
    for r in (a, b, c):
        r.validate(cora_split)
        assert torch.equal(r.edges, torch.tensor([[min(u, v)], [max(u, v)]]))


@pytest.mark.parametrize("edges, message", [
    ([], "empty"),
    (torch.zeros(2, 0, dtype=torch.long), "empty"),
    ([[0.0, 1.0], [2.0, 3.0]], "integers"),
    ([("a", "b")], "integer"),
    (torch.tensor([[True], [False]]), "integers"),
    (torch.zeros(3, 4, dtype=torch.long), "shape"),
    (torch.tensor([1, 2, 3]), "shape"),
    ([(1, 1)], "self-loop"),
    ([(-1, 2)], "negative"),
])
def test_bad_requests_fail_with_clear_errors(edges, message):
    with pytest.raises(ValueError, match=message):
        EdgeDeletion(edges)


def test_duplicates_are_rejected_in_either_direction(cora_split):
    u, v = cora_split.train_pos[:, 0].tolist()
    with pytest.raises(ValueError, match="more than once"):
        EdgeDeletion([(u, v), (v, u)])


def test_edge_not_in_training_graph(cora_split):
    # a test edge exists in the dataset but is not a training edge
    u, v = cora_split.test_pos[:, 0].tolist()
    with pytest.raises(ValueError, match=rf"edge \({min(u, v)}, {max(u, v)}\) is not in the training graph"):
        EdgeDeletion([(u, v)]).apply(cora_split)


def test_node_out_of_range(cora_split):
    with pytest.raises(ValueError, match="out of range"):
        EdgeDeletion([(0, cora_split.num_nodes + 5)]).apply(cora_split)


def test_retained_graph_holds_no_deleted_edge_in_either_direction(cora_split, cora_request):
    problem = cora_request.apply(cora_split)
    n = cora_split.num_nodes
    kept = problem.graph.edge_index
    forget = cora_request.edges
    both = torch.cat([forget, forget.flip(0)], 1)
    directed = lambda e: e[0] * n + e[1]
    assert not torch.isin(directed(both), directed(kept)).any()
    # nothing else was removed, and both directions of every retained edge are there
    assert kept.size(1) == cora_split.graph().num_edges - 2 * forget.size(1)
    assert torch.isin(directed(kept.flip(0)), directed(kept)).all()
    # retained training edges + forget = training edges
    assert problem.retain.size(1) + forget.size(1) == cora_split.train_pos.size(1)
    assert not torch.isin(edge_keys(problem.retain, n), edge_keys(forget, n)).any()
    # the original training graph is untouched
    assert cora_split.graph().num_edges == 2 * cora_split.train_pos.size(1)


def test_hop_masks_are_nested_and_cover_endpoints(cora_split, cora_request):
    problem = cora_request.apply(cora_split)
    m0, m1, m2 = problem.hop_masks
    assert m0[cora_request.edges.flatten()].all()
    assert (m0 <= m1).all() and (m1 <= m2).all() and m2.sum() > m1.sum() > m0.sum()
