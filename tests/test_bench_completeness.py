"""The benchmarks' completeness column (benchmarks/_common.py) on literal per-seed numbers: nothing trains."""
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _common import completeness_column, config_table, seed_completeness  # noqa: E402

from graph_unlearn.metrics.bootstrap import Estimate  # noqa: E402

ORIGINAL = [0.99, 0.98, 0.985]
RETRAIN = [0.80, 0.82, 0.81]


def test_original_is_zero_and_retrain_is_one():
    c = seed_completeness(ORIGINAL, RETRAIN, ORIGINAL)
    assert c["reason"] is None and c["value"] == pytest.approx(0.0) and c["n"] == 3
    c = seed_completeness(RETRAIN, RETRAIN, ORIGINAL)
    assert c["value"] == pytest.approx(1.0) and c["low"] == pytest.approx(1.0) and c["high"] == pytest.approx(1.0)


def test_halfway_method_is_between_with_its_range():
    half = [(o + r) / 2 for o, r in zip(ORIGINAL, RETRAIN)]
    c = seed_completeness(half, RETRAIN, ORIGINAL)
    assert c["value"] == pytest.approx(0.5) and c["low"] == pytest.approx(0.5) and c["high"] == pytest.approx(0.5)
    # seed 0 all the way to retrain, seed 1 stays at the original, seed 2 halfway: mean 0.5, range 0..1
    mixed = [RETRAIN[0], ORIGINAL[1], half[2]]
    c = seed_completeness(mixed, RETRAIN, ORIGINAL)
    assert c["value"] == pytest.approx(0.5) and c["low"] == pytest.approx(0.0) and c["high"] == pytest.approx(1.0)
    # overshooting retrain by more than the original's distance is a failure too
    assert seed_completeness([0.5, 0.5, 0.5], RETRAIN, ORIGINAL)["value"] == pytest.approx(0.0)


def test_within_retrain_seed_noise_is_nan_with_the_reason():
    retrain = [0.80, 0.90, 0.85]           # std 0.041
    original = [0.86, 0.87, 0.88]          # mean 0.87: 0.02 from retrain's mean
    c = seed_completeness([0.85, 0.85, 0.85], retrain, original)
    assert math.isnan(c["value"]) and c["span"] == pytest.approx(0.02) and c["noise"] == pytest.approx(0.0408, abs=1e-4)
    assert "within retrain's seed noise" in c["reason"] and "cannot tell forgetting" in c["reason"]


def test_single_values_and_estimate_noise():
    c = seed_completeness(0.9, 0.8, 1.0)   # one seed: no noise, no range
    assert c["value"] == pytest.approx(0.5) and math.isnan(c["low"])
    est = Estimate(0.8, 0.7, 0.9)          # half-width 0.1 < |1.0 - 0.8| = 0.2: defined
    assert seed_completeness(0.9, est, 1.0)["value"] == pytest.approx(0.5)
    assert math.isnan(seed_completeness(0.9, Estimate(0.8, 0.5, 1.1), 1.0)["value"])   # half-width 0.3


def test_nan_and_none_seeds_are_left_out():
    c = seed_completeness([None, 0.9, math.nan], [0.8, 0.8, 0.8], [1.0, 1.0, 1.0])
    assert c["n"] == 1 and c["value"] == pytest.approx(0.5)
    c = seed_completeness([None] * 3, RETRAIN, ORIGINAL)
    assert math.isnan(c["value"]) and c["reason"]


def test_column_and_table():
    seeds = [{"original": {"m": o, "seconds": 0.0}, "retrain": {"m": r}, "half": {"m": (o + r) / 2}}
             for o, r in zip(ORIGINAL, RETRAIN)]
    cells, note = completeness_column(seeds, "m")
    assert note is None
    assert cells == {"original": "0.00 (0.00–0.00)", "retrain": "1.00 (1.00–1.00)", "half": "0.50 (0.50–0.50)"}
    noisy = [{"original": {"m": 0.5}, "retrain": {"m": r}, "x": {"m": 0.5}} for r in (0.4, 0.6, 0.5)]
    cells, note = completeness_column(noisy, "m")
    assert set(cells.values()) == {"n/a"} and "within retrain's seed noise" in note
    # a report without the original row: the stand-in row is the did-nothing reference, and the note says so
    old = [{"retrain": {"m": r}, "utu": {"m": o}, "half": {"m": (o + r) / 2}} for o, r in zip(ORIGINAL, RETRAIN)]
    assert set(completeness_column(old, "m")[0].values()) == {"n/a"}
    cells, note = completeness_column(old, "m", stand_in="utu")
    assert cells["utu"].startswith("0.00") and cells["half"].startswith("0.50") and "`utu` stands in" in note
    rep = {"methods": {n: {"m": 0.5, "m_std": 0.0, "seconds": 1.0, "seconds_std": 0.0, "speedup_vs_retrain": 1.0,
                           "peak_mem_mb": 0.0} for n in ("original", "retrain")}}
    table = config_table(rep, [("m", "metric")], extra=("C(m)", {"retrain": "1.00"})).splitlines()
    assert table[0].endswith("C(m) |") and table[1].count("---") == 6
    assert table[2].endswith(" n/a |") and table[3].endswith(" 1.00 |")


def test_verdict_takes_the_lowest_completeness_and_sees_over_forgetting_first():
    from _common import verdict

    retrain = {"holdout_auc": 0.47, "shadow_auc": 0.48}
    # the trained attacker's completeness (0.3) is the lowest of the three: partly, not forgets
    row = {"completeness_holdout": 0.8, "completeness_shadow": 0.3, "completeness_dist": 0.9,
           "holdout_auc": 0.55, "shadow_auc": 0.6}
    assert verdict(row, retrain) == "partly"
    assert verdict({**row, "completeness_shadow": math.nan}, retrain) == "forgets"
    # original and retrain within noise (no completeness defined) ...
    nothing = {"completeness_holdout": math.nan, "completeness_shadow": math.nan, "completeness_dist": math.nan}
    assert verdict({**nothing, "holdout_auc": 0.46, "shadow_auc": 0.47}, retrain) == "cannot tell"
    # ... but an attack AUC far below retrain's is visible all the same (Cora GCN nodes: GNNDelete 0.34 vs 0.47)
    assert verdict({**nothing, "holdout_auc": 0.34, "shadow_auc": 0.34}, retrain) == "over-forgets"


def test_summary_says_when_the_do_nothing_control_forgets_too():
    from _common import forgetting_summary

    retrain = {"holdout_auc": 0.5}
    good = {"completeness_holdout": 0.8, "completeness_dist": 0.9, "holdout_auc": 0.55}
    rep = {"methods": {"original": {}, "retrain": retrain, "d2dgn": good, "utu": dict(good)}}
    assert "proves little" in forgetting_summary(rep)
    rep["methods"]["utu"] = {"completeness_holdout": 0.3, "completeness_dist": 0.4, "holdout_auc": 0.7}
    assert forgetting_summary(rep) == "forgets: d2dgn; partly: utu"
