"""The shared core: the unlearner interface, run statistics and the building blocks that
several methods share (two-teacher distillation; descend-on-retain / reverse-on-forget)."""
from .unlearner import Unlearner, UnlearnResult, clone_model, parameters_changed
from .profiling import RunMonitor, resolve_device
from .distillation import two_teacher_loss, distillation_kl, soft_targets
from .optim import optimise
from .retain_forget import reversed_loss, retain_forget_steps

__all__ = [
    "Unlearner", "UnlearnResult", "clone_model", "parameters_changed",
    "RunMonitor", "resolve_device",
    "two_teacher_loss", "distillation_kl", "soft_targets",
    "optimise", "reversed_loss", "retain_forget_steps",
]
