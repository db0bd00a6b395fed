"""What the benchmark scripts share: a resumable grid of configurations (each seed saved as
soon as it is done), seed merging and the markdown tables."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable, Iterable

from graph_unlearn.metrics.bootstrap import Estimate
from graph_unlearn.metrics.completeness import completeness
from graph_unlearn.metrics.report import aggregate_seeds

RESULTS = Path(__file__).resolve().parent / "results"


def cell(row: dict, ref: dict, key: str) -> str:
    """``mean ± std (|gap to the reference mean|)``."""
    v, s = row[key], row.get(f"{key}_std", 0.0)
    return f"{v:.4f} ± {s:.4f} ({abs(v - ref[key]):.4f})"


def config_table(rep: dict, columns: list[tuple[str, str]], reference: str = "retrain",
                 extra: tuple[str, dict[str, str]] | None = None) -> str:
    """One markdown row per method: each metric with its gap, seconds, speed-up, peak memory;
    ``extra = (header, {method: cell})`` adds one more column (e.g. :func:`completeness_column`)."""
    ref = rep["methods"][reference]
    head = "| method | " + " | ".join(f"{c} (gap)" for _, c in columns) + " | seconds | speed-up vs retrain | peak MB |"
    head += f" {extra[0]} |" if extra else ""
    lines = [head, "|" + "---|" * (len(columns) + 4 + bool(extra))]
    for name, row in rep["methods"].items():
        lines.append(f"| {name} | " + " | ".join(cell(row, ref, k) for k, _ in columns)
                     + f" | {row['seconds']:.2f} ± {row['seconds_std']:.2f} | {_speedup(row['speedup_vs_retrain'])}"
                     f" | {row['peak_mem_mb']:.0f} |" + (f" {extra[1].get(name, 'n/a')} |" if extra else ""))
    return "\n".join(lines)


def _speedup(x: float) -> str:
    return "—" if x == float("inf") else f"{x:.1f}x"  # the original model's row costs nothing to "unlearn"


def seed_completeness(method, retrain, original) -> dict:
    """Completeness (:func:`graph_unlearn.metrics.completeness`) of one metric from its per-seed
    values (sequences in the same seed order: seed k of each row shares seed k's request).

    Noise = the retrain values' std over seeds (the population std the tables show as ±), or the
    half-width of ``retrain`` when it is a single :class:`Estimate`. Where the original's and
    retrain's means differ by no more than that, the metric cannot see forgetting: ``value`` is nan
    and ``reason`` says why. Otherwise ``value`` = mean over seeds of the per-seed completeness and
    ``low``/``high`` = its range over seeds (nan with a single seed). Seeds where any of the three
    is not finite are left out."""
    if isinstance(retrain, Estimate):
        noise = retrain.half_width if math.isfinite(retrain.half_width) else 0.0
        retrain, method, original = [retrain.value], [_one(method)], [_one(original)]
    else:
        method, retrain, original = ([_float(v) for v in x] if isinstance(x, (list, tuple)) else [_float(x)]
                                     for x in (method, retrain, original))
        noise = None
    if not len(method) == len(retrain) == len(original):
        raise ValueError(f"per-seed values of different lengths: {len(method)}, {len(retrain)}, {len(original)}")
    seeds = [(m, r, o) for m, r, o in zip(method, retrain, original) if all(_finite(v) for v in (m, r, o))]
    out = {"value": math.nan, "low": math.nan, "high": math.nan, "n": len(seeds), "span": math.nan,
           "noise": math.nan, "reason": None}
    if not seeds:
        out["reason"] = "no seed has a finite value of this metric for the method, retrain and the original"
        return out
    mean = [sum(x) / len(seeds) for x in zip(*seeds)]
    if noise is None:
        noise = math.sqrt(sum((r - mean[1]) ** 2 for _, r, _ in seeds) / len(seeds))
    out["span"], out["noise"] = abs(mean[2] - mean[1]), noise
    overall = completeness(*mean, noise=noise)
    if not overall.defined:
        out["reason"] = (f"the original and retrain differ by {out['span']:.4f}, within retrain's seed noise "
                         f"{noise:.4f}: cannot tell forgetting from doing nothing on this metric")
        return out
    per_seed = [c.value for c in (completeness(m, r, o, noise=0.0) for m, r, o in seeds) if c.defined]
    if not per_seed:    # every seed's own span is exactly zero: only the means tell
        per_seed = [overall.value]
    out["value"] = sum(per_seed) / len(per_seed)
    if len(per_seed) > 1:
        out["low"], out["high"] = min(per_seed), max(per_seed)
    return out


def _float(v) -> float:
    return math.nan if v is None else float(v)   # None: a nan that went through JSON


def _one(x) -> float:
    return float(x.value) if isinstance(x, Estimate) else float(x[0] if isinstance(x, (list, tuple)) else x)


def row_completeness(per_seed: list[dict], metric: str, reference: str = "retrain", original: str = "original",
                     stand_in: str | None = None) -> tuple[dict[str, dict], str]:
    """:func:`seed_completeness` of ``metric`` for every row of per-seed reports
    (``[{method: {metric: value}}]``), each over the seeds that have it, and the row used as the
    did-nothing reference (``stand_in`` where no seed has an ``original`` row)."""
    if stand_in and not any(original in rep for rep in per_seed) and any(stand_in in rep for rep in per_seed):
        original = stand_in
    out = {}
    for name in dict.fromkeys(n for rep in per_seed for n in rep):
        use = [rep for rep in per_seed if all(isinstance(rep.get(k), dict) for k in (name, reference, original))]
        out[name] = seed_completeness(*([rep[k].get(metric, math.nan) for rep in use]
                                        for k in (name, reference, original)))
    return out, original


def completeness_picture(per_seed: list[dict], means: dict, metric: str, utility: str, path: Path, title: str,
                         reference: str = "retrain", stand_in: str | None = "utu") -> Path:
    """The trade-off PNG of a configuration without the yardstick's figures: speed-up over
    ``reference`` (log) against the completeness of the table's forget ``metric``
    (:func:`row_completeness`), colour = |``utility`` - the reference's|."""
    from graph_unlearn.metrics.plots import tradeoff_plot

    comp, _ = row_completeness(per_seed, metric, reference, stand_in=stand_in)
    ref = means[reference]
    rows = []
    for name, row in means.items():
        speed = row.get("speedup_vs_retrain")
        if speed is None and _finite(row.get("seconds")) and _finite(ref.get("seconds")):
            speed = ref["seconds"] / row["seconds"] if row["seconds"] > 0 else math.inf
        rows.append({"name": "retrain" if name == reference else name,
                     "speedup": math.nan if speed is None else speed,
                     "completeness": comp.get(name, {}).get("value", math.nan),
                     "utility_gap": abs(row[utility] - ref[utility]) if _finite(row.get(utility)) else math.nan})
    tradeoff_plot(rows, path, title=title, utility_label=f"|{utility} - {reference}'s|",
                  completeness_label=f"completeness of {metric} (0 = original, 1 = {reference})")
    return path


def completeness_column(per_seed: list[dict], metric: str, reference: str = "retrain",
                        original: str = "original", stand_in: str | None = None) -> tuple[dict[str, str], str | None]:
    """The cells of a completeness column over a table's rows, from per-seed reports
    (``[{method: {metric: value}}]``, one per seed), and the footnote (None if every cell is
    defined and no stand-in was used). Rows missing from a seed are computed over the seeds that
    have them. ``stand_in``: the row taken as the did-nothing reference where no seed has an
    ``original`` row (reports saved before that row existed), said so in the footnote."""
    cells, reasons, notes = {}, [], []
    rows, original = row_completeness(per_seed, metric, reference, original, stand_in)
    if original == stand_in:
        notes.append(f"this configuration's stored report has no `original` row (run before it existed): "
                     f"`{stand_in}` stands in for it as the did-nothing reference")
    for name, c in rows.items():
        if c["reason"] is None:
            cells[name] = (f"{c['value']:.2f} ({c['low']:.2f}–{c['high']:.2f})" if _finite(c["low"])
                           else f"{c['value']:.2f}")
        else:
            cells[name] = "n/a"
            if c["reason"] not in reasons:
                reasons.append(c["reason"])
    if reasons:
        notes.append("n/a: " + "; ".join(reasons))
    return cells, (f"C({metric}): " + ". ".join(notes) + ".") if notes else None


def table_with_completeness(rep: dict, columns: list[tuple[str, str]], metric: str, folder: Path,
                            key: str | None = None) -> str:
    """The main table of a configuration with a ``C(metric)`` column (issue 11; per-seed reports
    from ``folder`` when ``key`` is given) and under it why any cell is n/a."""
    cells, note = completeness_column(seed_methods(folder, key, rep) if key else [rep["methods"]], metric,
                                      stand_in="utu")
    table = config_table(rep, columns, extra=(f"C({metric})", cells))
    return table + (f"\n\n{note}" if note else "")


def seed_methods(out_dir: Path, key: str, rep: dict) -> list[dict]:
    """Per-seed ``methods`` of a :func:`run_grid` configuration (its ``<key>.seed<k>.json`` files);
    the merged means as a single "seed" where those files are missing."""
    paths = [out_dir / f"{key}.seed{s}.json" for s in rep.get("seeds", [])]
    if paths and all(p.exists() for p in paths):
        return [json.loads(p.read_text())["methods"] for p in paths]
    return [rep["methods"]]


def _raw(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.endswith("_std") and isinstance(v, (int, float))}


def shipped_defaults(task: str = "link") -> dict:
    """D2DGN's and GNNDelete's shipped defaults for ``task`` (``"link"`` or ``"node"``), read from
    the code (not typed in)."""
    from graph_unlearn.methods import d2dgn, gnndelete

    return {"d2dgn": dict(d2dgn.TASK_DEFAULTS[task]), "gnndelete": dict(gnndelete.TASK_DEFAULTS[task])}


def shipped_link_defaults() -> dict:
    return shipped_defaults("link")


def defaults_note(ran: dict, task: str, tuning: str) -> list[str]:
    """A note where a configuration's d2dgn / gnndelete rows ran with other than the shipped
    ``task`` defaults (``ran``: the defaults the report recorded, or the earlier ones)."""
    shipped = shipped_defaults(task)
    stale = [m for m in shipped if ran.get(m) != shipped[m]]
    if not stale:
        return []
    return ["> The " + " and ".join(f"{m} row ran with `{ran.get(m)}`" for m in stale) + f", not the shipped {task} "
            "defaults " + " and ".join(f"`{shipped[m]}`" for m in stale) + f" (`{tuning}`)."]


def merge_seeds(reports: list[dict], reference: str = "retrain") -> dict:
    """One report over several single-seed reports."""
    merged = dict(reports[0])
    merged["seeds"] = [s for r in reports for s in r["seeds"]]
    # rows present in every seed's report (reports saved before a row existed, e.g. the
    # original model's row, merge with newer ones on what they share)
    names = [n for n in reports[0]["methods"] if all(n in r["methods"] for r in reports)]
    merged["methods"] = {name: aggregate_seeds([_raw(r["methods"][name]) for r in reports]) for name in names}
    merged["original"] = aggregate_seeds([_raw(r["original"]) for r in reports])
    ref = merged["methods"][reference]["seconds"]
    for row in merged["methods"].values():
        row["speedup_vs_retrain"] = ref / row["seconds"] if row["seconds"] > 0 else float("inf")
    merged["total_seconds"] = sum(r.get("total_seconds", 0.0) for r in reports)
    if all("process_peak_mem_mb" in r for r in reports):
        merged["process_peak_mem_mb"] = max(r["process_peak_mem_mb"] for r in reports)
    merged["notes"] = sorted({n for r in reports for n in r.get("notes", [])})
    return merged


def run_grid(grid: Iterable[tuple[str, str, str]], run_one: Callable[[str, str, str, int], dict], out_dir: Path,
             seeds: list[int], only: set[str] | None, rerun: bool,
             write_markdown: Callable[[dict], None]) -> dict:
    """Run each ``(dataset, model, variant)`` of ``grid`` for every seed, saving
    ``<key>.seed<k>.json`` per seed and ``<key>.json`` (merged) per configuration; existing
    files are reused unless ``rerun``, so an interrupted run resumes. Returns all reports."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = {}
    for dataset, model, variant in grid:
        key = f"{dataset}-{model}-{variant}"
        path = out_dir / f"{key}.json"
        selected = not only or dataset in only or key in only
        if path.exists() and (not rerun or not selected):   # --rerun redoes the selected ones only
            reports[key] = json.loads(path.read_text())
            continue
        if not selected:
            continue
        print(f"== {key}", flush=True)
        per_seed = []
        for seed in seeds:
            seed_path = out_dir / f"{key}.seed{seed}.json"
            if seed_path.exists() and not rerun:
                per_seed.append(json.loads(seed_path.read_text()))
                continue
            one = run_one(dataset, model, variant, seed)
            seed_path.write_text(json.dumps(one, indent=2, default=str))
            per_seed.append(one)
        reports[key] = merge_seeds(per_seed)
        path.write_text(json.dumps(reports[key], indent=2, default=str))
        write_markdown(reports)
    write_markdown(reports)
    return reports


# -- the forgetting yardstick (issue 11) --------------------------------------------------------------
YARDSTICK_COLUMNS = [("holdout_auc", "holdout attack AUC"), ("completeness_holdout", "completeness (attack)"),
                     ("shadow_auc", "trained attack AUC"), ("completeness_shadow", "completeness (trained)"),
                     ("dist_mean_abs_z", "forget-set |z| to the retrains"),
                     ("completeness_dist", "completeness (distance)")]
#: the completeness figures a verdict takes the lowest of, and the attacks it checks for over-forgetting
VERDICT_KEYS = ("completeness_holdout", "completeness_shadow", "completeness_dist")
VERDICT_RULE = ("`trained attack AUC` = the shadow attacker (`graph_unlearn.metrics.shadow_attack_auc`: a logistic "
                "regression on per-element output features, trained on retained training elements against "
                "never-trained ones other than D_h, asked about D_f against D_h; n/a where the task has no such sets "
                "(user and item deletions) or the run predates it; on interactions its one feature is the score, so "
                "it equals the own-score attack). "
                "verdict, from the lowest of the completeness figures (where defined): **forgets** >= 0.5, "
                "**partly** between, **does not forget** <= 0.2; **over-forgets** where an attack AUC falls more "
                "than 0.1 below retrain's (the model marks D_f as less familiar than never-seen data, which an "
                "attacker can see too; checked first, so it shows even where the original and retrain cannot be "
                "told apart); **cannot tell** where no figure is defined (the original and retrain are within "
                "each other's noise)")


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def verdict(row: dict, reference: dict | None = None) -> str:
    for key in ("holdout_auc", "shadow_auc"):   # visible even where the original and retrain are not told apart
        auc, ref_auc = row.get(key), (reference or {}).get(key)
        if _finite(auc) and _finite(ref_auc) and auc < ref_auc - 0.1:
            return "over-forgets"
    vals = [row.get(k) for k in VERDICT_KEYS]
    vals = [v for v in vals if _finite(v)]
    if not vals:
        return "cannot tell"
    low = min(vals)
    return "forgets" if low >= 0.5 else "does not forget" if low <= 0.2 else "partly"


def _ms(row: dict, key: str) -> str:
    v = row.get(key)
    if not _finite(v):
        return "n/a"
    s = row.get(f"{key}_std")
    return f"{v:.3f} ± {s:.3f}" if _finite(s) else f"{v:.3f}"


def yardstick_table(rep: dict, utility: str, reference: str = "retrain") -> str:
    """Completeness and utility gap per method, with the original, UtU, retrain and a further
    retrain seed (``retrain_extra``, the noise floor) as reference rows, and a verdict."""
    methods = rep["methods"]
    ref = methods[reference]
    order = ["original", "utu", reference, "retrain_extra"]
    names = [n for n in order if n in methods] + [n for n in methods if n not in order]
    head = ("| method | " + " | ".join(c for _, c in YARDSTICK_COLUMNS)
            + f" | {utility} gap | speed-up vs retrain | verdict |")
    lines = [head, "|" + "---|" * (len(YARDSTICK_COLUMNS) + 4)]
    for name in names:
        row = methods[name]
        role = {"original": "original (nothing done)", "retrain_extra": "retrain, another seed (noise floor)",
                reference: "retrain (in the band)"}.get(name, name)
        gap = abs(row[utility] - ref[utility]) if _finite(row.get(utility)) else float("nan")
        lines.append(f"| {role} | " + " | ".join(_ms(row, k) for k, _ in YARDSTICK_COLUMNS)
                     + f" | {gap:.4f} | {_speedup(row.get('speedup_vs_retrain', float('nan')))} | "
                     + ("reference" if name in (reference, "retrain_extra", "original") else verdict(row, ref)) + " |")
    return "\n".join(lines)


def yardstick_plot(rep: dict, utility: str, path: Path, title: str) -> Path:
    """The trade-off PNG: speed-up over retrain (log) against completeness (the attack's where
    defined, else the distance's), colour = utility gap to retrain."""
    from graph_unlearn.metrics.plots import tradeoff_plot

    ref = rep["methods"]["retrain"]
    rows = []
    for name, row in rep["methods"].items():
        c = row.get("completeness_holdout")
        key = "completeness_holdout" if _finite(c) else "completeness_dist"
        rows.append({"name": name, "speedup": row.get("speedup_vs_retrain", float("nan")),
                     "completeness": row.get(key, float("nan")),
                     "utility_gap": abs(row[utility] - ref[utility]) if _finite(row.get(utility)) else float("nan")})
    tradeoff_plot(rows, path, title=title, utility_label=f"|{utility} - retrain's|")
    return path


def yardstick_pictures(reports: dict, utility: Callable[[dict], str], stem: str, title: str) -> list[str]:
    """One trade-off PNG per configuration of ``reports`` (``{key: rep}``) as
    ``results/<stem>_<key>.png`` (:func:`yardstick_plot`; ``utility(rep)`` names its utility
    metric), and the markdown lines linking them."""
    lines = ["## Pictures", "", "Speed-up over retrain (log) against completeness (the attack's where defined, "
             "else the distance's), colour = utility gap to retrain; one point per method, the original and "
             "retrain as reference points.", ""]
    for key, rep in reports.items():
        name = f"{stem}_{key.replace('/', '_')}.png"
        yardstick_plot(rep, utility(rep), RESULTS / name, f"{title}: {key}")
        lines.append(f"- {key}: [{name}]({name})")
    return lines + [""]


def config_yardstick_section(rep: dict, key: str, folder: str, utility: str, metric: str, title: str,
                             band: str) -> list[str]:
    """A configuration's yardstick lines: its summary, table and trade-off picture
    (``results/<folder>/<key>.png``); for a configuration run before the yardstick, the picture
    of its table's forget ``metric`` completeness (:func:`completeness_picture`)."""
    png, link = RESULTS / folder / f"{key}.png", f"![trade-off]({folder}/{key}.png)"
    if "retrain_extra" in rep["methods"]:
        yardstick_plot(rep, utility, png, title)
        return [f"Forgetting yardstick ({band}; mean ± std over seeds). {forgetting_summary(rep)}.", "",
                yardstick_table(rep, utility), "", link, ""]
    completeness_picture(seed_methods(RESULTS / folder, key, rep), rep["methods"], metric, utility, png, title)
    return ["(run before the forgetting yardstick: no holdout attack here; the picture plots the completeness of "
            f"{metric} from the table)", "", link, ""]


def forgetting_summary(rep: dict) -> str:
    """Which methods forget under the yardstick in this configuration."""
    groups: dict[str, list[str]] = {}
    for name, row in rep["methods"].items():
        if name in ("original", "retrain", "retrain_extra"):
            continue
        groups.setdefault(verdict(row, rep["methods"].get("retrain")), []).append(name)
    out = "; ".join(f"{k}: {', '.join(v)}" for k, v in groups.items())
    if "utu" in groups.get("forgets", []):
        out += (" (UtU, the original's weights untouched, forgets here too: serving the model on the retained graph "
                "alone makes the forget set look unseen, so a method's \"forgets\" proves little in this configuration)")
    return out
