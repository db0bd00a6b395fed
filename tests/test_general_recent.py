"""Issue 13 methods and evaluation modes on real data (scikit-learn digits): ACU exactness over
a deletion stream, NPO's bounded loss and its sign, linear-CKA properties, probes, exact
sharded adapters, worst-case forget sets, knowledge recovery."""
from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from graph_unlearn.core.npo import class_log_likelihood, npo_loss
from graph_unlearn.general import load_general_dataset, make_request, train_original
from graph_unlearn.general.evaluate import evaluate_general
from graph_unlearn.general.methods import ACU, GENERAL_METHODS, NPO, ShardedAdapters
from graph_unlearn.general.methods.acu import AnalyticClassifier, refit_on_retained
from graph_unlearn.general.methods.sharded_adapters import ShardedAdapterModel
from graph_unlearn.general.models import make_model, penultimate_features
from graph_unlearn.core.losses import cross_entropy
from graph_unlearn.general.worst_case import memorisation_scores, worst_case_request
from graph_unlearn.metrics.recovery import knowledge_recovery
from graph_unlearn.metrics.representation import knn_probe_accuracy, linear_cka, linear_probe_accuracy


@pytest.fixture(scope="module")
def digits():
    return load_general_dataset("digits", 0)


@pytest.fixture(scope="module")
def original(digits):
    # a shorter recipe than the benchmark's 30 epochs: the file must stay fast on a shared CPU
    return train_original(replace(digits, recipe=replace(digits.recipe, epochs=8)), 0)


def test_registered():
    for name in ("npo", "acu", "sharded_adapters"):
        assert name in GENERAL_METHODS


# -- ACU -------------------------------------------------------------------------------------------
def test_acu_stream_of_deletions_equals_retraining_the_head(digits):
    model = ACU(width=128, seed=0).fit(digits)
    assert isinstance(model, AnalyticClassifier)
    x_eval = torch.cat([digits.x_test[:100], digits.x_train[:100]])
    order = torch.randperm(digits.num_train, generator=torch.Generator().manual_seed(1))
    for i in range(10):
        request = make_request(digits, "random", fraction=0.01, seed=50 + i)
        request.indices = order[12 * i:12 * (i + 1)]  # disjoint chunks of 12 training samples
        before = model(x_eval)
        res = ACU(width=128, seed=0).unlearn(model, digits, request)
        model = res.model
        assert res.extra["removed"] == 12 and int(model.active.sum()) == digits.num_train - 12 * (i + 1)
        exact = refit_on_retained(model, digits.x_train, digits.y_train)
        diff = float((model(x_eval) - exact(x_eval)).detach().abs().max())
        assert diff <= 1e-4, f"deletion {i}: max |logit diff| to the re-solved head = {diff}"
        assert float((before - model(x_eval)).detach().abs().max()) > 1e-3  # the deletion did change the head
    assert model(x_eval).dtype == torch.float64


def test_acu_skips_already_forgotten_and_fits_from_a_network(digits, original):
    request = make_request(digits, "random", fraction=0.05, seed=3)
    res = ACU(width=256, backbone="model", seed=0).unlearn(original, digits, request)
    assert res.extra["fitted"] and res.extra["removed"] == len(request)
    with pytest.raises(ValueError, match="already forgotten"):
        ACU(width=256, seed=0).unlearn(res.model, digits, request)
    exact = refit_on_retained(res.model, digits.x_train, digits.y_train)
    assert float((res.model(digits.x_test) - exact(digits.x_test)).detach().abs().max()) <= 1e-4


# -- NPO -------------------------------------------------------------------------------------------
def test_npo_loss_is_bounded_below_and_reduces_to_its_formula():
    logp_ref = torch.log(torch.tensor([0.9, 0.5, 0.2]))
    beta = 0.1
    at_ref = npo_loss(logp_ref.clone(), logp_ref, beta, reduction="none")
    assert torch.allclose(at_ref, torch.full((3,), 2 / beta * math.log(2)))
    far = npo_loss(torch.full((3,), -1e4), logp_ref, beta)
    assert 0 <= float(far) < 1e-6
    logp = torch.log(torch.tensor([0.3, 0.1, 0.05]))
    expect = (2 / beta) * torch.log1p((logp.exp() / logp_ref.exp()) ** beta).mean()
    assert torch.allclose(npo_loss(logp, logp_ref, beta), expect)


def test_npo_stays_bounded_where_gradient_ascent_diverges(digits, original):
    """Plain SGD on the forget set: the NPO gradient is gradient ascent's weighted by
    2*sigmoid(beta*log-ratio), which vanishes as the forget samples become unlikely, so the
    forget loss levels off; gradient ascent's keeps growing."""
    from graph_unlearn.core.unlearner import clone_model

    request = make_request(digits, "random", fraction=0.1, seed=0)
    split = digits.partition(request)
    xf, yf = split.x_forget, split.y_forget
    with torch.no_grad():
        logp_ref = class_log_likelihood(original(xf), yf)
    curves = {}
    for name in ("npo", "ga"):
        net = clone_model(original)
        opt = torch.optim.SGD(net.parameters(), lr=0.02)
        ces, objs = [], []
        for _ in range(30):
            logp = class_log_likelihood(net(xf), yf)
            obj = npo_loss(logp, logp_ref, beta=0.1) if name == "npo" else logp.mean()  # GA minimises log p
            opt.zero_grad()
            obj.backward()
            opt.step()
            ces.append(float(-logp.detach().mean()))
            objs.append(float(obj.detach()))
        curves[name] = (ces, objs)
    npo_ce, npo_obj = curves["npo"]
    ga_ce, ga_obj = curves["ga"]
    assert all(math.isfinite(v) and v >= 0 for v in npo_obj)  # NPO's loss is bounded below by 0
    assert math.isfinite(npo_ce[-1]) and npo_ce[-1] > npo_ce[0] + 0.5  # it does unlearn (forget loss up) ...
    assert npo_ce[-1] - npo_ce[-11] < 0.5 * (npo_ce[10] - npo_ce[0])  # ... and levels off
    # gradient ascent diverges: its forget loss overflows or ends far above NPO's
    assert not math.isfinite(ga_ce[-1]) or ga_ce[-1] > 5 * npo_ce[-1]


def test_npo_sign_lowers_forget_confidence_more_than_retained(digits, original):
    request = make_request(digits, "class", seed=3)
    res = NPO(seed=0).unlearn(original, digits, request)
    split = digits.partition(request)
    with torch.no_grad():
        conf = lambda m, x, y: float(class_log_likelihood(m(x), y).exp().mean())  # noqa: E731
        drop_f = conf(original, split.x_forget, split.y_forget) - conf(res.model, split.x_forget, split.y_forget)
        drop_r = conf(original, split.x_retain, split.y_retain) - conf(res.model, split.x_retain, split.y_retain)
    assert drop_f > 0.1  # the forget set's true-class confidence goes down (the sign)
    assert drop_f > 5 * abs(drop_r)  # and far more than the retained set's


# -- representation metrics ------------------------------------------------------------------------
def test_linear_cka_properties_on_digits(digits):
    x = digits.x_train[:500].double()
    assert linear_cka(x, x) == pytest.approx(1.0, abs=1e-12)
    q, _ = torch.linalg.qr(torch.randn(64, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    assert linear_cka(x, 3.7 * x @ q) == pytest.approx(1.0, abs=1e-10)
    scale = torch.linspace(0.01, 10, 64, dtype=torch.float64)
    assert linear_cka(x, x * scale) < 0.95  # not invariant to anisotropic scaling
    noise = torch.randn(500, 64, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert linear_cka(x, noise) < 0.2
    with pytest.raises(ValueError):
        linear_cka(x, x[:10])


def test_probes_read_labels_from_features(digits):
    xtr, ytr, xte, yte = digits.x_train, digits.y_train, digits.x_test, digits.y_test
    assert knn_probe_accuracy(xtr, ytr, xte, yte) > 0.9
    assert linear_probe_accuracy(xtr, ytr, xte, yte) > 0.9
    shuffled = ytr[torch.randperm(len(ytr), generator=torch.Generator().manual_seed(0))]
    assert knn_probe_accuracy(xtr, shuffled, xte, yte) < 0.3


def test_evaluate_representation_keys(digits, original):
    request = make_request(digits, "random", fraction=0.1, seed=0)
    row = evaluate_general(original, digits, request, original=original, representation=True)
    assert row["cka_to_original"] == pytest.approx(1.0, abs=1e-6)
    assert row["knn_probe_forget"] > 0.9 and row["linear_probe_forget"] > 0.9
    feats = penultimate_features(original, digits.x_test[:5])
    assert feats.shape == (5, 512)


# -- sharded adapters ------------------------------------------------------------------------------
def test_sharded_adapters_exactly_equal_retraining_the_affected_adapters(digits):
    net = make_model(digits, 0)
    opts = dict(shards=3, slices=2, epochs=1, seed=0)
    method = ShardedAdapters(**opts)
    model = method.fit(net, digits)
    assert isinstance(model, ShardedAdapterModel)
    request = make_request(digits, "random", fraction=0.1, seed=0)
    request.indices = request.indices[:2]
    res = method.unlearn(model, digits, request)
    assert 0 < res.extra["redone_fraction"] < 1
    keep = torch.ones(digits.num_train, dtype=torch.bool)
    keep[request.indices] = False
    scratch = method.fit(net, digits, active=keep)
    for (k, a), (_, b) in zip(res.model.state_dict().items(), scratch.state_dict().items()):
        assert torch.equal(a, b), k
    assert torch.equal(res.model(digits.x_test), scratch(digits.x_test))
    untouched = set(range(3)) - {int(s) for s in model.shard_of[request.indices]}
    assert untouched  # 2 deleted samples cannot touch all 3 shards
    for s in untouched:
        assert all(torch.equal(a, b) for a, b in zip(model.adapters[s].state_dict().values(),
                                                     res.model.adapters[s].state_dict().values()))
    # the original model (trained with the forget samples) differs from the retrained one
    assert not torch.equal(model(digits.x_test), scratch(digits.x_test))


# -- worst-case forget sets ------------------------------------------------------------------------
def test_worst_case_sets_are_deterministic_and_not_random(digits):
    a = make_request(digits, "worst", fraction=0.1, seed=0)
    b = worst_case_request(digits, fraction=0.1, seed=0)
    assert a.kind == "worst" and torch.equal(a.indices, b.indices)
    assert len(a) == round(0.1 * digits.num_train)
    r = make_request(digits, "random", fraction=0.1, seed=0)
    overlap = len(set(a.indices.tolist()) & set(r.indices.tolist())) / len(a)
    assert overlap < 0.3
    scores = torch.as_tensor(memorisation_scores(digits, seed=0))
    mask = torch.zeros(digits.num_train, dtype=torch.bool)
    mask[a.indices] = True
    assert float(scores[mask].min()) >= float(scores[~mask].max())


# -- knowledge recovery ----------------------------------------------------------------------------
def test_knowledge_recovery_bookkeeping(digits, original):
    request = make_request(digits, "random", fraction=0.1, seed=0)
    split = digits.partition(request)
    before = {k: v.clone() for k, v in original.state_dict().items()}
    out = knowledge_recovery(original, split.x_retain, split.y_retain, split.x_forget, split.y_forget, cross_entropy,
                             original_acc=1.0, retrain_acc=0.9, steps=5)
    assert set(out) >= {"acc_before", "acc_after", "loss_before", "loss_after", "recovered"}
    with torch.no_grad():
        acc = float((original(split.x_forget).argmax(-1) == split.y_forget).float().mean())
    assert out["acc_before"] == pytest.approx(acc)
    assert out["recovered"] == pytest.approx((out["acc_after"] - 0.9) / 0.1)
    assert all(torch.equal(before[k], v) for k, v in original.state_dict().items())


# -- LAF -------------------------------------------------------------------------------------------
def test_laf_runs_without_labels(digits, original):
    from graph_unlearn.core.unlearner import clone_model
    from graph_unlearn.general.methods import LAF
    from graph_unlearn.general.methods.laf import laf_unlearn

    request = make_request(digits, "class", seed=3)
    split = digits.partition(request)
    net = clone_model(original)
    stats = laf_unlearn(net, original, split.x_retain, split.x_forget, epochs=1, vae_epochs=2,
                        generator=torch.Generator().manual_seed(0))  # inputs only: no y anywhere
    assert all(math.isfinite(v) for v in stats.values())
    assert any(not torch.equal(a, b) for a, b in zip(net.state_dict().values(), original.state_dict().values()))
    # the method reads no labels: shuffling every label leaves the result bitwise unchanged
    gen = torch.Generator().manual_seed(0)
    shuffled = replace(digits, y_train=digits.y_train[torch.randperm(digits.num_train, generator=gen)])
    a = LAF(epochs=1, repair_epochs=0, vae_epochs=2, seed=0).unlearn(original, digits, request).model
    b = LAF(epochs=1, repair_epochs=0, vae_epochs=2, seed=0).unlearn(original, shuffled, request).model
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_laf_forget_contrast_turns_forget_features_away(digits, original):
    """The repair stage's forget term (``forget_contrast``) lowers the cosine of the forget
    representations to the original's; with 0 the forget features only follow the retained repair."""
    from graph_unlearn.core.unlearner import clone_model
    from graph_unlearn.general.methods.laf import laf_unlearn

    split = digits.partition(make_request(digits, "random", seed=3))
    cos = {}
    for beta in (0.0, 5.0):
        net = clone_model(original)
        stats = laf_unlearn(net, original, split.x_retain, split.x_forget, epochs=1, repair_epochs=1, vae_epochs=2,
                            lr=3e-3, forget_contrast=beta, generator=torch.Generator().manual_seed(0))
        cos[beta] = stats["forget_cos_to_original"]
    assert cos[5.0] < cos[0.0] - 0.05
