r"""Retrain: the exact reference, for every task. A freshly initialised copy of the model trained
from scratch on the retained data :math:`D_r`, by the task's recipe (the one the original was
trained with) or by the user's own training function, so that the reference is what the user
would have trained.

* link / node: :class:`~graph_unlearn.models.TrainConfig` (node tasks:
  :data:`~graph_unlearn.tasks.node_classification.NODE_TRAIN`), early stopping on validation
  AUROC / accuracy; the fresh copy is re-initialised by ``reset_parameters()`` with seed
  ``seed + 1`` (so that it differs from the original's);
* rec: BPR with early stopping on validation Recall@20 (:class:`recsys.training.BPRConfig`;
  called "Gold" in the recommender-unlearning literature and in ``recsys``' reports), fresh
  model from seed ``seed``;
* sample: the dataset's recipe (``GeneralData.recipe``), fresh weights from seed ``seed``.
"""
from __future__ import annotations

from dataclasses import fields, replace
from typing import Callable

from ..options import OptionError, check_int, check_loss_hook, check_positive, check_recipe
from ..task import KINDS
from ..unlearner import Unlearner


class Retrain(Unlearner):
    """Args:
        config: the task's training recipe (default: the task's; use the one the original model
            was trained with).
        epochs, lr, batch_size: shortcuts that override those fields of the recipe.
        train_fn: the user's own recipe instead, ``train_fn(model, data)``: it trains ``model``
            (a re-initialised copy of the user's module) in place, or returns the trained module,
            on the retained data in the form the user gave (graphs: a ``Data`` with the retained
            graph and masks, or RandomLinkSplit's triple without the deleted edges; recommenders:
            the retained ``InteractionData``; samples: a ``TensorDataset`` of the retained
            samples). The report names the recipe (``result.extra["recipe"]``).
        init_seed: seed of the fresh initialisation (default: the task's, see above).
        loss: the sample task's loss hook (``None``: the task default; refused on other tasks).
    """

    name = "retrain"
    samples_graphs = True
    supports = KINDS
    changes_parameters = False  # a reference, not an edit of the original weights

    def __init__(self, config=None, *, epochs: int | None = None, lr: float | None = None,
                 batch_size: int | None = None, train_fn: Callable | None = None, init_seed: int | None = None,
                 loss=None, **kw):
        super().__init__(**kw)
        if train_fn is not None and not callable(train_fn):
            raise TypeError(f"Retrain: train_fn must be callable (model, data), got {type(train_fn).__name__}")
        if train_fn is not None and (config is not None or epochs or lr or batch_size):
            raise OptionError("Retrain: give either a recipe (config / epochs / lr / batch_size) or train_fn "
                              "(your own), not both")
        check_recipe(self, "config", config)
        check_int(self, "epochs", epochs, allow_none=True)
        check_positive(self, "lr", lr, allow_none=True)
        check_int(self, "batch_size", batch_size, allow_none=True)
        check_int(self, "init_seed", init_seed, minimum=0, allow_none=True)
        check_loss_hook(self, "loss", loss)
        self.loss = loss
        self.config, self.epochs, self.lr, self.batch_size = config, epochs, lr, batch_size
        self.train_fn, self.init_seed = train_fn, init_seed

    def recipe(self, task):
        """The recipe of a run on ``task``: ``config`` (or the task's), with the shortcuts applied."""
        default = task.default_recipe()
        config = self.config if self.config is not None else default
        if not isinstance(config, type(default)):
            raise OptionError(f"Retrain: a {task.kind} task trains with a {type(default).__module__}."
                              f"{type(default).__name__}, got config={type(config).__name__}")
        names = {f.name for f in fields(config)}
        overrides = {k: v for k, v in (("epochs", self.epochs), ("lr", self.lr), ("batch_size", self.batch_size))
                     if v is not None}
        missing = sorted(set(overrides) - names)
        if missing:
            raise OptionError(f"Retrain: the {task.kind} recipe {type(config).__name__} has no {', '.join(missing)}")
        return replace(config, **overrides) if overrides else config

    def check_task(self, task) -> None:
        task.check_options(self.name, loss=self.loss)
        if self.train_fn is None:
            self.recipe(task)

    def _unlearn_task(self, task):
        config = None if self.train_fn is not None else self.recipe(task)
        return task.retrain(seed=self.seed, init_seed=self.init_seed, config=config, train_fn=self.train_fn,
                            progress=self.verbose)
