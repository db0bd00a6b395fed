"""Forget-set discrimination: can the model still tell the deleted items from retained ones?"""
from __future__ import annotations

import torch

from .classification import auprc, auroc


def forget_auroc(forget_scores: torch.Tensor, retain_scores: torch.Tensor, *, resamples: int = 100,
                 seed: int = 0, with_auprc: bool = False):
    """Mean AUROC (and AUPRC) of ``retained (label 1)`` vs ``forget (label 0)`` scores, where
    each resample draws an equal-size subset of the retained scores without replacement.

    Retrain's value is the reference: a model that still "remembers" the deleted edges scores
    them like retained edges (AUROC near 0.5); a model that forgot them scores them like
    non-edges (AUROC higher), as retrain would.
    """
    forget_scores = torch.as_tensor(forget_scores).detach().flatten().cpu()
    retain_scores = torch.as_tensor(retain_scores).detach().flatten().cpu()
    k = forget_scores.numel()
    if k == 0:
        raise ValueError("forget set is empty")
    if retain_scores.numel() < k:
        raise ValueError(f"need at least {k} retained scores to sample from, got {retain_scores.numel()}")
    if resamples < 1:
        raise ValueError("resamples must be >= 1")
    gen = torch.Generator().manual_seed(seed)
    labels = torch.cat([torch.zeros(k), torch.ones(k)])
    aurocs, auprcs = [], []
    for _ in range(resamples):
        idx = torch.randperm(retain_scores.numel(), generator=gen)[:k]
        scores = torch.cat([forget_scores, retain_scores[idx]])
        aurocs.append(auroc(scores, labels))
        if with_auprc:
            auprcs.append(auprc(scores, labels))
    mean_auroc = float(sum(aurocs) / len(aurocs))
    if with_auprc:
        return mean_auroc, float(sum(auprcs) / len(auprcs))
    return mean_auroc
