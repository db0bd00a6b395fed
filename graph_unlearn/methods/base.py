"""The base class of the methods written for graphs (link and node tasks). The task they work on
(the applied problem, :func:`~graph_unlearn.tasks.graph.task_ops`, the losses) is
:mod:`graph_unlearn.tasks.graph`."""
from __future__ import annotations

from ..core.unlearner import Unlearner
from ..tasks.graph import apply_graph_request, task_ops


class GraphUnlearner(Unlearner):
    """Base class of the methods written for graphs (link and node tasks).

    ``unlearn(model, data, request, model_config=None)`` takes the user's own model and data
    (:class:`~graph_unlearn.tasks.graph.GraphTask` says which forms); ``result.model`` is a module
    of the user's class and ``result.data`` the retained data to serve it on. ``_unlearn``
    receives the prepared model and the applied problem; methods reach the problem through
    :meth:`ops`."""

    supports = ("link", "node")

    def problem(self, data, request=None):
        """The applied problem on the method's device (``data`` is one already)."""
        return apply_graph_request(self.name, data, request, self.device)

    def ops(self, data, request=None):
        """The task-level interface (:func:`~graph_unlearn.tasks.graph.task_ops`): the running
        call's (full-graph or sampled steps, as the call chose), else built here (full-graph)."""
        task = self._task
        if task is not None and data is task.data:
            return task.ops
        return task_ops(self.problem(data, request))
