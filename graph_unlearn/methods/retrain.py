"""Retrain: the exact reference. Same architecture and recipe, trained from scratch on the
retained graph :math:`D_r`, with early stopping on validation AUROC (link prediction) or
validation accuracy (node classification; the default link recipe is then replaced by
:data:`graph_unlearn.tasks.node_classification.NODE_TRAIN`)."""
from __future__ import annotations

from ..models.training import TrainConfig
from .base import GraphUnlearner, task_ops


class Retrain(GraphUnlearner):
    """Retrain from a fresh initialisation on the retained data.

    Args:
        config: the training recipe (:class:`~graph_unlearn.models.TrainConfig`); use the one
            the original model was trained with.
        init_seed: seed of the fresh initialisation (default: ``seed + 1``, so it differs from
            the original's).
    """

    name = "retrain"

    def __init__(self, config: TrainConfig | None = None, init_seed: int | None = None, **kw):
        super().__init__(**kw)
        self.config = config or TrainConfig()
        self.init_seed = init_seed

    def _unlearn(self, model, data, request):
        ops = task_ops(self.problem(data, request))
        new = model.fresh_copy(seed=self.init_seed if self.init_seed is not None else self.seed + 1).to(self.device)
        info = ops.retrain(new, self.config, progress=self.verbose)
        return new, info.pop("epochs"), info
