"""Contract of every general unlearner on real scikit-learn digits (and diabetes for the
regression-only ones): a new model, the original untouched, the parameters changed, run stats;
one loss hook serving a classifier and a regressor; clear errors on bad input."""
import pytest
import torch

from graph_unlearn.core import parameters_changed
from graph_unlearn.core.distillation import distillation_kl
from graph_unlearn.general import (GENERAL_METHODS, SSD, BadTeacher, Blindspot, FineTune, ForgetRequest,
                                   GaussianAmnesiac, NegGradPlus, Retrain, SCRUB, get_general_method,
                                   load_general_dataset, make_request, predict, resolve_loss, train_original)
from graph_unlearn.general.data import TrainConfig
from graph_unlearn.general.task import handles
from graph_unlearn.general.evaluate import evaluate_general

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    data = load_general_dataset("digits", seed=0)
    data.recipe = TrainConfig(epochs=8, lr=3e-3, batch_size=64)
    return data, train_original(data, seed=0)


@pytest.fixture(scope="module")
def diabetes():
    data = load_general_dataset("diabetes", seed=0)
    data.recipe = TrainConfig(epochs=40, lr=3e-3, batch_size=32)
    return data, train_original(data, seed=0)


CLASSIFIERS = [m for m, cls in GENERAL_METHODS.items() if handles(cls, "classification")]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_contract_on_real_digits(name, digits):
    data, model = digits
    request = make_request(data, "class", seed=3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opts = {"epochs": 2} if name == "retrain" else {}
    if name == "ssd":
        opts = {"selection_weight": 2.0, "dampening": 0.5}  # make sure something is selected on this short-trained model
    result = get_general_method(name, seed=0, **opts).unlearn(model, data, request)
    assert result.model is not model
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "original modified"
    assert parameters_changed(model, result.model)
    assert result.seconds > 0 and result.device == "cpu" and result.method == name
    out = predict(result.model, data.x_test)
    assert out.shape == (len(data.x_test), 10) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["blindspot", "gaussian_amnesiac", "neggrad_plus", "ssd", "finetune", "salun"])
def test_contract_on_real_diabetes(name, diabetes):
    data, model = diabetes
    request = make_request(data, "range", seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opts = {"selection_weight": 1.0, "dampening": 0.5} if name == "ssd" else {}
    result = get_general_method(name, seed=0, **opts).unlearn(model, data, request)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert parameters_changed(model, result.model)
    assert predict(result.model, data.x_test).shape == (len(data.x_test),)


def test_class_forgetting_actually_forgets(digits):
    """NegGrad+ and Bad Teacher drive the forgotten class's accuracy down, keep the others."""
    data, model = digits
    request = make_request(data, "class", seed=3)
    base = evaluate_general(model, data, request)
    assert base["forget_acc"] > 0.8
    for method in (NegGradPlus(retain_weight=0.9, epochs=2), BadTeacher(lr=2e-3, retain_fraction=1.0)):
        ev = evaluate_general(method.unlearn(model, data, request).model, data, request)
        assert ev["forget_acc"] < 0.2, (method, ev)
        assert ev["test_acc_other"] > base["test_acc_other"] - 0.1, (method, ev)
        assert ev["mia_efficacy"] > base["mia_efficacy"]


def test_one_loss_hook_drives_classifier_and_regressor(digits, diabetes):
    """The same FineTune code uses cross-entropy for digits and L1 / MSE / a custom hook for
    diabetes; the hook is really called."""
    calls = []

    def l1_hook(out, y, reduction="mean"):
        calls.append(out.shape)
        return torch.nn.functional.l1_loss(out, y, reduction=reduction)

    assert resolve_loss(None, "classification").__name__ == "cross_entropy"
    assert resolve_loss(None, "regression").__name__ == "mse"
    data, model = diabetes
    request = make_request(data, "range", seed=0)
    res = FineTune(epochs=1, loss=l1_hook).unlearn(model, data, request)
    assert calls and all(len(s) == 1 for s in calls)
    assert parameters_changed(model, res.model)
    res_l1 = FineTune(epochs=1, loss="l1").unlearn(model, data, request)
    assert torch.allclose(predict(res.model, data.x_test), predict(res_l1.model, data.x_test))
    cdata, cmodel = digits
    calls.clear()
    ce_calls = []

    def ce_hook(out, y, reduction="mean"):
        ce_calls.append(out.shape)
        return torch.nn.functional.cross_entropy(out, y, reduction=reduction)
    FineTune(epochs=1, loss=ce_hook).unlearn(cmodel, cdata, make_request(cdata, "random", seed=0))
    assert ce_calls and all(s[1] == 10 for s in ce_calls)


def test_bad_teacher_uses_the_shared_two_teacher_loss(digits, monkeypatch):
    import graph_unlearn.general.methods.bad_teacher as bt
    from graph_unlearn.core import distillation

    seen = []

    def spy(*a, **kw):
        seen.append(kw["retain_weight"])
        assert kw["forget_weight"] == pytest.approx(1 - kw["retain_weight"])
        return distillation.two_teacher_loss(*a, **kw)
    monkeypatch.setattr(bt, "two_teacher_loss", spy)
    data, model = digits
    BadTeacher().unlearn(model, data, make_request(data, "random", seed=0))
    assert seen and all(0 < a < 1 for a in seen)


def test_neggrad_plus_uses_the_shared_loop(digits, monkeypatch):
    import graph_unlearn.core.retain_forget as ng
    from graph_unlearn.core import retain_forget

    seen = {}
    real = retain_forget.retain_forget_steps

    def spy(params, losses, **kw):
        seen.update(kw)
        lr_, lf = losses(0)
        seen["signs"] = (float(lr_.detach()) > 0, float(lf.detach()) < 0)   # forget term is the negated loss
        return real(params, losses, **kw)
    monkeypatch.setattr(ng, "retain_forget_steps", spy)
    data, model = digits
    NegGradPlus(retain_weight=0.8).unlearn(model, data, make_request(data, "random", seed=0))
    assert seen["retain_weight"] == 0.8 and seen["forget_weight"] == pytest.approx(0.2)
    assert seen["signs"] == (True, True)


def test_scrub_max_steps_push_away_from_teacher_on_forget(digits):
    data, model = digits
    request = make_request(data, "class", seed=3)
    split = data.partition(request)
    kl = lambda m: float(distillation_kl(predict(m, split.x_forget), predict(model, split.x_forget)))  # noqa
    weak = SCRUB(epochs=1, max_epochs=0).unlearn(model, data, request).model
    strong = SCRUB(epochs=1, max_epochs=1, forget_lr=1e-3).unlearn(model, data, request).model
    assert kl(strong) > kl(weak) + 1e-3


def test_retrain_and_ssd_and_errors(digits, diabetes):
    data, model = digits
    request = make_request(data, "random", seed=0)
    r = Retrain(epochs=1).unlearn(model, data, request)
    assert r.epochs == 1 and parameters_changed(model, r.model)
    with pytest.raises(ValueError, match="empty forget request"):
        FineTune().unlearn(model, data, ForgetRequest([]))
    with pytest.raises(ValueError, match="out of range"):
        FineTune().unlearn(model, data, ForgetRequest([0, data.num_train]))
    with pytest.raises(ValueError, match="no forget request"):
        FineTune().unlearn(model, data, None)
    with pytest.raises(ValueError, match="regression only|supports regression"):
        GaussianAmnesiac().unlearn(model, data, request)
    rdata, rmodel = diabetes
    with pytest.raises(ValueError, match="classification only|supports classification"):
        BadTeacher().unlearn(rmodel, rdata, make_request(rdata, "range", seed=0))
    with pytest.raises(ValueError, match="class forgetting needs a classification"):
        make_request(rdata, "class")
    with pytest.raises(ValueError, match="unknown method"):
        get_general_method("nope")
    with pytest.raises(ValueError, match="selection_weight"):
        SSD(selection_weight=0)
    with pytest.raises(ValueError, match="pixels"):
        model(torch.zeros(2, 10))


def test_blindspot_pulls_forget_range_towards_the_proxy(diabetes):
    """On the forgotten target range, Blindspot's error moves towards a model that never saw it."""
    data, model = diabetes
    request = make_request(data, "range", seed=0)
    base = evaluate_general(model, data, request)
    res = Blindspot().unlearn(model, data, request)
    ev = evaluate_general(res.model, data, request)
    assert ev["forget_mae"] > base["forget_mae"]
    assert ev["test_mae"] < 2 * base["test_mae"]


def test_a_method_that_changes_nothing_is_refused_and_a_benchmark_records_it(digits):
    """SSD with a selection weight no parameter's importance ratio reaches dampens nothing: the
    call raises UnchangedError (no silent no-op); run_methods with ``on_unchanged`` leaves the
    method out and says why, and without it lets the error through."""
    from graph_unlearn.core.runner import run_methods
    from graph_unlearn.core.unlearner import UnchangedError

    data, model = digits
    request = make_request(data, "random", seed=0)
    with pytest.raises(UnchangedError, match="ssd: unlearning left the parameters unchanged"):
        SSD(selection_weight=1e12).unlearn(model, data, request)
    said, done = [], []
    out = run_methods([("ssd", SSD(selection_weight=1e12)), ("retrain", Retrain(epochs=1))], model, data, request,
                      seed=0, on_unchanged=lambda name, err: said.append((name, str(err))),
                      on_done=lambda name, res: done.append((name, res is None)))
    assert list(out) == ["retrain"] and said[0][0] == "ssd" and done == [("ssd", True), ("retrain", False)]
    with pytest.raises(UnchangedError):
        run_methods([("ssd", SSD(selection_weight=1e12))], model, data, request, seed=0)
