"""Datamodel matching (issue 13) on real data: scikit-learn digits, a random 10% forget request,
seed 0, compared with the original model and with Retrain."""
from __future__ import annotations

import math
import time

import pytest
import torch

from graph_unlearn.core.options import OptionError
from graph_unlearn.general import load_general_dataset, make_request, train_original
from graph_unlearn.general.methods import GENERAL_METHODS, DatamodelMatching, Retrain
from graph_unlearn.general.methods.datamodel import output_gradients


@pytest.fixture(scope="module")
def setup():
    data = load_general_dataset("digits", 0)
    original = train_original(data, 0)  # the full 30-epoch recipe: it fits the forget set (accuracy 1.0)
    request = make_request(data, "random", fraction=0.1, seed=0)
    before = {k: v.clone() for k, v in original.state_dict().items()}
    t = time.perf_counter()
    res = DatamodelMatching(seed=0).unlearn(original, data, request)
    t_method = time.perf_counter() - t
    t = time.perf_counter()
    retrain = Retrain(seed=0).unlearn(original, data, request).model
    t_retrain = time.perf_counter() - t
    print(f"\ndatamodel_matching {t_method:.2f}s, retrain {t_retrain:.2f}s, extra {res.extra}")
    return data, original, request, before, res, retrain.eval()


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model.eval()(x).argmax(1) == y).float().mean())


def margins(model, x, y):
    with torch.no_grad():
        return output_gradients(model.eval()(x), y, "classification")[2]


def test_registered():
    assert GENERAL_METHODS["datamodel_matching"] is DatamodelMatching


def test_new_model_and_original_untouched(setup):
    data, original, _, before, res, _ = setup
    assert all(torch.equal(before[k], v) for k, v in original.state_dict().items())
    assert res.model is not original
    assert any(not torch.equal(before[k], v) for k, v in res.model.state_dict().items())
    assert res.extra["checkpoints"] == 3 and res.extra["proj_dim"] == 512


def test_predicted_change_has_the_right_sign_and_tracks_retraining(setup):
    data, original, request, _, res, retrain = setup
    assert res.extra["predicted_margin_change"] < -0.1
    split = data.partition(request)
    xf, yf = split.x_forget, split.y_forget
    actual = margins(retrain, xf, yf) - margins(original, xf, yf)
    assert float(actual.mean()) < 0  # retraining does lower the forget margins
    # the per-sample prediction from the original alone correlates with retraining's change
    method = DatamodelMatching(seed=0)
    xtr, ytr = torch.cat([xf, split.x_retain]), torch.cat([yf, split.y_retain])
    forget = torch.zeros(len(xtr), dtype=torch.bool)
    forget[:len(xf)] = True
    gen = torch.Generator().manual_seed(0)
    proj = torch.randn(10 * 513, 512, generator=gen, dtype=torch.float64) / math.sqrt(512)
    pred = method.predicted_change(original.eval(), xtr, ytr, forget, xf, yf, "classification", proj)
    corr = float(torch.corrcoef(torch.stack([pred, actual.double()]))[0, 1])
    assert corr > 0.3, corr


def test_forget_margins_move_towards_retrain(setup):
    data, original, request, _, res, retrain = setup
    split = data.partition(request)
    xf, yf = split.x_forget, split.y_forget
    m_o, m_r, m_u = (float(margins(m, xf, yf).mean()) for m in (original, retrain, res.model))
    assert abs(m_u - m_r) < abs(m_o - m_r), (m_o, m_u, m_r)


def test_forget_accuracy_moves_towards_retrain(setup):
    # an expected failure (forget accuracy stayed 1.0) with the defaults before the tuning of
    # benchmarks/tune_general_defaults.py (scale 2, lr 1e-3); passes with scale 20, lr 3e-3
    data, original, request, _, res, retrain = setup
    split = data.partition(request)
    xf, yf = split.x_forget, split.y_forget
    a_o, a_r, a_u = (accuracy(m, xf, yf) for m in (original, retrain, res.model))
    assert a_o - a_r > 0.02  # the request separates the two
    assert abs(a_u - a_r) < abs(a_o - a_r), (a_o, a_u, a_r)


def test_test_accuracy_kept(setup):
    data, original, _, _, res, _ = setup
    assert abs(accuracy(res.model, data.x_test, data.y_test) - accuracy(original, data.x_test, data.y_test)) <= 0.03


@pytest.mark.parametrize("bad", [dict(proj_dim=0), dict(checkpoints=1.5), dict(ridge=-1.0),
                                 dict(hessian="exact"), dict(retain_samples=-1)])
def test_bad_options(bad):
    (name, _), = bad.items()
    with pytest.raises(OptionError, match=name):
        DatamodelMatching(**bad)


def test_regression_runs_unprojected():
    data = load_general_dataset("diabetes", 0)
    original = train_original(data, 0)
    res = DatamodelMatching(seed=0).unlearn(original, data, make_request(data, "random", fraction=0.1, seed=0))
    assert res.extra["proj_dim"] == original.out.in_features + 1  # 65 <= 512 parameters: no projection
    assert math.isfinite(res.extra["predicted_margin_change"]) and math.isfinite(res.extra["final_matching_loss"])
