"""UtU, "unlink to unlearn" (Tan et al., 2024): no training at all. The original weights are
run on the graph with :math:`D_f` removed, so deleted edges no longer carry messages. The
forgetting lives in the data, not in the weights: serve ``result.model`` on ``result.data``
(the retained graph); on the original graph it is the original model. The model is run once on
the retained data (by :meth:`GraphUnlearner.unlearn`) so that a model that does not fit the data
fails here rather than at serving time."""
from __future__ import annotations

from ..core.unlearner import clone_model
from .base import GraphUnlearner


class UtU(GraphUnlearner):
    """Copy the original model; it is evaluated (and served) on the retained graph."""

    name = "utu"
    changes_parameters = False

    def _unlearn(self, model, data, request):
        self.problem(data, request)  # validates the request
        return clone_model(model, self.device), 0, {}
