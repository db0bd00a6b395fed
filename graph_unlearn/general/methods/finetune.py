r"""Fine-tune: continue training the original on the retained data only,
:math:`\min_\theta \mathcal{L}(\theta; D_r)` for a few epochs (catastrophic forgetting of
:math:`D_f`)."""
from __future__ import annotations

from ...core.options import check_int, check_positive
from ...core.unlearner import clone_model
from .base import GeneralUnlearner


class FineTune(GeneralUnlearner):
    """Args: ``epochs`` (default 2), ``lr`` (1e-3), ``batch_size`` (64), ``loss`` hook."""

    name = "finetune"

    def __init__(self, epochs: int = 2, lr: float = 1e-3, **kw):
        super().__init__(**kw)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        self.epochs, self.lr = epochs, lr

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        net = clone_model(model, self.device).train()
        self.train_epochs(net, pb.xr, pb.yr, pb.loss, epochs=self.epochs, lr=self.lr, gen=self.generator())
        return net, self.epochs, {}
