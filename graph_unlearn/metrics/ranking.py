r"""Top-K ranking metrics for full-ranking recommendation (MMRec / RecBole definitions).

For a user ``u`` with relevant set :math:`R_u` (``n_u = |R_u| > 0``) and top-K list
:math:`(i_1, …, i_K)`, with hit indicators :math:`h_r = [i_r \in R_u]`:

.. math::
    \mathrm{Recall@K} = \frac{\sum_{r\le K} h_r}{n_u},\quad
    \mathrm{Precision@K} = \frac{\sum_{r\le K} h_r}{K},\quad
    \mathrm{NDCG@K} = \frac{\sum_{r\le K} h_r / \log_2(r+1)}{\sum_{r\le \min(K, n_u)} 1/\log_2(r+1)},

each averaged over users with at least one relevant item. All functions are vectorised over a
batch of users: ``hits`` is a bool ``[B, K_max]`` matrix, ``num_relevant`` an int ``[B]``.
"""
from __future__ import annotations

from typing import Iterable

import torch


def topk_hits(topk: torch.Tensor, rel_row: torch.Tensor, rel_item: torch.Tensor, num_items: int) -> torch.Tensor:
    """Hit matrix ``[B, K]``: ``topk[b, r]`` is relevant for row ``b``; relevance given as pairs
    ``(rel_row, rel_item)`` of batch row and item id."""
    keys = torch.unique(rel_row.long() * num_items + rel_item.long())
    rows = torch.arange(topk.size(0), device=topk.device)[:, None]
    return torch.isin(rows * num_items + topk.long(), keys.to(topk.device))


def _check(hits: torch.Tensor, k: int):
    if k < 1 or k > hits.size(1):
        raise ValueError(f"k must lie in [1, {hits.size(1)}] (the length of the top-k lists), got {k}")


def recall_at_k(hits: torch.Tensor, num_relevant: torch.Tensor, k: int) -> torch.Tensor:
    """Per-user Recall@k ``[B]`` (nan where a user has no relevant item)."""
    _check(hits, k)
    n = num_relevant.double()
    return torch.where(n > 0, hits[:, :k].sum(1).double() / n.clamp(min=1), torch.full_like(n, float("nan")))


def precision_at_k(hits: torch.Tensor, num_relevant: torch.Tensor, k: int) -> torch.Tensor:
    """Per-user Precision@k ``[B]`` (nan where a user has no relevant item)."""
    _check(hits, k)
    n = num_relevant.double()
    return torch.where(n > 0, hits[:, :k].sum(1).double() / k, torch.full_like(n, float("nan")))


def ndcg_at_k(hits: torch.Tensor, num_relevant: torch.Tensor, k: int) -> torch.Tensor:
    """Per-user NDCG@k ``[B]`` with binary relevance (nan where a user has no relevant item)."""
    _check(hits, k)
    disc = 1.0 / torch.log2(torch.arange(2, k + 2, device=hits.device, dtype=torch.float64))
    dcg = (hits[:, :k].double() * disc).sum(1)
    cum = torch.cumsum(disc, 0)
    n = num_relevant.to(hits.device).long()
    idcg = cum[(n.clamp(min=1, max=k) - 1)]
    return torch.where(n > 0, dcg / idcg, torch.full_like(dcg, float("nan")))


_FUNCS = {"recall": recall_at_k, "ndcg": ndcg_at_k, "precision": precision_at_k}


def ranking_metrics(hits: torch.Tensor, num_relevant: torch.Tensor, ks: Iterable[int] = (10, 20)) -> dict[str, torch.Tensor]:
    """Per-user ``recall@k``, ``ndcg@k``, ``precision@k`` vectors for every ``k`` (nan rows =
    users without relevant items; average them with :func:`mean_over_users`)."""
    return {f"{name}@{k}": fn(hits, num_relevant, k) for k in ks for name, fn in _FUNCS.items()}


def mean_over_users(per_user: torch.Tensor) -> float:
    """Mean over users with a relevant item (ignores nan); nan when there is none."""
    valid = ~torch.isnan(per_user)
    return float(per_user[valid].mean()) if valid.any() else float("nan")
