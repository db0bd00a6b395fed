r"""Gaussian amnesiac (the regression baseline of Tarun et al., ICML 2023, "Deep regression
unlearning"; amnesiac / random-label unlearning for continuous targets): the forget targets
are redrawn from a normal distribution fitted to the training targets,
:math:`\tilde y_f \sim \mathcal N(\mu_y, \sigma_y^2)`, and the original is fine-tuned
for one epoch on :math:`D_r \cup \{(x_f, \tilde y_f)\}` with the loss hook. Regression only."""
from __future__ import annotations

import torch

from ...core.options import check_int, check_positive
from ...core.unlearner import clone_model
from .base import GeneralUnlearner


class GaussianAmnesiac(GeneralUnlearner):
    """Args: ``epochs`` (1), ``lr`` (1e-3), ``batch_size`` (32), ``loss`` hook."""

    name = "gaussian_amnesiac"
    tasks = ("regression",)

    def __init__(self, epochs: int = 1, lr: float = 1e-3, batch_size: int = 32, **kw):
        super().__init__(batch_size=batch_size, **kw)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr)
        self.epochs, self.lr = epochs, lr

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        gen = self.generator()
        y_all = torch.cat([pb.yr, pb.yf]).float()
        mu, sd = float(y_all.mean()), float(y_all.std())
        y_tilde = (mu + sd * torch.randn(len(pb.yf), generator=gen)).to(self.device)
        x = torch.cat([pb.xr, pb.xf])
        y = torch.cat([pb.yr.float(), y_tilde])
        net = clone_model(model, self.device).train()
        self.train_epochs(net, x, y, pb.loss, epochs=self.epochs, lr=self.lr, gen=gen)
        return net, self.epochs, {"target_mean": mu, "target_std": sd}
