"""UtU, "unlink to unlearn" (Tan et al., 2024): no training at all. The original weights are
run on the graph with :math:`D_f` removed, so deleted edges no longer carry messages."""
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
