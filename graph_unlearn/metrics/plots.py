"""The pictures people look at: the forgetting / cost / utility trade-off and the sequential gap.

Both functions write a PNG with matplotlib's non-interactive Agg backend and return the path.

* :func:`tradeoff_plot`: one point per method at (speed-up over retrain, log scale; forgetting
  completeness), marker colour = utility gap to retrain, with the original (completeness 0)
  and retrain (speed-up 1, completeness 1) drawn as reference points.
* :func:`sequential_plot`: per method, the gap to the cumulative retrain after each request.
"""
from __future__ import annotations

import math
import os
from typing import Iterable, Mapping, Sequence


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def tradeoff_plot(rows: Iterable[Mapping], path: str | os.PathLike, *, title: str = "",
                  utility_label: str = "utility gap to retrain",
                  completeness_label: str = "forgetting completeness (0 = original, 1 = retrain)") -> str:
    """Plot ``rows`` (dicts with ``name``, ``speedup`` (retrain seconds / method seconds),
    ``completeness`` (0..1, nan = undefined) and ``utility_gap``; optional
    ``completeness_low``/``completeness_high`` draw an error bar) to ``path``.

    Rows named ``original`` / ``retrain`` are drawn as reference markers (a grey square, a black
    star); when absent, the retrain point (1, 1) is added. Rows with an undefined completeness
    are listed in the legend title instead of plotted."""
    plt = _pyplot()
    from matplotlib.colors import Normalize

    rows = [dict(r) for r in rows]
    if not rows:
        raise ValueError("tradeoff_plot: no rows")
    refs = {r["name"]: r for r in rows if r.get("name") in ("original", "retrain")}
    pts = [r for r in rows if r.get("name") not in refs and _finite(r.get("completeness")) and _finite(r.get("speedup"))]
    skipped = [r["name"] for r in rows if r.get("name") not in refs and r not in pts]
    gaps = [r["utility_gap"] for r in pts if _finite(r.get("utility_gap"))]
    norm = Normalize(vmin=0.0, vmax=max(gaps + [1e-9]))
    fig, ax = plt.subplots(figsize=(7.5, 5.0), dpi=120)
    sc = None
    for r in pts:
        x, y = float(r["speedup"]), float(r["completeness"])
        if _finite(r.get("completeness_low")) and _finite(r.get("completeness_high")):
            ax.errorbar([x], [y], yerr=[[y - r["completeness_low"]], [r["completeness_high"] - y]], fmt="none",
                        ecolor="0.6", capsize=3, zorder=1)
        gap = r.get("utility_gap")
        sc = ax.scatter([x], [y], c=[gap if _finite(gap) else 0.0], cmap="viridis", norm=norm, s=90,
                        edgecolors="k", zorder=3)
        ax.annotate(str(r["name"]), (x, y), textcoords="offset points", xytext=(6, 6), fontsize=9)
    retrain = refs.get("retrain", {"name": "retrain", "speedup": 1.0, "completeness": 1.0})
    ax.scatter([retrain.get("speedup", 1.0)], [1.0], marker="*", s=220, c="k", zorder=4, label="retrain")
    if "original" in refs:
        o = refs["original"]
        ox = o.get("speedup") if _finite(o.get("speedup")) else max([float(r["speedup"]) for r in pts] + [10.0]) * 2
        ax.scatter([ox], [0.0], marker="s", s=90, c="0.5", zorder=4, label="original (did nothing)")
        ax.annotate("original", (ox, 0.0), textcoords="offset points", xytext=(0, 16), fontsize=9, ha="center")
    ax.set_xscale("log")
    ax.set_ylim(-0.05, 1.08)
    ax.set_xlabel("speed-up over retrain (x, log scale)")
    ax.set_ylabel(completeness_label)
    ax.axhline(1.0, color="0.8", lw=0.8, zorder=0)
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.grid(True, which="major", alpha=0.3)
    if sc is not None:
        fig.colorbar(sc, ax=ax, label=utility_label)
    legend_title = ("no completeness: " + ", ".join(map(str, skipped))) if skipped else None
    # under the axes: inside, the legend would hide the points near the original (low completeness)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, title=legend_title,
              title_fontsize=8, frameon=False)
    return _save(plt, fig, ax, title, path)


def sequential_plot(steps: Mapping[str, Sequence[float]], path: str | os.PathLike, *, title: str = "",
                    ylabel: str = "gap to the cumulative retrain") -> str:
    """``steps`` maps a method name to its gap after request 1, 2, ...; one line per method."""
    plt = _pyplot()
    if not steps:
        raise ValueError("sequential_plot: no methods")
    fig, ax = plt.subplots(figsize=(7.0, 4.5), dpi=120)
    for name, gaps in steps.items():
        gaps = [float(g) for g in gaps]
        ax.plot(range(1, len(gaps) + 1), gaps, marker="o", label=str(name))
    ax.set_xlabel("request (cumulative)")
    ax.set_ylabel(ylabel)
    ax.axhline(0.0, color="0.8", lw=0.8)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return _save(plt, fig, ax, title, path)


def _save(plt, fig, ax, title: str, path) -> str:
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return str(path)
