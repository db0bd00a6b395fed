"""Metrics of the general unlearners against hand-computed values on fixed tensors."""
import math

import pytest
import torch
from torch import nn

from graph_unlearn.metrics import (activation_distance, average_gap, entropy_mia_member_rate, js_divergence,
                                   loss_threshold_mia, mia_efficacy, prediction_entropy, regression_mia,
                                   relearn_time, true_class_confidence, zrf_score)


def test_zrf_is_one_minus_mean_natural_log_js():
    p = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    q = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    # row 1: disjoint supports -> JS = ln 2; row 2: identical -> 0
    assert zrf_score(p, q) == pytest.approx(1 - math.log(2) / 2, abs=1e-9)
    assert zrf_score(q, q) == pytest.approx(1.0)
    # hand-computed JS of [0.9, 0.1] vs [0.5, 0.5]
    a, b = torch.tensor([[0.9, 0.1]], dtype=torch.float64), torch.tensor([[0.5, 0.5]], dtype=torch.float64)
    m = [0.7, 0.3]
    js = 0.5 * (0.9 * math.log(0.9 / m[0]) + 0.1 * math.log(0.1 / m[1])) + \
        0.5 * (0.5 * math.log(0.5 / m[0]) + 0.5 * math.log(0.5 / m[1]))
    assert js_divergence(a, b) == pytest.approx(js, abs=1e-9)
    assert zrf_score(a, b) == pytest.approx(1 - js, abs=1e-9)


def test_activation_distance_and_confidence_entropy():
    p = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    q = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    assert activation_distance(p, q) == pytest.approx(math.sqrt(2) / 2)
    assert true_class_confidence(p, torch.tensor([1, 0])).tolist() == [0.0, 0.5]
    assert prediction_entropy(p).tolist() == pytest.approx([0.0, math.log(2)], abs=1e-9)
    with pytest.raises(ValueError, match="shape"):
        activation_distance(p, q[:1])
    with pytest.raises(ValueError, match="labels"):
        true_class_confidence(p, torch.tensor([0, 2]))


def test_mia_directions():
    gen = torch.Generator().manual_seed(0)
    members = 0.95 + 0.05 * torch.rand(300, generator=gen)       # confident on training data
    nonmembers = 0.3 + 0.4 * torch.rand(300, generator=gen)      # unsure on unseen data
    remembered = 0.95 + 0.05 * torch.rand(100, generator=gen)
    forgotten = 0.3 + 0.4 * torch.rand(100, generator=gen)
    # MIA-efficacy: fraction predicted NON-member -> high when forgotten
    assert mia_efficacy(members, nonmembers, remembered) < 0.1
    assert mia_efficacy(members, nonmembers, forgotten) > 0.9
    # entropy MIA: fraction still predicted MEMBER -> the opposite direction
    ent = lambda c: -(c * torch.log(c) + (1 - c) * torch.log(1 - c + 1e-12))  # noqa: E731
    assert entropy_mia_member_rate(ent(members), ent(nonmembers), ent(remembered)) > 0.9
    assert entropy_mia_member_rate(ent(members), ent(nonmembers), ent(forgotten)) < 0.1
    with pytest.raises(ValueError, match="forget set is empty"):
        mia_efficacy(members, nonmembers, torch.empty(0))


def test_loss_threshold_mia_cross_validated():
    member = torch.tensor([0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.2, 0.3, 0.1, 0.2])
    nonmember = torch.tensor([1.0, 1.2, 0.9, 1.5, 1.1, 1.3, 0.8, 1.4, 1.0, 1.2])
    out = loss_threshold_mia(member, nonmember, torch.tensor([0.05, 2.0, 0.2, 3.0]), folds=5)
    assert out["cv_accuracy"] == 1.0 and out["auc"] == 1.0
    assert out["forget_member_rate"] == 0.5          # threshold 0.3: two of four below
    same = loss_threshold_mia(member, member.flip(0), folds=5)
    assert same["auc"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="folds"):
        loss_threshold_mia(member, nonmember, folds=1)


def test_regression_mia_and_average_gap():
    gen = torch.Generator().manual_seed(1)
    retain_loss = 0.1 * torch.rand(200, generator=gen)
    test_loss = 1 + torch.rand(200, generator=gen)
    assert regression_mia(retain_loss, test_loss, 0.1 * torch.rand(50, generator=gen)) > 0.95
    assert regression_mia(retain_loss, test_loss, 1 + torch.rand(50, generator=gen)) < 0.75
    vals, ref = {"a": 0.9, "b": 0.5}, {"a": 0.95, "b": 0.4}
    assert average_gap(vals, ref, ["a", "b"], scale=100) == pytest.approx(7.5)
    with pytest.raises(ValueError, match="missing"):
        average_gap(vals, ref, ["a", "c"])


def test_relearn_time_counts_epochs_on_a_copy():
    torch.manual_seed(0)
    x = torch.randn(64, 5)
    y = (x[:, 0] > 0).long()
    model = nn.Linear(5, 2)
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def acc(m):
        with torch.no_grad():
            return float((m(x).argmax(-1) == y).float().mean())
    loss = nn.functional.cross_entropy
    epochs = relearn_time(model, x, y, loss, lambda m: acc(m) >= 0.95, lr=0.05, max_epochs=30)
    assert 1 <= epochs <= 30
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert relearn_time(model, x, y, loss, lambda m: True) == 0
    assert relearn_time(model, x, y, loss, lambda m: False, max_epochs=2) == 3
