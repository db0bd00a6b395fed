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
  has nothing to ascend on and says so). Refused by the unlearners for a model that uses no
  modality, or not this one.

Ids are read by the library's one strict reader (:mod:`graph_unlearn.requests.base`): integer
lists / tuples / ranges / sets / tensors / arrays / pandas objects; user and item sets also take
a boolean mask over all users / items (length checked by ``apply``). Floats, booleans inside id
lists, strings, masked arrays, sparse / meta tensors, negative, repeated or unknown ids, and a
request that deletes every user, every item or every training interaction are refused with a
``ValueError`` / ``TypeError`` that says "user ids" / "item ids".
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graph_unlearn.requests.base import (DeletionRequest, RequestTypeError, check_mask_length, parse_ids,
                                         to_tensor)

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


def _check_ids(ids: torch.Tensor, mask_length: int | None, who: str, what: str, limit: int) -> torch.Tensor:
    """Range (and mask length) check of parsed ids against the data: ``what`` is "user ids" /
    "item ids"."""
    noun = what[:-4]  # "user" / "item"
    check_mask_length(mask_length, limit, who, noun + "s")
    bad = (ids < 0) | (ids >= limit)
    if bad.any():
        raise ValueError(f"{who}: unknown {what} {ids[bad][:5].tolist()} (valid {what}: 0..{limit - 1}; the data has "
                         f"{limit} {noun}s)")
    return ids


def _refuse_empty_retained(deletion: "RecDeletion", data: InteractionData, who: str) -> "RecDeletion":
    """Deleting every user, or every training interaction, leaves nothing to train or evaluate on."""
    retained = deletion.retained
    if bool(retained.removed_users.all()):
        raise ValueError(f"{who}: the request deletes every user; nothing would be retained")
    if bool(retained.removed_items.all()):
        raise ValueError(f"{who}: the request deletes every item; nothing would be retained")
    if not bool((retained.split == TRAIN).any()):
        raise ValueError(f"{who}: the request deletes every training interaction ({int((data.split == TRAIN).sum())}"
                         f"); nothing would be retained to train or unlearn on")
    return deletion


class _RecRequest(DeletionRequest):
    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={len(self)})"

    def check_model(self, model) -> None:
        """Refuse a request that does not apply to ``model`` (called by the unlearners)."""


class UserDeletion(_RecRequest):
    """Forget users: all their interactions (train, valid and test).

    Args:
        users: user ids (a 1-d integer tensor / numpy array / pandas Series / list / tuple /
            range, or one int), or a 1-d boolean **mask over all users** (bool tensor / array /
            Series, ``True`` = delete; its length must equal ``data.num_users``, checked by
            ``apply``). Floats, booleans mixed into ids, negative or repeated ids are refused;
            ids outside ``0..num_users-1`` and deleting every user are refused by ``apply``.
    """

    kind = "users"

    def __init__(self, users):
        self._ids, self.mask_length = parse_ids(users, "UserDeletion", "user ids", allow_mask=True)

    @property
    def users(self) -> torch.Tensor:
        return self._ids

    def apply(self, data: InteractionData) -> RecDeletion:
        users = _check_ids(self._ids, self.mask_length, "UserDeletion", "user ids", data.num_users)
        if data.removed_users[users].any():
            raise ValueError(f"UserDeletion: users {users[data.removed_users[users]][:5].tolist()} are already deleted")
        hit = torch.isin(data.user, users)
        removed = data.removed_users.clone()
        removed[users] = True
        f = hit & (data.split == TRAIN)
        return _refuse_empty_retained(RecDeletion(self.kind, data.select(~hit, removed_users=removed), data.user[f],
                                                  data.item[f]), data, "UserDeletion")


class ItemDeletion(_RecRequest):
    """Forget items: all their interactions, their feature rows in every modality (zeroed and
    masked) and hence their place in any item-item graph.

    Args:
        items: item ids, or a 1-d boolean **mask over all items** (length ``data.num_items``,
            checked by ``apply``); the same forms and refusals as :class:`UserDeletion`.
    """

    kind = "items"

    def __init__(self, items):
        self._ids, self.mask_length = parse_ids(items, "ItemDeletion", "item ids", allow_mask=True)

    @property
    def items(self) -> torch.Tensor:
        return self._ids

    def apply(self, data: InteractionData) -> RecDeletion:
        items = _check_ids(self._ids, self.mask_length, "ItemDeletion", "item ids", data.num_items)
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
        return _refuse_empty_retained(
            RecDeletion(self.kind, data.select(~hit, removed_items=removed, modalities=mods, feature_mask=masks),
                        data.user[f], data.item[f]), data, "ItemDeletion")


class InteractionDeletion(_RecRequest):
    """Forget training interactions ``(users[j], items[j])``.

    Args:
        users, items: two 1-d integer id lists of equal length (tensors / arrays / Series /
            lists, or one int each), one ``(user, item)`` per position. No masks; a pair listed
            twice, a pair that is not a training interaction and deleting every training
            interaction are refused.
    """

    kind = "interactions"

    def __init__(self, users, items):
        u = _pair_ids(users, "InteractionDeletion", "user ids")
        i = _pair_ids(items, "InteractionDeletion", "item ids")
        if u.numel() != i.numel():
            raise ValueError(f"InteractionDeletion: {u.numel()} users but {i.numel()} items; give one (user, item) "
                             f"per interaction")
        if u.numel() == 0:
            raise ValueError("InteractionDeletion: the request is empty (no interactions given)")
        pairs, counts = torch.unique(torch.stack([u, i]), dim=1, return_counts=True)
        if (counts > 1).any():
            a, b = pairs[:, counts > 1][:, 0].tolist()
            raise ValueError(f"InteractionDeletion: the (user, item) pair ({a}, {b}) is listed more than once")
        self._ids, self.users, self.items = u, u, i

    def apply(self, data: InteractionData) -> RecDeletion:
        _check_ids(self.users, None, "InteractionDeletion", "user ids", data.num_users)
        _check_ids(self.items, None, "InteractionDeletion", "item ids", data.num_items)
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
        return _refuse_empty_retained(RecDeletion(self.kind, data.select(~hit), data.user[hit], data.item[hit]),
                                      data, "InteractionDeletion")


def _pair_ids(values, who: str, what: str) -> torch.Tensor:
    t = to_tensor(values, who, what)
    if t.dtype == torch.bool:
        raise RequestTypeError(f"{who}: {what} must be integers, got a boolean tensor/array (masks are not accepted for "
                        f"interactions: give the (user, item) pairs)")
    if t.dim() == 0:
        t = t.view(1)
    if t.dim() != 1:
        raise ValueError(f"{who}: {what} must be a 1-d list, got shape {tuple(t.shape)}")
    if (t < 0).any():
        raise ValueError(f"{who}: negative {what[:-1]} {int(t.min())}")
    return t


class ModalityDeletion(_RecRequest):
    """Forget one modality's feature rows of some items (e.g. a revoked image licence); the
    interactions stay.

    Args:
        modality: the modality's name (a key of ``data.modalities``).
        items: item ids, or a 1-d boolean mask over all items, as for :class:`ItemDeletion`.

    The unlearners refuse it for a model that uses no modality, or not this one
    (:meth:`check_model`).
    """

    kind = "modality"

    def __init__(self, modality: str, items):
        if not isinstance(modality, str) or not modality:
            raise RequestTypeError(f"ModalityDeletion: modality must be a non-empty name (str), got "
                            f"{type(modality).__name__} {modality!r}"[:160])
        self.modality = modality
        self._ids, self.mask_length = parse_ids(items, "ModalityDeletion", "item ids", allow_mask=True)

    @property
    def items(self) -> torch.Tensor:
        return self._ids

    def check_model(self, model) -> None:
        names = getattr(model, "names", None)
        if not names:
            raise ValueError(f"ModalityDeletion: {type(model).__name__} uses no item modality: a modality deletion "
                             f"does not apply to it")
        if self.modality not in names:
            raise ValueError(f"ModalityDeletion: {type(model).__name__} does not use modality {self.modality!r} "
                             f"(it uses {sorted(names)})")

    def apply(self, data: InteractionData) -> RecDeletion:
        if self.modality not in data.modalities:
            raise ValueError(f"ModalityDeletion: unknown modality {self.modality!r}; the data has {sorted(data.modalities)}")
        items = _check_ids(self._ids, self.mask_length, "ModalityDeletion", "item ids", data.num_items)
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
                   modality: str | None = None, holdout: bool = False):
    """A random request deleting ``fraction`` of the users / items / training interactions
    (or of the items' ``modality`` rows; default: the first modality).

    ``holdout=True`` (the matched holdout): draw twice as many the same way and split them at
    random into the request and an equally sized holdout request of the same kind; returns a
    :class:`~graph_unlearn.metrics.holdout.MatchedSample` ``(request, holdout_request)``. Remove
    the holdout from training with :func:`withhold_holdout`."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    if holdout:
        return _sample_matched(data, kind, fraction, seed, modality)
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
        pairs = torch.unique(torch.stack([data.user[pick], data.item[pick]]), dim=1)  # a repeated interaction once
        return InteractionDeletion(pairs[0], pairs[1])
    raise ValueError(f"unknown request kind {kind!r}: use users, items, interactions or modality")


def _sample_matched(data: InteractionData, kind: str, fraction: float, seed: int, modality: str | None):
    from graph_unlearn.metrics.holdout import MatchedSample, split_matched

    gen = torch.Generator().manual_seed(seed)
    if kind == "users":
        pool = torch.nonzero(~data.removed_users).flatten()
    elif kind in ("items", "modality"):
        pool = torch.unique(data.item[data.split == TRAIN])
    elif kind == "interactions":
        pool = torch.nonzero(data.split == TRAIN).flatten()
    else:
        raise ValueError(f"unknown request kind {kind!r}: use users, items, interactions or modality")
    k = max(1, int(fraction * pool.numel()))
    drawn = pool[torch.randperm(pool.numel(), generator=gen)[:min(2 * k, pool.numel())]]
    parts = split_matched(drawn, gen)
    if kind == "users":
        return MatchedSample(*(UserDeletion(p) for p in parts))
    if kind == "items":
        return MatchedSample(*(ItemDeletion(p) for p in parts))
    if kind == "modality":
        if not data.modalities:
            raise ValueError("modality deletion needs a dataset with modalities")
        name = modality or next(iter(data.modalities))
        return MatchedSample(*(ModalityDeletion(name, p) for p in parts))
    return MatchedSample(*(InteractionDeletion(data.user[p], data.item[p]) for p in parts))


def withhold_holdout(data: InteractionData, holdout: _RecRequest) -> tuple[InteractionData, RecDeletion]:
    """Remove the matched ``holdout`` request from the data before any training (the original's
    and every retrain's): returns the data to train on and the :class:`RecDeletion` of the
    holdout, whose ``forget_user`` / ``forget_item`` are the withheld training pairs to attack
    with (for users and items, all their interactions are withheld, like a deletion)."""
    deletion = holdout.apply(data)
    return deletion.retained, deletion
