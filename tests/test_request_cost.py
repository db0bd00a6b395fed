"""Requests cost what they touch (issue 12 item 2): the sorted-key / ``searchsorted`` membership
path agrees with a brute-force reference on real Cora. Correctness only, no timing (see
``benchmarks/request_cost.py`` for the cost)."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
import torch

from graph_unlearn import EdgeDeletion, NodeDeletion, split_edges
from graph_unlearn.data.graph import EdgeKeyIndex, Graph, edge_keys, edge_membership, k_hop_nodes

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def split(cora):
    return split_edges(cora, seed=3)


def _train_set(split) -> set[tuple[int, int]]:
    return {(int(u), int(v)) for u, v in split.train_pos.t().tolist()}


def _random_request(split, k: int, seed: int) -> torch.Tensor:
    """``k`` distinct training edges, each in a random direction, ``[2, k]``."""
    gen = torch.Generator().manual_seed(seed)
    e = split.train_pos[:, torch.randperm(split.train_pos.size(1), generator=gen)[:k]]
    flip = torch.rand(k, generator=gen) < 0.5
    return torch.stack([torch.where(flip, e[1], e[0]), torch.where(flip, e[0], e[1])])


def _random_pairs(n: int, k: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    u, v = torch.randint(0, n, (k,), generator=gen), torch.randint(0, n, (k,), generator=gen)
    keep = u != v
    return torch.stack([u[keep], v[keep]])


@pytest.mark.parametrize("seed", range(5))
def test_contains_matches_brute_force(split, seed):
    train = _train_set(split)
    query = torch.cat([_random_request(split, 200, seed), _random_pairs(split.num_nodes, 300, seed),
                       split.val_pos, split.test_neg.flip(0)], dim=1)
    got = split.train_key_index().contains(query)
    want = torch.tensor([(min(u, v), max(u, v)) in train for u, v in query.t().tolist()])
    assert torch.equal(got, want)
    assert want.any() and not want.all()


@pytest.mark.parametrize("seed", range(5))
def test_mask_matches_brute_force_and_isin(split, seed):
    n = split.num_nodes
    query = torch.cat([_random_request(split, 150, seed), _random_pairs(n, 50, seed)], dim=1)
    qset = {(min(u, v), max(u, v)) for u, v in query.t().tolist()}
    want = torch.tensor([(u, v) in qset for u, v in split.train_pos.t().tolist()])
    assert torch.equal(split.train_key_index().mask(query), want)
    assert torch.equal(edge_membership(split.train_pos, query, n), want)
    assert torch.equal(want, torch.isin(edge_keys(split.train_pos, n), edge_keys(query, n)))
    # the directed keys of the (both-direction) training graph, as without_edges reads them
    g = split.graph()
    gwant = torch.tensor([(min(u, v), max(u, v)) in qset for u, v in g.edge_index.t().tolist()])
    assert torch.equal(g.key_index().mask(torch.cat([query, query.flip(0)], 1)), gwant)
    assert g.key_index().order is None  # a coalesced edge_index is already sorted: no sort


def test_index_with_unsorted_and_repeated_keys():
    """Undirected keys over a both-direction edge list repeat and are unsorted: every matching
    column is found, as ``edge_membership`` does."""
    ei = torch.tensor([[3, 0, 1, 2, 1, 0, 3], [0, 3, 2, 1, 0, 1, 2]])
    index = EdgeKeyIndex(ei, 4)
    assert index.order is not None
    q = torch.tensor([[0, 2], [3, 1]])
    assert index.mask(q).tolist() == [True, True, True, True, False, False, False]
    assert torch.equal(index.mask(q), edge_membership(ei, q, 4))
    assert index.contains(torch.tensor([[0, 1, 2], [3, 0, 3]])).tolist() == [True, True, True]
    assert index.contains(torch.tensor([[0], [2]])).tolist() == [False]
    assert index.mask(torch.zeros(2, 0, dtype=torch.long)).sum() == 0


@pytest.mark.parametrize("seed", range(3))
def test_apply_matches_brute_force(split, seed):
    request = _random_request(split, 300, seed)
    problem = EdgeDeletion(request).apply(split)
    canon = torch.stack([request.min(0).values, request.max(0).values])
    fset = {(u, v) for u, v in canon.t().tolist()}
    assert {(u, v) for u, v in problem.forget.t().tolist()} == fset
    keep = torch.tensor([(u, v) not in fset for u, v in split.train_pos.t().tolist()])
    assert torch.equal(problem.retain, split.train_pos[:, keep])  # same edges, same order
    g = split.graph()
    gkeep = torch.tensor([(min(u, v), max(u, v)) not in fset for u, v in g.edge_index.t().tolist()])
    want = Graph(g.edge_index[:, gkeep], g.num_nodes, undirected=False)  # the re-coalesced graph
    assert torch.equal(problem.graph.edge_index, want.edge_index)
    assert problem.graph.num_edges == g.num_edges - 2 * canon.size(1)
    hops = k_hop_nodes(g.edge_index, canon.flatten().unique(), 2, split.num_nodes)
    assert all(torch.equal(a, b) for a, b in zip(problem.hop_masks, hops))
    # the retained graph's adjacency is built from scratch (no stale cache)
    assert problem.graph._cache == {} and problem.graph.adj("gcn")._nnz() == problem.graph.num_edges + split.num_nodes


def test_non_edge_refused_with_the_same_message(split):
    edges = _random_request(split, 20, 7)
    val = split.val_pos[:, :1]  # an edge of the graph, but not a training edge
    req = EdgeDeletion(torch.cat([edges[:, :5], val.flip(0), edges[:, 5:]], dim=1))
    u, v = int(val[0, 0]), int(val[1, 0])
    msg = (f"EdgeDeletion: edge ({u}, {v}) is not in the training graph (checked in both directions); "
           f"1 of 21 edges are missing")
    with pytest.raises(ValueError, match=re.escape(msg)):
        req.apply(split)
    # a pair that is no edge at all, given in the (v, u) direction, and several missing
    train = _train_set(split)
    pairs = [(a, b) for a, b in _random_pairs(split.num_nodes, 50, 1).t().tolist()
             if (min(a, b), max(a, b)) not in train][:3]
    a, b = min(pairs[0]), max(pairs[0])
    req = EdgeDeletion([(b, a)] + pairs[1:] + [tuple(e) for e in edges.t().tolist()])
    with pytest.raises(ValueError, match=re.escape(f"EdgeDeletion: edge ({a}, {b}) is not in the training graph "
                                                   f"(checked in both directions); 3 of 23 edges are missing")):
        req.validate(split)


def test_node_deletion_incident_edges_match_brute_force(split):
    gen = torch.Generator().manual_seed(0)
    nodes = torch.randperm(split.num_nodes, generator=gen)[:40]
    problem = NodeDeletion(nodes).apply(split)
    ns = set(nodes.tolist())
    incident = torch.tensor([u in ns or v in ns for u, v in split.train_pos.t().tolist()])
    assert torch.equal(problem.forget, split.train_pos[:, incident])
    assert torch.equal(problem.retain, split.train_pos[:, ~incident])
    assert not bool(torch.isin(problem.graph.edge_index, nodes).any())


def test_key_index_cached_per_split(split):
    index = split.train_key_index()
    assert split.train_key_index() is index
    copy = replace(split, x=None)  # a new split builds its own (train_pos could differ)
    assert copy.train_key_index() is not index
    assert torch.equal(copy.train_key_index().keys, index.keys)
    fewer = replace(split, train_pos=split.train_pos[:, 10:], _graph=None)
    assert fewer.train_key_index().num_edges == split.train_pos.size(1) - 10
    assert not fewer.train_key_index().contains(split.train_pos[:, :10]).any()
    twin = replace(split, train_pos=split.train_pos.clone())
    before = twin.train_key_index()
    twin.train_pos[:, 0] = twin.train_pos[:, 1]  # modified in place: the index is rebuilt
    assert twin.train_key_index() is not before


def test_apply_copies_nothing_until_used(split):
    """Applying a request builds none of the whole-graph parts (each a pass over every edge)."""
    problem = EdgeDeletion(_random_request(split, 50, 0)).apply(split)
    assert problem._retain is None and problem._graph is None and problem._hop_masks is None
    assert problem.num_retained == split.train_pos.size(1) - 50
    assert problem._retain is None   # counted from D_f's columns, not from a copy


@pytest.mark.parametrize("seed,k,search_cost", [(0, 3, 1), (1, 10, 1), (2, 100, 1), (0, 3, 50)])
def test_local_reads_match_the_full_pass_forms(monkeypatch, split, seed, k, search_cost):
    """What sampled steps read instead of whole copies equals what the copies give: retained edges
    by rank, the retained edges near D_f (read from the near nodes' rows, or by one pass where that
    is cheaper: both paths, by the switch ``LOCAL_SEARCH_COST``), and the hop masks read from the
    endpoints' rows."""
    from graph_unlearn.requests import edge

    monkeypatch.setattr(edge, "LOCAL_SEARCH_COST", search_cost)
    request = _random_request(split, k, seed)
    problem = EdgeDeletion(request).apply(split)
    g = split.graph()
    hops = k_hop_nodes(g.edge_index, problem.forget.flatten().unique(), 2, split.num_nodes)
    assert all(torch.equal(a, b) for a, b in zip(g.k_hop(problem.forget.flatten(), 2), hops))
    assert all(torch.equal(a, b) for a, b in zip(problem.hop_masks, hops))
    ranks = torch.randperm(problem.num_retained, generator=torch.Generator().manual_seed(seed))[:500]
    want = problem.retain   # built here, after the local reads' inputs
    assert torch.equal(problem.retained_edges(ranks), want[:, ranks])
    assert torch.equal(problem.retained_edges(torch.arange(problem.num_retained)), want)
    near = hops[-1]
    assert torch.equal(problem.near_retain(), want[:, near[want[0]] | near[want[1]]])   # same edges, same order
    # a node deletion on the link split: hop masks around the deleted nodes, retained edges by rank
    nodes = torch.randperm(split.num_nodes, generator=torch.Generator().manual_seed(seed))[:30]
    nd = NodeDeletion(nodes).apply(split)
    assert all(torch.equal(a, b) for a, b in zip(nd.hop_masks, k_hop_nodes(g.edge_index, nodes, 2, split.num_nodes)))
    assert torch.equal(nd.retained_edges(torch.arange(nd.num_retained)), nd.retain)
    assert not bool(torch.isin(nd.near_retain(), nodes).any())


@pytest.mark.parametrize("num_seeds", [1, 10, 300, 2000])
def test_k_hop_reads_rows_or_passes_and_matches_the_full_pass(split, num_seeds):
    """``Graph.k_hop`` reads the frontier's rows while they are few and passes over the edges once
    they are not (at 1 seed every hop reads rows, at 2,000 of Cora's 2,708 nodes every hop passes);
    either way the masks equal ``k_hop_nodes``'s."""
    g = split.graph()
    seeds = torch.randperm(split.num_nodes, generator=torch.Generator().manual_seed(num_seeds))[:num_seeds]
    for got, want in zip(g.k_hop(seeds, 3), k_hop_nodes(g.edge_index, seeds, 3, split.num_nodes)):
        assert torch.equal(got, want)
