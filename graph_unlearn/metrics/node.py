r"""Node-level metrics: accuracies on named node sets and node membership inference.

The node membership attack reads the model's output confidence. Per node, the attack
features are :math:`[\max_c p_c,\ p_{y},\ -\sum_c p_c\ln p_c,\ -\ln p_{y}]` (top confidence,
true-class confidence, entropy, loss) of :math:`p=\mathrm{softmax}(z)`. The attacker (see
:func:`graph_unlearn.metrics.membership_attack_auc`) is trained with retained training nodes as
members and half of the test nodes as non-members, and reports the AUC of the forgotten nodes
against the other half of the test nodes (0.5: they look never trained on; compare with retrain).
"""
from __future__ import annotations

import torch

from .classification import accuracy
from .membership import membership_attack_auc


def node_accuracies(logits: torch.Tensor, y: torch.Tensor, **node_sets: torch.Tensor) -> dict[str, float]:
    """``{f"{name}_acc": accuracy(logits[idx], y[idx])}`` for every named index set."""
    out = {}
    for name, idx in node_sets.items():
        idx = torch.as_tensor(idx, device=logits.device)
        if idx.numel() == 0:
            raise ValueError(f"node_accuracies: the {name!r} node set is empty")
        out[f"{name}_acc"] = accuracy(logits[idx], y[idx].to(logits.device))
    return out


def confidence_features(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-node attack features from class logits ``[n, c]`` and labels ``[n]``."""
    if logits.dim() != 2 or logits.size(0) != y.numel():
        raise ValueError(f"logits must be [n, classes] with one label per row, got {tuple(logits.shape)} "
                         f"and {y.numel()} labels")
    logp = torch.log_softmax(logits.double(), -1)
    p = logp.exp()
    true = logp.gather(1, y.long().view(-1, 1).to(logits.device)).squeeze(1)
    return torch.stack([p.max(-1).values, true.exp(), -(p * logp).sum(-1), -true], -1)


def node_membership_auc(logits: torch.Tensor, y: torch.Tensor, members: torch.Tensor, nonmembers: torch.Tensor,
                        forget_logits: torch.Tensor, forget_y: torch.Tensor, *, seed: int = 0) -> float:
    """Node membership attack AUC on the forgotten nodes (see the module docstring).

    ``logits``/``y`` cover all nodes; ``members``/``nonmembers`` index them; ``forget_logits``
    and ``forget_y`` are the forgotten nodes' outputs and labels.
    """
    nonmembers = torch.as_tensor(nonmembers)
    if nonmembers.numel() < 2:
        raise ValueError("node membership attack: needs at least two non-member (test) nodes")
    perm = torch.randperm(nonmembers.numel(), generator=torch.Generator().manual_seed(seed)).to(nonmembers.device)
    half = nonmembers.numel() // 2
    nm_train, nm_eval = nonmembers[perm[:half]], nonmembers[perm[half:]]
    feats = confidence_features(logits, y.to(logits.device))
    return membership_attack_auc(feats[members], feats[nm_train], confidence_features(forget_logits, forget_y),
                                 feats[nm_eval], seed=seed)
