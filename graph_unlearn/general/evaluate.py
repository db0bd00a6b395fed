"""Evaluation of one unlearned model against the retrain reference, on the shared metrics core.

Classification keys (fractions in [0, 1]): ``forget_acc``, ``retain_acc``, ``test_acc``
(``test_acc_other`` / ``test_acc_forgotten_class`` for class forgetting), ``mia_efficacy``,
``entropy_mia``, ``loss_mia_cv``, ``loss_mia_forget``, ``zrf``, and with a retrain model
``js_to_retrain`` and ``act_dist_to_retrain`` (on the forget set).
Regression keys: ``forget_mae``, ``retain_mae``, ``test_mae`` (original target units),
``forget_mse``, ``regression_mia``, ``loss_mia_cv``, ``loss_mia_forget``.
"""
from __future__ import annotations

import torch
from torch import nn

from ..metrics import accuracy
from ..metrics.divergence import js_divergence
from ..metrics.general import (activation_distance, entropy_mia_member_rate, loss_threshold_mia, mia_efficacy,
                               prediction_entropy, regression_mia, true_class_confidence, zrf_score)
from .data import ForgetRequest, GeneralData
from .task import predict, resolve_loss

#: the metrics averaged into ``avg_gap`` (points) for classification
GAP_KEYS = ("forget_acc", "retain_acc", "test_acc", "mia_efficacy")


def _sample(n: int, k: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:k]


@torch.no_grad()
def evaluate_general(model: nn.Module, data: GeneralData, request: ForgetRequest, *,
                     retrain: nn.Module | None = None, random_model: nn.Module | None = None,
                     seed: int = 0) -> dict[str, float]:
    """All metrics of ``model`` for ``request`` (see the module docstring)."""
    split = data.partition(request)
    dev = next(model.parameters()).device
    xf, yf, xr, yr = (t.to(dev) for t in (split.x_forget, split.y_forget, split.x_retain, split.y_retain))
    xt, yt = data.x_test.to(dev), data.y_test.to(dev)
    loss = resolve_loss(None, data.task)
    of, orr, ot = predict(model, xf), predict(model, xr), predict(model, xt)
    # members for the attacks: a retained subset as large as the test set
    sub = _sample(len(xr), len(xt), seed).to(dev)
    lf, lr_, lt = (loss(o, y, reduction="none").cpu() for o, y in ((of, yf), (orr[sub], yr[sub]), (ot, yt)))
    lmia = loss_threshold_mia(lr_, lt, lf, seed=seed)
    out: dict[str, float] = {}
    if data.task == "classification":
        pf, pr, pt = (o.softmax(-1).cpu() for o in (of, orr[sub], ot))
        out["forget_acc"] = accuracy(of, yf)
        out["retain_acc"] = accuracy(orr, yr)
        out["test_acc"] = accuracy(ot, yt)
        if request.kind == "class" and request.forget_class is not None:
            other = yt != request.forget_class
            out["test_acc_other"] = accuracy(ot[other], yt[other])
            out["test_acc_forgotten_class"] = accuracy(ot[~other], yt[~other])
        yf_c, yr_c, yt_c = yf.cpu(), yr[sub].cpu(), yt.cpu()
        out["mia_efficacy"] = mia_efficacy(true_class_confidence(pr, yr_c), true_class_confidence(pt, yt_c),
                                           true_class_confidence(pf, yf_c), seed=seed)
        out["entropy_mia"] = entropy_mia_member_rate(prediction_entropy(pr), prediction_entropy(pt),
                                                     prediction_entropy(pf), seed=seed)
        out["loss_mia_cv"] = lmia["cv_accuracy"]
        out["loss_mia_forget"] = lmia["forget_member_rate"]
        if random_model is not None:
            out["zrf"] = zrf_score(pf, predict(random_model.to(dev), xf).softmax(-1).cpu())
        if retrain is not None:
            qf = predict(retrain.to(dev), xf).softmax(-1).cpu()
            out["js_to_retrain"] = js_divergence(pf, qf)
            out["act_dist_to_retrain"] = activation_distance(pf, qf)
    else:
        s = data.y_scale
        out["forget_mae"] = s * float((of - yf).abs().mean())
        out["retain_mae"] = s * float((orr - yr).abs().mean())
        out["test_mae"] = s * float((ot - yt).abs().mean())
        out["forget_mse"] = s * s * float(((of - yf) ** 2).mean())
        out["regression_mia"] = regression_mia(lr_, lt, lf, seed=seed)
        out["loss_mia_cv"] = lmia["cv_accuracy"]
        out["loss_mia_forget"] = lmia["forget_member_rate"]
        if retrain is not None:
            out["mae_to_retrain_forget"] = s * float((of - predict(retrain.to(dev), xf)).abs().mean())
    return out
