"""Full-ranking metrics (graph_unlearn.metrics.ranking + recsys.evaluation) against a
brute-force reference on a small real slice of MovieLens-100K."""
import math

import pytest
import torch

from graph_unlearn.metrics import mean_over_users, ndcg_at_k, precision_at_k, ranking_metrics, recall_at_k, topk_hits
from recsys.data import TEST, TRAIN, load_movielens100k
from recsys.evaluation import evaluate, rank_topk, ranking_report


@pytest.fixture(scope="module")
def slice_and_scores():
    data = load_movielens100k().first_users(60)
    gen = torch.Generator().manual_seed(0)
    users = torch.randn(data.num_users, 8, generator=gen)
    items = torch.randn(data.num_items, 8, generator=gen)
    return data, users, items


def brute_force(data, users, items, ks=(10, 20)):
    """Loop over users: sort all items by score, drop training items, compare with test items."""
    tr_u, tr_i = data.pairs(TRAIN)
    te_u, te_i = data.pairs(TEST)
    out = {f"{m}@{k}": [] for k in ks for m in ("recall", "ndcg", "precision")}
    for u in sorted(set(te_u.tolist())):
        train = set(tr_i[tr_u == u].tolist())
        rel = set(te_i[te_u == u].tolist())
        scores = (users[u] @ items.T).tolist()
        ranked = [i for i in sorted(range(len(scores)), key=lambda i: -scores[i]) if i not in train]
        for k in ks:
            top = ranked[:k]
            hits = [1 if i in rel else 0 for i in top]
            out[f"recall@{k}"].append(sum(hits) / len(rel))
            out[f"precision@{k}"].append(sum(hits) / k)
            dcg = sum(h / math.log2(r + 2) for r, h in enumerate(hits))
            idcg = sum(1 / math.log2(r + 2) for r in range(min(len(rel), k)))
            out[f"ndcg@{k}"].append(dcg / idcg)
    return {key: sum(v) / len(v) for key, v in out.items()}


def test_full_ranking_matches_brute_force(slice_and_scores):
    data, users, items = slice_and_scores
    ref = brute_force(data, users, items)
    te_u, te_i = data.pairs(TEST)
    got = ranking_report(users, items, te_u, te_i, exclude=data.train_pairs(), batch_size=7)  # odd batch size on purpose
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


def test_training_items_are_masked(slice_and_scores):
    data, users, items = slice_and_scores
    tr_u, tr_i = data.train_pairs()
    u = torch.arange(data.num_users)
    top = rank_topk(users, items, u, 50, exclude=(tr_u, tr_i), batch_size=16)
    train_keys = set((tr_u * data.num_items + tr_i).tolist())
    assert not any(int(uu) * data.num_items + int(i) in train_keys for uu in u for i in top[uu])
    # without the mask some training items do appear in the top 50 of a random model
    top_nomask = rank_topk(users, items, u, 50)
    assert any(int(uu) * data.num_items + int(i) in train_keys for uu in u for i in top_nomask[uu])


def test_removed_items_never_ranked(slice_and_scores):
    data, users, items = slice_and_scores
    removed = torch.zeros(data.num_items, dtype=torch.bool)
    best = (users @ items.T).argmax(1)
    removed[best] = True
    top = rank_topk(users, items, torch.arange(data.num_users), 20, removed_items=removed)
    assert not removed[top].any()


def test_metric_functions_on_hand_example():
    hits = torch.tensor([[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 0]], dtype=torch.bool)
    n = torch.tensor([2, 0, 4])
    r = recall_at_k(hits, n, 4)
    assert r[0] == 1.0 and torch.isnan(r[1]) and r[2] == 0.25
    assert precision_at_k(hits, n, 2)[0] == 0.5
    nd = ndcg_at_k(hits, n, 4)
    assert nd[0] == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert mean_over_users(r) == pytest.approx(0.625)
    assert set(ranking_metrics(hits, n, (2, 4))) == {f"{m}@{k}" for m in ("recall", "ndcg", "precision") for k in (2, 4)}
    with pytest.raises(ValueError, match="k must lie"):
        recall_at_k(hits, n, 5)


def test_topk_hits():
    topk = torch.tensor([[3, 1, 2], [0, 4, 1]])
    hits = topk_hits(topk, torch.tensor([0, 1, 1]), torch.tensor([2, 1, 9]), 10)
    assert hits.tolist() == [[False, False, True], [False, False, True]]


def test_evaluate_keys(slice_and_scores):
    data, *_ = slice_and_scores
    from recsys.models import LightGCN

    model = LightGCN(data.num_users, data.num_items, dim=8, num_layers=1)
    res = evaluate(model, data, splits=("test", "retain"))
    assert {"test_recall20", "test_ndcg10", "test_precision20", "retain_recall20"} <= set(res)
    assert all(0 <= v <= 1 for v in res.values())
