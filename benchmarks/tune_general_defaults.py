"""Issue 13: tune the default options of the recent unlearning methods (LAF, NPO, datamodel matching)
on separate digits tuning requests, never on the reported ones.

    OMP_NUM_THREADS=1 python benchmarks/tune_general_defaults.py --methods laf,npo
    python benchmarks/tune_general_defaults.py --render   # regenerate the markdown from the json

Tuning requests: digits, split / original / forget-set seeds 100 and 101 (``benchmarks/general_recent.py``
reports seeds 0, 1, 2), scenarios ``random`` and ``worst`` (10% of the training set), i.e. 4 requests.
Each grid setting is run on each request and scored against that request's retrain and original:

* **forgetting score** = the mean, over the 4 requests and the two forgetting metrics (forget accuracy,
  MIA-efficacy), of their completeness ``graph_unlearn.metrics.yardstick.completeness`` (1 = retrain,
  0 = the original or an overshoot beyond it; undefined values, where original and retrain coincide,
  are left out of the mean);
* **utility constraint**: test accuracy within 2 points of retrain's on every request (the issue's
  target), or no further from it than the original's where the original itself is more than 2 points
  away (the no-harm reading of ``general_recent.py``: on tuning request seed 100 / worst retrain scores
  2.2 points below the original). Settings that meet it rank above those that do not; among those
  that do not, by score − 0.05 × (points beyond the allowance on the worst request).

Writes ``benchmarks/results/tune_general_defaults.md`` / ``.json`` (one section per method; a rerun with
``--methods`` replaces only those methods' entries; a ``## Reading`` tail is kept).
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
import general_recent as gr  # noqa: E402

from graph_unlearn.general import load_general_dataset, make_request, train_original  # noqa: E402
from graph_unlearn.general.evaluate import evaluate_general  # noqa: E402
from graph_unlearn.general.methods import get_general_method  # noqa: E402

TUNE_SEEDS = (100, 101)
DATASET = "digits"
FKEY, MKEY, TKEY = gr.TARGET_KEYS["classification"]
#: the grids, in rounds (a later round refines around the first one's best settings); the shipped
#: default (before this tuning) is always part of the first round
GRIDS = {
    "laf": [{"lr": [1e-3, 3e-3, 1e-2], "forget_contrast": [0.0, 1.0, 5.0], "repair_epochs": [1, 3]},
            {"lr": [1e-3, 2e-3], "forget_contrast": [0.0, 0.5, 1.0, 2.0], "repair_epochs": [1, 2]}],
    "npo": [{"lr": [2e-4, 5e-4], "epochs": [3, 5], "retain_weight": [5.0, 10.0, 20.0]},
            {"lr": [5e-4, 1e-3], "epochs": [5, 10], "retain_weight": [7.0, 10.0, 15.0]}],
    "datamodel_matching": [{"scale": [2.0, 5.0, 10.0, 20.0], "lr": [1e-3, 3e-3], "epochs": [10, 30]},
                           {"scale": [20.0, 40.0], "lr": [3e-3, 1e-2], "epochs": [5, 10]}],
}
#: the defaults shipped before this tuning (marked "shipped" in the tables)
PRE_TUNING = {"laf": {"lr": 1e-3, "forget_contrast": 0.0, "repair_epochs": 1},
              "npo": {"lr": 5e-4, "epochs": 5, "retain_weight": 5.0},
              "datamodel_matching": {"scale": 2.0, "lr": 1e-3, "epochs": 10}}
UTILITY_POINTS = 2.0
PENALTY = 0.05
OUT = Path(__file__).parent / "results" / "tune_general_defaults"


def settings(method: str) -> list[dict]:
    out = []
    for grid in GRIDS[method]:
        keys = list(grid)
        out += [o for o in (dict(zip(keys, vals)) for vals in itertools.product(*(grid[k] for k in keys)))
                if o not in out]
    return out


def references(log) -> list[dict]:
    """The tuning requests with their original and retrain (and the two models' metrics)."""
    out = []
    for seed in TUNE_SEEDS:
        data = load_general_dataset(DATASET, seed)
        original = train_original(data, seed)
        for scenario in gr.SCENARIOS:
            request = make_request(data, scenario, fraction=0.1, seed=seed)
            retrain = get_general_method("retrain", seed=seed).unlearn(original, data, request).model
            ref = {"seed": seed, "scenario": scenario, "data": data, "request": request, "original": original,
                   "retrain": retrain}
            for name in ("original", "retrain"):
                ref[name + "_metrics"] = _metrics(ref[name], ref)
            log(f"references seed {seed} {scenario}: original {ref['original_metrics']}, "
                f"retrain {ref['retrain_metrics']}")
            out.append(ref)
    return out


def _metrics(model, ref) -> dict:
    ev = evaluate_general(model, ref["data"], ref["request"], retrain=ref["retrain"], original=ref["original"],
                          seed=ref["seed"])
    return {k: float(ev[k]) for k in (FKEY, MKEY, TKEY)}


def score_setting(per_request: list[dict]) -> dict:
    """Completeness (forget accuracy, MIA) and the utility constraint over the tuning requests."""
    comps = {FKEY: [], MKEY: []}
    gaps = []
    for r in per_request:
        for key in comps:
            c = gr.completeness(r["method"][key], r["retrain"][key], r["original"][key])
            r[f"compl_{key}"] = c.value if c.defined else None
            if c.defined:
                comps[key].append(c.value)
        r["test_gap_pts"] = 100 * abs(r["method"][TKEY] - r["retrain"][TKEY])
        allowed = max(UTILITY_POINTS, 100 * abs(r["original"][TKEY] - r["retrain"][TKEY]))
        gaps.append(r["test_gap_pts"] - allowed)
    cf = float(np.mean(comps[FKEY])) if comps[FKEY] else math.nan
    cm = float(np.mean(comps[MKEY])) if comps[MKEY] else math.nan
    score = float(np.nanmean([cf, cm]))
    excess = max(gaps)
    feasible = excess <= 1e-9
    rank_key = score if feasible else score - PENALTY * excess  # ranked after every feasible setting
    return {"compl_forget": cf, "compl_mia": cm, "score": score,
            "max_test_gap_pts": max(r["test_gap_pts"] for r in per_request), "excess_pts": max(excess, 0.0),
            "feasible": feasible, "rank_key": rank_key}


def tune(method: str, refs: list[dict], log, previous: dict | None = None) -> dict:
    """Every setting of the method's grids on every tuning request; a setting already in ``previous``
    (the stored run: same requests, deterministic methods) is reused, not rerun."""
    rows = []
    done = {json.dumps(r["options"], sort_keys=True): r for r in (previous or {}).get("rows", [])}
    for opts in settings(method):
        if json.dumps(opts, sort_keys=True) in done:
            rows.append(done[json.dumps(opts, sort_keys=True)])
            continue
        t = time.perf_counter()
        per = []
        for ref in refs:
            res = get_general_method(method, seed=ref["seed"], **opts).unlearn(ref["original"], ref["data"],
                                                                                ref["request"])
            per.append({"seed": ref["seed"], "scenario": ref["scenario"], "method": _metrics(res.model, ref),
                        "original": ref["original_metrics"], "retrain": ref["retrain_metrics"]})
        row = {"options": opts, "requests": per, **score_setting(per), "seconds": time.perf_counter() - t}
        rows.append(row)
        log(f"{method} {opts}: score {row['score']:.3f} (forget {row['compl_forget']:.2f}, MIA {row['compl_mia']:.2f}), "
            f"max test gap {row['max_test_gap_pts']:.2f} pts, {row['seconds']:.1f} s")
    best = max(rows, key=lambda r: (r["feasible"], r["rank_key"]))
    return {"grid": GRIDS[method], "shipped": PRE_TUNING[method], "rows": rows,
            "chosen": best["options"]}


def _scenario_mean(row: dict, scenario: str, key: str, who: str = "method") -> float:
    return float(np.mean([r[who][key] for r in row["requests"] if r["scenario"] == scenario]))


def render(stored: dict) -> str:
    lines = ["# Tuning the defaults of the recent unlearning methods (issue 13)", "",
             f"Generated by `benchmarks/tune_general_defaults.py`. Tuning requests: {DATASET}, split / original / "
             f"forget-set seeds {', '.join(map(str, TUNE_SEEDS))} (the reported seeds of `general_recent.py` are "
             "0, 1, 2), scenarios random and worst (10%): 4 requests. Score = mean completeness "
             "(`graph_unlearn.metrics.yardstick.completeness`) of forget accuracy and MIA-efficacy over the "
             f"requests; constraint: test accuracy within {UTILITY_POINTS:g} points of retrain's on every request, or "
             "no further than the original's own gap where that is larger (settings that fail it rank below, by "
             f"score − {PENALTY} × excess points). CPU, 1 thread; seconds = the 4 requests together.", ""]
    for method, res in stored["methods"].items():
        res["shipped"] = PRE_TUNING.get(method, res["shipped"])
        rows = sorted(res["rows"], key=lambda r: (not r["feasible"], -r["rank_key"]))
        keys = list(res["grid"][0])
        ref = rows[0]["requests"]
        grid = "; then ".join(" × ".join(f"{k} {v}" for k, v in g.items()) for g in res["grid"])
        lines += [f"## {method}", "",
                  f"Grid: {grid} "
                  f"({len(rows)} settings). Shipped default before tuning: `{res['shipped']}`. "
                  f"**Chosen: `{res['chosen']}`**.", "",
                  "References (mean over the two tuning seeds): " + "; ".join(
                      f"{sc} — original forget {np.mean([r['original'][FKEY] for r in ref if r['scenario'] == sc]):.3f}, "
                      f"MIA {np.mean([r['original'][MKEY] for r in ref if r['scenario'] == sc]):.3f}, "
                      f"test {np.mean([r['original'][TKEY] for r in ref if r['scenario'] == sc]):.3f}; "
                      f"retrain forget {np.mean([r['retrain'][FKEY] for r in ref if r['scenario'] == sc]):.3f}, "
                      f"MIA {np.mean([r['retrain'][MKEY] for r in ref if r['scenario'] == sc]):.3f}, "
                      f"test {np.mean([r['retrain'][TKEY] for r in ref if r['scenario'] == sc]):.3f}"
                      for sc in gr.SCENARIOS) + ".", "",
                  "| " + " | ".join(keys) + " | forget acc random / worst | MIA random / worst | test random / worst | "
                  "compl. forget | compl. MIA | score | max test gap (pts) | meets utility | s |",
                  "|" + "---|" * (len(keys) + 10)]
        for r in rows:
            mark = " **(chosen)**" if r["options"] == res["chosen"] else ""
            mark += " (shipped)" if r["options"] == res["shipped"] else ""
            vals = [f"{r['options'][k]:g}" for k in keys]
            vals[0] += mark
            pair = lambda key: " / ".join(f"{_scenario_mean(r, sc, key):.3f}" for sc in gr.SCENARIOS)  # noqa: E731
            lines.append("| " + " | ".join(vals) + f" | {pair(FKEY)} | {pair(MKEY)} | {pair(TKEY)} | "
                         f"{r['compl_forget']:.2f} | {r['compl_mia']:.2f} | {r['score']:.3f} | "
                         f"{r['max_test_gap_pts']:.2f} | {'yes' if r['feasible'] else 'no'} | {r['seconds']:.0f} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--methods", default="laf", help=f"comma-separated, among {', '.join(GRIDS)}")
    p.add_argument("--render", action="store_true", help="only regenerate the markdown from the json")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    stored = json.loads(OUT.with_suffix(".json").read_text()) if OUT.with_suffix(".json").exists() else {"methods": {}}
    if not args.render:
        methods = [m for m in args.methods.split(",") if m]
        if any(m not in GRIDS or not GRIDS[m] for m in methods):
            p.error(f"--methods: use {', '.join(m for m in GRIDS if GRIDS[m])}")
        t0 = time.perf_counter()

        def log(msg):
            print(f"[{time.perf_counter() - t0:6.0f} s] {msg}", flush=True)

        refs = references(log)
        for m in methods:
            stored["methods"][m] = tune(m, refs, log, stored["methods"].get(m))
            gr._dump(OUT.with_suffix(".json"), stored)
    text = render(stored)
    gr.write_markdown(OUT.with_suffix(".md"), text)
    print(text)


if __name__ == "__main__":
    main()
