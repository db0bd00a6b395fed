r"""Sequential deletions: a stream of requests applied one after the other.

Request :math:`k` is applied to the data retained after requests :math:`1..k-1`, and the
method starts from the model returned at step :math:`k-1`:

.. math::
    D^{(k)}_r = D^{(k-1)}_r \setminus R_k,\qquad
    \theta^{(k)} = \mathcal{U}\big(\theta^{(k-1)}, D^{(k-1)}_r, R_k\big),

so the retained graph shrinks cumulatively. The reference at step :math:`k` is a model
retrained from scratch on :math:`D^{(k)}_r` (the cumulative retained data).

>>> steps = unlearn_sequence(D2DGN(), model, split, [EdgeDeletion(a), EdgeDeletion(b)], reference=Retrain())
>>> steps[-1].metrics, steps[-1].reference_metrics
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import torch

from .core.unlearner import UnlearnResult
from .requests.edge import EdgeDeletion, EdgeUnlearningProblem
from .requests.node import FeatureDeletion, NodeDeletion
from .tasks.link_prediction import LinkSplit, evaluate_link_unlearning
from .tasks.node_classification import NodeSplit, NodeUnlearningProblem, evaluate_node_unlearning


def retained_data(problem):
    """The data that remains after a request: a :class:`LinkSplit` whose training edges are
    the retained ones (features with deleted rows zeroed), or a :class:`NodeSplit` with the
    retained view (zeroed rows, removed edges) and the retained training nodes."""
    if isinstance(problem, EdgeUnlearningProblem):
        split = problem.split
        return replace(split, x=problem.x, train_pos=problem.retain, _graph=problem.graph)
    if isinstance(problem, NodeUnlearningProblem):
        return replace(problem.split, x=problem.x, graph=problem.graph, train_idx=problem.retain_nodes)
    raise ValueError(f"unsupported problem {type(problem).__name__}")


def merge_requests(requests: Iterable[Any]):
    """One request equivalent to a list of requests of the same kind (their union)."""
    requests = list(requests)
    if not requests:
        raise ValueError("merge_requests: no requests given")
    kinds = {type(r) for r in requests}
    if len(kinds) != 1:
        raise ValueError(f"merge_requests: requests of different kinds {sorted(k.__name__ for k in kinds)}")
    kind = kinds.pop()
    if kind is EdgeDeletion:
        return EdgeDeletion.from_edge_index(torch.unique(torch.cat([r.edges for r in requests], 1), dim=1))
    if kind is NodeDeletion:
        return NodeDeletion(torch.unique(torch.cat([r.nodes for r in requests])))
    if kind is FeatureDeletion:
        if any(r.features is not None for r in requests):
            raise ValueError("merge_requests: column-wise feature deletions cannot be merged into one request")
        return FeatureDeletion(torch.unique(torch.cat([r.nodes for r in requests])))
    raise ValueError(f"merge_requests: unsupported request {kind.__name__}")


def default_evaluate(model, problem, reference=None, seed: int = 0) -> dict:
    """:func:`evaluate_link_unlearning` or :func:`evaluate_node_unlearning` by problem type."""
    if isinstance(problem, EdgeUnlearningProblem):
        return evaluate_link_unlearning(model, problem, reference, resamples=10, seed=seed)
    return evaluate_node_unlearning(model, problem, reference, seed=seed)


@dataclass
class SequentialStep:
    """One step of a stream: the request, the method's result, the cumulative-retrain reference
    (when asked for) and both models' metrics on this step's problem."""

    index: int
    request: Any
    result: UnlearnResult
    data: Any = field(repr=False)
    reference: UnlearnResult | None = None
    metrics: dict = field(default_factory=dict)
    reference_metrics: dict = field(default_factory=dict)

    @property
    def model(self):
        return self.result.model


def unlearn_sequence(method, model, data, requests: Iterable[Any], *, reference=None,
                     evaluate: Callable | bool = True, seed: int = 0) -> list[SequentialStep]:
    """Apply ``requests`` one after another (see the module docstring).

    Args:
        method: an unlearner (e.g. ``D2DGN()``); its output model is the next step's input.
        model: the original trained model (left untouched).
        data: the original :class:`LinkSplit` or :class:`NodeSplit`.
        requests: deletion requests, each valid on the data retained before it.
        reference: an unlearner used as the cumulative reference (``Retrain(...)``) trained at
            every step from scratch on the cumulative retained data, or ``None``.
        evaluate: ``True`` (default metrics), ``False``, or ``f(model, problem, reference) -> dict``.
    Returns:
        one :class:`SequentialStep` per request; ``steps[-1].data`` is the final retained data.
    """
    requests = list(requests)
    if not requests:
        raise ValueError("unlearn_sequence: no requests given")
    if not isinstance(data, (LinkSplit, NodeSplit)):
        raise ValueError(f"unlearn_sequence: data must be a LinkSplit or a NodeSplit, got {type(data).__name__}")
    steps, current, current_model = [], data, model
    for i, request in enumerate(requests):
        problem = request.apply(current)
        result = method.unlearn(current_model, problem, None)
        ref = reference.unlearn(model, problem, None) if reference is not None else None
        step = SequentialStep(i, request, result, retained_data(problem), ref)
        if evaluate:
            fn = default_evaluate if evaluate is True else evaluate
            ref_model = ref.model if ref is not None else None
            step.metrics = fn(result.model, problem, ref_model) if fn is not default_evaluate \
                else fn(result.model, problem, ref_model, seed=seed)
            if ref is not None:
                step.reference_metrics = fn(ref.model, problem, None) if fn is not default_evaluate \
                    else fn(ref.model, problem, None, seed=seed)
        steps.append(step)
        current, current_model = step.data, result.model
    return steps
