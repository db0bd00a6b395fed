"""Choosing D2DGN's and GNNDelete's link-prediction defaults honestly: on separate tuning requests,
by a score that counts forgetting completeness and utility together.

    python benchmarks/tune_link_defaults.py   ->  benchmarks/results/tune_link_defaults.{md,json}

Tuning requests, in five families (a default must hold on the user's own architecture and
training loop, and at the scale where sampled steps run, not only on the library's GCN):

* ``library``: Cora and CiteSeer x the four encoders (GCN, GAT, GIN, GraphSAGE) of the library,
  trained by its early-stopped recipe, 5% "out", split and request seed 100 (the benchmarks
  report seeds 0, 1, 2);
* ``byo``: PyG's own ``GCN``/``GAT``/``GIN``/``GraphSAGE`` on Cora (seed-100 split and request),
  trained by the user's loop of ``tests/test_byo_model.py`` (Adam lr 0.005, 100 epochs, random
  negatives, no early stopping), retrained by the same loop;
* ``byo-random``: the same with a random 5% of the training edges (the request of
  ``tests/test_byo_model.py``), which reaches the well-connected edges that "out" avoids;
* ``scale``: a planted-community graph of 1M training edges (``scale.py``'s generator, graph seed
  1; the scale benchmark reports graph seed 0), a 100-edge random request, sampled steps
  (fanouts [5, 5], retained batch 256, as ``scale.py``);
* ``dense``: ogbl-ddi (featureless, mean degree ~500) with the library's GCN and its learnable
  node embedding, trained by the library's recipe, 5% "out", split and request seed 100 (the edge
  benchmark reports seeds 0, 1, 2): a dense graph where a step moves many more scores.

Each with a matched holdout withheld from every training. References per request: the original
and three retrain seeds (a band of two and a further seed, the noise floor).

Score of a setting on a request: the lower of its two completeness figures (the holdout attack's
and the distance to the retrains'; an undefined figure counts as 0), minus 10 x the validation
AUROC it loses beyond 0.01 below retrain's (validation edges only: the test edges are never
looked at). The chosen setting has the best mean score over all the requests (18) among those within
the step budget of the previous defaults (``BUDGET``: 10 steps for D2DGN, 50 for GNNDelete: speed
is what these methods promise, so a default may not buy forgetting with more steps); ties go to
the cheaper one. The best setting without the budget is reported beside it, and the previous
defaults (chosen by validation AUROC alone, ``d2dgn_options.md``) are scored the same way.

    python benchmarks/tune_link_defaults.py --report-only   # rebuild the report from the JSON
    python benchmarks/tune_link_defaults.py --families byo,scale --keep   # add families to the stored ones
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
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import shipped_link_defaults

    return shipped_link_defaults()[name]


#: why a chosen setting is not the shipped default
NOT_SHIPPED_BECAUSE: dict[str, str] = {}


def shipped_line(name: str, chosen: dict) -> str:
    ships = shipped(name)
    same = all(ships.get(k) == v for k, v in chosen.items())
    return (f"**{'Shipped' if same else 'Not shipped'}.** The link-prediction defaults in the code are "
            f"`{ {k: ships[k] for k in chosen if k in ships} }`" + ("." if same else
            f", not the chosen `{chosen}`. {NOT_SHIPPED_BECAUSE.get(name, '')}"))


PREVIOUS = {"d2dgn": {"retain_weight": 0.5, "steps": 10, "lr": 1e-3, "temperature": 4.0},
            "gnndelete": {"forget_weight": 0.5, "steps": 50, "lr": 1e-3}}
CLASSES = {"d2dgn": D2DGN, "gnndelete": GNNDelete}
FAMILIES = ("library", "byo", "byo-random", "scale", "dense")
OUT = Path(__file__).resolve().parent / "results"


def val_auroc(model, split, graph) -> float:
    from graph_unlearn.models.adapter import as_graph_model

    p, n = edge_scores(as_graph_model(model, "link"), split.x, graph, split.val_pos, split.val_neg)
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
    model = GNN(conv, split.num_features, num_nodes=split.num_nodes)
    train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg, cfg)
    request = EdgeDeletion(pair.forget)
    retrains = [Retrain(config=cfg, seed=SEED + 1000 * k).unlearn(model, split, request).model for k in range(3)]
    return split, model.eval(), request, retrains


def user_loop(model, x, edge_index, pos, epochs: int = 100):
    """The user's own link-prediction loop of ``tests/test_byo_model.py`` (PyG tutorial style)."""
    import torch.nn.functional as F
    from torch_geometric.utils import negative_sampling

    opt = torch.optim.Adam(model.parameters(), lr=0.005)
    for _ in range(epochs):
        model.train()
        opt.zero_grad()
        z = model(x, edge_index)
        neg = negative_sampling(edge_index, num_nodes=x.size(0), num_neg_samples=pos.size(1))
        eli = torch.cat([pos, neg], 1)
        label = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
        F.binary_cross_entropy_with_logits((z[eli[0]] * z[eli[1]]).sum(-1), label).backward()
        opt.step()
    return model.eval()


def byo_request(conv: str, setting: str = "out"):
    """PyG's own encoder on Cora, trained and retrained by the user's loop (module docstring)."""
    from torch_geometric.nn.models import GAT, GCN, GIN, GraphSAGE

    cls = {"gcn": GCN, "gat": GAT, "gin": GIN, "sage": GraphSAGE}[conv]
    split = split_edges(load_dataset("Cora"), seed=SEED)
    pair = sample_forget_edges(split, 0.05, setting, seed=SEED, holdout=True)
    split = withhold_holdout_edges(split, pair.holdout)
    request = EdgeDeletion(pair.forget)
    torch.manual_seed(SEED)
    model = user_loop(cls(split.num_features, 64, 2, out_channels=32), split.x, split.graph().edge_index,
                      split.train_pos)
    problem = request.apply(split)
    retrains = []
    for k in range(3):
        torch.manual_seed(SEED + 1000 * (k + 1))
        retrains.append(user_loop(cls(split.num_features, 64, 2, out_channels=32), split.x,
                                  problem.graph.edge_index, problem.retain))
    return split, model, request, retrains, {}


def scale_request():
    """The 1M-edge planted graph (graph seed 1), a 100-edge random request, sampled steps."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale import informative_split

    split = informative_split(1_000_000, seed=1)
    pair = sample_forget_edges(split, 100 / split.train_pos.size(1), "random", seed=SEED, holdout=True)
    split = withhold_holdout_edges(split, pair.holdout)
    cfg = TrainConfig(epochs=40, eval_every=10, patience=3, batch_size=1024, fanouts=(5, 5), seed=SEED)
    torch.manual_seed(SEED)
    model = GNN("gcn", 16, 128, 64)
    train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg, cfg)
    request = EdgeDeletion(pair.forget)
    retrains = [Retrain(config=cfg, seed=SEED + 1000 * k).unlearn(model, split, request, sampling=[5, 5]).model
                for k in range(3)]
    return split, model.eval(), request, retrains, {"sampling": [5, 5], "batch_size": 256}


def family_requests(family: str):
    """``(dataset, conv, builder)`` of a family's tuning requests."""
    if family == "library":
        return [(d, c, lambda d=d, c=c: (*tuning_request(d, c), {})) for d, c in itertools.product(("Cora", "CiteSeer"), CONVS)]
    if family == "byo":
        return [("Cora", f"byo-{c}", lambda c=c: byo_request(c)) for c in CONVS]
    if family == "byo-random":
        return [("Cora", f"byo-random-{c}", lambda c=c: byo_request(c, "random")) for c in CONVS]
    if family == "scale":
        return [("planted-1M", "gcn-sampled", scale_request)]
    if family == "dense":
        return [("ogbl-ddi", "gcn", lambda: (*tuning_request("ogbl-ddi", "gcn"), {}))]
    raise ValueError(f"unknown family {family!r}: one of {FAMILIES}")


def _md_paragraph(para: str) -> str:
    """A docstring paragraph as markdown: wrapped lines joined, bullets kept one per line."""
    lines: list[str] = []
    for line in para.split("\n"):
        if lines and not line.startswith("* ") and not lines[-1].startswith("    "):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    report_only = "--report-only" in argv
    keep = "--keep" in argv
    families = argv[argv.index("--families") + 1].split(",") if "--families" in argv else list(FAMILIES)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    t0 = time.time()
    rows: dict[str, dict[tuple, list[dict]]] = {name: {} for name in GRIDS}
    if report_only or keep:
        saved = json.loads((OUT / "tune_link_defaults.json").read_text())
        for name in GRIDS:
            for r in saved[name]["ranked"]:
                kept = [q for q in r["per_request"] if report_only or q.get("family", "library") not in families]
                rows[name][tuple(sorted(r["options"].items()))] = kept
    todo = [] if report_only else [(f, *r) for f in families for r in family_requests(f)]
    for family, dataset, conv, build in todo:
        split, model, request, retrains, run_kw = build()
        task = make_task(model, split, request)
        graph = request.apply(split).graph
        ref_val = val_auroc(retrains[0], split, graph)
        for name, grid in GRIDS.items():
            settings = [dict(zip(grid, v)) for v in itertools.product(*grid.values())]
            results = {}
            for opts in settings:
                kw = dict(run_kw)
                sampling = kw.pop("sampling", None)
                method = CLASSES[name](seed=SEED, **opts, **kw)
                res = method.unlearn(model, split, request, **({"sampling": sampling} if sampling else {}))
                results[tuple(sorted(opts.items()))] = res
            table = forgetting_table(task, {str(k): r.model for k, r in results.items()}, original=model,
                                     retrains=retrains, seed=SEED, n_boot=200)
            for key, res in results.items():
                row = table[str(key)]
                val = val_auroc(res.model, split, graph)
                rows[name].setdefault(key, []).append({
                    "family": family, "dataset": dataset, "conv": conv, "score": score(row, val, ref_val), "val_auroc": val, "retrain_val_auroc": ref_val,
                    "seconds": res.seconds, **{k: row.get(k) for k in ("holdout_auc", "completeness_holdout",
                                                                       "dist_mean_abs_z", "completeness_dist")}})
            print(f"{dataset} {conv} {name}: {len(settings)} settings scored ({time.time() - t0:.0f}s)", flush=True)
    report, lines = {}, ["# Link-prediction defaults chosen by completeness and utility", "",
                         *(_md_paragraph(para) for para in __doc__.strip().split("\n\n")[2:6]), ""]
    for name, by_key in rows.items():
        def defined_mean(v, m):   # over the requests where the figure is defined (completeness: NaN where
            xs = [r[m] for r in v if isinstance(r.get(m), (int, float)) and r[m] == r[m]]  # undefined)
            return sum(xs) / len(xs) if xs else None

        mean = {k: {m: x for m in ("score", "val_auroc", "retrain_val_auroc", "seconds", "completeness_holdout",
                                   "completeness_dist") if (x := defined_mean(v, m)) is not None} | {"per_request": v}
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
                  "| rank | options | score | score by family (" + " / ".join(FAMILIES) + ") | completeness (attack; "
                  "mean where defined) | completeness (distance) | val AUROC (retrain) | worst request (score, val AUROC lost beyond 0.01) "
                  "| seconds |", "|---|---|---|---|---|---|---|---|---|"]
        for i, (k, row) in enumerate(ranked, 1):
            f = lambda m: f"{row[m]:.3f}" if m in row else "n/a"  # noqa: E731
            worst = min(row["per_request"], key=lambda r: r["score"])
            lost = max(0.0, worst["retrain_val_auroc"] - 0.01 - worst["val_auroc"])
            fam = [[r["score"] for r in row["per_request"] if r.get("family", "library") == f_] for f_ in FAMILIES]
            by_family = " / ".join(f"{sum(v) / len(v):.2f}" if v else "—" for v in fam)
            lines.append(f"| {i} | {dict(k)} | {row['score']:.3f} | {by_family} | {f('completeness_holdout')} | "
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
