"""Sequential-deletion benchmark: 10 successive requests, each of 0.5% of the original training
edges (link prediction) or training nodes (node classification), on Cora with a GCN.

    python benchmarks/sequential_unlearning.py [--seeds 0,1,2] [--methods utu,gnndelete,d2dgn,...]
    python benchmarks/sequential_unlearning.py --render     # rebuild the md/png from the JSON, no training

After every request each method continues from its own previous model on the cumulatively
shrunk retained graph; the reference is a model retrained from scratch on the cumulative
retained data. Under the forgetting yardstick (issue 11) every step also reports, on the
CUMULATIVE forget set (all requests so far), the forget metric that ``default_evaluate`` reports
(edges: ``forget_auroc``, retained training edges vs the deleted ones; nodes: ``forget_acc`` of
the deleted nodes queried on the original data) for retrain, a second retrain seed
(``retrain_extra``, the noise floor), the untouched original served on the retained data (= UtU)
and on the original data, and every method, with the completeness of
:func:`benchmarks._common.seed_completeness`. Writes ``benchmarks/results/sequential_unlearning.md``,
``.json`` and the per-step gap plots ``sequential_unlearning_{edges,nodes}.png`` (utility gap) and
``sequential_unlearning_{edges,nodes}_forget.png`` (forget-metric gap).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import defaults_note, seed_completeness, shipped_defaults  # noqa: E402
from graph_unlearn import (GNN, EdgeDeletion, NodeDeletion, TrainConfig, load_dataset, random_node_split,  # noqa: E402
                           sample_forget_edges, sample_forget_nodes, split_edges, train_link_predictor,
                           train_node_classifier, unlearn_sequence)
from graph_unlearn.methods import Retrain, get_method  # noqa: E402
from graph_unlearn.metrics import auroc, forget_auroc  # noqa: E402
from graph_unlearn.metrics.node import node_accuracies  # noqa: E402
from graph_unlearn.sequential import default_evaluate, merge_requests  # noqa: E402
from graph_unlearn.tasks.node_classification import NODE_TRAIN  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
STEPS, STEP_FRACTION = 10, 0.005
TARGET = 0.02             # utility gap to the cumulative retrain after step 10
EXTRA_SEED = 1000         # retrain_extra = Retrain(seed + EXTRA_SEED), as in graph_unlearn.experiments
#: the rows the md has reported for each task (the D2DGN variants its targets are about)
DEFAULT_METHODS = {"edges": "utu,gnndelete,d2dgn,d2dgn:retain_weight=0.9,d2dgn:retain_weight=0.97",
                   "nodes": "utu,gnndelete,d2dgn,d2dgn:retain_weight=0.9,d2dgn:retain_weight=0.99,"
                            "d2dgn:retain_scope=all"}
#: whose shipped D2DGN / GNNDelete defaults each task runs with (recorded in every seed's result)
DEFAULTS_TASK = {"edges": "link", "nodes": "node"}
ORIGINAL = "utu"              # the untouched original served on the current retained data
ORIGINAL_FULL = "original"    # the untouched original served on the original data
REFERENCES = ("retrain", "retrain_extra", ORIGINAL_FULL)
FORGETS, PARTLY = 0.5, 0.2    # verdict thresholds on the mean completeness (benchmarks._common.VERDICT_RULE's)


def method_from_spec(spec: str, seed: int):
    """``"d2dgn"`` or ``"d2dgn:retain_weight=0.9:steps=20"``: a method with options."""
    name, *opts = spec.split(":")
    return get_method(name, seed=seed, **dict(_option(item) for item in opts))


def _option(item: str):
    """``"retain_weight=0.9"`` -> ``("retain_weight", 0.9)``; numbers become int/float, anything else stays text."""
    key, _, text = item.partition("=")
    for cast in (int, float):
        try:
            return key, cast(text)
        except ValueError:
            pass
    return key, text


def _chunks(t, k, dim):
    return list(torch.tensor_split(t, k, dim=dim))


def _size(problem) -> int:
    """Number of retained training items: strictly decreasing along a stream, so it names the step."""
    return int(problem.retain.size(1)) if hasattr(problem, "retain") else int(problem.retain_nodes.numel())


def _cumulative_evaluator(task: str, split, requests, seed: int):
    """``evaluate(model, problem, reference)`` for :func:`unlearn_sequence`: the default metrics on
    the step's problem plus ``cum_forget`` (and ``cum_mia_auc``): the forget metric of
    :func:`default_evaluate` on the problem of ALL requests so far applied to the original data."""
    cumulative = [merge_requests(requests[:k + 1]).apply(split) for k in range(len(requests))]
    by_size = {_size(p): p for p in cumulative}
    fkey = "forget_auroc" if task == "edges" else "forget_acc"

    def evaluate(model, problem, reference=None):
        out = default_evaluate(model, problem, reference, seed=seed)
        cum = by_size[_size(problem)]  # same retained data as the step's problem, all deletions so far
        c = default_evaluate(model, cum, None, seed=seed)
        out.update(cum_forget=c[fkey], cum_mia_auc=c["mia_auc"])
        return out

    return evaluate, cumulative


@torch.no_grad()
def _original_on_original_data(task: str, model, split, cumulative, seed: int) -> list[dict]:
    """The untouched original served on the ORIGINAL data (nothing removed): utility and the forget
    metric on each step's cumulative forget set, computed as :func:`default_evaluate` does."""
    model.eval()
    rows = []
    if task == "edges":
        z = model(split.x, split.graph())
        test = torch.cat([model.decode(z, split.test_pos), model.decode(z, split.test_neg)])
        labels = torch.cat([torch.ones(split.test_pos.size(1)), torch.zeros(split.test_neg.size(1))])
        t = auroc(test, labels)
        for cum in cumulative:
            f = forget_auroc(model.decode(z, cum.forget), model.decode(z, cum.retain), resamples=10, seed=seed)
            rows.append({"test_auroc": t, "cum_forget": f, "seconds": 0.0})
    else:
        z = model(split.x, split.graph)
        t = node_accuracies(z, split.y, test=split.test_idx)["test_acc"]
        for cum in cumulative:
            rows.append({"test_acc": t, "cum_forget": node_accuracies(z, split.y, forget=cum.forget_nodes)["forget_acc"],
                         "seconds": 0.0})
    return rows


def run(task: str, methods, seed: int) -> dict:
    data = load_dataset("Cora")
    torch.manual_seed(seed)
    if task == "edges":
        split = split_edges(data, seed=seed)
        model = GNN("gcn", split.num_features)
        config = TrainConfig(seed=seed)
        train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg, config)
        pool = sample_forget_edges(split, STEP_FRACTION * STEPS, "random", seed=seed)
        requests = [EdgeDeletion(c) for c in _chunks(pool, STEPS, 1)]
        key, fkey = "test_auroc", "forget_auroc"
    else:
        split = random_node_split(data, seed=seed)
        model = GNN("gcn", split.num_features, hidden_channels=64, out_channels=split.num_classes, dropout=0.5)
        config = NODE_TRAIN
        train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx, config)
        pool = sample_forget_nodes(split, STEP_FRACTION * STEPS, seed=seed)
        requests = [NodeDeletion(c) for c in _chunks(pool, STEPS, 0)]
        key, fkey = "test_acc", "forget_acc"
    evaluate, cumulative = _cumulative_evaluator(task, split, requests, seed)
    out = {"key": key, "forget_key": fkey, "seed": seed, "request_size": len(requests[0]), "methods": {},
           "defaults": shipped_defaults(DEFAULTS_TASK[task])}
    reference_rows = None
    for name in methods:
        t0 = time.perf_counter()
        steps = unlearn_sequence(method_from_spec(name, seed), model, split, requests,
                                 reference=Retrain(config=config, seed=seed) if reference_rows is None else None,
                                 evaluate=evaluate, seed=seed)
        if reference_rows is None:
            reference_rows = [dict(s.reference_metrics, seconds=s.reference.seconds) for s in steps]
            out["methods"]["retrain"] = reference_rows
        out["methods"][name] = [dict(s.metrics, seconds=s.result.seconds) for s in steps]
        print(f"  [{task} seed {seed}] {name}: {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    steps = unlearn_sequence(Retrain(config=config, seed=seed + EXTRA_SEED), model, split, requests,
                             evaluate=evaluate, seed=seed)
    out["methods"]["retrain_extra"] = [dict(s.metrics, seconds=s.result.seconds) for s in steps]
    print(f"  [{task} seed {seed}] retrain_extra: {time.perf_counter() - t0:.1f}s", flush=True)
    out["methods"][ORIGINAL_FULL] = _original_on_original_data(task, model, split, cumulative, seed)
    # gaps to the cumulative retrain at each step
    for name, rows in out["methods"].items():
        for row, ref in zip(rows, reference_rows):
            row["gap"] = abs(row[key] - ref[key])
            row["forget_gap"] = abs(row["cum_forget"] - ref["cum_forget"])
    return out


# -- the yardstick over seeds (no training below: --render rebuilds everything from the JSON) ----------------------
def _mean(xs) -> float:
    xs = [float(x) for x in xs if x is not None and math.isfinite(float(x))]
    return sum(xs) / len(xs) if xs else math.nan


def _std(xs) -> float:
    m = _mean(xs)
    xs = [float(x) for x in xs if x is not None and math.isfinite(float(x))]
    return math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs)) if xs else math.nan


def _values(per_seed: list[dict], name: str, step: int, field: str) -> list[float]:
    """Per-seed values (seed order) of one row's field at one step (nan where missing)."""
    out = []
    for r in per_seed:
        rows = r["methods"].get(name)
        v = rows[step].get(field) if rows and len(rows) > step else None
        out.append(math.nan if v is None else float(v))
    return out


def step_completeness(per_seed: list[dict], name: str, step: int, original: str = ORIGINAL) -> dict:
    """:func:`seed_completeness` of ``name``'s cumulative forget metric at ``step`` (original = UtU,
    the untouched model on the retained data). Noise: retrain's std over seeds (seed_completeness's
    rule) and, where a ``retrain_extra`` row exists, also the mean |retrain - retrain_extra|: the
    value is n/a when the original-retrain span is within either."""
    vals = [_values(per_seed, n, step, "cum_forget") for n in (name, "retrain", original)]
    c = seed_completeness(*vals)
    extra = _values(per_seed, "retrain_extra", step, "cum_forget")
    c["extra_noise"] = _mean([abs(a - b) for a, b in zip(vals[1], extra)])
    if c["reason"] is None and math.isfinite(c["extra_noise"]) and c["span"] <= c["extra_noise"]:
        c["value"] = c["low"] = c["high"] = math.nan
        c["reason"] = (f"the original and retrain differ by {c['span']:.4f}, within the distance between two "
                       f"retrain seeds {c['extra_noise']:.4f}: cannot tell forgetting from doing nothing")
    return c


def fmt_completeness(c: dict) -> str:
    if c["reason"] is not None or not math.isfinite(c["value"]):
        return "n/a"
    return f"{c['value']:.2f} ({c['low']:.2f}–{c['high']:.2f})" if math.isfinite(c["low"]) else f"{c['value']:.2f}"


def forget_verdict(c: dict, method: float, retrain: float, original: float) -> str:
    """Whether a method forgets, from its completeness after the last step (mean over seeds):
    ``cannot tell`` where n/a, else ``forgets`` >= 0.5, ``does not forget`` <= 0.2, ``partly`` between;
    ``overshoots`` is added where the method lies beyond retrain on the side away from the original."""
    if c["reason"] is not None or not math.isfinite(c["value"]):
        return "cannot tell"
    v, low = c["value"], c.get("low", math.nan)
    word = "does not forget" if v <= PARTLY else "partly"
    if v >= FORGETS:  # "clearly above 0": the mean, and every seed where there are several
        word = "forgets" if not math.isfinite(low) or low > PARTLY else "partly (a seed at or below 0.2)"
    if all(math.isfinite(x) for x in (method, retrain, original)) and (method - retrain) * (original - retrain) < 0 \
            and abs(method - retrain) > 0.5 * abs(original - retrain):
        word = "over-forgets (beyond retrain, away from the original)" if v <= PARTLY else word + " (overshoots retrain)"
    return word


def target_verdict(gap: float, utu_gap: float, target: float = TARGET) -> str:
    """A utility target counts as met only where the do-nothing control (UtU) fails it."""
    if not math.isfinite(gap):
        return "n/a"
    if gap > target:
        return "not met"
    if math.isfinite(utu_gap) and utu_gap <= target:
        return "met, but UtU meets it too: proves nothing"
    return "MET"


def _names(per_seed: list[dict]) -> list[str]:
    names = list(dict.fromkeys(n for r in per_seed for n in r["methods"]))
    first = [n for n in ("retrain", "retrain_extra", ORIGINAL_FULL, ORIGINAL) if n in names]
    return first + [n for n in names if n not in first]


def _label(name: str) -> str:
    return {ORIGINAL: "original on retained data = UtU", ORIGINAL_FULL: "original on original data",
            "retrain": "retrain (cumulative, the goal)", "retrain_extra": "retrain_extra (another seed: noise floor)"
            }.get(name, name)


def final_table(per_seed: list[dict], key: str, fkey: str) -> tuple[list[str], dict]:
    """The after-last-step table and the per-method verdicts."""
    last = STEPS - 1
    lines = [f"| row | {key} (mean ± std) | {key} gap to retrain (min–max over seeds) | cumulative {fkey} (mean ± std) "
             f"| {fkey} gap to retrain | completeness C({fkey}) (min–max) | forgets? | C with the original on the original "
             "data as the did-nothing end |",
             "|---|---|---|---|---|---|---|---|"]
    verdicts = {}
    r_f = _mean(_values(per_seed, "retrain", last, "cum_forget"))
    o_f = _mean(_values(per_seed, ORIGINAL, last, "cum_forget"))
    for name in _names(per_seed):
        u, g = _values(per_seed, name, last, key), _values(per_seed, name, last, "gap")
        f, fg = _values(per_seed, name, last, "cum_forget"), _values(per_seed, name, last, "forget_gap")
        full = ("—" if name in ("retrain", ORIGINAL_FULL) else
                fmt_completeness(step_completeness(per_seed, name, last, original=ORIGINAL_FULL)))
        if name == "retrain":
            c_cell, v = "1 (by definition)", "reference"
        else:
            c = step_completeness(per_seed, name, last)
            c_cell = fmt_completeness(c)
            v = forget_verdict(c, _mean(f), r_f, o_f)
            if name in ("retrain_extra", ORIGINAL_FULL, ORIGINAL):
                v = f"reference ({v})"
            else:
                verdicts[name] = (v, c)
        rng = f" ({min(g):.4f}–{max(g):.4f})" if len(g) > 1 and all(map(math.isfinite, g)) else ""
        lines.append(f"| {_label(name)} | {_mean(u):.4f} ± {_std(u):.4f} | {_mean(g):.4f}{rng} | "
                     f"{_mean(f):.4f} ± {_std(f):.4f} | {_mean(fg):.4f} | {c_cell} | {v} | {full} |")
    return lines, verdicts


def write_plots(task: str, per_seed: list[dict], key: str, fkey: str, out_dir: Path = RESULTS) -> list[Path]:
    from graph_unlearn.metrics.plots import sequential_plot

    names = [n for n in _names(per_seed) if n not in ("retrain", ORIGINAL_FULL)]
    paths = []
    for field, suffix, label in (("gap", "", f"|{key} - cumulative retrain's|"),
                                 ("forget_gap", "_forget", f"|cumulative {fkey} - cumulative retrain's|")):
        series = {(_label(n) if n in (ORIGINAL, "retrain_extra") else n):
                  [_mean(_values(per_seed, n, i, field)) for i in range(STEPS)] for n in names}
        path = out_dir / f"sequential_unlearning_{task}{suffix}.png"
        sequential_plot(series, path, title=f"Cora GCN, sequential {task}: gap to cumulative retrain "
                                            f"({len(per_seed)} seed(s))", ylabel=label)
        paths.append(path)
    return paths


def write_markdown(results: dict, plots: bool = True, meta: dict | None = None, out_dir: Path = RESULTS) -> str:
    meta = meta or results.get("_meta", {})
    tasks = {t: v for t, v in results.items() if not t.startswith("_")}
    nseeds = {t: len(v) for t, v in tasks.items()}
    parts = ["# Sequential unlearning benchmark", "",
             f"Generated by `benchmarks/sequential_unlearning.py`: Cora, GCN, {STEPS} successive requests of "
             f"{STEP_FRACTION:.1%} of the original training edges (link prediction, random training edges) or "
             "training nodes (node classification, random 60/20/20 split). Each method continues from its own "
             "previous model on the cumulative retained graph; retrain = trained from scratch on the cumulative "
             "retained data at that step. Seeds: " + ", ".join(
                 f"{t} {', '.join(str(r.get('seed', '?')) for r in v)}" for t, v in tasks.items())
             + (f". {meta['note']}" if meta.get("note") else "."), "",
             "**Forgetting yardstick (issue 11).** The utility gap alone cannot show forgetting: the do-nothing "
             "control (UtU: the untouched original served on the retained graph) is as close to the cumulative "
             "retrain on test utility as the methods. Every step therefore also reports the forget metric that "
             "`default_evaluate` reports, on the **cumulative** forget set (all requests so far, applied to the "
             "original data): edges `forget_auroc` (AUROC of retained training edges vs the deleted ones, 10 "
             "equal-size resamples; ~0.5 = the deleted edges still look like training edges, retrain's value = "
             "forgotten), nodes `forget_acc` (accuracy on the deleted nodes queried on the original data). "
             "Completeness C = 1 - |M(method) - M(retrain)| / |M(original) - M(retrain)|, clipped to [0, 1], "
             "computed by `benchmarks._common.seed_completeness` (mean of the per-seed values, range over seeds) "
             "with the original = UtU (the untouched step-0 model on the current retained data); n/a where "
             "|M(original) - M(retrain)| (seed means) is within retrain's std over seeds or within the mean "
             "|retrain - retrain_extra| (retrain_extra = Retrain with seed + 1000 on the same cumulative data: "
             "the noise floor). Verdict from C after step 10: **forgets** >= 0.5 with every seed above 0.2, **partly** "
             "between, **does not forget** <= 0.2, **over-forgets** where C <= 0.2 because the method lies beyond "
             "retrain, on the side away from the original, **cannot tell** where n/a. The row `original on original data` serves the untouched "
             "model on the full graph (nothing removed); for nodes its forget metric equals UtU's (the deleted nodes "
             "are queried on the original data either way); the last column of the after-step table measures C from that "
             "row instead of UtU (for edges, UtU already moves part of the way because the deleted edges no longer "
             "carry messages; the verdict uses UtU, the library's `original` row being served on the retained data "
             "too). Nodes: the cumulative forget set is small (~8 nodes per request, "
             "~80 after step 10), so forget_acc moves in steps of ~0.012 and the per-step C is coarse.", ""]
    targets, summaries = [], []
    for task, per_seed in tasks.items():
        key = per_seed[0]["key"]
        fkey = per_seed[0].get("forget_key", "forget")
        names = [n for n in _names(per_seed) if n != ORIGINAL_FULL]
        has_cum = all("cum_forget" in r["methods"]["retrain"][0] for r in per_seed)
        parts += [f"## {task}: after step {STEPS}", ""]
        ran = [r.get("defaults") for r in per_seed]
        if any(d is None for d in ran):
            parts += [f"> The {task} seeds' results do not record the D2DGN / GNNDelete defaults they ran with "
                      "(run before the benchmark recorded them).", ""]
        else:
            parts += [n for d in {json.dumps(d, sort_keys=True) for d in ran}
                      for n in defaults_note(json.loads(d), DEFAULTS_TASK[task], f"tune_{DEFAULTS_TASK[task]}_defaults.md")]
        if has_cum:
            table, verdicts = final_table(per_seed, key, fkey)
            parts += table + [""]
            for n, (v, c) in verdicts.items():
                why = f"C = {fmt_completeness(c)}" if c["reason"] is None else f"C n/a: {c['reason']}"
                summaries.append((task, n, v))
                parts.append(f"- **{n}**: {v} under the yardstick ({why}).")
            floor = step_completeness(per_seed, "retrain_extra", STEPS - 1)
            if floor["reason"] is None:
                parts.append(f"- noise floor: retrain_extra (a retrain, another seed) itself scores C = "
                             f"{fmt_completeness(floor)}; a method at or above that is as close to the cumulative "
                             "retrain as a second retrain is.")
            parts.append("")
            if plots:
                pu, pf = write_plots(task, per_seed, key, fkey, out_dir)
                parts += [f"Gap to the cumulative retrain per step: utility ![{task} utility gap]({pu.name}), "
                          f"forget metric ![{task} forget gap]({pf.name})", ""]
        else:
            verdicts = {}
            parts += ["(the stored results predate the cumulative forget metric: rerun to get the yardstick)", ""]
        parts += [f"### {task}: {key} after each step", "",
                  f"Cells: {key} (|gap to cumulative retrain|), mean over {nseeds[task]} seed(s).", "",
                  "| step | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
        for i in range(STEPS):
            cells = [f"{_mean(_values(per_seed, n, i, key)):.4f} ({_mean(_values(per_seed, n, i, 'gap')):.4f})"
                     for n in names]
            parts.append(f"| {i + 1} | " + " | ".join(cells) + " |")
        if has_cum:
            parts += ["", f"### {task}: cumulative {fkey} after each step", "",
                      f"Cells: {fkey} on the cumulative forget set [completeness C], mean over seeds; retrain's "
                      "column is the goal.", "",
                      "| step | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
            for i in range(STEPS):
                cells = []
                for n in names:
                    v = _mean(_values(per_seed, n, i, "cum_forget"))
                    cells.append(f"{v:.4f}" if n == "retrain" else
                                 f"{v:.4f} [{fmt_completeness(step_completeness(per_seed, n, i))}]")
                parts.append(f"| {i + 1} | " + " | ".join(cells) + " |")
        secs = {n: _mean([sum(s["seconds"] for s in r["methods"][n]) for r in per_seed if n in r["methods"]])
                for n in names}
        parts += ["", f"total seconds over the {STEPS} steps: " + ", ".join(f"{n} {s:.1f}" for n, s in secs.items()), ""]
        utu_final = _mean(_values(per_seed, ORIGINAL, STEPS - 1, "gap"))
        for n in (n for n in names if n not in ("retrain", "retrain_extra", ORIGINAL)):
            gaps = [_mean(_values(per_seed, n, i, "gap")) for i in range(STEPS)]
            final, worst = gaps[-1], max(gaps)
            label = "D2DGN (defaults)" if n == "d2dgn" else (f"D2DGN ({', '.join(n.split(':')[1:])})"
                                                             if n.startswith("d2dgn") else n)
            forget = f"; forgetting: {verdicts[n][0]}" if n in verdicts else ""
            targets.append(f"- {task}: {label} {key} gap to cumulative retrain after step {STEPS}: {final:.4f}, worst "
                           f"step {worst:.4f} (≤ {TARGET}); UtU's gap {utu_final:.4f} "
                           f"({'fails' if utu_final > TARGET else 'meets'} it): "
                           f"**{target_verdict(final, utu_final)}**{forget}")
    head = ["## Targets", "",
            f"Target: utility gap to the cumulative retrain after step {STEPS} ≤ {TARGET}. A target counts as met "
            "only where the original/UtU fails it: where UtU (which forgets nothing) meets it too, the row says "
            "\"met, but UtU meets it too: proves nothing\". The forgetting verdict (yardstick above) is given "
            "with each row.", ""] + targets + [""]
    if summaries:
        by = {}
        for task, n, v in summaries:
            by.setdefault(v.split(" (")[0], []).append(f"{n} ({task})")
        head += ["## Which methods forget under the yardstick", "",
                 *(f"- {v}: {', '.join(ns)}" for v, ns in by.items()), ""]
    parts[6:6] = head   # after the title, the setup and the yardstick paragraph
    text = "\n".join(parts)
    (out_dir / "sequential_unlearning.md").write_text(text)
    return text


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--methods", default=None,
                   help="comma-separated; options after a colon, e.g. d2dgn:retain_weight=0.9 (default per task: "
                        + "; ".join(f"{t}: {m}" for t, m in DEFAULT_METHODS.items()) + ")")
    p.add_argument("--tasks", default="edges,nodes")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rerun", action="store_true", help="drop the results of tasks not asked for")
    p.add_argument("--render", action="store_true", help="rebuild the md and PNGs from the JSON; train nothing")
    p.add_argument("--note", default=None, help="a sentence added to the md's header (e.g. why fewer seeds)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "sequential_unlearning.json"
    results = json.loads(path.read_text()) if path.exists() and not args.rerun else {}
    if args.note is not None:
        results.setdefault("_meta", {})["note"] = args.note
    if not args.render:
        for t in args.tasks.split(","):  # tasks not asked for keep their earlier results
            methods = [m for m in (args.methods or DEFAULT_METHODS[t]).split(",")
                       if m and m not in ("retrain", "retrain_extra", ORIGINAL_FULL)]
            results[t] = []
            for s in args.seeds.split(","):
                t0 = time.perf_counter()
                results[t].append(run(t, methods, int(s)))
                print(f"{t} seed {s}: {time.perf_counter() - t0:.1f}s", flush=True)
                path.write_text(json.dumps(results, indent=2, default=str))  # saved as soon as a seed is done
                write_markdown(results)
    path.write_text(json.dumps(results, indent=2, default=str))
    print(write_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
