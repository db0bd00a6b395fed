"""Evaluation of one unlearned model against the retrain reference, on the shared metrics core.

Classification keys (fractions in [0, 1]): ``forget_acc``, ``retain_acc``, ``test_acc``
(``test_acc_other`` / ``test_acc_forgotten_class`` for class forgetting), ``mia_efficacy``,
``entropy_mia``, ``loss_mia_cv``, ``loss_mia_forget``, ``zrf``, and with a retrain model
``js_to_retrain`` and ``act_dist_to_retrain`` (on the forget set).
Regression keys: ``forget_mae``, ``retain_mae``, ``test_mae`` (original target units),
``forget_mse``, ``regression_mia``, ``loss_mia_cv``, ``loss_mia_forget``.

Representation keys (``representation=True``, classification; :func:`representation_metrics`
on the penultimate features of :func:`~graph_unlearn.general.models.penultimate_features`):
``cka_to_retrain`` / ``cka_to_original`` (linear CKA of the forget set's features with the
retrained / original model's; original ≈ 1 "remembers"), ``knn_probe_forget`` /
``linear_probe_forget`` (forget-set label accuracy of probes on frozen features).
"""
from __future__ import annotations

import torch
from torch import nn

from ..metrics import accuracy
from ..metrics.divergence import js_divergence
from ..metrics.general import (activation_distance, entropy_mia_member_rate, loss_threshold_mia, mia_efficacy,
                               prediction_entropy, regression_mia, true_class_confidence, zrf_score)
from .data import ForgetRequest, GeneralData
from ..core.losses import resolve_loss
from .models import predict

#: the metrics averaged into ``avg_gap`` (points) for classification
GAP_KEYS = ("forget_acc", "retain_acc", "test_acc", "mia_efficacy")


def _sample(n: int, k: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:k]


@torch.no_grad()
def evaluate_general(model: nn.Module, data: GeneralData, request: ForgetRequest, *,
                     retrain: nn.Module | None = None, random_model: nn.Module | None = None,
                     seed: int = 0, original: nn.Module | None = None,
                     representation: bool = False) -> dict[str, float]:
    """All metrics of ``model`` for ``request`` (see the module docstring); with
    ``representation=True`` (classification) also :func:`representation_metrics`."""
    split = data.partition(request)
    dev = next(model.parameters()).device
    xf, yf, xr, yr = (t.to(dev) for t in (split.x_forget, split.y_forget, split.x_retain, split.y_retain))
    xt, yt = (t.to(dev) for t in data.split_tensors("test"))  # a clear error when there is no test set
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
        if representation:
            out.update(representation_metrics(model, data, request, retrain=retrain, original=original, seed=seed))
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


@torch.no_grad()
def representation_metrics(model: nn.Module, data: GeneralData, request: ForgetRequest, *,
                           retrain: nn.Module | None = None, original: nn.Module | None = None, seed: int = 0,
                           max_fit: int = 1500, k: int = 5) -> dict[str, float]:
    """Representation-level forgetting of ``request`` in ``model`` (shared metrics core,
    :mod:`graph_unlearn.metrics.representation`):

    * ``cka_to_retrain`` / ``cka_to_original``: linear CKA between the forget set's penultimate
      features under ``model`` and under ``retrain`` / ``original`` (given);
    * ``knn_probe_forget`` (``k``-NN, cosine) and ``linear_probe_forget`` (logistic regression):
      probes fitted on the features of up to ``max_fit`` retained training samples plus the
      validation set (never trained on, all classes), scored on the forget set's labels. High =
      the features still separate the forgotten samples' classes (retrain shows what
      generalisation alone gives)."""
    from ..metrics.representation import knn_probe_accuracy, linear_cka, linear_probe_accuracy
    from .models import penultimate_features

    split = data.partition(request)
    dev = next(model.parameters()).device
    xf, yf = split.x_forget.to(dev), split.y_forget
    feats = penultimate_features(model.eval(), xf)
    out: dict[str, float] = {}
    for key, ref in (("cka_to_retrain", retrain), ("cka_to_original", original)):
        if ref is not None and len(xf) >= 2:
            out[key] = linear_cka(feats, penultimate_features(ref.to(dev).eval(), xf))
    sub = _sample(len(split.x_retain), min(max_fit, len(split.x_retain)), seed)
    fit_x, fit_y = split.x_retain[sub], split.y_retain[sub]
    if getattr(data, "x_val", None) is not None and len(data.x_val):
        fit_x, fit_y = torch.cat([fit_x, data.x_val.to(fit_x.device)]), torch.cat([fit_y, data.y_val.to(fit_y.device)])
    fit_f = penultimate_features(model, fit_x.to(dev))
    out["knn_probe_forget"] = knn_probe_accuracy(fit_f, fit_y, feats, yf, k=k)
    out["linear_probe_forget"] = linear_probe_accuracy(fit_f, fit_y, feats, yf)
    return out
