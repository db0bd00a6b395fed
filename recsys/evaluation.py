r"""Full-ranking evaluation (MMRec protocol) and interaction membership inference.

:func:`rank_topk` scores every item for a batch of users at a time (one matmul), masks the
items given in ``exclude`` (each user's *training* items) and removed items with -inf and keeps
the top ``k``. :func:`evaluate` reports Recall/NDCG/Precision @10/@20 on

* ``test``: the test interactions of the (retained) data, training items masked;
* ``retain``: the retained training interactions (nothing masked: how well the model still
  fits what it keeps), on a user sample;
* ``forget``: the forgotten training interactions, retained training items masked, ranked
  over all items including removed ones (for a perfect unlearner this looks like Gold, not
  like the original).

:func:`interaction_mia`: a logistic-regression attacker on per-interaction features (the score
and its per-user z-score), trained on members = retained training interactions vs
non-members = half of the test interactions, then asked to separate the forgotten
interactions from the other half (shared :func:`graph_unlearn.metrics.membership_attack_auc`).
"""
from __future__ import annotations

import torch

from graph_unlearn.metrics import mean_over_users, membership_attack_auc, ranking_metrics, topk_hits

from .data.interactions import TEST, VALID, InteractionData


@torch.no_grad()
def rank_topk(user_repr: torch.Tensor, item_repr: torch.Tensor, users: torch.Tensor, k: int,
              exclude: tuple[torch.Tensor, torch.Tensor] | None = None, removed_items: torch.Tensor | None = None,
              batch_size: int = 1024) -> torch.Tensor:
    """Top-``k`` item ids ``[len(users), k]`` by ⟨e_u, e_i⟩, skipping ``exclude`` pairs and
    ``removed_items``; ``batch_size`` users per matmul."""
    dev = item_repr.device
    users = users.to(dev)
    pos = torch.full((user_repr.size(0),), -1, dtype=torch.long, device=dev)
    out = []
    for s in range(0, users.numel(), batch_size):
        ub = users[s:s + batch_size]
        scores = user_repr[ub] @ item_repr.T
        if removed_items is not None and removed_items.any():
            scores[:, removed_items.to(dev)] = -float("inf")
        if exclude is not None:
            pos[ub] = torch.arange(ub.numel(), device=dev)
            eu, ei = exclude[0].to(dev), exclude[1].to(dev)
            sel = pos[eu] >= 0
            scores[pos[eu[sel]], ei[sel]] = -float("inf")
            pos[ub] = -1
        out.append(scores.topk(k, dim=1).indices)
    return torch.cat(out) if out else torch.empty(0, k, dtype=torch.long, device=dev)


def ranking_report(user_repr, item_repr, rel_user, rel_item, exclude=None, removed_items=None,
                   ks=(10, 20), batch_size: int = 1024, max_users: int | None = None, seed: int = 0) -> dict[str, float]:
    """Mean Recall/NDCG/Precision@k over users having relevant pairs ``(rel_user, rel_item)``."""
    if rel_user.numel() == 0:
        return {f"{m}@{k}": float("nan") for k in ks for m in ("recall", "ndcg", "precision")}
    users, inv = torch.unique(rel_user, return_inverse=True)
    if max_users is not None and users.numel() > max_users:
        gen = torch.Generator().manual_seed(seed)
        keep_u = torch.zeros(users.numel(), dtype=torch.bool)
        keep_u[torch.randperm(users.numel(), generator=gen)[:max_users]] = True
        keep = keep_u[inv]
        rel_user, rel_item = rel_user[keep], rel_item[keep]
        users, inv = torch.unique(rel_user, return_inverse=True)
    topk = rank_topk(user_repr, item_repr, users, max(ks), exclude, removed_items, batch_size)
    hits = topk_hits(topk, inv.to(topk.device), rel_item.to(topk.device), item_repr.size(0))
    nrel = torch.bincount(inv, minlength=users.numel()).to(topk.device)
    return {key: mean_over_users(v) for key, v in ranking_metrics(hits, nrel, ks).items()}


@torch.no_grad()
def model_outputs(model, graph):
    model.eval()
    return model(graph)


def evaluate(model, data: InteractionData, graph=None, forget: tuple[torch.Tensor, torch.Tensor] | None = None,
             splits=("test", "retain", "forget"), ks=(10, 20), retain_users: int | None = 300,
             batch_size: int = 1024) -> dict[str, float]:
    """Ranking metrics keyed ``<split>_<metric><k>`` (e.g. ``test_recall20``) on ``data``
    (the retained data after a deletion); ``forget`` = forgotten training pairs. ``model`` may be
    a PyG ``LightGCN`` (read through :func:`recsys.models.pyg.as_rec_model`)."""
    from .models.pyg import as_rec_model

    model = as_rec_model(model, data)
    graph = graph if graph is not None else model.build_graph(data)
    ur, ir = model_outputs(model, graph)
    train = data.train_pairs()
    res = {}
    todo = {"test": (data.pairs(TEST), train), "valid": (data.pairs(VALID), train),
            "retain": (train, None)}
    if forget is not None and forget[0].numel():
        todo["forget"] = (forget, train)
    for name in splits:
        if name not in todo:
            continue
        (ru, ri), ex = todo[name]
        # forgotten interactions are ranked over *all* items, removed ones included: does the
        # model still put a deleted item (or a deleted user's items) on top?
        removed = None if name == "forget" else data.removed_items
        rep = ranking_report(ur, ir, ru, ri, ex, removed, ks, batch_size,
                             retain_users if name == "retain" else None)
        res.update({f"{name}_{k.replace('@', '')}": v for k, v in rep.items()})
    return res


@torch.no_grad()
def pair_features(user_repr, item_repr, users, items, batch_size: int = 1024) -> torch.Tensor:
    """Per-interaction attack features ``[n, 2]``: the score and its z-score among the user's
    scores over all items."""
    dev = item_repr.device
    mean = torch.empty(user_repr.size(0), device=dev)
    std = torch.empty(user_repr.size(0), device=dev)
    for s in range(0, user_repr.size(0), batch_size):
        sc = user_repr[s:s + batch_size] @ item_repr.T
        mean[s:s + batch_size], std[s:s + batch_size] = sc.mean(1), sc.std(1)
    users, items = users.to(dev), items.to(dev)
    score = (user_repr[users] * item_repr[items]).sum(-1)
    z = (score - mean[users]) / std[users].clamp(min=1e-12)
    return torch.stack([score, z], 1).cpu()


def interaction_mia(model, data: InteractionData, forget: tuple[torch.Tensor, torch.Tensor], graph=None,
                    seed: int = 0) -> float:
    """Attack AUC of forgotten training interactions vs held-out test interactions (0.5 = they
    look never trained on); members = retained training interactions."""
    if forget[0].numel() == 0:
        raise ValueError("interaction_mia: the forget set is empty")
    graph = graph if graph is not None else model.build_graph(data)
    ur, ir = model_outputs(model, graph)
    mu, mi = data.train_pairs()
    tu, ti = data.pairs(TEST)
    if tu.numel() < 2:
        raise ValueError("interaction_mia: needs at least two test interactions")
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(tu.numel(), generator=gen)
    a, b = perm[: tu.numel() // 2], perm[tu.numel() // 2:]
    return membership_attack_auc(pair_features(ur, ir, mu, mi), pair_features(ur, ir, tu[a], ti[a]),
                                 pair_features(ur, ir, forget[0], forget[1]), pair_features(ur, ir, tu[b], ti[b]),
                                 seed=seed)
