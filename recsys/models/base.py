r"""What every recommender here shares: ``forward(graph) -> (users [U, d], items [I, d])`` and
the score :math:`\hat y_{ui} = \langle e_u, e_i \rangle`, so that full ranking is one matrix
product per user batch. Models hold parameters only; the data (graphs, features) comes in
through a :class:`~recsys.models.graph.RecGraph`. ``model.fresh(seed)`` makes an untrained
copy with the same configuration (what Gold retrains)."""
from __future__ import annotations

import torch
from torch import nn

from .graph import RecGraph, build_graph


class RecModel(nn.Module):
    #: k of the item-item kNN graph the model needs (None: none)
    knn_k: int | None = None

    def __init__(self, num_users: int, num_items: int, **config):
        super().__init__()
        self.num_users, self.num_items = num_users, num_items
        self.config = dict(num_users=num_users, num_items=num_items, **config)

    def fresh(self, seed: int = 0) -> "RecModel":
        from graph_unlearn.core.rng import seeded_rng

        with seeded_rng(seed):  # the caller's global RNG is left as it was
            return type(self)(**self.config).to(next(self.parameters()).device)

    def build_graph(self, data, device=None) -> RecGraph:
        return build_graph(data, device or next(self.parameters()).device, self.knn_k)

    def forward(self, graph: RecGraph) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError

    def score_pairs(self, out, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        u, i = out
        return (u[users] * i[items]).sum(-1)

    def l2(self, users: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        r""":math:`\tfrac{1}{2B}\,\|\Theta_{batch}\|^2` over the batch's ego (layer-0) parameters."""
        total = 0.0
        for table, idx in self.batch_parameters(users, pos, neg):
            total = total + table[idx].pow(2).sum()
        return total / (2 * max(users.numel(), 1))

    def batch_parameters(self, users, pos, neg):  # pragma: no cover
        raise NotImplementedError

    def owned_parameters(self, users: torch.Tensor, items: torch.Tensor):
        """``(table, rows)`` pairs of the parameters that belong to ``users`` and ``items`` alone
        (their ego embeddings; a model with more per-item tables, e.g. VBPR's bias, adds them)."""
        return self.batch_parameters(users, items, items[:0])

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.config.items() if not isinstance(v, dict))


def bpr_loss(pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
    r"""Bayesian personalised ranking, :math:`-\mathrm{mean}\,\ln\sigma(\hat y_{ui} - \hat y_{uj})`."""
    return -torch.nn.functional.logsigmoid(pos - neg).mean()
