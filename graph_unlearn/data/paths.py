"""Where datasets are found offline and where copies are cached.

Search order for a dataset's raw files (first hit wins):
1. an explicit ``root`` given by the user (then *only* that folder is searched);
2. ``$GRAPH_UNLEARN_DATA``;
3. the repository's own ``datasets/`` folder (vendored MIT data: Planetoid Cora and CiteSeer);
4. ``../shared/datasets`` beside the project checkout, or ``./shared/datasets`` /
   ``../shared/datasets`` relative to the working directory.
Loaders (PyG, OGB) write ``processed/`` next to ``raw/``, so raw folders are *copied* into the
cache (``$GRAPH_UNLEARN_CACHE`` or ``~/.cache/graph-unlearn``) and loaded from there; the
source folder is never written to.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

_PROJECT = Path(__file__).resolve().parents[2]


def cache_root() -> Path:
    root = Path(os.environ.get("GRAPH_UNLEARN_CACHE", Path.home() / ".cache" / "graph-unlearn"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def candidate_roots(root: str | os.PathLike | None = None) -> list[Path]:
    if root is not None:  # an explicit root is the only place searched: never a silent fallback
        return [Path(root).resolve()]
    roots = []
    if os.environ.get("GRAPH_UNLEARN_DATA"):
        roots.append(Path(os.environ["GRAPH_UNLEARN_DATA"]))
    roots += [_PROJECT / "datasets", _PROJECT.parent / "shared" / "datasets", Path.cwd() / "shared" / "datasets",
              Path.cwd().parent / "shared" / "datasets"]
    seen, out = set(), []
    for r in roots:
        r = r.resolve()
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def find_dataset_dir(relative: str, required: list[str], root: str | os.PathLike | None = None) -> Path:
    """The first ``<root>/<relative>`` holding every file in ``required``; a clear error naming
    the missing files and the places searched otherwise."""
    searched = []
    for base in candidate_roots(root):
        # accept a root that *is* the dataset folder, or one that contains it
        for cand in (base / relative, base):
            if all((cand / f).exists() for f in required):
                return cand
        searched.append(str(base / relative))
    raise FileNotFoundError(
        f"dataset files not found: need {relative}/{{{', '.join(required)}}}. Searched: "
        + "; ".join(searched)
        + ". Put the raw files there, pass root=..., or set GRAPH_UNLEARN_DATA.")


def cached_copy(source: Path, name: str) -> Path:
    """Copy ``source`` (a dataset folder) into the cache once; returns the cached folder.
    Only missing files are copied, so ``processed/`` made by a loader in the cache is kept."""
    dest = cache_root() / name
    for path in source.rglob("*"):
        if "processed" in path.relative_to(source).parts:
            continue
        target = dest / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not target.exists() or target.stat().st_size != path.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return dest
