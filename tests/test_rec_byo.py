"""Bring your own data and model to the recommender unlearners, on the real MovieLens-100K
ratings (``../shared/datasets``; skipped with the reason when absent): a pandas DataFrame with
string ids, the same table as a CSV file, deletion by raw id, and PyG's own ``LightGCN``
trained by a user's BPR loop, unlearned by MMRecUn and Retrain and handed back as a PyG module."""
import os
import warnings

import pytest
import torch

pd = pytest.importorskip("pandas")

from recsys import BPRConfig, InteractionData, Retrain, MMRecUn, PyGLightGCN, UserDeletion, evaluate, load_dataset  # noqa: E402
from recsys.data import TRAIN, load_movielens100k  # noqa: E402
from recsys.data.loaders import movielens100k_dir  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.py


@pytest.fixture(scope="module")
def ratings():
    """u.data as a user would read it, with string ids (``u196``, ``m242``)."""
    try:
        raw = movielens100k_dir()
    except FileNotFoundError as err:
        pytest.skip(f"MovieLens-100K raw files not available: {err}")
    df = pd.read_csv(raw / "u.data", sep="\t", names=["user_id", "item_id", "rating", "timestamp"])
    return df.assign(user_id="u" + df.user_id.astype(str), item_id="m" + df.item_id.astype(str))


@pytest.fixture(scope="module")
def data(ratings):
    return load_dataset(ratings, rating="rating", timestamp="timestamp")


def pairs(df, user="user_id", item="item_id"):
    return set(zip(df[user].tolist(), df[item].tolist()))


def test_dataframe_with_string_ids_round_trips(ratings, data):
    assert (data.num_users, data.num_items, data.num_interactions) == (943, 1682, 100000)
    # raw ids kept and mapped both ways
    assert data.user_ids.dtype == object and data.raw_user(data.user_index(["u196", "u1"])).tolist() == ["u196", "u1"]
    assert data.raw_item(data.item_index("m242")).tolist() == ["m242"]
    first = ratings.iloc[0]
    assert data.raw_user(data.user[:1])[0] == first.user_id and data.raw_item(data.item[:1])[0] == first.item_id
    # no split column: the library's seeded per-user 8:1:1 split, the same as the GroupLens loader's
    ref = load_movielens100k()
    assert torch.equal(data.split, ref.split) and int((data.split == TRAIN).sum()) == 80808
    # to_pandas -> from_pandas gives the same data (ids, split, rating, timestamp)
    back = data.to_pandas()
    assert pairs(back) == pairs(ratings)
    again = InteractionData.from_pandas(back, rating="rating", timestamp="timestamp", split="split")
    for a in ("user", "item", "split", "rating", "timestamp"):
        assert torch.equal(getattr(again, a), getattr(data, a)), a
    assert (again.user_ids == data.user_ids).all() and (again.item_ids == data.item_ids).all()
    # first_users keeps the raw ids of the users it keeps
    assert data.first_users(3).raw_user([0, 1, 2]).tolist() == data.user_ids[:3].tolist()


def test_clear_errors_and_duplicates(ratings, data):
    with pytest.raises(ValueError, match=r"unknown raw user ids \['nobody'\]"):
        data.user_index(["u1", "nobody"])
    with pytest.raises(ValueError, match="lacks the columns user='uid'"):
        load_dataset(ratings, user="uid")
    with pytest.raises(ValueError, match="split column 'rating' must hold"):
        load_dataset(ratings, split="rating")
    dup = pd.concat([ratings.iloc[:50], ratings.iloc[:2].assign(timestamp=0)])
    with pytest.raises(ValueError, match="2 rows repeat a \\(user, item\\) pair"):
        load_dataset(dup, duplicates="error")
    with pytest.warns(UserWarning, match="2 rows repeat"):
        d = load_dataset(dup, timestamp="timestamp")
    assert d.num_interactions == 50 and (d.timestamp[-2:] == 0).all()   # the earliest row of each pair is kept


def test_user_deletion_by_raw_id_removes_exactly_that_user(ratings, data):
    request = UserDeletion(data.user_index(["u196"]))
    deletion = request.apply(data)
    kept = deletion.retained.to_pandas()
    assert pairs(kept) == pairs(ratings[ratings.user_id != "u196"])
    train = data.to_pandas().query("split == 'train' and user_id == 'u196'")
    forgot = set(zip(data.raw_user(deletion.forget_user).tolist(), data.raw_item(deletion.forget_item).tolist()))
    assert forgot == pairs(train) and len(forgot) > 0


def test_csv_path_loads_the_same_data(ratings, data, tmp_path):
    path = tmp_path / "ratings.csv"
    ratings.to_csv(path, index=False)
    from_csv = load_dataset(str(path), rating="rating", timestamp="timestamp")
    for a in ("user", "item", "split", "rating", "timestamp"):
        assert torch.equal(getattr(from_csv, a), getattr(data, a)), a
    assert (from_csv.user_ids == data.user_ids).all()
    with pytest.raises(ValueError, match=r"ratings.csv: the table lacks the columns item='movie'"):
        load_dataset(path, item="movie")
    with pytest.raises(FileNotFoundError):
        load_dataset(tmp_path / "missing.csv")


def train_pyg_lightgcn(data, epochs=40, dim=32, seed=0):
    """What a PyG user writes: LightGCN over users + items, full-batch BPR with PyG's own loss."""
    from torch_geometric.nn.models import LightGCN

    torch.manual_seed(seed)
    num_users, num_items = data.num_users, data.num_items
    model = LightGCN(num_nodes=num_users + num_items, embedding_dim=dim, num_layers=2)
    edge_index = data.to_edge_index()                      # training interactions, both directions
    user, item = data.train_pairs()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        neg = torch.randint(0, num_items, (user.numel(),))
        label_index = torch.cat([torch.stack([user, item + num_users]), torch.stack([user, neg + num_users])], 1)
        pos_rank, neg_rank = model(edge_index, label_index).chunk(2)
        loss = model.recommendation_loss(pos_rank, neg_rank, node_id=label_index.unique())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def test_pyg_lightgcn_unlearned_by_mmrecun_and_gold(data):
    from torch_geometric.nn.models import LightGCN

    small = data.first_users(150)
    model = train_pyg_lightgcn(small)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    wrapped = PyGLightGCN(model, small.num_users, small.num_items)      # for the library's own evaluation
    assert evaluate(wrapped, small, splits=("test",))["test_recall20"] > 0.1
    gone = small.raw_user([7])[0]
    request = UserDeletion(small.user_index([gone]))
    u = int(small.user_index([gone]))
    for method in (MMRecUn(steps=20), Retrain(BPRConfig(epochs=10, eval_every=5, patience=2, lr=1e-2))):
        result = method.unlearn(model, small, request)
        assert type(result.model) is LightGCN and result.model is not model
        edge_index = result.data.edge_index
        assert not (edge_index == u).any()                 # served on the retained graph: the user has no edge
        assert edge_index.size(1) == request.apply(small).retained.to_edge_index().size(1)
        emb = result.model.get_embedding(edge_index)
        assert emb.shape == (small.num_users + small.num_items, 32)
        top = result.model.recommend(edge_index, src_index=torch.arange(5),
                                     dst_index=torch.arange(small.num_users, small.num_users + small.num_items), k=10)
        assert top.shape == (5, 10) and (top >= small.num_users).all()
        items = small.raw_item(top[0] - small.num_users)             # back to the table's item ids
        assert all(str(i).startswith("m") for i in items)
        # the retained users are still served well
        score = evaluate(PyGLightGCN(result.model, small.num_users, small.num_items),
                         request.apply(small).retained, splits=("test",))["test_recall20"]
        assert score > 0.05, (method.name, score)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())   # the user's model untouched
    with pytest.raises(ValueError, match="num_nodes=1000 but the data has 150 users"):
        MMRecUn().unlearn(LightGCN(1000, 8, 1), small, request)


README_REC = '''
from recsys import load_dataset, MMRecUn, UserDeletion
data = load_dataset("ratings.csv", user="user_id", item="item_id")   # or load_dataset(df): a pandas DataFrame
request = UserDeletion(data.user_index(["alice"]))                   # raw ids -> internal ids
data.raw_item([0, 1])                                               # internal ids -> your ids

import torch
from torch_geometric.nn.models import LightGCN
model = LightGCN(data.num_users + data.num_items, embedding_dim=64, num_layers=2)   # users, then items
edge_index = data.to_edge_index()             # training interactions, both directions: train on it your way
result = MMRecUn().unlearn(model, data, request)
top10 = result.model.recommend(result.data.edge_index, src_index=data.user_index(["bob"]),
                               dst_index=data.num_users + torch.arange(data.num_items), k=10)
'''


def test_readme_recsys_block_runs(ratings, tmp_path, monkeypatch):
    """The README's "bring your own data" block for recommenders, verbatim."""
    rename = {"u196": "alice", "u186": "bob"}
    few = ratings[ratings.user_id.str[1:].astype(int) <= 200]          # 200 users: keep the test short
    few.assign(user_id=few.user_id.replace(rename)).to_csv(tmp_path / "ratings.csv", index=False)
    monkeypatch.chdir(tmp_path)
    scope = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(README_REC, scope)
    assert scope["top10"].shape == (1, 10)
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    assert README_REC.strip() in readme
