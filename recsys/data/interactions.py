"""The interaction-graph data model of the recommender side.

An :class:`InteractionData` holds ``E`` user-item interactions (``user``, ``item``: int64
``[E]``) with a per-interaction split label (``split``: 0 = train, 1 = valid, 2 = test, the
MMRec ``x_label``), optional ``timestamp`` and ``rating``, and any number of per-item
modality feature matrices by name (``modalities['text']``: ``[num_items, d]``).

Deleted items keep their id (so embedding tables keep their shape) but are marked in
``removed_items``: their feature rows are zero, they carry no interactions, they take no
part in item-item graphs and are never ranked. ``feature_mask[name]`` marks the items whose
row of a modality is present (a :class:`~recsys.requests.ModalityDeletion` clears it).

Raw ids: data built from a table (:meth:`InteractionData.from_pandas`, ``load_dataset(df)``,
``load_dataset("file.csv")``) keeps the user's own ids in ``user_ids`` / ``item_ids`` (numpy
arrays, entry ``k`` = the raw id of internal id ``k``). ``data.user_index(raw)`` /
``data.item_index(raw)`` map raw ids to internal ids (a ``ValueError`` names the unknown
ones), ``data.raw_user(ids)`` / ``data.raw_item(ids)`` map back. Without a table the raw id
*is* the internal id.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

TRAIN, VALID, TEST = 0, 1, 2


@dataclass
class InteractionData:
    num_users: int
    num_items: int
    user: torch.Tensor
    item: torch.Tensor
    split: torch.Tensor
    timestamp: torch.Tensor | None = None
    rating: torch.Tensor | None = None
    modalities: dict[str, torch.Tensor] = field(default_factory=dict)
    feature_mask: dict[str, torch.Tensor] = field(default_factory=dict)
    removed_items: torch.Tensor | None = None
    removed_users: torch.Tensor | None = None
    name: str = "interactions"
    #: raw user / item ids (entry k = raw id of internal id k); None: raw id = internal id
    user_ids: np.ndarray | None = None
    item_ids: np.ndarray | None = None

    def __post_init__(self):
        self.user, self.item, self.split = (torch.as_tensor(t).long() for t in (self.user, self.item, self.split))
        n = self.user.numel()
        if self.item.numel() != n or self.split.numel() != n:
            raise ValueError(f"user/item/split must have the same length, got {n}, {self.item.numel()}, {self.split.numel()}")
        for name in ("timestamp", "rating"):
            t = getattr(self, name)
            if t is not None and torch.as_tensor(t).numel() != n:
                raise ValueError(f"{name} has {torch.as_tensor(t).numel()} entries for {n} interactions")
        if n:
            if int(self.user.min()) < 0 or int(self.user.max()) >= self.num_users:
                raise ValueError(f"user ids must lie in [0, {self.num_users}), got [{int(self.user.min())}, {int(self.user.max())}]")
            if int(self.item.min()) < 0 or int(self.item.max()) >= self.num_items:
                raise ValueError(f"item ids must lie in [0, {self.num_items}), got [{int(self.item.min())}, {int(self.item.max())}]")
            bad = ~torch.isin(self.split, torch.tensor([TRAIN, VALID, TEST]))
            if bad.any():
                raise ValueError(f"split labels must be 0/1/2 (train/valid/test), got {self.split[bad][:5].tolist()}")
        mods = {}
        for key, feat in self.modalities.items():
            feat = torch.as_tensor(np.asarray(feat) if not isinstance(feat, torch.Tensor) else feat).float()
            if feat.dim() != 2 or feat.size(0) != self.num_items:
                raise ValueError(f"modality {key!r} must be [num_items={self.num_items}, d], got {tuple(feat.shape)}")
            mods[key] = feat
        self.modalities = mods
        for key in mods:
            self.feature_mask.setdefault(key, torch.ones(self.num_items, dtype=torch.bool))
        if self.removed_items is None:
            self.removed_items = torch.zeros(self.num_items, dtype=torch.bool)
        if self.removed_users is None:
            self.removed_users = torch.zeros(self.num_users, dtype=torch.bool)
        for what, ids, count in (("user_ids", self.user_ids, self.num_users),
                                 ("item_ids", self.item_ids, self.num_items)):
            if ids is not None:
                ids = np.asarray(ids)
                if ids.ndim != 1 or len(ids) != count:
                    raise ValueError(f"{what} must hold one raw id per internal id ({count}), got shape {ids.shape}")
                setattr(self, what, ids)

    # -- tables (pandas / CSV) -------------------------------------------------------------
    @classmethod
    def from_pandas(cls, df, user: str = "user_id", item: str = "item_id", rating: str | None = None,
                    timestamp: str | None = None, split: str | None = None, **options) -> "InteractionData":
        """Interactions from a DataFrame with one row per (user, item); see
        :func:`recsys.data.frames.from_pandas` for the options (duplicates, split, seed)."""
        from .frames import from_pandas

        return from_pandas(df, user=user, item=item, rating=rating, timestamp=timestamp, split=split, **options)

    def to_pandas(self, user: str = "user_id", item: str = "item_id", split: str = "split"):
        """The interactions as a DataFrame: raw ``user`` / ``item`` ids, ``split`` labels
        ``'train'/'valid'/'test'``, and ``rating`` / ``timestamp`` when present (read back by
        ``from_pandas(df, rating="rating", timestamp="timestamp", split="split")``)."""
        from .frames import to_pandas

        return to_pandas(self, user=user, item=item, split=split)

    # -- raw ids <-> internal ids ------------------------------------------------------------
    def user_index(self, raw_ids) -> torch.Tensor:
        """Internal user ids (int64 ``[n]``) of raw user ids (one id or a list of them)."""
        return _to_index(raw_ids, self.user_ids, self.num_users, "user")

    def item_index(self, raw_ids) -> torch.Tensor:
        """Internal item ids (int64 ``[n]``) of raw item ids (one id or a list of them)."""
        return _to_index(raw_ids, self.item_ids, self.num_items, "item")

    def raw_user(self, ids) -> np.ndarray:
        """Raw user ids of internal user ids."""
        return _to_raw(ids, self.user_ids, self.num_users, "user")

    def raw_item(self, ids) -> np.ndarray:
        """Raw item ids of internal item ids."""
        return _to_raw(ids, self.item_ids, self.num_items, "item")

    def to_edge_index(self, split: int = TRAIN, undirected: bool = True) -> torch.Tensor:
        """The interactions of ``split`` as a PyG ``edge_index`` ``[2, E]`` over one node set,
        users ``0..U-1`` then items ``U..U+I-1`` (the layout PyG's ``LightGCN`` expects);
        duplicate pairs once; ``undirected`` adds the item -> user direction (``[2, 2E]``)."""
        u, i = self.pairs(split)
        key = torch.unique(u * self.num_items + i)
        u, i = key // self.num_items, key % self.num_items + self.num_users
        if undirected:
            return torch.stack([torch.cat([u, i]), torch.cat([i, u])])
        return torch.stack([u, i])

    # -- views ---------------------------------------------------------------------------
    @property
    def num_interactions(self) -> int:
        return self.user.numel()

    def mask(self, split: int) -> torch.Tensor:
        return self.split == split

    def pairs(self, split: int) -> tuple[torch.Tensor, torch.Tensor]:
        m = self.mask(split)
        return self.user[m], self.item[m]

    def train_pairs(self):
        return self.pairs(TRAIN)

    def select(self, keep: torch.Tensor, **changes) -> "InteractionData":
        """A copy keeping only interactions where ``keep`` (bool ``[E]``) is True."""
        kw = dict(user=self.user[keep], item=self.item[keep], split=self.split[keep],
                  timestamp=None if self.timestamp is None else self.timestamp[keep],
                  rating=None if self.rating is None else self.rating[keep],
                  modalities=dict(self.modalities), feature_mask=dict(self.feature_mask),
                  removed_items=self.removed_items.clone(), removed_users=self.removed_users.clone())
        kw.update(changes)
        return replace(self, **kw)

    def first_users(self, n: int) -> "InteractionData":
        """The interactions of users ``0..n-1`` only (all items kept): a small real slice."""
        if not 0 < n <= self.num_users:
            raise ValueError(f"n must lie in [1, {self.num_users}], got {n}")
        return self.select(self.user < n, num_users=n, removed_users=self.removed_users[:n].clone(),
                           user_ids=None if self.user_ids is None else self.user_ids[:n])

    def modality_dims(self) -> dict[str, int]:
        return {k: int(v.size(1)) for k, v in self.modalities.items()}

    def __repr__(self) -> str:
        counts = [int(self.mask(s).sum()) for s in (TRAIN, VALID, TEST)]
        mods = ", ".join(f"{k}=[{v.size(0)}, {v.size(1)}]" for k, v in self.modalities.items())
        return (f"InteractionData(name={self.name!r}, users={self.num_users}, items={self.num_items}, "
                f"train/valid/test={counts[0]}/{counts[1]}/{counts[2]}"
                + (f", modalities: {mods}" if mods else "")
                + (f", removed_items={int(self.removed_items.sum())}" if self.removed_items.any() else "")
                + (f", removed_users={int(self.removed_users.sum())}" if self.removed_users.any() else "") + ")")


def _as_list(values) -> list:
    if isinstance(values, torch.Tensor):
        return values.reshape(-1).tolist()
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        return [values.item() if isinstance(values, np.generic) else values]
    return np.asarray(values, dtype=object).reshape(-1).tolist()


def _to_index(raw_ids, table: np.ndarray | None, count: int, what: str) -> torch.Tensor:
    raw = _as_list(raw_ids)
    if not raw:
        raise ValueError(f"no raw {what} ids given")
    if table is None:      # no table: the raw id is the internal id
        arr = np.asarray(raw)
        if not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"this data keeps no raw {what} ids (not built from a table), so {what} ids are the "
                             f"internal ids 0..{count - 1}; got {raw[:5]}")
        idx = torch.from_numpy(arr.astype(np.int64))
        bad = (idx < 0) | (idx >= count)
        if bad.any():
            raise ValueError(f"unknown {what} ids {idx[bad][:5].tolist()} (valid: 0..{count - 1})")
        return idx
    lookup = {v: k for k, v in enumerate(table.tolist())}
    idx, missing = [], []
    for r in raw:
        k = lookup.get(r.item() if isinstance(r, np.generic) else r)
        if k is None:
            missing.append(r)
        idx.append(k)
    if missing:
        more = f" ({len(missing)} in all)" if len(missing) > 5 else ""
        raise ValueError(f"unknown raw {what} ids {missing[:5]}{more}; the data has {count} {what}s, "
                         f"e.g. {table[:3].tolist()}")
    return torch.as_tensor(idx, dtype=torch.long)


def _to_raw(ids, table: np.ndarray | None, count: int, what: str) -> np.ndarray:
    idx = torch.as_tensor(np.asarray(_as_list(ids), dtype=np.int64) if not isinstance(ids, torch.Tensor) else ids)
    idx = idx.reshape(-1).long().cpu()
    bad = (idx < 0) | (idx >= count)
    if bad.any():
        raise ValueError(f"unknown internal {what} ids {idx[bad][:5].tolist()} (valid: 0..{count - 1})")
    return idx.numpy() if table is None else table[idx.numpy()]


def per_user_split(user: torch.Tensor, num_users: int, ratios=(0.8, 0.1, 0.1), timestamp: torch.Tensor | None = None,
                   order: str = "random", seed: int = 0) -> torch.Tensor:
    """Per-user train/valid/test labels (MMRec protocol, 8:1:1 by default).

    Each user's interactions are ordered (``order='random'`` with ``seed``, or ``'time'`` by
    ``timestamp``) and cut at ``floor(r_train·n)`` and ``floor((r_train+r_valid)·n)``; a user
    with at least 3 interactions gets at least one valid and one test interaction.
    """
    if abs(sum(ratios) - 1.0) > 1e-6 or len(ratios) != 3 or min(ratios) < 0:
        raise ValueError(f"ratios must be three non-negative numbers summing to 1, got {ratios}")
    if order not in ("random", "time"):
        raise ValueError(f"order must be 'random' or 'time', got {order!r}")
    if order == "time" and timestamp is None:
        raise ValueError("order='time' needs timestamps")
    user = torch.as_tensor(user).long()
    n = user.numel()
    gen = torch.Generator().manual_seed(seed)
    key2 = torch.randperm(n, generator=gen) if order == "random" else torch.as_tensor(timestamp).double().argsort().argsort()
    # sort by (user, key2)
    perm = torch.argsort(user * (n + 1) + key2, stable=True)
    su = user[perm]
    counts = torch.bincount(su, minlength=num_users)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(n) - starts[su]
    cnt = counts[su].double()
    n_test = torch.floor(cnt * ratios[2]).long()
    n_valid = torch.floor(cnt * ratios[1]).long()
    small = cnt >= 3
    n_test = torch.where(small & (n_test == 0) & (ratios[2] > 0), torch.ones_like(n_test), n_test)
    n_valid = torch.where(small & (n_valid == 0) & (ratios[1] > 0), torch.ones_like(n_valid), n_valid)
    n_train = cnt.long() - n_test - n_valid
    lab = torch.full((n,), TRAIN, dtype=torch.long)
    lab[(rank >= n_train) & (rank < n_train + n_valid)] = VALID
    lab[rank >= n_train + n_valid] = TEST
    out = torch.empty(n, dtype=torch.long)
    out[perm] = lab
    return out
