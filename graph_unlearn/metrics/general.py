r"""Forgetting metrics for classifiers and regressors (vision / text / tabular unlearning).

Every function takes plain tensors (model outputs, labels, per-sample losses) except
:func:`relearn_time`, which fine-tunes a copy of a model. Conventions:

* **MIA-efficacy** (SalUn / SCRUB protocol): an SVC on the *true-class confidence*
  :math:`p_{y}(x)` is trained with a retained subset as members (1) and the test set as
  non-members (0), balanced; the number is the **fraction of the forget set predicted
  non-member**. Higher = more forgotten; compare with retrain.
* **Entropy MIA member rate**: the same attack on the prediction entropy
  :math:`H(p(x))`, reporting the **fraction of the forget set still predicted member**
  (the opposite direction; lower = more forgotten).
* **Loss-threshold MIA**: a single threshold on the per-sample loss (member iff
  :math:`\ell \le t`), chosen on training folds and scored on held-out folds (k-fold
  cross-validation of members vs non-members); also the fraction of the forget set below the
  threshold fitted on all data. Works unchanged for regression losses.
* **ZRF** (zero retrain forgetting), pinned here as

  .. math:: \mathrm{ZRF} = 1 - \frac1n\sum_i \mathrm{JS}\big(p_\theta(x_i),\, p_{rand}(x_i)\big)

  with the natural-log JS of :func:`~graph_unlearn.metrics.js_divergence`, *not* normalised
  by :math:`\ln 2`: ZRF lies in :math:`[1-\ln 2, 1] \approx [0.307, 1]`, and 1 means the model
  predicts exactly like a randomly initialised one (public implementations differ on the log
  base and on normalising; this is the Bad Teacher code's choice).
* **Activation distance**: :math:`\frac1n\sum_i \lVert p_\theta(x_i) - p_{ref}(x_i)\rVert_2`
  between output probabilities (usually the reference is retrain, on the forget set).
* **Average gap to retrain**: :math:`\frac1{|K|}\sum_{k\in K} |m_k - m^{retrain}_k|`.
"""
from __future__ import annotations

import copy
from typing import Callable, Iterable, Mapping

import numpy as np
import torch

from .classification import auroc
from .divergence import js_divergence
from .membership import membership_attack_auc

_EPS = 1e-12


def _np1(x) -> np.ndarray:
    return torch.as_tensor(x).detach().double().flatten().cpu().numpy()


def _check_nonempty(**sets):
    for name, arr in sets.items():
        if len(arr) == 0:
            raise ValueError(f"membership attack: the {name} set is empty")


def true_class_confidence(probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """:math:`p_{y_i}(x_i)` for each row of a probability matrix ``[n, c]``."""
    probs, labels = torch.as_tensor(probs).detach(), torch.as_tensor(labels).detach().long()
    if probs.dim() != 2 or probs.size(0) != labels.numel():
        raise ValueError(f"need probabilities [n, c] and n labels, got {tuple(probs.shape)} and {labels.numel()}")
    if labels.numel() and (labels.min() < 0 or labels.max() >= probs.size(1)):
        raise ValueError(f"labels must lie in [0, {probs.size(1) - 1}]")
    return probs.gather(1, labels.view(-1, 1).to(probs.device)).squeeze(1)


def prediction_entropy(probs: torch.Tensor) -> torch.Tensor:
    """:math:`H(p) = -\\sum_c p_c \\ln p_c` per row."""
    p = torch.as_tensor(probs).detach().double()
    return -(p * torch.log(p + _EPS)).sum(-1)


def _svc_member_rate(member, nonmember, forget, seed: int, max_train: int) -> float:
    """Fraction of ``forget`` that a balanced SVC (members=1 vs non-members=0) calls member."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    m, n, f = _np1(member), _np1(nonmember), _np1(forget)
    _check_nonempty(member=m, **{"non-member": n}, forget=f)
    rng = np.random.default_rng(seed)
    k = min(len(m), len(n), max_train)
    m = m[rng.choice(len(m), k, replace=False)]
    n = n[rng.choice(len(n), k, replace=False)]
    x = np.concatenate([m, n])[:, None]
    y = np.concatenate([np.ones(k), np.zeros(k)])
    clf = make_pipeline(StandardScaler(), SVC(C=3, gamma="auto", kernel="rbf"))
    clf.fit(x, y)
    return float(clf.predict(f[:, None]).mean())


def mia_efficacy(retain_conf, test_conf, forget_conf, *, seed: int = 0, max_train: int = 5000) -> float:
    """MIA-efficacy: fraction of the forget set that an SVC on true-class confidence (retain =
    members, test = non-members) predicts as **non-member**. Higher = more forgotten."""
    return 1.0 - _svc_member_rate(retain_conf, test_conf, forget_conf, seed, max_train)


def entropy_mia_member_rate(retain_entropy, test_entropy, forget_entropy, *, seed: int = 0,
                            max_train: int = 5000) -> float:
    """Entropy MIA: fraction of the forget set that an SVC on prediction entropy still predicts
    as **member** (opposite direction to :func:`mia_efficacy`: lower = more forgotten)."""
    return _svc_member_rate(retain_entropy, test_entropy, forget_entropy, seed, max_train)


def _best_threshold(member: np.ndarray, nonmember: np.ndarray) -> float:
    """Threshold ``t`` maximising balanced accuracy of "member iff loss <= t"."""
    cand = np.unique(np.concatenate([member, nonmember]))
    ms, ns = np.sort(member), np.sort(nonmember)
    tpr = np.searchsorted(ms, cand, side="right") / len(ms)
    fpr = np.searchsorted(ns, cand, side="right") / len(ns)
    return float(cand[int(np.argmax(tpr - fpr))])


def loss_threshold_mia(member_loss, nonmember_loss, forget_loss=None, *, folds: int = 5,
                       seed: int = 0) -> dict[str, float]:
    """Loss-threshold membership attack ("member iff per-sample loss <= t").

    Returns ``cv_accuracy``: balanced accuracy of the threshold chosen on ``folds - 1`` folds
    and applied to the held-out fold (members vs non-members, stratified folds, mean over
    folds; 0.5 = no leakage), ``auc``: AUROC of ``-loss`` for members vs non-members, and, when
    ``forget_loss`` is given, ``forget_member_rate``: the fraction of forget samples under the
    threshold fitted on all members and non-members."""
    m, n = _np1(member_loss), _np1(nonmember_loss)
    _check_nonempty(member=m, **{"non-member": n})
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    if min(len(m), len(n)) < folds:
        raise ValueError(f"need at least {folds} members and non-members for {folds}-fold CV")
    rng = np.random.default_rng(seed)
    fm = rng.permutation(len(m)) % folds
    fn = rng.permutation(len(n)) % folds
    accs = []
    for k in range(folds):
        t = _best_threshold(m[fm != k], n[fn != k])
        tpr = float((m[fm == k] <= t).mean())
        tnr = float((n[fn == k] > t).mean())
        accs.append(0.5 * (tpr + tnr))
    scores = torch.from_numpy(np.concatenate([-m, -n]))
    labels = torch.cat([torch.ones(len(m)), torch.zeros(len(n))])
    out = {"cv_accuracy": float(np.mean(accs)), "auc": auroc(scores, labels)}
    if forget_loss is not None:
        f = _np1(forget_loss)
        _check_nonempty(forget=f)
        out["forget_member_rate"] = float((f <= _best_threshold(m, n)).mean())
    return out


def regression_mia(retain_loss, test_loss, forget_loss, *, seed: int = 0) -> float:
    """Regression MIA on per-sample loss: a logistic attacker on the loss, trained on retained
    (members) vs half of the test samples (non-members), scored as AUROC of forget vs the other
    half of the test samples (:func:`~graph_unlearn.metrics.membership_attack_auc`); 0.5 = the
    forget samples look unseen."""
    t = torch.as_tensor(test_loss).detach().flatten()
    if t.numel() < 2:
        raise ValueError("regression MIA needs at least 2 test samples")
    perm = torch.randperm(t.numel(), generator=torch.Generator().manual_seed(seed))
    half = t.numel() // 2
    return membership_attack_auc(retain_loss, t[perm[:half]], forget_loss, t[perm[half:]], seed=seed)


def zrf_score(probs, random_probs) -> float:
    """ZRF = 1 - mean per-sample JS(p_model, p_random-init) (natural log; in [1 - ln 2, 1])."""
    return 1.0 - float(js_divergence(probs, random_probs, per_sample=True).mean())


def activation_distance(probs, reference_probs) -> float:
    """Mean L2 distance between rows of two output-probability matrices."""
    p = torch.as_tensor(probs).detach().double().cpu()
    q = torch.as_tensor(reference_probs).detach().double().cpu()
    if p.shape != q.shape:
        raise ValueError(f"outputs differ in shape: {tuple(p.shape)} vs {tuple(q.shape)}")
    if p.numel() == 0:
        raise ValueError("activation distance of zero samples is undefined")
    return float((p - q).norm(dim=-1).mean())


def average_gap(values: Mapping[str, float], reference: Mapping[str, float], keys: Iterable[str],
                scale: float = 1.0) -> float:
    """Mean absolute gap ``scale * |values[k] - reference[k]|`` over ``keys`` (e.g. ``scale=100``
    for percentage points)."""
    keys = list(keys)
    if not keys:
        raise ValueError("average_gap needs at least one key")
    missing = [k for k in keys if k not in values or k not in reference]
    if missing:
        raise ValueError(f"average_gap: keys missing from the results: {missing}")
    return scale * float(np.mean([abs(float(values[k]) - float(reference[k])) for k in keys]))


def relearn_time(model: torch.nn.Module, x_forget: torch.Tensor, y_forget: torch.Tensor,
                 loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                 reached: Callable[[torch.nn.Module], bool], *, lr: float = 1e-3, batch_size: int = 32,
                 max_epochs: int = 50, seed: int = 0) -> int:
    """Relearn time: epochs of Adam fine-tuning on the forget set, on a *copy* of ``model``,
    until ``reached(copy)`` is True (e.g. forget accuracy back to the original's); returns
    ``max_epochs + 1`` when never reached. Fewer epochs = the knowledge was still there."""
    if len(x_forget) == 0:
        raise ValueError("relearn time: the forget set is empty")
    net = copy.deepcopy(model)
    for p in net.parameters():
        p.requires_grad_(True)
    net.eval()
    if reached(net):
        return 0
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(1, max_epochs + 1):
        net.train()
        for idx in torch.randperm(len(x_forget), generator=gen).split(batch_size):
            idx = idx.to(x_forget.device)
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x_forget[idx]), y_forget[idx]).backward()
            opt.step()
        net.eval()
        if reached(net):
            return epoch
    return max_epochs + 1
