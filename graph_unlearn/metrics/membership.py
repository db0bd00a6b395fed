"""Membership-inference attacks on a model's outputs.

The attacker is a standardised logistic regression over per-sample output features. It is
trained on the evaluated model's own outputs, with retained training samples as members
(label 1) and held-out samples as non-members (label 0). It is then asked about the forget
set: the reported number is the attack AUC of separating the forget samples from *other*
held-out non-members. 0.5 means the forgotten samples look like data never trained on;
compare with retrain's value (never 0.5 exactly, because the graph itself carries signal).
"""
from __future__ import annotations

import numpy as np
import torch

from .classification import auroc


def _np(x) -> np.ndarray:
    x = torch.as_tensor(x).detach().double().cpu()
    if x.dim() == 1:
        x = x[:, None]
    return x.numpy()


def membership_attack_auc(member_features, nonmember_train_features, forget_features,
                          nonmember_eval_features, *, seed: int = 0, max_train: int = 20000) -> float:
    """Train the attacker on members vs non-members, report AUC(forget vs held-out non-members)
    of the attacker's membership score (forget samples = positives)."""
    score_f, score_e = membership_scores(member_features, nonmember_train_features, forget_features,
                                         nonmember_eval_features, seed=seed, max_train=max_train)
    scores = torch.from_numpy(np.concatenate([score_f, score_e]))
    labels = torch.cat([torch.ones(len(score_f)), torch.zeros(len(score_e))])
    return auroc(scores, labels)


def membership_scores(member_features, nonmember_train_features, forget_features, nonmember_eval_features, *,
                      seed: int = 0, max_train: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """The attacker of :func:`membership_attack_auc`, trained on members vs non-members (balanced);
    returns its membership probabilities on the two evaluation sets (forget, non-member eval)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    m, n = _np(member_features), _np(nonmember_train_features)
    f, e = _np(forget_features), _np(nonmember_eval_features)
    for name, arr in (("member", m), ("non-member (train)", n), ("forget", f), ("non-member (eval)", e)):
        if len(arr) == 0:
            raise ValueError(f"membership attack: the {name} set is empty")
    rng = np.random.default_rng(seed)
    # balance the attacker's training set
    k = min(len(m), len(n), max_train)
    m = m[rng.choice(len(m), k, replace=False)]
    n = n[rng.choice(len(n), k, replace=False)]
    x = np.concatenate([m, n])
    y = np.concatenate([np.ones(len(m)), np.zeros(len(n))])
    attacker = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    attacker.fit(x, y)
    return attacker.predict_proba(f)[:, 1], attacker.predict_proba(e)[:, 1]
