"""Pieces every sub-command shares: argument checks (run by argparse, before any work: a wrong
flag exits with code 2 and a message naming it) and report output."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path


class FlagError(ValueError):
    """A command-line flag that is wrong or does not apply; the message starts with the flag."""


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]`` (distinct non-negative integers), with a clear error otherwise."""
    parts = [s.strip() for s in str(text).split(",")]
    if not any(parts):
        raise ValueError("--seeds is empty")
    if not all(parts):
        raise ValueError(f"--seeds must be comma-separated integers without empty entries, got {text!r}")
    try:
        seeds = [int(s) for s in parts]
    except ValueError:
        raise ValueError(f"--seeds must be comma-separated integers, got {text!r}") from None
    if any(s < 0 for s in seeds):
        raise ValueError(f"--seeds must be non-negative, got {text!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds lists a seed twice, got {text!r}")
    return seeds


def _arg(check):
    """Wrap ``check(text)`` as an argparse ``type``: its ValueError becomes a usage error (exit 2)."""
    def convert(text):
        try:
            return check(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err).removeprefix("--seeds ").strip()) from None
    convert.__name__ = check.__name__
    return convert


def _parsed(text: str, convert, ok, what: str):
    """``convert(text)`` when it parses and ``ok`` holds, else ``ValueError("must be <what>, got ...")``."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not ok(value):   # ``ok`` also refuses nan
        raise ValueError(f"must be {what}, got {text!r}")
    return value


def _fraction(text: str) -> float:
    return _parsed(text, float, lambda v: 0 < v < 1, "a number in (0, 1)")


def _positive_int(text: str) -> int:
    return _parsed(text, int, lambda v: v >= 1, "a positive integer")


def _device(text: str) -> str:
    from ..core.profiling import resolve_device

    resolve_device(text)   # ValueError: unknown / unavailable
    return text


def _existing_dir(text: str) -> str:
    path = Path(text).expanduser()
    if not path.exists():
        raise ValueError(f"folder {text!r} does not exist")
    if not path.is_dir():
        raise ValueError(f"{text!r} is not a folder")
    return str(path)


def _writable_dir(text: str) -> str:
    """A folder that exists and is writable, or one that can be created (its nearest existing
    ancestor is a writable folder)."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{text!r} exists and is not a folder")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write into {text!r} ({probe} is not a writable folder)")
    return str(path)


def _writable_file(text: str) -> str:
    """A file path whose folder exists and is writable (and that is not itself a folder)."""
    path = Path(text).expanduser()
    if not text or path.is_dir():
        raise ValueError(f"{text!r} is a folder, not a file name")
    parent = path.parent
    if not parent.is_dir():
        raise ValueError(f"folder {str(parent)!r} of {text!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"{text!r} is not writable")
    return str(path)


def _png_file(text: str) -> str:
    """A ``.png`` file path whose folder exists and is writable."""
    if not str(text).lower().endswith(".png"):
        raise ValueError(f"must be a file name ending in .png, got {text!r}")
    return _writable_file(text)


#: argparse ``type=`` checks
seeds_arg = _arg(parse_seeds)
fraction_arg = _arg(_fraction)
positive_int_arg = _arg(_positive_int)
device_arg = _arg(_device)
existing_dir_arg = _arg(_existing_dir)
writable_dir_arg = _arg(_writable_dir)
json_path_arg = _arg(_writable_file)
png_path_arg = _arg(_png_file)


#: the forgetting yardstick's columns (``--yardstick``)
YARDSTICK_KEYS = ("holdout_auc", "completeness_holdout", "dist_mean_abs_z", "completeness_dist")


def print_yardstick(methods: dict) -> None:
    """The yardstick's table (when the report has it) with how to read it."""
    if not any("completeness_dist" in r for r in methods.values()):
        return
    print("\nforgetting yardstick: holdout_auc = own-score attack of the forget set vs a matched holdout never "
          "trained on (0.5 = cannot tell); dist_mean_abs_z = distance of the forget-set scores to the retrain "
          "seeds; completeness 0 = did nothing (original), 1 = like retrain, nan = cannot tell here")
    width = max(len(n) for n in methods) + 2
    print("method".ljust(width) + "".join(k.rjust(22) for k in YARDSTICK_KEYS))
    for name, r in methods.items():
        print(name.ljust(width) + "".join(f"{r.get(k, math.nan):22.4f}" for k in YARDSTICK_KEYS))


def add_audit_plot_args(p) -> None:
    """``--audit DIR``, ``--plot FILE.png`` and ``--yardstick``, shared by ``run``, ``rec`` and ``general``."""
    p.add_argument("--yardstick", action="store_true",
                   help="the forgetting yardstick: withhold a matched holdout (drawn with the forget set) from every "
                        "training, run two more retrain seeds, and report the holdout attack, the distance to the "
                        "retrains and forgetting completeness per method (about twice the run time)")
    p.add_argument("--audit", default=None, type=writable_dir_arg,
                   help="save every unlearning result to DIR/<method>-seed<seed>/ (model.pt, loadable with "
                        "torch.load(..., weights_only=True), and audit.json: what was deleted with its SHA-256, "
                        "method options, versions, device, time, memory, parameter change, no-op flag)")
    p.add_argument("--plot", default=None, type=png_path_arg,
                   help="write the trade-off picture to this .png file: speed-up over retrain (log scale) against "
                        "forgetting completeness, colour = utility gap to retrain, one point per method")


def tradeoff_rows(methods: dict, forget_key: str, utility_key: str, reference: str = "retrain") -> list[dict]:
    """Rows for :func:`graph_unlearn.metrics.plots.tradeoff_plot` from a report's aggregated
    ``methods`` (which must hold ``original`` and ``reference``): completeness on ``forget_key``
    (:func:`graph_unlearn.metrics.completeness`), speed-up = reference seconds / method seconds,
    utility gap = ``|utility(method) - utility(reference)|``. The reference is named ``retrain``
    and the original is placed without a speed-up (it did nothing). A report run with the
    yardstick is plotted by its completeness (the attack's, else the distance's) instead."""
    from ..metrics import completeness

    ref, orig = methods[reference], methods["original"]
    yard = next((k for k in ("completeness_holdout", "completeness_dist")
                 if any(math.isfinite(r.get(k, math.nan)) for r in methods.values())), None)
    rows = []
    for name, r in methods.items():
        if name == "original":
            rows.append({"name": "original", "speedup": None, "completeness": 0.0,
                         "utility_gap": abs(r.get(utility_key, math.nan) - ref.get(utility_key, math.nan))})
            continue
        c = (completeness(r.get(forget_key, math.nan), ref.get(forget_key, math.nan), orig.get(forget_key, math.nan))
             .value if yard is None else r.get(yard, math.nan))
        sec = r.get("seconds", math.nan)
        speedup = ref["seconds"] / sec if sec and sec > 0 else math.nan
        rows.append({"name": "retrain" if name == reference else name, "speedup": speedup,
                     "completeness": c, "utility_gap": abs(r.get(utility_key, math.nan)
                                                                 - ref.get(utility_key, math.nan))})
    return rows


def write_plot(methods: dict, path: str | None, forget_key: str, utility_key: str, title: str,
               reference: str = "retrain") -> None:
    """Draw :func:`tradeoff_rows` to ``path`` (nothing when ``path`` is None) and say so."""
    if not path:
        return
    from ..metrics.plots import tradeoff_plot

    tradeoff_plot(tradeoff_rows(methods, forget_key, utility_key, reference), path,
                  title=f"{title}: completeness on {forget_key}",
                  utility_label=f"|{utility_key} - {reference}'s|")
    print(f"wrote {path}")


def save_audits(results: dict, directory: str | None, seed: int) -> None:
    """``result.save(directory / f"{method}-seed{seed}")`` for every result (nothing when None)."""
    if directory is None:
        return
    for name, result in results.items():
        result.save(Path(directory) / f"{name}-seed{seed}")


def method_list(text: str, known, flag: str = "--methods") -> list[str]:
    """``"a,b"`` -> ``["a", "b"]``, every name in ``known`` (case and ``-``/``_`` forgiven)."""
    names = [m.strip().lower().replace("-", "_") for m in str(text).split(",") if m.strip()]
    if not names:
        raise FlagError(f"{flag} is empty")
    unknown = [m for m in names if m not in known]
    if unknown:
        raise FlagError(f"{flag}: unknown method(s) {', '.join(map(repr, unknown))}; available: {', '.join(known)}")
    if len(set(names)) != len(names):
        raise FlagError(f"{flag} lists a method twice: {text!r}")
    return names


def refuse(args, flag: str, reason: str) -> None:
    """Refuse ``flag`` when the user gave it (its value is not the ``None`` sentinel)."""
    dest = flag.lstrip("-").replace("-", "_")
    if getattr(args, dest, None) is not None:
        raise FlagError(f"{flag} {reason}")


def progress_log(enabled: bool):
    """A ``log(line)`` callback printing to stderr (a no-op when ``enabled`` is False)."""
    if not enabled:
        return lambda line: None
    return lambda line: print(line, file=sys.stderr, flush=True)


def write_json(report: dict, path: str | None) -> None:
    """Write ``report`` as JSON (NaN as null, other objects as strings) and say so."""
    if not path:
        return
    with open(path, "w") as f:
        json.dump(report, f, indent=2, default=lambda v: None if isinstance(v, float) and math.isnan(v) else str(v))
    print(f"wrote {path}")
