import math

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from graph_unlearn.metrics import (accuracy, aggregate_seeds, auprc, auroc, compare_to_reference, forget_auroc,
                                   format_report, js_divergence, kl_divergence, membership_attack_auc)


@pytest.mark.parametrize("seed", range(4))
def test_auroc_auprc_agree_with_sklearn_including_ties(seed):
    g = torch.Generator().manual_seed(seed)
    scores = torch.randint(0, 6, (300,), generator=g).float()  # many ties
    labels = torch.randint(0, 2, (300,), generator=g)
    assert auroc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert auprc(scores, labels) == pytest.approx(average_precision_score(labels, scores), abs=1e-12)


def test_fixed_inputs():
    s, y = torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])
    assert auroc(s, y) == pytest.approx(0.75)
    assert auprc(s, y) == pytest.approx(average_precision_score(y, s))
    assert accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0]]), torch.tensor([0, 0])) == 0.5
    with pytest.raises(ValueError, match="both positive and negative"):
        auroc(s, torch.ones(4))
    with pytest.raises(ValueError, match="differ in length"):
        auroc(s, torch.tensor([0, 1]))


def test_divergences_by_hand():
    p, q = torch.tensor([[0.5, 0.5]]), torch.tensor([[0.9, 0.1]])
    kl = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    assert kl_divergence(p, q) == pytest.approx(kl, rel=1e-6)
    m = np.array([0.7, 0.3])
    js = 0.5 * sum(a * math.log(a / b) for a, b in zip([0.5, 0.5], m)) + \
        0.5 * sum(a * math.log(a / b) for a, b in zip([0.9, 0.1], m))
    assert js_divergence(p, q) == pytest.approx(js, rel=1e-6)
    # Bernoulli vectors are [p, 1-p]; identical inputs give 0; JS is bounded by ln 2
    assert js_divergence(torch.tensor([0.5]), torch.tensor([0.9])) == pytest.approx(js, rel=1e-6)
    assert js_divergence(torch.tensor([0.3, 0.6]), torch.tensor([0.3, 0.6])) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence(torch.tensor([1.0]), torch.tensor([0.0])) == pytest.approx(math.log(2), rel=1e-6)


def test_forget_auroc_direction():
    retained = torch.linspace(1, 2, 500)
    assert forget_auroc(torch.linspace(-2, -1, 50), retained) == pytest.approx(1.0)  # forgotten: scored as non-edges
    assert forget_auroc(torch.linspace(1, 2, 50), retained, resamples=200) == pytest.approx(0.5, abs=0.06)
    with pytest.raises(ValueError, match="empty"):
        forget_auroc(torch.zeros(0), retained)


def test_membership_attack_detects_members_and_not_non_members():
    g = torch.Generator().manual_seed(0)
    members = torch.randn(2000, 2, generator=g) + 2.0
    non = torch.randn(2000, 2, generator=g)
    like_members = torch.randn(300, 2, generator=g) + 2.0
    like_non = torch.randn(300, 2, generator=g)
    assert membership_attack_auc(members, non, like_members, non[:500]) > 0.9
    assert membership_attack_auc(members, non, like_non, non[500:1000]) == pytest.approx(0.5, abs=0.07)


def test_report_gaps_and_seed_aggregation():
    agg = aggregate_seeds([{"test_auroc": 0.9, "seconds": 1.0}, {"test_auroc": 0.8, "seconds": 3.0}])
    assert agg["test_auroc"] == pytest.approx(0.85) and agg["test_auroc_std"] == pytest.approx(0.05)
    rows = compare_to_reference({"retrain": {"a": 0.9}, "x": {"a": 0.7}})
    assert rows["x"]["a_gap"] == pytest.approx(0.2) and rows["retrain"]["a_gap"] == 0.0
    with pytest.raises(ValueError, match="reference"):
        compare_to_reference({"x": {"a": 1.0}})
    table = format_report({"retrain": {"a": 0.9, "seconds": 2.0}, "x": {"a": 0.7, "seconds": 1.0}}, ["a"])
    assert "0.2000" in table and table.splitlines()[0].split()[:3] == ["method", "a", "gap"]
