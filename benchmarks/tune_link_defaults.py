"""Choosing D2DGN's and GNNDelete's link-prediction defaults honestly: on separate tuning requests,
by a score that counts forgetting completeness and utility together.

    python benchmarks/tune_link_defaults.py   ->  benchmarks/results/tune_link_defaults.{md,json}

Tuning requests: Cora and CiteSeer x the four encoders (GCN, GAT, GIN, GraphSAGE: a default must
hold on the user's own architecture, not only on GCN), 5% "out", split and request seed 100 (the
benchmarks report seeds 0, 1, 2), with a matched holdout withheld from every training. References
per request: the original and three retrain seeds (a band of two and a further seed, the noise floor).

Score of a setting on a request: the lower of its two completeness figures (the holdout attack's
and the distance to the retrains'; an undefined figure counts as 0), minus 10 x the validation
AUROC it loses beyond 0.01 below retrain's (validation edges only: the test edges are never
looked at). The chosen setting has the best mean score over the eight requests among those within
the step budget of the previous defaults (``BUDGET``: 10 steps for D2DGN, 50 for GNNDelete: speed
is what these methods promise, so a default may not buy forgetting with more steps); ties go to
the cheaper one. The best setting without the budget is reported beside it, and the previous
defaults (chosen by validation AUROC alone, ``d2dgn_options.md``) are scored the same way.

    python benchmarks/tune_link_defaults.py --report-only   # rebuild the report from the JSON
"""
from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from graph_unlearn import (D2DGN, GNN, EdgeDeletion, GNNDelete, Retrain, TrainConfig, load_dataset,  # noqa: E402
                           sample_forget_edges, split_edges, train_link_predictor)
from graph_unlearn.core.task import make_task  # noqa: E402
from graph_unlearn.metrics import auroc  # noqa: E402
from graph_unlearn.metrics.yardstick import forgetting_table  # noqa: E402
from graph_unlearn.tasks.link_prediction import edge_scores, withhold_holdout_edges  # noqa: E402

SEED = 100
CONVS = ("gcn", "gat", "gin", "sage")
#: the GCN-only run (temperature 1 and 4) found the temperature second-order and retain weight 0.1
#: the worst for utility; lr 2e-3 sits between the previous default and the GCN-only choice, which
#: cost GAT 0.13 test AUROC; retain weights 0.7 and 0.9 are the sequential benchmark's better ones
GRIDS = {
    "d2dgn": {"retain_weight": [0.9, 0.7, 0.5, 0.3], "steps": [10, 30], "lr": [1e-3, 2e-3, 5e-3],
              "temperature": [4.0]},
    "gnndelete": {"forget_weight": [0.5, 0.8], "steps": [50, 100], "lr": [1e-3, 2e-3, 5e-3]},
}
BUDGET = {"d2dgn": 10, "gnndelete": 50}


def shipped(name: str) -> dict:
    """The method's shipped link-prediction defaults, read from the code (not typed in)."""
    from graph_unlearn.methods import d2dgn, gnndelete
    return dict((d2dgn if name == "d2dgn" else gnndelete).TASK_DEFAULTS["link"])


#: why a chosen setting is not the shipped default
NOT_SHIPPED_BECAUSE = {
    "d2dgn": "On PyG's four tutorial encoders trained by the user's own loop (`tests/test_byo_model.py`, two torch "
             "threads, two runs) retain weight 0.7 at lr 5e-3 cost 0.036-0.095 test AUROC (GCN 0.036-0.041, "
             "GraphSAGE 0.036-0.038, GAT 0.048-0.061, GIN 0.085-0.095) where the shipped setting costs 0.01-0.03. "
             "On the tuning requests, whose originals are trained by the library's early-stopped recipe, the two "
             "settings' validation AUROC differ by at most 0.006 per request, so the score could not see that cost. Pass `retain_weight=0.7, "
             "lr=5e-3` when forgetting matters more than that utility.",
}


def shipped_line(name: str, chosen: dict) -> str:
    ships = shipped(name)
    same = all(ships.get(k) == v for k, v in chosen.items())
    return (f"**{'Shipped' if same else 'Not shipped'}.** The link-prediction defaults in the code are "
            f"`{ {k: ships[k] for k in chosen if k in ships} }`" + ("." if same else
            f", not the chosen `{chosen}`. {NOT_SHIPPED_BECAUSE.get(name, '')}"))


PREVIOUS = {"d2dgn": {"retain_weight": 0.5, "steps": 10, "lr": 1e-3, "temperature": 4.0},
            "gnndelete": {"forget_weight": 0.5, "steps": 50, "lr": 1e-3}}
CLASSES = {"d2dgn": D2DGN, "gnndelete": GNNDelete}
OUT = Path(__file__).resolve().parent / "results"


def val_auroc(model, split, graph) -> float:
    p, n = edge_scores(model, split.x, graph, split.val_pos, split.val_neg)
    return float(auroc(torch.cat([p, n]), torch.cat([torch.ones_like(p), torch.zeros_like(n)])))


def score(row: dict, val: float, ref_val: float) -> float:
    cs = [row.get("completeness_holdout"), row.get("completeness_dist")]
    low = min(c if c is not None and c == c else 0.0 for c in cs)
    return low - 10.0 * max(0.0, ref_val - 0.01 - val)


def tuning_request(dataset: str, conv: str):
    split = split_edges(load_dataset(dataset), seed=SEED)
    pair = sample_forget_edges(split, 0.05, "out", seed=SEED, holdout=True)
    split = withhold_holdout_edges(split, pair.holdout)
    cfg = TrainConfig(seed=SEED)
    torch.manual_seed(SEED)
    model = GNN(conv, split.num_features)
    train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg, cfg)
    request = EdgeDeletion(pair.forget)
    retrains = [Retrain(config=cfg, seed=SEED + 1000 * k).unlearn(model, split, request).model for k in range(3)]
    return split, model.eval(), request, retrains


def main(argv=None) -> int:
    report_only = "--report-only" in (sys.argv[1:] if argv is None else argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    t0 = time.time()
    rows: dict[str, dict[tuple, list[dict]]] = {name: {} for name in GRIDS}
    if report_only:
        saved = json.loads((OUT / "tune_link_defaults.json").read_text())
        for name in GRIDS:
            for r in saved[name]["ranked"]:
                rows[name][tuple(sorted(r["options"].items()))] = r["per_request"]
    for dataset, conv in (() if report_only else itertools.product(("Cora", "CiteSeer"), CONVS)):
        split, model, request, retrains = tuning_request(dataset, conv)
        task = make_task(model, split, request)
        graph = request.apply(split).graph
        ref_val = val_auroc(retrains[0], split, graph)
        for name, grid in GRIDS.items():
            settings = [dict(zip(grid, v)) for v in itertools.product(*grid.values())]
            results = {}
            for opts in settings:
                res = CLASSES[name](seed=SEED, **opts).unlearn(model, split, request)
                results[tuple(sorted(opts.items()))] = res
            table = forgetting_table(task, {str(k): r.model for k, r in results.items()}, original=model,
                                     retrains=retrains, seed=SEED, n_boot=200)
            for key, res in results.items():
                row = table[str(key)]
                val = val_auroc(res.model, split, graph)
                rows[name].setdefault(key, []).append({
                    "dataset": dataset, "conv": conv, "score": score(row, val, ref_val), "val_auroc": val, "retrain_val_auroc": ref_val,
                    "seconds": res.seconds, **{k: row.get(k) for k in ("holdout_auc", "completeness_holdout",
                                                                       "dist_mean_abs_z", "completeness_dist")}})
            print(f"{dataset} {conv} {name}: {len(settings)} settings scored ({time.time() - t0:.0f}s)", flush=True)
    report, lines = {}, ["# Link-prediction defaults chosen by completeness and utility", "",
                         *(para.replace("\n", " ") for para in __doc__.strip().split("\n\n")[2:4]), ""]
    for name, by_key in rows.items():
        mean = {k: {m: sum(r[m] for r in v) / len(v) for m in ("score", "val_auroc", "retrain_val_auroc", "seconds",
                                                               "completeness_holdout", "completeness_dist")
                    if all(isinstance(r[m], (int, float)) and r[m] == r[m] for r in v)} | {"per_request": v}
                for k, v in by_key.items()}
        ranked = sorted(mean.items(), key=lambda kv: (-kv[1]["score"], kv[1]["seconds"]))
        within = [(k, row) for k, row in ranked if dict(k)["steps"] <= BUDGET[name]]
        chosen = dict(within[0][0])
        prev = tuple(sorted(PREVIOUS[name].items()))
        report[name] = {"chosen": chosen, "best_without_budget": dict(ranked[0][0]), "budget_steps": BUDGET[name],
                        "previous": PREVIOUS[name], "ranked": [
            {"options": dict(k), **{m: v for m, v in row.items() if m != "per_request"}, "per_request": row["per_request"]}
            for k, row in ranked]}
        lines += [f"## {name}", "", shipped_line(name, chosen), "", f"Chosen (at most {BUDGET[name]} steps): `{chosen}` (score "
                  f"{within[0][1]['score']:.3f}, {within[0][1]['seconds']:.2f} s); best without the budget: "
                  f"`{dict(ranked[0][0])}` (score {ranked[0][1]['score']:.3f}, {ranked[0][1]['seconds']:.2f} s); "
                  f"previous defaults `{PREVIOUS[name]}` score {mean[prev]['score']:.3f} (rank "
                  f"{[k for k, _ in ranked].index(prev) + 1} of {len(ranked)}).", "",
                  "| rank | options | score | completeness (attack) | completeness (distance) | val AUROC (retrain) "
                  "| worst request (score, val AUROC lost beyond 0.01) | seconds |", "|---|---|---|---|---|---|---|---|"]
        for i, (k, row) in enumerate(ranked, 1):
            f = lambda m: f"{row[m]:.3f}" if m in row else "n/a"  # noqa: E731
            worst = min(row["per_request"], key=lambda r: r["score"])
            lost = max(0.0, worst["retrain_val_auroc"] - 0.01 - worst["val_auroc"])
            lines.append(f"| {i} | {dict(k)} | {row['score']:.3f} | {f('completeness_holdout')} | "
                         f"{f('completeness_dist')} | {row['val_auroc']:.4f} ({row['retrain_val_auroc']:.4f}) | "
                         f"{worst['dataset']} {worst.get('conv', 'gcn')} ({worst['score']:.2f}, {lost:.3f}) | {row['seconds']:.2f} |")
        lines.append("")
    if not report_only:
        (OUT / "tune_link_defaults.json").write_text(json.dumps(report, indent=1, default=str))
    (OUT / "tune_link_defaults.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT / 'tune_link_defaults.md'} in {time.time() - t0:.0f}s; chosen "
          f"{ {n: r['chosen'] for n, r in report.items()} }")
    return 0


if __name__ == "__main__":
    sys.exit(main())
