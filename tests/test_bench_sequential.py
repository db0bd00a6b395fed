"""The sequential benchmark's yardstick rendering and verdicts on literal numbers: nothing trains."""
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import sequential_unlearning as seq  # noqa: E402


def test_target_met_only_where_utu_fails_it():
    assert seq.target_verdict(0.0087, 0.0087) == "met, but UtU meets it too: proves nothing"
    assert seq.target_verdict(0.01, 0.05) == "MET"
    assert seq.target_verdict(0.03, 0.05) == "not met"
    assert seq.target_verdict(0.03, 0.001) == "not met"
    assert seq.target_verdict(math.nan, 0.05) == "n/a"


def _per_seed(rows: dict[str, list[tuple[float, float]]], steps: int = seq.STEPS) -> list[dict]:
    """``rows[name][seed] = (utility, cumulative forget metric)``, the same at every step."""
    nseeds = len(next(iter(rows.values())))
    out = []
    for s in range(nseeds):
        methods = {}
        for name, vals in rows.items():
            u, f = vals[s]
            ru, rf = rows["retrain"][s]
            methods[name] = [{"test_auroc": u, "cum_forget": f, "gap": abs(u - ru), "forget_gap": abs(f - rf),
                              "seconds": 1.0} for _ in range(steps)]
        out.append({"key": "test_auroc", "forget_key": "forget_auroc", "seed": s, "methods": methods})
    return out


ROWS = {"retrain": [(0.91, 0.70), (0.90, 0.71), (0.92, 0.69)],
        "retrain_extra": [(0.91, 0.705), (0.90, 0.70), (0.92, 0.695)],
        "original": [(0.92, 0.50), (0.92, 0.50), (0.92, 0.50)],
        "utu": [(0.915, 0.50), (0.905, 0.51), (0.925, 0.49)],
        "good": [(0.905, 0.69), (0.90, 0.70), (0.915, 0.70)],
        "nothing": [(0.91, 0.51), (0.90, 0.52), (0.92, 0.50)],
        "over": [(0.80, 0.95), (0.80, 0.95), (0.80, 0.95)]}


def test_completeness_and_verdicts():
    per_seed = _per_seed(ROWS)
    c = seq.step_completeness(per_seed, "good", seq.STEPS - 1)
    assert c["reason"] is None and c["value"] > 0.9
    assert seq.forget_verdict(c, 0.697, 0.70, 0.50) == "forgets"
    c = seq.step_completeness(per_seed, "nothing", seq.STEPS - 1)
    assert seq.forget_verdict(c, 0.51, 0.70, 0.50) == "does not forget"
    c = seq.step_completeness(per_seed, "over", seq.STEPS - 1)
    assert c["value"] == pytest.approx(0.0)
    assert seq.forget_verdict(c, 0.95, 0.70, 0.50).startswith("over-forgets")
    c = seq.step_completeness(per_seed, "utu", seq.STEPS - 1)
    assert c["value"] == pytest.approx(0.0)


def test_na_within_retrain_seed_noise():
    rows = dict(ROWS, utu=[(0.91, 0.70), (0.90, 0.69), (0.92, 0.71)])   # the original already sits at retrain
    c = seq.step_completeness(_per_seed(rows), "good", seq.STEPS - 1)
    assert c["reason"] is not None and math.isnan(c["value"])
    assert seq.fmt_completeness(c) == "n/a" and seq.forget_verdict(c, 0.7, 0.7, 0.7) == "cannot tell"
    # one seed: retrain's std is 0, the retrain_extra distance is the noise
    one = {k: v[:1] for k, v in ROWS.items()}
    one["retrain_extra"] = [(0.91, 0.55)]       # two retrain seeds 0.15 apart, original-retrain span 0.20
    assert seq.step_completeness(_per_seed(one), "good", 0)["reason"] is None
    one["retrain_extra"] = [(0.91, 0.45)]       # 0.25 apart > span 0.20: n/a
    assert "retrain seeds" in seq.step_completeness(_per_seed(one), "good", 0)["reason"]


def test_markdown_says_proves_nothing_and_names_verdicts(tmp_path):
    text = seq.write_markdown({"edges": _per_seed(ROWS)}, plots=False, out_dir=tmp_path)
    assert (tmp_path / "sequential_unlearning.md").read_text() == text
    assert f"## edges: after step {seq.STEPS}" in text
    assert "good test_auroc gap" in text and "met, but UtU meets it too: proves nothing" in text
    assert "- **good**: forgets" in text and "- **nothing**: does not forget" in text
    assert "retrain_extra (another seed: noise floor)" in text and "original on retained data = UtU" in text
    assert text.index("Forgetting yardstick") < text.index("## Targets")
