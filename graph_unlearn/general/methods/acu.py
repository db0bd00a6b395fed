r"""Analytic Continual Unlearning (ACU; Tang, Zhuang et al., "Analytic Continual Unlearning for
Efficient and Exact Forgetting with Privacy Preservation", 2025).

The classifier is a closed-form ridge (recursive-least-squares) head on frozen features. With
:math:`\Phi\in\mathbb{R}^{n\times D}` the features of the training samples and :math:`Y` their
one-hot labels, the analytic learning phase stores

.. math::
    R = (\Phi^\top\Phi + \gamma I)^{-1}, \qquad Q = \Phi^\top Y, \qquad W = R\,Q,

and predicts :math:`\hat y = \phi(x)^\top W`. Removing the rows :math:`\Phi_f, Y_f` of a forget
request is exact by the Woodbury identity (no access to the retained data):

.. math::
    R' = \big(R^{-1} - \Phi_f^\top\Phi_f\big)^{-1}
       = R + R\Phi_f^\top\big(I_k - \Phi_f R\,\Phi_f^\top\big)^{-1}\Phi_f R,
    \qquad Q' = Q - \Phi_f^\top Y_f, \qquad W' = R' Q',

so :math:`W'` equals the ridge solution on the retained data, and a stream of requests stays
exact (the model keeps a mask of the training samples it still holds, so a sample is never
removed twice). Cost :math:`O(kD^2 + k^3 + D^2 c)` per request of :math:`k` samples instead of
:math:`O(nD^2 + D^3)` for re-solving. All of :math:`R, Q, W` are float64.

Features :math:`\phi`: a frozen *buffer layer* (the analytic-learning family's random expansion,
:math:`\phi(x) = \mathrm{ReLU}(xP + b)` with fixed Gaussian :math:`P`) applied to

* ``backbone="none"`` (default): the raw inputs. Nothing that saw :math:`D_f` is kept, so the
  whole model is exactly the retrained one;
* ``backbone="model"``: the given network's frozen penultimate features. Only the head is then
  exact: the backbone saw :math:`D_f` during training (the paper assumes a backbone fixed
  after a base phase whose data are never deleted).

Defaults and their provenance, checked on the digits tuning split (seed 100, not a reported
seed; 180 validation samples): ``gamma`` in {0.1, 1, 10} × ``width`` in {1024, 2048, 4096} all gave
validation accuracy 0.978-0.989 (one validation sample apart), so neither is sensitive there;
``gamma = 1.0`` is the grid's middle value and ``width = 2048`` was kept
because a wider head makes the exact update's advantage over re-solving larger (re-solve
:math:`O(nD^2 + D^3)` vs update :math:`O(kD^2)`); feature map seed = the unlearner's seed.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from ...core.options import check_choice, check_int, check_positive
from .base import GeneralUnlearner


class RandomFeatures(nn.Module):
    r"""The frozen buffer layer :math:`\phi(x) = \mathrm{ReLU}(xP + b)`, :math:`P_{ij}\sim N(0, 1/d)`,
    :math:`b_j \sim N(0, 1)`, float64, fixed by ``seed``."""

    def __init__(self, in_dim: int, width: int = 2048, seed: int = 0):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        gen = torch.Generator().manual_seed(seed)
        self.register_buffer("proj", torch.randn(in_dim, width, generator=gen, dtype=torch.float64) / in_dim ** 0.5)
        self.register_buffer("bias", torch.randn(width, generator=gen, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x.to(torch.float64) @ self.proj + self.bias)


# -- the math: plain functions on float64 tensors ------------------------------------------------
def analytic_fit(phi: torch.Tensor, targets: torch.Tensor, gamma: float = 1.0):
    r"""Ridge head from features ``phi [n, D]`` and targets ``[n, c]``: returns
    :math:`(R, Q, W)` with :math:`R=(\Phi^\top\Phi+\gamma I)^{-1}`, :math:`Q=\Phi^\top Y`, :math:`W=RQ`."""
    if gamma <= 0:
        raise ValueError(f"gamma must be > 0, got {gamma}")
    phi, targets = phi.to(torch.float64), targets.to(torch.float64)
    gram = phi.T @ phi
    gram.diagonal().add_(gamma)
    r = torch.linalg.inv(gram)
    r = 0.5 * (r + r.T)
    q = phi.T @ targets
    return r, q, r @ q


def woodbury_remove(r: torch.Tensor, q: torch.Tensor, phi_f: torch.Tensor, targets_f: torch.Tensor,
                    w: torch.Tensor | None = None, *, inplace: bool = False):
    r"""Remove rows ``phi_f [k, D]`` (targets ``[k, c]``) from a ridge head: with
    :math:`P = R\Phi_f^\top`, :math:`S = \Phi_f P` and :math:`M = (I - S)^{-1}`,
    :math:`R' = R + P M P^\top` (Woodbury), :math:`Q' = Q - \Phi_f^\top Y_f`, and
    :math:`W' = R'Q'`, computed from the current ``w`` (:math:`= RQ`) when given as
    :math:`W' = W + P(I + MS)(\Phi_f W - Y_f)` (identical in exact arithmetic; it reads
    :math:`R` twice — for :math:`P` and the rank-:math:`k` update — instead of three times).
    Returns :math:`(R', Q', W')`.

    ``inplace=True`` (needs ``w``) overwrites ``r``, ``q``, ``w`` and returns them: the
    :math:`D\times D` state is then read twice and written once, with no new :math:`D\times D`
    allocation (on CPU, allocating and first touching a fresh 32 MB float64 matrix costs more
    than the rank-:math:`k` update itself). :math:`P` is formed as
    :math:`P^\top = \Phi_f R^\top` (``F.linear``), the faster layout for MKL's thin products
    here; the result is the same up to float64 rounding."""
    phi_f, targets_f = phi_f.to(torch.float64), targets_f.to(torch.float64)
    if inplace and w is None:
        raise ValueError("woodbury_remove: inplace=True needs the current head w")
    if phi_f.numel() == 0:
        return r, q, (r @ q if w is None else w)
    pt = torch.nn.functional.linear(phi_f, r)  # [k, D] = (R Phi_f^T)^T = P^T
    s = torch.nn.functional.linear(phi_f, pt)  # [k, k] = Phi_f R Phi_f^T
    eye = torch.eye(s.size(0), dtype=s.dtype, device=s.device)
    m = torch.linalg.inv(eye - s)
    if inplace:
        w.addmm_(pt.T, (eye + m @ s) @ (phi_f @ w - targets_f))
        r.addmm_(pt.T, m @ pt)
        q.sub_(phi_f.T @ targets_f)
        return r, q, w
    r_new = torch.addmm(r, pt.T, m @ pt)
    q_new = q - phi_f.T @ targets_f
    if w is None:
        w_new = r_new @ q_new
    else:
        w_new = torch.addmm(w, pt.T, (eye + m @ s) @ (phi_f @ w - targets_f))
    return r_new, q_new, w_new


def one_hot(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(y.long(), num_classes).to(torch.float64)


# -- the model -------------------------------------------------------------------------------------
class AnalyticClassifier(nn.Module):
    r"""``backbone`` (frozen, optional) → :class:`RandomFeatures` → analytic head ``weight [D, c]``
    (float64 logits). Buffers: ``R``, ``Q`` and ``active`` (which training samples the head
    still holds). Build with :func:`fit_analytic_classifier`."""

    def __init__(self, expansion: RandomFeatures, num_classes: int, num_train: int,
                 backbone: nn.Module | None = None, gamma: float = 1.0):
        super().__init__()
        self.backbone = backbone
        if backbone is not None:
            for p in backbone.parameters():
                p.requires_grad_(False)
        self.expansion = expansion
        width = expansion.proj.size(1)
        self.num_classes, self.gamma = num_classes, gamma
        self.weight = nn.Parameter(torch.zeros(width, num_classes, dtype=torch.float64))
        self.register_buffer("R", torch.zeros(width, width, dtype=torch.float64))
        self.register_buffer("Q", torch.zeros(width, num_classes, dtype=torch.float64))
        self.register_buffer("active", torch.ones(num_train, dtype=torch.bool))

    def base_features(self, x: torch.Tensor) -> torch.Tensor:
        if self.backbone is None:
            return x
        from ..models import penultimate_features

        return penultimate_features(self.backbone, x)

    def penultimate(self, x: torch.Tensor) -> torch.Tensor:
        """The expanded features :math:`\\phi(x)` the head reads (float64)."""
        with torch.no_grad():
            base = self.base_features(x)
        return self.expansion(base)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.penultimate(x) @ self.weight

    @torch.no_grad()
    def set_head(self, r, q, w):
        self.R.copy_(r)
        self.Q.copy_(q)
        self.weight.copy_(w)


@torch.no_grad()
def fit_analytic_classifier(x: torch.Tensor, y: torch.Tensor, num_classes: int, *, width: int = 2048,
                            gamma: float = 1.0, seed: int = 0, backbone: nn.Module | None = None,
                            active: torch.Tensor | None = None) -> AnalyticClassifier:
    """The analytic classifier trained on ``(x, y)`` (or on the rows where ``active``)."""
    if backbone is not None:
        backbone = copy.deepcopy(backbone).eval()
    in_dim = x.size(1)
    if backbone is not None:
        from ..models import penultimate_features

        in_dim = penultimate_features(backbone, x[:1]).size(1)
    model = AnalyticClassifier(RandomFeatures(in_dim, width, seed), num_classes, len(x), backbone, gamma)
    model.to(x.device)
    if active is not None:
        model.active.copy_(active.to(model.active.device))
    keep = model.active
    phi = model.penultimate(x[keep])
    model.set_head(*analytic_fit(phi, one_hot(y[keep], num_classes), gamma))
    return model.eval()


@torch.no_grad()
def refit_on_retained(model: AnalyticClassifier, x_train: torch.Tensor, y_train: torch.Tensor) -> AnalyticClassifier:
    """Retrain reference of the analytic head: the same frozen features, the ridge head re-solved
    from scratch on the training samples ``model`` still holds."""
    new = copy.deepcopy(model)
    keep = new.active.to(x_train.device)
    phi = new.penultimate(x_train[keep])
    new.set_head(*analytic_fit(phi, one_hot(y_train[keep], new.num_classes), new.gamma))
    return new


@torch.no_grad()
def acu_delete(model: AnalyticClassifier, x_forget: torch.Tensor, y_forget: torch.Tensor,
               forget_index: torch.Tensor) -> tuple[AnalyticClassifier, int]:
    """A copy of ``model`` with the samples ``forget_index`` (training indices; those already
    removed are skipped) removed by :func:`woodbury_remove`; returns it and how many were removed."""
    new = copy.deepcopy(model)
    fresh = new.active[forget_index.to(new.active.device)]
    if not bool(fresh.any()):
        raise ValueError("acu: every requested sample was already forgotten by this model")
    fresh = fresh.to(x_forget.device)
    phi_f = new.penultimate(x_forget[fresh])
    # ``new`` is a private copy: update its state in place (no second D x D copy)
    woodbury_remove(new.R, new.Q, phi_f, one_hot(y_forget[fresh], new.num_classes), new.weight.detach(),
                    inplace=True)
    new.active[forget_index.to(new.active.device)[fresh.to(new.active.device)]] = False
    return new, int(fresh.sum())


class ACU(GeneralUnlearner):
    """Args: ``gamma`` (1.0), ``width`` (2048), ``backbone`` (``"none"``: random features of the
    inputs, fully exact; ``"model"``: the given network's frozen penultimate features, head-only
    exact). Classification only.

    ``model`` is an :class:`AnalyticClassifier` (the continual-unlearning case: each call
    removes one more request); given any other network, the analytic classifier is first
    fitted on the whole training set (the "original" of this method; ``extra["fitted"] = True``)
    and the request then removed."""

    name = "acu"
    tasks = ("classification",)

    def __init__(self, gamma: float = 1.0, width: int = 2048, backbone: str = "none", **kw):
        super().__init__(**kw)
        check_positive(self, "gamma", gamma)
        check_int(self, "width", width)
        check_choice(self, "backbone", backbone, ("none", "model"))
        self.gamma, self.width, self.backbone = gamma, width, backbone

    def fit(self, data, model: nn.Module | None = None) -> AnalyticClassifier:
        """The analytic classifier of ``data``'s whole training set (the original of ACU)."""
        bb = model if self.backbone == "model" else None
        if self.backbone == "model" and model is None:
            raise ValueError("acu: backbone='model' needs a trained network")
        d = data.to(self.device)
        return fit_analytic_classifier(d.x_train, d.y_train, data.num_classes, width=self.width, gamma=self.gamma,
                                       seed=self.seed, backbone=bb)

    def _unlearn(self, model, data, request):
        pb = self.problem(data, request)
        base, fitted = self.stateful_model(model, data, AnalyticClassifier, lambda: self.fit(data, model))
        new, removed = acu_delete(base, pb.xf, pb.yf, pb.split.forget_index)
        return new, 0, {"removed": removed, "fitted": fitted, "held": int(new.active.sum())}
