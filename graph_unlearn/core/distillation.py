r"""Two-teacher knowledge distillation, shared by D2DGN (graphs) and Bad Teacher (general).

A *preserver* (the frozen original model) supplies the knowledge to retain, a *destroyer*
(a frozen, randomly initialised model of the same architecture) supplies "no knowledge" for
the data to forget. The student minimises

.. math::
    \mathcal{L} = w_r\,\mathcal{L}_{retain} + w_f\,\mathcal{L}_{forget},\qquad
    \mathcal{L}_{retain} = \tau^2\,\mathrm{KL}(p^{pres}_\tau \,\|\, p^{stud}_\tau)
        + \lambda\,\lVert h^{stud} - h^{pres}\rVert_2^2,

and the same for :math:`\mathcal{L}_{forget}` with the destroyer, where :math:`p_\tau` are
temperature-softened output distributions (class softmax, or :math:`[p, 1-p]` for a binary
score such as edge existence) and :math:`h` optional intermediate features (node embeddings).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def soft_targets(logits: torch.Tensor, temperature: float = 1.0, binary: bool | None = None) -> torch.Tensor:
    """Log-probabilities of the output distribution: log-softmax over classes, or
    ``log [sigmoid(z/τ), 1 - sigmoid(z/τ)]`` for 1-d (binary) logits."""
    if binary is None:
        binary = logits.dim() == 1
    z = logits / temperature
    if binary:
        return torch.stack([F.logsigmoid(z), F.logsigmoid(-z)], dim=-1)
    return F.log_softmax(z, dim=-1)


def distillation_kl(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                    temperature: float = 1.0) -> torch.Tensor:
    """:math:`\\tau^2\\,\\mathrm{KL}(p^{teacher}_\\tau \\| p^{student}_\\tau)`, mean over samples."""
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(f"student and teacher outputs differ in shape: "
                         f"{tuple(student_logits.shape)} vs {tuple(teacher_logits.shape)}")
    if student_logits.numel() == 0:
        return student_logits.sum() * 0.0
    log_s = soft_targets(student_logits, temperature)
    log_t = soft_targets(teacher_logits.detach(), temperature)
    kl = F.kl_div(log_s, log_t, log_target=True, reduction="none").sum(-1).mean()
    return kl * temperature**2


def _feature_mse(student: torch.Tensor | None, teacher: torch.Tensor | None) -> torch.Tensor | None:
    if student is None or teacher is None or student.numel() == 0:
        return None
    return F.mse_loss(student, teacher.detach())


def two_teacher_loss(student_retain: torch.Tensor, preserver_retain: torch.Tensor,
                     student_forget: torch.Tensor, destroyer_forget: torch.Tensor, *,
                     retain_weight: float = 0.5, forget_weight: float = 0.5, temperature: float = 1.0,
                     feature_weight: float = 0.0,
                     student_retain_feat: torch.Tensor | None = None,
                     preserver_retain_feat: torch.Tensor | None = None,
                     student_forget_feat: torch.Tensor | None = None,
                     destroyer_forget_feat: torch.Tensor | None = None) -> tuple[torch.Tensor, dict]:
    """The two-teacher objective above; returns ``(loss, {"retain": .., "forget": ..})``."""
    if retain_weight < 0 or forget_weight < 0:
        raise ValueError(f"the weights must be non-negative, got retain {retain_weight}, forget {forget_weight}")
    retain = distillation_kl(student_retain, preserver_retain, temperature)
    forget = distillation_kl(student_forget, destroyer_forget, temperature)
    if feature_weight:
        fr = _feature_mse(student_retain_feat, preserver_retain_feat)
        ff = _feature_mse(student_forget_feat, destroyer_forget_feat)
        if fr is not None:
            retain = retain + feature_weight * fr
        if ff is not None:
            forget = forget + feature_weight * ff
    loss = retain_weight * retain + forget_weight * forget
    return loss, {"retain": float(retain.detach()), "forget": float(forget.detach())}
