"""Loaders on the real MovieLens-100K files (GroupLens/PyG raw layout, RecBole atomic files)
and on the MMRec layout written by the ml100k-mm prepare step."""
import numpy as np
import pytest
import torch

from recsys.data import (TEST, TRAIN, VALID, InteractionData, load_dataset, load_mmrec, load_movielens100k,
                         load_recbole, per_user_split, prepare_ml100k_mm)


def _check_split(data):
    counts = torch.bincount(data.user, minlength=data.num_users)
    for s, share in ((TRAIN, 0.8), (VALID, 0.1), (TEST, 0.1)):
        per_user = torch.bincount(data.user[data.split == s], minlength=data.num_users)
        # every user (ML-100K users have >= 20 ratings) is split about 8:1:1
        assert ((per_user.double() / counts) - share).abs().max() < 0.075


def test_movielens100k_raw_files():
    data = load_movielens100k()
    assert (data.num_users, data.num_items, data.num_interactions) == (943, 1682, 100000)
    assert data.modalities["genre"].shape == (1682, 19)
    assert int(data.mask(TRAIN).sum()) == 80808  # floor(0.8 n) per user, as MMRec
    _check_split(data)
    # first line of u.data: 196 242 3 881250949 (1-based ids)
    assert ((data.user == 195) & (data.item == 241)).any()


def test_recbole_atomic_files():
    data = load_recbole("ml-100k")
    assert (data.num_users, data.num_items, data.num_interactions) == (943, 1682, 100000)
    assert data.timestamp is not None and data.rating is not None
    _check_split(data)


def test_prepare_writes_mmrec_layout_and_loader_reads_it(tmp_path):
    out = prepare_ml100k_mm(out=tmp_path / "ml100k-mm")
    assert sorted(p.name for p in out.iterdir()) == ["genre_year_feat.npy", "ml100k-mm.inter", "text_feat.npy"]
    header = (out / "ml100k-mm.inter").read_text().split("\n", 1)[0]
    assert header == "userID\titemID\trating\ttimestamp\tx_label"
    data = load_mmrec(out)
    assert isinstance(data, InteractionData)
    assert (data.num_users, data.num_items, data.num_interactions) == (943, 1682, 100000)
    text = data.modalities["text"]
    assert text.shape == (1682, 384)
    assert torch.allclose(text.norm(dim=1), torch.ones(1682), atol=1e-4)          # MiniLM, normalised
    assert data.modalities["genre_year"].shape == (1682, 28)
    # the text encoder is a real one: two Star Wars films are closer than Star Wars and Toy Story
    # (u.item ids 50 = Star Wars, 172 = The Empire Strikes Back, 1 = Toy Story; 0-based here)
    cos = text @ text.T
    assert cos[49, 171] > cos[49, 0] + 0.1
    # same interactions as u.data, split 8:1:1 per user, labels round-trip
    raw = load_movielens100k()
    key = lambda d: torch.sort(d.user * d.num_items + d.item).values
    assert torch.equal(key(data), key(raw))
    _check_split(data)
    # and the registry reads the cached copy the same way
    assert load_dataset("ml100k-mm").num_interactions == 100000


def test_mmrec_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_mmrec(tmp_path / "missing")
    (tmp_path / "x.inter").write_text("userID\titemID\n0\t1\n")
    with pytest.raises(ValueError, match="x_label"):
        load_mmrec(tmp_path)
    (tmp_path / "x.inter").write_text("userID\titemID\trating\ttimestamp\tx_label\n0\t1\t5\t0\t0\n1\t2\t5\t0\t2\n")
    np.save(tmp_path / "image_feat.npy", np.zeros((2, 4), dtype=np.float32))  # 2 rows, 3 items used
    with pytest.raises(ValueError, match="rows"):
        load_mmrec(tmp_path)


def test_per_user_split_by_time_and_errors():
    user = torch.tensor([0] * 10 + [1] * 5)
    ts = torch.arange(15).flip(0).double()
    split = per_user_split(user, 2, timestamp=ts, order="time")
    # by time: each user's latest interactions are the test ones
    assert split[:10].tolist() == [2, 1] + [0] * 8
    assert (split[10:] == TEST).sum() == 1 and (split[10:] == VALID).sum() == 1
    with pytest.raises(ValueError, match="sum"):
        per_user_split(user, 2, ratios=(0.5, 0.1, 0.1))
    with pytest.raises(ValueError, match="timestamps"):
        per_user_split(user, 2, order="time")


def test_data_model_validation():
    with pytest.raises(ValueError, match="item ids"):
        InteractionData(2, 3, torch.tensor([0, 1]), torch.tensor([0, 3]), torch.tensor([0, 0]))
    with pytest.raises(ValueError, match="modality"):
        InteractionData(2, 3, torch.tensor([0, 1]), torch.tensor([0, 2]), torch.tensor([0, 0]),
                        modalities={"text": torch.zeros(2, 4)})
    with pytest.raises(ValueError, match="split labels"):
        InteractionData(2, 3, torch.tensor([0, 1]), torch.tensor([0, 2]), torch.tensor([0, 5]))
