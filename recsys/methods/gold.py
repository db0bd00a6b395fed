"""Gold: retrain from scratch on the retained data with the original recipe (BPR, online
negatives, early stopping on validation Recall@20). The exact reference every method is
measured against; the cost that unlearning avoids."""
from __future__ import annotations

from graph_unlearn.core.options import check_int, check_non_negative, check_positive

from ..training import train_bpr
from .base import RecUnlearner


class Gold(RecUnlearner):
    """Args: ``epochs`` (300, upper bound), ``lr`` (1e-3), ``reg`` (1e-4), ``patience`` (5
    evaluations), ``eval_every`` (5 epochs), ``batch_size`` (2048) — use the values the
    original model was trained with."""

    name = "gold"
    #: a retrain-like reference: when the request does not change what the model trains on (a
    #: modality the model does not use is refused earlier, but e.g. items with no training
    #: interaction) retraining with the same seed rightly gives the same weights
    changes_parameters = False

    def __init__(self, epochs: int = 300, lr: float = 1e-3, reg: float = 1e-4, patience: int = 5,
                 eval_every: int = 5, **kw):
        super().__init__(**kw)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        check_non_negative(self, "reg", reg)
        check_int(self, "patience", patience)
        check_int(self, "eval_every", eval_every)
        self.epochs, self.lr, self.reg, self.patience, self.eval_every = epochs, lr, reg, patience, eval_every

    def _unlearn(self, model, data, request):
        if model.num_users != data.num_users or model.num_items != data.num_items:
            raise ValueError("gold: the model and the data disagree on the numbers of users/items")
        retained = request.apply(data).retained
        new = model.fresh(self.seed).to(self.device)
        hist = train_bpr(new, retained, epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, reg=self.reg,
                         patience=self.patience, eval_every=self.eval_every, seed=self.seed)
        return new, hist["epochs"], {"best_epoch": hist["best_epoch"], "valid_recall20": hist["best_valid_recall20"]}
