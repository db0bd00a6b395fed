"""Deletion requests for recommenders: small validated value objects.

``request.apply(data)`` checks the request against an :class:`InteractionData` (clear
``ValueError``s for empty requests, unknown ids, interactions that do not exist) and returns a
:class:`RecDeletion`: the retained data (what Gold retrains on) and the forgotten *training*
interactions (what the unlearning losses and the forget metrics use).

* :class:`UserDeletion` — all interactions of the users (train, valid and test);
* :class:`ItemDeletion` — all interactions of the items, their feature rows in every modality
  (zeroed and masked) and hence their place in any item-item graph, which is rebuilt from the
  retained features; removed items are never ranked;
* :class:`InteractionDeletion` — given training ``(user, item)`` pairs;
* :class:`ModalityDeletion` — one modality's feature rows of some items (a revoked image
  licence); interactions stay, so no interaction is forgotten: the methods adapt the model to
  the retained features (reverse-on-forget methods reduce to their retain term; gradient ascent
  has nothing to ascend on and says so).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graph_unlearn.requests.base import DeletionRequest, as_index_tensor

from .data.interactions import TRAIN, InteractionData


@dataclass
class RecDeletion:
    """What applying a request gives: ``retained`` data and the forgotten training pairs."""

    kind: str
    retained: InteractionData
    forget_user: torch.Tensor
    forget_item: torch.Tensor

    @property
    def num_forget(self) -> int:
        return self.forget_user.numel()


def _ids(values, what: str, limit: int) -> torch.Tensor:
    t = as_index_tensor(values, what, "ids").reshape(-1)
    if t.numel() == 0:
        raise ValueError(f"{what}: the request is empty")
    bad = (t < 0) | (t >= limit)
    if bad.any():
        raise ValueError(f"{what}: unknown ids {t[bad][:5].tolist()} (valid range 0..{limit - 1})")
    return torch.unique(t)


class _RecRequest(DeletionRequest):
    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={len(self)})"


class UserDeletion(_RecRequest):
    kind = "users"

    def __init__(self, users):
        self._ids = as_index_tensor(users, "UserDeletion", "user ids").reshape(-1)
        if self._ids.numel() == 0:
            raise ValueError("UserDeletion: the request is empty")

    def apply(self, data: InteractionData) -> RecDeletion:
        users = _ids(self._ids, "UserDeletion", data.num_users)
        if data.removed_users[users].any():
            raise ValueError(f"UserDeletion: users {users[data.removed_users[users]][:5].tolist()} are already deleted")
        hit = torch.isin(data.user, users)
        removed = data.removed_users.clone()
        removed[users] = True
        f = hit & (data.split == TRAIN)
        return RecDeletion(self.kind, data.select(~hit, removed_users=removed), data.user[f], data.item[f])


class ItemDeletion(_RecRequest):
    kind = "items"

    def __init__(self, items):
        self._ids = as_index_tensor(items, "ItemDeletion", "item ids").reshape(-1)
        if self._ids.numel() == 0:
            raise ValueError("ItemDeletion: the request is empty")

    def apply(self, data: InteractionData) -> RecDeletion:
        items = _ids(self._ids, "ItemDeletion", data.num_items)
        if data.removed_items[items].any():
            raise ValueError(f"ItemDeletion: items {items[data.removed_items[items]][:5].tolist()} are already deleted")
        hit = torch.isin(data.item, items)
        removed = data.removed_items.clone()
        removed[items] = True
        mods, masks = {}, {}
        for name, feat in data.modalities.items():
            feat = feat.clone()
            feat[items] = 0.0          # the feature rows are gone, not merely unused
            mods[name] = feat
            m = data.feature_mask[name].clone()
            m[items] = False
            masks[name] = m
        f = hit & (data.split == TRAIN)
        return RecDeletion(self.kind, data.select(~hit, removed_items=removed, modalities=mods, feature_mask=masks),
                           data.user[f], data.item[f])


class InteractionDeletion(_RecRequest):
    kind = "interactions"

    def __init__(self, users, items):
        u = as_index_tensor(users, "InteractionDeletion", "user ids").reshape(-1)
        i = as_index_tensor(items, "InteractionDeletion", "item ids").reshape(-1)
        if u.numel() != i.numel():
            raise ValueError(f"InteractionDeletion: {u.numel()} users but {i.numel()} items; give one (user, item) per interaction")
        if u.numel() == 0:
            raise ValueError("InteractionDeletion: the request is empty")
        self._ids, self.users, self.items = u, u, i

    def apply(self, data: InteractionData) -> RecDeletion:
        _ids(self.users, "InteractionDeletion (users)", data.num_users)
        _ids(self.items, "InteractionDeletion (items)", data.num_items)
        train = data.split == TRAIN
        key_all = data.user * data.num_items + data.item
        key_req = torch.unique(self.users * data.num_items + self.items)
        train_keys = key_all[train]
        present = torch.isin(key_req, train_keys)
        if not present.all():
            miss = key_req[~present][:5]
            pairs = [(int(k) // data.num_items, int(k) % data.num_items) for k in miss]
            raise ValueError(f"InteractionDeletion: {int((~present).sum())} (user, item) pairs are not training "
                             f"interactions, e.g. {pairs}")
        hit = torch.isin(key_all, key_req) & train
        return RecDeletion(self.kind, data.select(~hit), data.user[hit], data.item[hit])


class ModalityDeletion(_RecRequest):
    kind = "modality"

    def __init__(self, modality: str, items):
        if not isinstance(modality, str):
            raise ValueError(f"ModalityDeletion: modality must be a name, got {type(modality).__name__}")
        self.modality = modality
        self._ids = as_index_tensor(items, "ModalityDeletion", "item ids").reshape(-1)
        if self._ids.numel() == 0:
            raise ValueError("ModalityDeletion: the request is empty")

    def apply(self, data: InteractionData) -> RecDeletion:
        if self.modality not in data.modalities:
            raise ValueError(f"ModalityDeletion: unknown modality {self.modality!r}; the data has {sorted(data.modalities)}")
        items = _ids(self._ids, "ModalityDeletion", data.num_items)
        feat = data.modalities[self.modality].clone()
        feat[items] = 0.0
        mask = data.feature_mask[self.modality].clone()
        mask[items] = False
        mods = dict(data.modalities, **{self.modality: feat})
        masks = dict(data.feature_mask, **{self.modality: mask})
        keep = torch.ones(data.num_interactions, dtype=torch.bool)
        none = torch.empty(0, dtype=torch.long)
        # no interaction is forgotten: the items stay, only their feature rows go
        return RecDeletion(self.kind, data.select(keep, modalities=mods, feature_mask=masks), none, none)


def sample_request(data: InteractionData, kind: str, fraction: float = 0.05, seed: int = 0,
                   modality: str | None = None) -> _RecRequest:
    """A random request deleting ``fraction`` of the users / items / training interactions
    (or of the items' ``modality`` rows; default: the first modality)."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    gen = torch.Generator().manual_seed(seed)
    if kind == "users":
        active = torch.nonzero(~data.removed_users).flatten()
        return UserDeletion(active[torch.randperm(active.numel(), generator=gen)[: max(1, int(fraction * active.numel()))]])
    if kind in ("items", "modality"):
        active = torch.unique(data.item[data.split == TRAIN])
        pick = active[torch.randperm(active.numel(), generator=gen)[: max(1, int(fraction * active.numel()))]]
        if kind == "items":
            return ItemDeletion(pick)
        if not data.modalities:
            raise ValueError("modality deletion needs a dataset with modalities")
        return ModalityDeletion(modality or next(iter(data.modalities)), pick)
    if kind == "interactions":
        idx = torch.nonzero(data.split == TRAIN).flatten()
        pick = idx[torch.randperm(idx.numel(), generator=gen)[: max(1, int(fraction * idx.numel()))]]
        return InteractionDeletion(data.user[pick], data.item[pick])
    raise ValueError(f"unknown request kind {kind!r}: use users, items, interactions or modality")
