"""The one experiment loop: every method of a comparison on one request, each result saved
with its audit where asked. The domains' experiments (``graph_unlearn.experiments`` for edges and
nodes, ``recsys.experiment``, ``graph_unlearn.general.experiment``) build their methods and
measure the results; this runs them."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable


def run_methods(methods: Iterable[tuple[str, Any]], model, data, request, *, seed: int,
                audit_dir: str | Path | None = None,
                skip: Callable[[str, Any], str | None] | None = None,
                on_done: Callable[[str, Any], None] | None = None) -> dict[str, Any]:
    """``{name: UnlearnResult}`` of ``method.unlearn(model, data, request)`` for each
    ``(name, method)``, in order. ``skip(name, method)`` returns why a method does not apply (it is
    then left out and ``on_done(name, None)`` is told); with ``audit_dir`` each result is saved to
    ``audit_dir/<name>-seed<seed>/`` (``model.pt`` + ``audit.json``)."""
    results = {}
    for name, method in methods:
        if skip is not None and skip(name, method):
            if on_done is not None:
                on_done(name, None)
            continue
        results[name] = method.unlearn(model, data, request)
        if audit_dir is not None:
            results[name].save(Path(audit_dir) / f"{name}-seed{seed}")
        if on_done is not None:
            on_done(name, results[name])
    return results
