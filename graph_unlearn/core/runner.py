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
                on_done: Callable[[str, Any], None] | None = None,
                on_unchanged: Callable[[str, Exception], None] | None = None) -> dict[str, Any]:
    """``{name: UnlearnResult}`` of ``method.unlearn(model, data, request)`` for each
    ``(name, method)``, in order. ``skip(name, method)`` returns why a method does not apply (it is
    then left out and ``on_done(name, None)`` is told); with ``on_unchanged``, a method that left
    the parameters unchanged (:class:`~graph_unlearn.core.unlearner.UnchangedError`) is left out
    the same way after ``on_unchanged(name, error)`` (without it, the error propagates); with
    ``audit_dir`` each result is saved to ``audit_dir/<name>-seed<seed>/`` (``model.pt`` +
    ``audit.json``)."""
    from .unlearner import UnchangedError

    results = {}
    for name, method in methods:
        if skip is not None and skip(name, method):
            if on_done is not None:
                on_done(name, None)
            continue
        try:
            results[name] = method.unlearn(model, data, request)
        except UnchangedError as err:
            if on_unchanged is None:
                raise
            on_unchanged(name, err)
            if on_done is not None:
                on_done(name, None)
            continue
        if audit_dir is not None:
            results[name].save(Path(audit_dir) / f"{name}-seed{seed}")
        if on_done is not None:
            on_done(name, results[name])
    return results


def yardstick(results: dict[str, Any], original, data, request, *, retrain: Callable[[int], Any],
              extra_seeds: Iterable[int], holdout: Any = None, seed: int = 0, device="cpu",
              reference: str = "retrain") -> tuple[dict[str, dict], Any]:
    """The forgetting yardstick over a comparison's results
    (:func:`graph_unlearn.metrics.yardstick.forgetting_table`): ``retrain(s)`` builds a retrain
    with seed ``s`` for each of ``extra_seeds`` (at least two: the band gets ``results[reference]``
    and all but the last, the last is the noise floor ``retrain_extra``). Returns the table's rows
    and the last extra retrain's result (to evaluate and time like the others)."""
    from ..metrics.yardstick import forgetting_table
    from .task import make_task

    extra = [retrain(s).unlearn(original, data, request) for s in extra_seeds]
    if len(extra) < 2:
        raise ValueError("the yardstick needs at least two extra retrain seeds")
    task = make_task(original, data, request, device=device)
    candidates = {name: r.model for name, r in results.items() if name != reference}
    rows = forgetting_table(task, candidates, original=original,
                            retrains=[results[reference].model, *(r.model for r in extra)], holdout=holdout, seed=seed)
    return rows, extra[-1]
