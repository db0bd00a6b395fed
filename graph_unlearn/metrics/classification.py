"""Threshold-free and thresholded classification metrics (agree with scikit-learn)."""
from __future__ import annotations

import torch


def _check_binary(scores: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    scores = torch.as_tensor(scores).detach().flatten().double().cpu()
    labels = torch.as_tensor(labels).detach().flatten().cpu()
    if scores.numel() != labels.numel():
        raise ValueError(f"scores and labels differ in length: {scores.numel()} vs {labels.numel()}")
    if scores.numel() == 0:
        raise ValueError("cannot compute a metric on zero samples")
    labels = labels.bool()
    n_pos = int(labels.sum())
    if n_pos == 0 or n_pos == labels.numel():
        raise ValueError("AUROC/AUPRC need both positive and negative labels")
    return scores, labels


def auroc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the ROC curve, ties counted as 1/2 (Mann-Whitney U / (n_pos * n_neg))."""
    scores, labels = _check_binary(scores, labels)
    order = torch.argsort(scores)
    sorted_scores = scores[order]
    ranks = torch.empty_like(scores)
    # average ranks for ties
    uniq, inverse, counts = torch.unique_consecutive(sorted_scores, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    avg_rank = ends - (counts.double() - 1) / 2  # 1-based average rank per tie group
    ranks[order] = avg_rank[inverse]
    n_pos = labels.sum().double()
    n_neg = labels.numel() - n_pos
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def auprc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Average precision: sum_k (R_k - R_{k-1}) P_k over distinct thresholds (sklearn's AP)."""
    scores, labels = _check_binary(scores, labels)
    order = torch.argsort(scores, descending=True, stable=True)
    s, y = scores[order], labels[order].double()
    tps = torch.cumsum(y, 0)
    fps = torch.cumsum(1 - y, 0)
    # keep the last index of each distinct score
    distinct = torch.ones_like(s, dtype=torch.bool)
    distinct[:-1] = s[1:] != s[:-1]
    tps, fps = tps[distinct], fps[distinct]
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    prev = torch.cat([recall.new_zeros(1), recall[:-1]])
    return float(((recall - prev) * precision).sum())


def accuracy(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Fraction of equal entries; ``pred`` may be logits ([n, c]) or labels ([n])."""
    pred = torch.as_tensor(pred).detach()
    target = torch.as_tensor(target).detach()
    if pred.dim() == 2:
        pred = pred.argmax(-1)
    if pred.shape != target.shape:
        raise ValueError(f"predictions and targets differ in shape: {tuple(pred.shape)} vs {tuple(target.shape)}")
    if target.numel() == 0:
        raise ValueError("accuracy of zero samples is undefined")
    return float((pred.cpu() == target.cpu()).double().mean())
