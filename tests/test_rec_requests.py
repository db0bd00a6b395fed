"""Deletion requests: validation errors, and what an item / modality deletion leaves in use."""
import pytest
import torch

from recsys.data import TRAIN, load_dataset
from recsys.methods import MMRecUn
from recsys.models import FREEDOM, build_graph
from recsys.requests import InteractionDeletion, ItemDeletion, ModalityDeletion, UserDeletion, sample_request


@pytest.fixture(scope="module")
def data():
    return load_dataset("ml100k-mm").first_users(120)


def test_validation_errors(data):
    for req in (lambda: UserDeletion([]), lambda: ItemDeletion([]), lambda: InteractionDeletion([], []),
                lambda: ModalityDeletion("text", [])):
        with pytest.raises(ValueError, match="empty"):
            req()
    with pytest.raises(ValueError, match="unknown user ids"):
        UserDeletion([data.num_users]).apply(data)
    with pytest.raises(ValueError, match="negative item id"):
        ItemDeletion([-1]).apply(data)
    with pytest.raises(ValueError, match="integers"):
        ItemDeletion([1.5]).apply(data)
    with pytest.raises(ValueError, match="unknown modality"):
        ModalityDeletion("image", [0]).apply(data)
    with pytest.raises(ValueError, match="one \\(user, item\\)"):
        InteractionDeletion([0, 1], [0])
    # an interaction that does not exist
    tr_u, tr_i = data.train_pairs()
    seen = set(tr_i[tr_u == 0].tolist())
    missing = next(i for i in range(data.num_items) if i not in seen and not
                   ((data.user == 0) & (data.item == i)).any())
    with pytest.raises(ValueError, match="not training interactions"):
        InteractionDeletion([0], [missing]).apply(data)
    with pytest.raises(ValueError, match="already deleted"):
        ItemDeletion([int(tr_i[0])]).apply(ItemDeletion([int(tr_i[0])]).apply(data).retained)
    with pytest.raises(ValueError, match="unknown request kind"):
        sample_request(data, "edges")


def test_user_and_interaction_deletion(data):
    d = UserDeletion([0, 5]).apply(data)
    assert not torch.isin(d.retained.user, torch.tensor([0, 5])).any()
    assert d.num_forget == int((torch.isin(data.user, torch.tensor([0, 5])) & (data.split == TRAIN)).sum())
    u, i = data.train_pairs()
    d = InteractionDeletion(u[:7], i[:7]).apply(data)
    assert d.num_forget == 7 and d.retained.num_interactions == data.num_interactions - 7
    ru, ri = d.retained.train_pairs()
    assert not torch.isin(ru * data.num_items + ri, u[:7] * data.num_items + i[:7]).any()


def test_item_deletion_leaves_no_feature_row_or_item_item_edge(data):
    items = torch.unique(data.train_pairs()[1])[:40]
    model = FREEDOM(data.num_users, data.num_items, data.modality_dims(), dim=16, knn_k=10)
    before = build_graph(data, knn_k=10).item_item.to_sparse_coo().indices()
    assert torch.isin(before, items).any()                      # they were in the kNN graph
    deletion = ItemDeletion(items).apply(data)
    kept = deletion.retained
    assert not torch.isin(kept.item, items).any()               # no interaction left
    for name, feat in kept.modalities.items():
        assert feat[items].abs().sum() == 0, name                # no feature row left
        assert not kept.feature_mask[name][items].any()
    graph = model.build_graph(kept)
    ii = graph.item_item.to_sparse_coo().coalesce()
    assert not torch.isin(ii.indices(), items).any()            # no item-item edge left
    ui = graph.adj_t.to_sparse_coo().coalesce().indices()
    assert not torch.isin(ui, items + data.num_users).any()     # no user-item edge left
    for feat in graph.features.values():
        assert feat[items].abs().sum() == 0
    # the graph a method actually uses is the retained one
    res = MMRecUn(steps=2).unlearn(model, data, ItemDeletion(items))
    from recsys.task import RecTask

    task = RecTask.build(MMRecUn(steps=2), res.model, data, ItemDeletion(items))
    problem = task.problem(torch.Generator().manual_seed(0), 2048)
    assert not torch.isin(problem.graph.item_item.to_sparse_coo().coalesce().indices(), items).any()
    assert data.modalities["text"][items].abs().sum() > 0      # the original data is untouched


def test_modality_deletion(data):
    items = torch.arange(30)
    d = ModalityDeletion("text", items).apply(data)
    assert d.num_forget == 0 and d.retained.num_interactions == data.num_interactions
    assert d.retained.modalities["text"][items].abs().sum() == 0
    assert d.retained.modalities["genre_year"][items].abs().sum() > 0   # other modality kept
    g_before = build_graph(data, knn_k=5).item_item
    g_after = build_graph(d.retained, knn_k=5).item_item
    assert not torch.equal(g_before.to_dense(), g_after.to_dense())


def test_sample_request_sizes(data):
    assert len(sample_request(data, "users", 0.05, seed=1)) == int(0.05 * data.num_users)
    req = sample_request(data, "interactions", 0.05, seed=1)
    assert req.apply(data).num_forget == int(0.05 * int(data.mask(TRAIN).sum()))
