"""Put every method next to the reference (retrain / Gold) with absolute gaps."""
from __future__ import annotations

import math
from typing import Iterable, Mapping


def aggregate_seeds(runs: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Mean of each numeric key over seeds, plus its (population) std under ``<key>_std``.

    Keys are the union over all runs (a key missing or non-numeric in some runs is averaged over
    the runs that have it; ``<key>_n`` then records how many did)."""
    runs = list(runs)
    if not runs:
        raise ValueError("no runs to aggregate")
    out: dict[str, float] = {}
    keys = list(dict.fromkeys(k for r in runs for k in r))  # every seed's keys, not only the first's
    for key in keys:
        vals = [float(r[key]) for r in runs if isinstance(r.get(key), (int, float))]
        if not vals:
            continue
        mean = sum(vals) / len(vals)
        out[key] = mean
        out[f"{key}_std"] = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
        if len(vals) < len(runs):
            out[f"{key}_n"] = len(vals)
    return out


def compare_to_reference(methods: Mapping[str, Mapping[str, float]], reference: str = "retrain",
                         keys: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Add ``<key>_gap = |value - reference value|`` for every metric key."""
    if reference not in methods:
        raise ValueError(f"reference method {reference!r} is not among the results: {sorted(methods)}")
    ref = methods[reference]
    keys = list(keys) if keys is not None else [k for k in ref if not k.endswith(("_std", "_gap", "_n"))]
    out = {}
    for name, vals in methods.items():
        row = dict(vals)
        for k in keys:
            if k in vals and k in ref:
                row[f"{k}_gap"] = abs(float(vals[k]) - float(ref[k]))
        out[name] = row
    return out


def format_report(methods: Mapping[str, Mapping[str, float]], metric_keys: Iterable[str],
                  reference: str = "retrain", extra_keys: Iterable[str] = ("seconds", "peak_mem_mb"),
                  markdown: bool = False) -> str:
    """A fixed-width (or markdown) table: each metric with its gap to the reference."""
    metric_keys, extra_keys = list(metric_keys), list(extra_keys)
    rows = compare_to_reference(methods, reference, metric_keys) if reference in methods else dict(methods)
    header = ["method"]
    for k in metric_keys:
        header += [k, "gap"]
    header += extra_keys
    table = []
    for name, r in rows.items():
        line = [name]
        for k in metric_keys:
            v, s = r.get(k), r.get(f"{k}_std")
            line.append("-" if v is None else (f"{v:.4f}" + (f"±{s:.4f}" if s else "")))
            g = r.get(f"{k}_gap")
            line.append("-" if g is None else f"{g:.4f}")
        for k in extra_keys:
            v = r.get(k)
            line.append("-" if v is None else f"{v:.2f}")
        table.append(line)
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(line) + " |" for line in table]
        return "\n".join(out)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), fmt.format(*["-" * w for w in widths])]
                     + [fmt.format(*line) for line in table])
