r"""Datamodel matching (Georgiev, Rinberg, Park, Garg, Ilyas, Madry, Neel, 2024, "Attribute-to-Delete:
Machine Unlearning via Datamodel Matching"): predict what a model retrained without :math:`D_f`
would output with a data-attribution model, then fine-tune the original to output that.

**Attribution** (TRAK-style, on the last linear layer only). For a checkpoint with output
:math:`f_\theta`, the per-sample output is the true-class margin
:math:`m(x, y) = z_y - \log\sum_{k\ne y} e^{z_k}` (classification; cross-entropy is exactly
:math:`\log(1 + e^{-m})`) or the prediction (regression). Its gradient with respect to the weights
and bias of the last ``nn.Linear`` is the outer product of that layer's input :math:`[h, 1]` and
:math:`\partial m / \partial z`; a fixed Gaussian projection :math:`P` (entries
:math:`\mathcal N(0, 1/k)`) maps it to :math:`\phi(x) \in \mathbb R^{k}`, ``k = proj_dim`` (no
projection when the layer has at most ``k`` parameters). With :math:`\Phi` the features of the
whole training set, one Newton step of the linearised model on the loss without :math:`D_f`
predicts the output change at a target :math:`t`

.. math:: \Delta(t) = \phi_t^\top (\Phi^\top \Phi + \lambda I)^{-1} \sum_{i \in D_f} \ell'_i\,\phi_i
   = -\sum_{i \in D_f} \tau(t, i),

with :math:`\ell'_i = -(1 - p_i)` (the derivative of cross-entropy in the margin, TRAK's
:math:`Q`) for classification and the residual :math:`f_i - y_i` for regression (the exact
Newton step of squared loss; the loss hook is not used here, only the task). :math:`\lambda` is
``ridge`` times the mean eigenvalue of the curvature matrix. ``hessian="gauss_newton"``
(default) uses :math:`\Phi^\top R\Phi`, :math:`R = p(1-p)` (the exact Newton step of a logistic
last layer); ``"gram"`` is TRAK's unweighted :math:`\Phi^\top\Phi`, which on a fitted training set
(:math:`p \approx 1`) predicts changes ~100× too small (digits: mean -0.007 against an actual
-0.85). :math:`\Delta` is averaged over the checkpoints and multiplied by ``scale``.

**Targets.** Regression: :math:`f_o(t) + \Delta(t)`. Classification: the original logits with
the true-class logit shifted by :math:`\Delta(t)`, which shifts the margin by exactly
:math:`\Delta(t)` and leaves the other logits' ratios unchanged.

**Matching.** A copy of the original is fine-tuned (Adam, :func:`graph_unlearn.core.optim.optimise`)
on the mean squared error between its outputs and the targets, each step on a batch of
:math:`D_f` and an equal-size batch of a random ``retain_samples`` subset of :math:`D_r` (the
paper's oracle-matching loss with predicted oracle outputs).

Approximations and defaults (provenance):

* ``checkpoints = 3``: the paper (and TRAK) average over many models trained from scratch on
  random halves; too costly here, so the checkpoints are the original plus ``checkpoints - 1``
  copies fine-tuned for one epoch (the dataset's learning rate) on random halves of the
  training set — they differ from the original near the end of training only.
* ``proj_dim = 512``: TRAK's smaller projection sizes (512-2048), capped by the layer's size.
* last layer only: TRAK's full-network gradients are out of reach on CPU; the last layer is
  where a linearised model is closest to exact.
* classification: ``scale = 20``, ``lr = 3e-3`` (``epochs = 10`` kept): chosen on digits tuning requests
  seeds 100/101 (random and worst 10%, not the reported seeds 0-2) by
  ``benchmarks/tune_general_defaults.py`` (``benchmarks/results/tune_general_defaults.md``): the highest
  mean completeness of forget accuracy and MIA-efficacy (0.68; the previous scale 2, lr 1e-3: 0.02) among
  23 settings of two grid rounds over scale {2, 5, 10, 20, 40} × lr {1e-3, 3e-3, 1e-2} × epochs {5, 10, 30}
  whose test accuracy stayed within 2 points of retrain's (or no further than the original's) on every
  request; scale 40 or lr 1e-2 cost 4-12 test points. A scale of 20 is far above the 2.3 that the margin
  regression below measured: it is an empirical multiplier for the whole pipeline (prediction and the
  short matching fine-tune), not a calibration of the prediction, and it does not transfer everywhere:
  on the reported seeds it meets the issue's target on digits, but costs 11 test points on Rotten
  Tomatoes random sets (an overshoot; ``benchmarks/results/general_recent_rotten_tomatoes.md``) and
  6.6 on MNIST-5k worst-case sets. Regression keeps ``scale = 2``,
  ``lr = 1e-3`` (the Newton step is exact for squared loss; nothing was tuned on a regression task).
* ``ridge = 1e-2`` (relative) and ``scale = 2`` (before the tuning above): on the tuning request (digits, split / original /
  request seed 100, random 10%; the tests use seed 0) the predicted forget-margin changes
  correlate 0.53 with retraining's, and the least-squares slope of retraining's change on the
  predicted one is 2.3 (ridge 1e-1: correlation 0.51, slope 3.1): the last-layer linearisation
  misses the feature changes, so it under-predicts by about 2×.
* ``epochs = 10`` passes over :math:`D_f`, ``lr = 1e-3`` (Adam), ``retain_samples = 1000``,
  ``batch_size = 64``: the paper's short fine-tune, not tuned (30 epochs or lr 3e-3 moved the
  forget margins only slightly further).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ...core.optim import optimise
from ...core.options import check_choice, check_int, check_non_negative, check_positive
from ...core.unlearner import clone_model
from .base import GeneralUnlearner

#: per task, the default ``(scale, lr)`` (see the module docstring's provenance)
TASK_DEFAULTS = {"classification": (20.0, 3e-3), "regression": (2.0, 1e-3)}


def last_linear(model: nn.Module, who: str = "datamodel_matching") -> nn.Linear:
    """The last ``nn.Linear`` registered in ``model`` (its output layer)."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not layers:
        raise ValueError(f"{who}: the model has no nn.Linear layer to attribute with")
    return layers[-1]


@torch.no_grad()
def head_inputs(model: nn.Module, x: torch.Tensor, batch_size: int = 1024, who: str = "datamodel_matching"):
    """``(h, out)``: the input of the model's last linear layer and the model's output on ``x``
    (eval mode). Fails when the output is not that layer's output."""
    layer = last_linear(model, who)
    seen = {}

    def hook(_mod, inp, out):
        seen["h"], seen["z"] = inp[0], out

    handle = layer.register_forward_hook(hook)
    was = model.training
    model.eval()
    hs, outs = [], []
    try:
        for i in range(0, len(x), batch_size):
            out = model(x[i:i + batch_size])
            z = seen.get("z")
            if z is None or z.numel() != out.numel() or not torch.allclose(z.reshape(-1), out.reshape(-1)):
                raise ValueError(f"{who}: the model's output must be the output of its last nn.Linear layer "
                                 f"({type(layer).__name__}({layer.in_features}, {layer.out_features}))")
            hs.append(seen["h"].reshape(len(out), -1))
            outs.append(out)
            seen.clear()
    finally:
        handle.remove()
        model.train(was)
    return torch.cat(hs), torch.cat(outs)


def output_gradients(out: torch.Tensor, y: torch.Tensor, task: str):
    """``(g, dloss, value)``: the gradient of the per-sample output (true-class margin, or the
    prediction) with respect to the last layer's outputs ``[n, C]``, the loss derivative in that
    output (:math:`-(1-p)`, or the residual), and the output itself."""
    if task == "classification":
        z = out.double()
        onehot = torch.nn.functional.one_hot(y, z.size(1)).bool()
        others = z.masked_fill(onehot, float("-inf"))
        margin = z.gather(1, y[:, None]).squeeze(1) - torch.logsumexp(others, 1)
        g = onehot.double() - torch.softmax(others, 1)
        return g, -torch.sigmoid(-margin), margin
    pred = out.reshape(-1).double()
    return torch.ones(len(pred), 1, dtype=torch.float64, device=out.device), pred - y.reshape(-1).double(), pred


def project_gradients(h: torch.Tensor, g: torch.Tensor, proj: torch.Tensor | None, chunk: int = 256) -> torch.Tensor:
    """Per-sample gradients of a linear layer, ``g ⊗ [h, 1]`` flattened like ``(weight, bias)``,
    times ``proj`` (``None``: unprojected), computed ``chunk`` samples at a time."""
    h1 = torch.cat([h.double(), torch.ones(len(h), 1, dtype=torch.float64, device=h.device)], 1)
    parts = []
    for i in range(0, len(h1), chunk):
        per = torch.cat([(g[i:i + chunk, :, None] * h1[i:i + chunk, None, :-1]).flatten(1), g[i:i + chunk]], 1)
        parts.append(per if proj is None else per @ proj)
    return torch.cat(parts)


class DatamodelMatching(GeneralUnlearner):
    """Args: ``checkpoints`` (3: the original plus 2 one-epoch fine-tunes on random halves),
    ``proj_dim`` (512), ``ridge`` (1e-2, relative to the curvature matrix's mean eigenvalue),
    ``hessian`` (``"gauss_newton"``, or TRAK's ``"gram"``), ``scale`` (multiplies the predicted
    change; ``None``: 20 for classification, 2 for regression), ``epochs`` over :math:`D_f` (10),
    ``lr`` (``None``: 3e-3 for classification, 1e-3 for regression), ``retain_samples`` (1000),
    ``batch_size`` (64).

    ``extra``: ``predicted_margin_change`` (the mean predicted Δ on the forget set: the
    true-class margin, or the prediction for regression), ``predicted_retain_change``,
    ``checkpoints``, ``proj_dim`` (the layer's parameter count when unprojected),
    ``final_matching_loss``."""

    name = "datamodel_matching"

    def __init__(self, checkpoints: int = 3, proj_dim: int = 512, ridge: float = 1e-2, hessian: str = "gauss_newton",
                 scale: float | None = None, epochs: int = 10, lr: float | None = None, retain_samples: int = 1000,
                 **kw):
        super().__init__(**kw)
        check_int(self, "checkpoints", checkpoints)
        check_int(self, "proj_dim", proj_dim)
        check_non_negative(self, "ridge", ridge)
        check_choice(self, "hessian", hessian, ("gram", "gauss_newton"))
        check_non_negative(self, "scale", scale, allow_none=True)
        check_int(self, "epochs", epochs)
        check_positive(self, "lr", lr, allow_none=True)
        check_int(self, "retain_samples", retain_samples, minimum=0)
        self.checkpoints, self.proj_dim, self.ridge, self.hessian = checkpoints, proj_dim, ridge, hessian
        self.scale = scale
        self.epochs, self.lr, self.retain_samples = epochs, lr, retain_samples

    def task_defaults(self, task: str) -> tuple[float, float]:
        """``(scale, lr)``: the given values, else the task's defaults (:data:`TASK_DEFAULTS`)."""
        scale, lr = TASK_DEFAULTS["classification" if task == "classification" else "regression"]
        return (scale if self.scale is None else self.scale), (lr if self.lr is None else self.lr)

    # -- checkpoints ---------------------------------------------------------------------------
    def _half_finetune(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss, lr: float,
                       gen: torch.Generator) -> nn.Module:
        net = clone_model(model, self.device).train()
        half = torch.randperm(len(x), generator=gen)[:max(1, len(x) // 2)].to(self.device)
        plan = half[torch.randperm(len(half), generator=gen).to(self.device)].split(self.batch_size)
        optimise(net.parameters(), lambda s: (loss(net(x[plan[s]]), y[plan[s]]), {}), steps=len(plan), lr=lr)
        return net.eval()

    # -- attribution ---------------------------------------------------------------------------
    def predicted_change(self, model: nn.Module, x_train, y_train, forget: torch.Tensor, x_t, y_t, task: str,
                         proj: torch.Tensor | None) -> torch.Tensor:
        """:math:`\\Delta(t)` for the targets ``(x_t, y_t)`` from one checkpoint; ``forget`` is a
        boolean mask over the training set."""
        h, out = head_inputs(model, x_train, who=self.name)
        g, dloss, _ = output_gradients(out, y_train, task)
        phi = project_gradients(h, g, proj)
        if self.hessian == "gauss_newton" and task == "classification":
            w = (-dloss) * (1 + dloss)  # p (1 - p)
            gram = phi.T @ (w[:, None] * phi)
        else:
            gram = phi.T @ phi
        k = gram.size(0)
        lam = self.ridge * float(torch.diagonal(gram).mean())
        gram = gram + max(lam, 1e-12) * torch.eye(k, dtype=gram.dtype, device=gram.device)
        v = phi[forget].T @ dloss[forget]
        step = torch.linalg.solve(gram, v)
        h_t, out_t = head_inputs(model, x_t, who=self.name)
        g_t, _, _ = output_gradients(out_t, y_t, task)
        return project_gradients(h_t, g_t, proj) @ step

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        gen = self.generator()
        dev = self.device
        x_train = torch.cat([pb.xf, pb.xr])
        y_train = torch.cat([pb.yf, pb.yr])
        n_f = len(pb.xf)
        forget = torch.zeros(len(x_train), dtype=torch.bool, device=dev)
        forget[:n_f] = True
        n_keep = min(self.retain_samples, len(pb.xr))
        keep = torch.randperm(len(pb.xr), generator=gen)[:n_keep].to(dev)
        x_t, y_t = torch.cat([pb.xf, pb.xr[keep]]), torch.cat([pb.yf, pb.yr[keep]])

        base = clone_model(model, dev).eval()
        layer = last_linear(base, self.name)
        n_params = layer.out_features * (layer.in_features + 1)
        k = min(self.proj_dim, n_params)
        proj = None if k >= n_params else \
            (torch.randn(n_params, k, generator=gen, dtype=torch.float64) / math.sqrt(k)).to(dev)

        ckpts = [base] + [self._half_finetune(base, x_train, y_train, pb.loss, data.recipe.lr, gen)
                          for _ in range(self.checkpoints - 1)]
        scale, lr = self.task_defaults(pb.task)
        delta = torch.stack([self.predicted_change(c, x_train, y_train, forget, x_t, y_t, pb.task, proj)
                             for c in ckpts]).mean(0) * scale
        if not torch.isfinite(delta).all():
            raise FloatingPointError(f"{self.name}: the predicted outputs are not finite; raise ridge")

        with torch.no_grad():
            out_t = base(x_t)
        target = out_t.detach().double().clone()
        if pb.task == "classification":
            target[torch.arange(len(y_t), device=dev), y_t] += delta
        else:
            target = target + delta.reshape(target.shape)
        target = target.to(out_t.dtype)

        net = clone_model(model, dev).train()
        bs = min(self.batch_size, n_f)
        per_epoch = math.ceil(n_f / bs)
        f_order = torch.cat([torch.randperm(n_f, generator=gen) for _ in range(self.epochs)])
        r_order = torch.cat([torch.randperm(n_keep, generator=gen) + n_f
                             for _ in range(math.ceil(self.epochs * per_epoch * bs / max(n_keep, 1)) + 1)]) \
            if n_keep else torch.empty(0, dtype=torch.long)
        plan = []
        for e in range(self.epochs):
            for b in range(per_epoch):
                jf = f_order[e * n_f + b * bs: min(e * n_f + (b + 1) * bs, (e + 1) * n_f)]
                s = len(plan) * bs
                plan.append(torch.cat([jf, r_order[s:s + len(jf)]]).to(dev))

        def objective(s):
            idx = plan[s]
            return torch.mean((net(x_t[idx]) - target[idx]) ** 2), {}

        hist = optimise(net.parameters(), objective, steps=len(plan), lr=lr)
        extra = {"predicted_margin_change": float(delta[:n_f].mean()),
                 "predicted_retain_change": float(delta[n_f:].mean()) if n_keep else float("nan"),
                 "checkpoints": len(ckpts), "proj_dim": k if proj is not None else n_params,
                 "final_matching_loss": hist[-1]["loss"] if hist else float("nan")}
        return net, self.epochs, extra
