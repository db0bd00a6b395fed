"""Retrain: the exact reference. Same architecture and recipe, trained from scratch on the
retained graph :math:`D_r`: by default the library's recipe, with early stopping on validation
AUROC (link prediction) or validation accuracy (node classification; the default link recipe is
then replaced by :data:`graph_unlearn.tasks.node_classification.NODE_TRAIN`); or the user's
own training function, so that the reference is what the user would have trained."""
from __future__ import annotations

from typing import Callable

from ..models.adapter import GraphModel, unwrap
from ..core.options import check_int, check_recipe
from ..models.training import TrainConfig
from ..tasks.contract import serving_data, retained_link_triple
from .base import GraphUnlearner, task_ops


class Retrain(GraphUnlearner):
    """Retrain from a fresh initialisation on the retained data.

    Args:
        config: the library's training recipe (:class:`~graph_unlearn.models.TrainConfig`); use
            the one the original model was trained with.
        train_fn: the user's own recipe instead, ``train_fn(model, data)``: it trains ``model``
            (a re-initialised copy of the user's module, by ``reset_parameters()``) in place, or
            returns the trained module, on ``data``, the retained data in the form the user
            gave: a ``Data`` with the retained graph and masks (node tasks), RandomLinkSplit's
            ``(train, val, test)`` with the deleted edges removed everywhere (link tasks given that
            way), or a ``Data`` of the retained graph with ``edge_label_index`` = retained edges.
            The report names the recipe (``result.extra["recipe"]``).
        init_seed: seed of the fresh initialisation (default: ``seed + 1``, so it differs from
            the original's).
    """

    name = "retrain"

    def __init__(self, config: TrainConfig | None = None, init_seed: int | None = None,
                 train_fn: Callable | None = None, **kw):
        super().__init__(**kw)
        if train_fn is not None and not callable(train_fn):
            raise TypeError(f"Retrain: train_fn must be callable (model, data), got {type(train_fn).__name__}")
        if train_fn is not None and config is not None:
            raise ValueError("Retrain: give either config (the library's recipe) or train_fn (your own), not both")
        check_recipe(self, "config", config, TrainConfig)
        check_int(self, "init_seed", init_seed, minimum=0, allow_none=True)
        self.config = config or TrainConfig()
        self.init_seed = init_seed
        self.train_fn = train_fn

    def _unlearn(self, model, data, request):
        problem = self.problem(data, request)
        ops = task_ops(problem)
        new = model.fresh_copy(seed=self.init_seed if self.init_seed is not None else self.seed + 1).to(self.device)
        if self.train_fn is None:
            info = ops.retrain(new, self.config, progress=self.verbose)
            info["recipe"] = f"library {info.pop('config', self.config)}"
            return new, info.pop("epochs"), info
        td = self._task_data
        user_data = (retained_link_triple(problem, td) if td is not None and td.form == "link_triple"
                     else serving_data(problem, td))
        user_model = unwrap(new)
        user_model.train()
        out = self.train_fn(user_model, user_data)
        if out is not None and out is not user_model:
            if not hasattr(out, "parameters"):
                raise TypeError(f"retrain: train_fn returned {type(out).__name__}; return nothing (train in place) "
                                f"or the trained module")
            new = GraphModel(out, new.model_config, new.self_loops) if isinstance(new, GraphModel) else out
        name = getattr(self.train_fn, "__qualname__", None) or type(self.train_fn).__name__
        return new, 0, {"recipe": f"user train_fn {name}"}
