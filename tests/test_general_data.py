"""Offline loaders of the general unlearners (real data bundled in PyPI packages), forget
scenarios, and the ``graph-unlearn general`` command."""
import json

import numpy as np
import pytest
import torch

from graph_unlearn.general import ForgetRequest, load_general_dataset, make_request
from graph_unlearn.general.data import embed_texts, rotten_tomatoes_texts


def test_digits_and_mnist5k_and_diabetes_load_offline():
    d = load_general_dataset("digits", seed=0)
    assert (d.num_train, len(d.x_val), len(d.x_test)) == (1257, 180, 360)
    assert d.num_features == 64 and d.num_classes == 10 and d.image_side == 8
    assert 0.0 <= float(d.x_train.min()) and float(d.x_train.max()) <= 1.0
    m = load_general_dataset("mnist5k", seed=0)
    assert m.num_train + len(m.x_val) + len(m.x_test) == 5000 and m.num_features == 784
    assert torch.bincount(torch.cat([m.y_train, m.y_val, m.y_test])).tolist() == [500] * 10
    r = load_general_dataset("diabetes", seed=0)
    assert r.task == "regression" and r.num_train + len(r.x_val) + len(r.x_test) == 442
    assert abs(float(r.y_train.mean())) < 1e-5 and 40 < r.y_scale < 100  # standardised targets
    with pytest.raises(ValueError, match="unknown dataset"):
        load_general_dataset("cifar")


def test_rotten_tomatoes_texts_and_offline_minilm(monkeypatch):
    texts, y = rotten_tomatoes_texts()
    assert len(texts) == 4866 and set(np.unique(y)) == {0, 1}
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = embed_texts(["a gripping, beautifully acted film", "a tedious mess", "a tedious mess"])
    assert emb.shape == (3, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    assert np.allclose(emb[1], emb[2]) and not np.allclose(emb[0], emb[1])


def test_forget_scenarios():
    d = load_general_dataset("digits", seed=0)
    rand = make_request(d, "random", fraction=0.1, seed=0)
    assert len(rand) == round(0.1 * d.num_train) and rand.kind == "random"
    assert len(torch.unique(rand.indices)) == len(rand)
    cls = make_request(d, "class", seed=13)
    assert cls.forget_class == 3 and (d.y_train[cls.indices] == 3).all()
    assert len(cls) == int((d.y_train == 3).sum())
    split = d.partition(cls)
    assert len(split.x_forget) + len(split.x_retain) == d.num_train and (split.y_retain != 3).all()
    r = load_general_dataset("diabetes", seed=0)
    rng = make_request(r, "range", seed=0, quantiles=(0.9, 1.0))
    lo, hi = rng.target_range
    assert ((r.y_train[rng.indices] >= lo) & (r.y_train[rng.indices] <= hi)).all()
    assert 0.05 < len(rng) / r.num_train < 0.15
    with pytest.raises(ValueError, match="fraction"):
        make_request(d, "random", fraction=0.0)
    with pytest.raises(ValueError, match="regression"):
        make_request(d, "range")
    with pytest.raises(ValueError, match="unknown forget scenario"):
        make_request(d, "half")
    with pytest.raises(ValueError, match="whole training set"):
        d.partition(ForgetRequest(torch.arange(d.num_train)))


def test_cli_general_writes_table_and_json(tmp_path, capsys):
    from graph_unlearn.cli import main

    out = tmp_path / "report.json"
    rc = main(["general", "--dataset", "diabetes", "--forget", "range", "--methods", "finetune,blindspot",
               "--seeds", "0", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "blindspot" in text and "retrain" in text and "forget_mae" in text
    rep = json.loads(out.read_text())
    assert set(rep["methods"]) == {"original", "retrain", "finetune", "blindspot"}
    bs, ref = rep["methods"]["blindspot"], rep["methods"]["retrain"]
    assert bs["forget_mae_gap"] == pytest.approx(abs(bs["forget_mae"] - ref["forget_mae"]))
    assert main(["general", "--dataset", "digits", "--forget", "range", "--methods", "finetune"]) == 2
