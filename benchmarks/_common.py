"""What the benchmark scripts share: a resumable grid of configurations (each seed saved as
soon as it is done), seed merging and the markdown tables."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable

from graph_unlearn.metrics.report import aggregate_seeds

RESULTS = Path(__file__).resolve().parent / "results"


def cell(row: dict, ref: dict, key: str) -> str:
    """``mean ± std (|gap to the reference mean|)``."""
    v, s = row[key], row.get(f"{key}_std", 0.0)
    return f"{v:.4f} ± {s:.4f} ({abs(v - ref[key]):.4f})"


def config_table(rep: dict, columns: list[tuple[str, str]], reference: str = "retrain") -> str:
    """One markdown row per method: each metric with its gap, seconds, speed-up, peak memory."""
    ref = rep["methods"][reference]
    head = "| method | " + " | ".join(f"{c} (gap)" for _, c in columns) + " | seconds | speed-up vs retrain | peak MB |"
    lines = [head, "|" + "---|" * (len(columns) + 4)]
    for name, row in rep["methods"].items():
        lines.append(f"| {name} | " + " | ".join(cell(row, ref, k) for k, _ in columns)
                     + f" | {row['seconds']:.2f} ± {row['seconds_std']:.2f} | {_speedup(row['speedup_vs_retrain'])}"
                     f" | {row['peak_mem_mb']:.0f} |")
    return "\n".join(lines)


def _speedup(x: float) -> str:
    return "—" if x == float("inf") else f"{x:.1f}x"  # the original model's row costs nothing to "unlearn"


def _raw(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.endswith("_std") and isinstance(v, (int, float))}


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
        if path.exists() and not rerun:
            reports[key] = json.loads(path.read_text())
            continue
        if only and dataset not in only and key not in only:
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
