from pathlib import Path

import pytest
import torch

from graph_unlearn import load_dataset, sample_forget_edges, split_edges
from graph_unlearn.data.graph import Graph, edge_keys, k_hop_nodes
from graph_unlearn.data.paths import cache_root

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def test_cora_loads_offline_from_a_cached_copy(cora):
    assert cora.num_nodes == 2708 and cora.x.shape == (2708, 1433) and cora.edge_index.size(1) == 10556
    assert (cache_root() / "datasets" / "Planetoid" / "Cora" / "processed").is_dir()
    assert not list(SHARED.rglob("processed")), "a loader wrote into shared/"


def test_unknown_and_missing_datasets_fail_clearly(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown dataset 'NoSuchGraph'"):
        load_dataset("NoSuchGraph")
    monkeypatch.setenv("GRAPH_UNLEARN_DATA", str(tmp_path))
    # CoauthorCS is not offline: the error names the files and where they were looked for
    with pytest.raises(FileNotFoundError, match="ms_academic_cs.npz"):
        load_dataset("CoauthorCS")


def test_split_is_deterministic_disjoint_and_90_5_5(cora):
    a, b, c = split_edges(cora, seed=0), split_edges(cora, seed=0), split_edges(cora, seed=1)
    assert torch.equal(a.train_pos, b.train_pos) and torch.equal(a.test_neg, b.test_neg)
    assert not torch.equal(a.train_pos, c.train_pos)
    n = cora.num_nodes
    total = a.train_pos.size(1) + a.val_pos.size(1) + a.test_pos.size(1)
    assert total == 5278  # undirected edges of Cora
    assert abs(a.val_pos.size(1) / total - 0.05) < 0.002 and abs(a.test_pos.size(1) / total - 0.05) < 0.002
    keys = [edge_keys(e, n) for e in (a.train_pos, a.val_pos, a.test_pos)]
    assert len(torch.unique(torch.cat(keys))) == total
    # 1:1 negatives that are not edges of the graph
    assert a.val_neg.size(1) == a.val_pos.size(1) and a.test_neg.size(1) == a.test_pos.size(1)
    all_edges = edge_keys(cora.edge_index, n)
    assert not torch.isin(edge_keys(torch.cat([a.val_neg, a.test_neg], 1), n), all_edges).any()


@pytest.mark.parametrize("setting", ["out", "in"])
def test_forget_sets_respect_the_setting(cora_split, setting):
    forget = sample_forget_edges(cora_split, 0.05, setting, seed=3)
    n = cora_split.num_nodes
    assert forget.size(1) == round(0.05 * cora_split.train_pos.size(1))
    assert torch.isin(edge_keys(forget, n), edge_keys(cora_split.train_pos, n)).all()
    two_hop = k_hop_nodes(cora_split.graph().edge_index, cora_split.test_pos.flatten().unique(), 2, n)[-1]
    inside = two_hop[forget[0]] & two_hop[forget[1]]
    assert bool(inside.all()) if setting == "in" else not bool(inside.any())
    assert torch.equal(forget, sample_forget_edges(cora_split, 0.05, setting, seed=3))


def test_k_hop_uses_both_directions():
    # a path 0-1-2-3 given in one direction only: Graph makes it undirected
    g = Graph(torch.tensor([[0, 1, 2], [1, 2, 3]]), 4)
    masks = k_hop_nodes(g.edge_index, torch.tensor([3]), 2, 4)
    assert masks[1].tolist() == [False, False, True, True]
    assert masks[2].tolist() == [False, True, True, True]


def test_adjacencies_are_sparse_and_normalised():
    g = Graph(torch.tensor([[0, 1], [1, 2]]), 3)
    for norm in ("gcn", "mean", "sum"):
        assert g.adj(norm).layout == torch.sparse_csr
    dense_mean = g.adj("mean").to_dense()
    assert torch.allclose(dense_mean.sum(1), torch.ones(3))
    dense = g.adj("gcn").to_dense()
    assert torch.allclose(dense, dense.t()) and abs(float(dense[0, 0]) - 0.5) < 1e-6
    with pytest.raises(ValueError, match="outside"):
        Graph(torch.tensor([[0], [7]]), 3)
