r"""The one task protocol every domain implements, and how a call finds its task.

An unlearning *task* is what a method needs to know about the domain, and nothing else:

========  ===========================================  =========================================
kind      retained elements :math:`D_r` / forget set   task loss (what training minimised)
========  ===========================================  =========================================
link      retained edges / deleted edges                BCE of edges vs random node pairs
node      retained training nodes / deleted nodes       cross-entropy (forget set queried with
          (or nodes whose features were revoked)        its original data)
rec       retained / forgotten interactions             BPR with one sampled negative per pair
sample    retained / forgotten training samples         the loss hook (cross-entropy, MSE, ...)
========  ===========================================  =========================================

:class:`UnlearningTask` holds the prepared model, the data and the request of one call, and
offers the members the domain-free methods (:mod:`graph_unlearn.core.methods`: Retrain,
FineTune, GradientAscent, NegGrad+, the retain/forget loop behind MMRecUn) are written
against:

* :meth:`~UnlearningTask.loss_stream`: one optimiser step's losses on a batch of
  :math:`D_r` and of :math:`D_f` (:class:`StepLosses`), the forget term optionally *swapped*
  (positives and negatives exchanged: reverse BPR);
* :meth:`~UnlearningTask.steps_per_epoch`: how many steps make one pass over :math:`D_r` or
  :math:`D_f` (so that ``epochs`` and ``steps`` mean the same everywhere);
* :meth:`~UnlearningTask.retrain`: the exact reference, a fresh model trained on :math:`D_r`
  by the task's recipe or the user's ``train_fn``;
* :meth:`~UnlearningTask.forget_outputs`: the model's outputs on the forget set (the audit's
  no-op check);
* :meth:`~UnlearningTask.element_scores`: per-element scores on the forget set and the matched
  holdout, from which the shared yardstick (:mod:`graph_unlearn.metrics.yardstick`) computes
  the holdout attack, the distance to the retrains and forgetting completeness for every task;
* :meth:`~UnlearningTask.evaluate`: the task's forgetting and utility report;
* :meth:`~UnlearningTask.finish`: what serving needs, handed back in the user's form.

Domain-specific methods declare the kinds they support (``supports``, as PyG's
``ExplainerAlgorithm.supports``) and reach their domain's own problem object through
``task.data``. :func:`resolve_task` picks the domain from the request's type (else the data's)
and refuses input that fits none, naming the accepted forms.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import torch
from torch import nn

#: the task kinds
KINDS = ("link", "node", "rec", "sample")


@dataclass
class StepLosses:
    """One step's losses: the task loss on a batch of :math:`D_r` (``retain``) and of
    :math:`D_f` (``forget``, swapped when asked), and the task's batch regulariser
    (``penalty``: recommenders' :math:`\\tfrac{1}{2B}\\|\\Theta_{batch}\\|^2` of the batches'
    embeddings, as in BPR training; zero elsewhere). Terms not asked for are ``None``."""

    retain: torch.Tensor | None = None
    forget: torch.Tensor | None = None
    penalty: torch.Tensor | None = None


class UnlearningTask:
    """Base class of the four tasks (see the module docstring). ``model`` is the model the
    methods edit (the user's, adapted where the domain needs it), ``data`` what the domain's own
    methods receive, ``request`` the deletion (``None`` once applied into ``data``)."""

    kind: ClassVar[str] = ""
    #: whether the task has a batch regulariser (``reg`` of the shared methods applies)
    has_penalty: ClassVar[bool] = False
    #: whether the forget loss can be swapped (positives and negatives exchanged)
    can_swap: ClassVar[bool] = False

    def __init__(self, model: nn.Module, data: Any, request: Any, device: torch.device):
        self.model, self.data, self.request, self.device = model, data, request, torch.device(device)

    # -- the protocol ----------------------------------------------------------------------
    def loss_stream(self, gen: torch.Generator, batch_size: int | None
                    ) -> Callable[..., StepLosses]:  # pragma: no cover - abstract
        """A function ``losses(model, retain=True, forget=True, swap=False) -> StepLosses``
        drawing the next batches (seeded by ``gen``) at every call."""
        raise NotImplementedError

    def steps_per_epoch(self, over: str, batch_size: int | None) -> int:  # pragma: no cover - abstract
        """Optimiser steps in one pass over ``"retain"`` or ``"forget"`` data."""
        raise NotImplementedError

    def default_recipe(self) -> Any:  # pragma: no cover - abstract
        """The training recipe retrain uses unless told otherwise."""
        raise NotImplementedError

    def retrain(self, *, seed: int, init_seed: int | None, config: Any, train_fn: Callable | None,
                progress: bool = False) -> tuple[nn.Module, int, dict]:  # pragma: no cover - abstract
        """A fresh model trained on :math:`D_r`: ``(model, epochs, info)``."""
        raise NotImplementedError

    def forget_outputs(self, model: nn.Module) -> torch.Tensor | None:
        """The model's outputs on the forget set, on the data it serves after the deletion (None
        where the task has none, e.g. a modality deletion, which forgets no element)."""
        return None

    def element_scores(self, model: nn.Module, holdout: Any = None, original_data: bool = False
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per-element scores for the forgetting yardstick (:mod:`graph_unlearn.metrics.yardstick`),
        higher = more "seen": on the forget set and on the matched holdout :math:`D_h` (given, or
        carried by the data; ``None`` when there is none), served on the retained data (or, with
        ``original_data``, on the data before the deletion: the do-nothing reference). Links:
        edge logits; nodes: the log-probability of the true class on the full data; rec:
        interaction scores (users / items: each one's mean over its interactions); samples: minus
        the per-sample loss."""
        raise NotImplementedError(f"{type(self).__name__} gives no element scores")

    def attack_features(self, model: nn.Module, holdout: Any = None, original_data: bool = False):
        """Per-element features for the trained (shadow) attacker of the yardstick
        (:func:`~graph_unlearn.metrics.holdout.shadow_attack_auc`): a dict of ``"member"``
        (retained training elements), ``"nonmember"`` (never-trained elements other than
        :math:`D_h`), ``"forget"`` and ``"holdout"`` feature tensors, or ``None`` where the task
        has no such sets (the yardstick then reports the shadow attack as unavailable)."""
        return None

    def deleted(self) -> dict:
        """The audit's record of what was deleted (kind, count, SHA-256 of the sorted ids)."""
        from .audit import request_digest

        return request_digest(self.request, self.data)

    def evaluate(self, model: nn.Module, reference: nn.Module | None = None, **kw) -> dict:  # pragma: no cover
        """The task's forgetting and utility report for ``model`` (``reference``: retrain)."""
        raise NotImplementedError

    def finish(self, result):
        """Hand the result back in the user's form (default: as it is)."""
        return result

    def check_options(self, who: str, *, reg: float = 0.0, swap: bool = False, loss=None) -> None:
        """Refuse an option that means nothing for this task, before any work."""
        if loss is not None and self.kind != "sample":
            raise ValueError(f"{who}: loss (the loss hook of vision / text / regression samples) does not apply to "
                             f"a {self.kind} task, whose loss is fixed by the task; leave it at None")
        if reg and not self.has_penalty:
            raise ValueError(f"{who}: reg (the batch-embedding regulariser of BPR training) applies to "
                             f"recommendation tasks only, not to a {self.kind} task; leave it at 0")
        if swap and not self.can_swap:
            raise ValueError(f"{who}: a swapped (reverse) forget loss needs pairwise positives and negatives; "
                             f"a {self.kind} task has none")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, model={type(self.model).__name__})"


#: the registered task classes (:func:`register_task`), asked in order of their ``priority``
_FAMILIES: list[type] = []


def register_task(cls: type) -> type:
    """Register a task class (a decorator): :func:`resolve_task` asks its ``claims(data, request)``
    and calls its ``build(unlearner, model, data, request, **options)``. Each domain registers its
    task when its package is imported (``graph_unlearn``: link / node; ``graph_unlearn.general``:
    sample; ``recsys``: rec), so a user holding a domain's data has its task."""
    if cls not in _FAMILIES:
        _FAMILIES.append(cls)
        _FAMILIES.sort(key=lambda c: getattr(c, "priority", 0))
    return cls


def _families() -> list[type]:
    return list(_FAMILIES)


class _Evaluator:
    """The owner of a task built for evaluation only (:func:`make_task`)."""

    name, supports = "evaluate", KINDS

    def __init__(self, device):
        self.device = torch.device(device)


def make_task(model: nn.Module, data: Any, request: Any = None, *, device="cpu", **options) -> UnlearningTask:
    """The task of ``(model, data, request)`` outside an unlearning call (e.g. to score models with
    :func:`graph_unlearn.metrics.yardstick.forgetting_table`)."""
    return resolve_task(_Evaluator(device), model, data, request, **options)


def resolve_task(unlearner, model: nn.Module, data: Any, request: Any, **options) -> UnlearningTask:
    """The task of one ``unlearn(model, data, request)`` call: the domain that recognises the
    request (else the data) builds it, validating everything before any work."""
    families = _families()
    for family in families:
        if family.claims(data, request):
            return family.build(unlearner, model, data, request, **options)
    own = [f for f in families if set(getattr(f, "kinds", (f.kind,))) >= set(unlearner.supports)]
    if len(own) == 1:   # a method of one domain: that domain says what it accepts
        return own[0].build(unlearner, model, data, request, **options)
    raise TypeError(
        f"{unlearner.name}: cannot tell which task this is (data {type(data).__name__}, request "
        f"{type(request).__name__}). Graphs: a torch_geometric Data, RandomLinkSplit's (train, val, test), "
        f"a LinkSplit / NodeSplit, a DGLGraph or networkx graph, with an EdgeDeletion / NodeDeletion / "
        f"FeatureDeletion; recommenders: an InteractionData with a UserDeletion / ItemDeletion / "
        f"InteractionDeletion / ModalityDeletion; samples: a GeneralData, an (x, y) pair, a TensorDataset or "
        f"DataLoader with a ForgetRequest or training indices")
