r"""The graphs a recommender propagates on, built once per (retained) dataset.

* the user-item graph: the symmetric-normalised adjacency of the bipartite graph of *training*
  interactions over ``U + I`` nodes, :math:`\hat A = D^{-1/2} A D^{-1/2}`, as a torch sparse CSR
  matrix (no dense N×N);
* item-item kNN graphs from modality features (LATTICE/FREEDOM): per modality the top-``k``
  cosine neighbours of every *present* item, computed in row chunks (never an I×I dense matrix),
  symmetrised and normalised, then averaged over modalities. Items removed by an
  :class:`~recsys.requests.ItemDeletion` and rows cleared by a
  :class:`~recsys.requests.ModalityDeletion` take no part.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..data.interactions import InteractionData


def symmetric_csr(adj: torch.Tensor) -> torch.Tensor:
    """CSR form of a symmetric sparse matrix, marked as its own transpose so that
    :func:`graph_unlearn.models.sparse.spmm` runs the cheap backward pass."""
    csr = adj.to_sparse_csr()
    csr.transposed = csr
    return csr


def normalised_adjacency(row: torch.Tensor, col: torch.Tensor, n: int, value: torch.Tensor | None = None) -> torch.Tensor:
    """:math:`D^{-1/2} A D^{-1/2}` of the (already symmetric) edge list as sparse CSR ``[n, n]``."""
    if value is None:
        value = torch.ones(row.numel(), dtype=torch.float32, device=row.device)
    deg = torch.zeros(n, dtype=torch.float32, device=row.device).index_add_(0, row, value)
    dinv = deg.pow(-0.5)
    dinv[torch.isinf(dinv)] = 0.0
    val = dinv[row] * value * dinv[col]
    adj = torch.sparse_coo_tensor(torch.stack([row, col]), val, (n, n), check_invariants=False).coalesce()
    return symmetric_csr(adj)


def user_item_adjacency(user: torch.Tensor, item: torch.Tensor, num_users: int, num_items: int) -> torch.Tensor:
    """Normalised bipartite adjacency over ``num_users + num_items`` nodes."""
    key = torch.unique(user * num_items + item)          # duplicates counted once
    u, i = key // num_items, key % num_items
    row = torch.cat([u, i + num_users])
    col = torch.cat([i + num_users, u])
    return normalised_adjacency(row, col, num_users + num_items)


def knn_edges(features: torch.Tensor, k: int, active: torch.Tensor, chunk: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Directed top-``k`` cosine-neighbour edges ``(row, col)`` among ``active`` items, computed
    ``chunk`` rows at a time (memory ``chunk × I``, never ``I × I``); no self loops."""
    idx = torch.nonzero(active).flatten()
    if idx.numel() <= 1:
        e = torch.empty(0, dtype=torch.long, device=features.device)
        return e, e
    x = torch.nn.functional.normalize(features[idx].float(), dim=1)
    k = min(k, idx.numel() - 1)
    rows, cols = [], []
    for s in range(0, idx.numel(), chunk):
        sim = x[s:s + chunk] @ x.T
        ar = torch.arange(sim.size(0), device=sim.device)
        sim[ar, ar + s] = -float("inf")
        nb = sim.topk(k, dim=1).indices
        rows.append((ar + s).repeat_interleave(k))
        cols.append(nb.reshape(-1))
    return idx[torch.cat(rows)], idx[torch.cat(cols)]


def item_item_graph(modalities: dict[str, torch.Tensor], masks: dict[str, torch.Tensor], removed: torch.Tensor,
                    k: int = 10, chunk: int = 1024) -> torch.Tensor | None:
    """Mean over modalities of the normalised symmetric kNN graphs (sparse CSR ``[I, I]``)."""
    if not modalities:
        return None
    n = removed.numel()
    total = None
    for name, feat in modalities.items():
        active = masks[name].to(feat.device) & ~removed.to(feat.device)
        r, c = knn_edges(feat, k, active, chunk)
        rr, cc = torch.cat([r, c]), torch.cat([c, r])
        key = torch.unique(rr * n + cc)
        adj = normalised_adjacency(key // n, key % n, n).to_sparse_coo()
        total = adj if total is None else total + adj
    total = (total.coalesce() * (1.0 / len(modalities))).coalesce()
    return symmetric_csr(total)


@dataclass
class RecGraph:
    """Everything a model reads from the data, on one device."""

    num_users: int
    num_items: int
    adj_t: torch.Tensor                     # [(U+I), (U+I)] sparse CSR, normalised
    features: dict[str, torch.Tensor] = field(default_factory=dict)
    item_item: torch.Tensor | None = None   # [I, I] sparse CSR or None
    removed_items: torch.Tensor | None = None

    @property
    def device(self) -> torch.device:
        return self.adj_t.device


def build_graph(data: InteractionData, device: str | torch.device = "cpu", knn_k: int | None = None,
                chunk: int = 1024) -> RecGraph:
    """The graphs of ``data`` (training interactions only) on ``device``; the item-item kNN
    graph only when ``knn_k`` is given."""
    device = torch.device(device)
    u, i = data.train_pairs()
    adj = user_item_adjacency(u.to(device), i.to(device), data.num_users, data.num_items)
    feats = {}
    for name, f in data.modalities.items():
        keep = (data.feature_mask[name] & ~data.removed_items).to(device)
        feats[name] = f.to(device) * keep[:, None]
    ii = None
    if knn_k:
        masks = {k: v.to(device) for k, v in data.feature_mask.items()}
        ii = item_item_graph(feats, masks, data.removed_items.to(device), knn_k, chunk)
    return RecGraph(data.num_users, data.num_items, adj, feats, ii, data.removed_items.to(device))
