"""Pieces every sub-command shares: argument parsing helpers and report output."""
from __future__ import annotations

import json
import math


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]``, with a clear error otherwise."""
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds must be comma-separated integers, got {text!r}") from None
    if not seeds:
        raise ValueError("--seeds is empty")
    return seeds


def write_json(report: dict, path: str | None) -> None:
    """Write ``report`` as JSON (NaN as null, other objects as strings) and say so."""
    if not path:
        return
    with open(path, "w") as f:
        json.dump(report, f, indent=2, default=lambda v: None if isinstance(v, float) and math.isnan(v) else str(v))
    print(f"wrote {path}")
