r"""The recommendation task: the task protocol (:mod:`graph_unlearn.core.task`) on user-item
interactions.

``data`` is an :class:`~recsys.data.interactions.InteractionData` (``load_dataset(df)`` reads a
DataFrame or a CSV file), ``request`` a :class:`~recsys.requests.UserDeletion`,
:class:`~recsys.requests.ItemDeletion`, :class:`~recsys.requests.InteractionDeletion` or
:class:`~recsys.requests.ModalityDeletion`, the model a recommender of :mod:`recsys.models` or
PyG's ``LightGCN`` (adapted at the edge and handed back as the user's module, with
``result.data`` a PyG ``Data`` of the retained training graph: see :mod:`recsys.models.pyg`).
The request is applied and checked against the model (sizes; a modality the model uses)
before any work.

Losses: BPR, :math:`-\mathrm{mean}\ln\sigma(\hat y_{ui} - \hat y_{uj})` with one uniform negative
:math:`j` per pair (never one of the user's training items), on the retained graph; swapped
(reverse BPR, :math:`-\ln\sigma(\hat y_{uj} - \hat y_{ui})`) on request; the batch regulariser
:math:`\tfrac{1}{2B}\|\Theta_{batch}\|^2` as in training.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from graph_unlearn.core import retain_forget
from graph_unlearn.core.task import StepLosses, UnlearningTask, register_task

from .data.interactions import InteractionData
from .models.base import bpr_loss
from .models.graph import RecGraph
from .requests import RecDeletion
from .training import BPRConfig, NegativeSampler, PairBatches, train_bpr


@dataclass
class RecProblem:
    deletion: RecDeletion
    graph: RecGraph                 # graph of the retained data (features/edges of deleted items gone)
    retain: PairBatches | None
    forget: PairBatches | None


@register_task
class RecTask(UnlearningTask):
    kind = "rec"
    priority = 0
    has_penalty = True
    can_swap = True

    def __init__(self, model, data: InteractionData, request, device, user_model, deletion: RecDeletion):
        super().__init__(model, data, request, device)
        self.user_model, self.deletion = user_model, deletion
        self._graphs: dict[str, RecGraph | None] = {}

    @staticmethod
    def claims(data, request) -> bool:
        from .requests import _RecRequest

        return isinstance(data, InteractionData) or isinstance(request, _RecRequest)

    @classmethod
    def build(cls, unlearner, model, data, request=None, **options):
        from .models.pyg import as_rec_model

        if options:
            raise TypeError(f"{unlearner.name}: unexpected option(s) {sorted(options)} for a recommendation task")
        if not isinstance(data, InteractionData):
            raise ValueError(f"{unlearner.name}: data must be an InteractionData (recsys.load_dataset(df) reads a "
                             f"DataFrame or a CSV file), got {type(data).__name__}")
        if request is None or not hasattr(request, "apply"):
            raise ValueError(f"{unlearner.name}: request must be a UserDeletion, ItemDeletion, InteractionDeletion or "
                             f"ModalityDeletion, got {type(request).__name__}")
        adapted = as_rec_model(model, data)
        check = getattr(request, "check_model", None)   # e.g. a modality the model does not use
        if callable(check):
            check(adapted)
        if adapted.num_users != data.num_users or adapted.num_items != data.num_items:
            raise ValueError(f"{unlearner.name}: the model is sized for {adapted.num_users} users / "
                             f"{adapted.num_items} items but the data has {data.num_users} / {data.num_items}")
        return cls(adapted, data, request, unlearner.device, model, request.apply(data))

    # -- the protocol -----------------------------------------------------------------------
    @property
    def num_forget(self) -> int:
        return int(self.deletion.num_forget)

    def problem(self, gen: torch.Generator, batch_size: int) -> RecProblem:
        """The retained graph on the device and BPR batch streams of retained and forgotten
        interactions (the latter ``None`` when the request forgets none, e.g. a modality)."""
        retained = self.deletion.retained
        graph = self.model.build_graph(retained, self.device)
        sampler = NegativeSampler(retained, self.device, gen)
        u, i = retained.train_pairs()
        retain = PairBatches(u, i, sampler, batch_size, gen)
        forget = (PairBatches(self.deletion.forget_user, self.deletion.forget_item, sampler, batch_size, gen)
                  if self.num_forget else None)
        return RecProblem(self.deletion, graph, retain, forget)

    def loss_stream(self, gen: torch.Generator, batch_size: int | None):
        """Each call: one forward pass on the retained graph, the next BPR batch of retained and of
        forgotten interactions (no forget term when the request forgets none)."""
        p = self.problem(gen, batch_size or 2048)
        swapped = {}

        def losses(model, retain: bool = True, forget: bool = True, swap: bool = False) -> StepLosses:
            out = model(p.graph)
            res, penalty = StepLosses(), []
            if retain:
                u, i, j = p.retain.next()
                res.retain = bpr_loss(model.score_pairs(out, u, i), model.score_pairs(out, u, j))
                penalty.append(model.l2(u, i, j))
            if forget and p.forget is not None:
                u, i, j = p.forget.next()
                pos, neg = model.score_pairs(out, u, i), model.score_pairs(out, u, j)
                if swap and not swapped:   # reverse BPR: -ln σ(ŷ_uj - ŷ_ui)
                    swapped["fn"] = retain_forget.reversed_loss(bpr_loss, "swap")
                res.forget = swapped["fn"](pos, neg) if swap else bpr_loss(pos, neg)
                penalty.append(model.l2(u, i, j))
            res.penalty = sum(penalty) if penalty else None
            return res
        return losses

    def steps_per_epoch(self, over: str, batch_size: int | None) -> int:
        n = self.deletion.retained.train_pairs()[0].numel() if over == "retain" else self.num_forget
        return max(1, math.ceil(n / (batch_size or 2048)))

    def default_recipe(self) -> BPRConfig:
        return BPRConfig()

    def retrain(self, *, seed: int, init_seed: int | None, config, train_fn=None, progress: bool = False):
        """A fresh model (seed ``init_seed``, default ``seed``) trained on the retained data by BPR
        with ``config`` (Gold), or by ``train_fn(model, retained_data)``."""
        retained = self.deletion.retained
        new = self.model.fresh(init_seed if init_seed is not None else seed).to(self.device)
        if train_fn is not None:
            out = train_fn(new, retained)
            if out is not None and out is not new:
                raise TypeError("retrain: train_fn must train the recommender in place and return nothing")
            return new, 0, {"recipe": f"user train_fn {getattr(train_fn, '__qualname__', type(train_fn).__name__)}"}
        hist = train_bpr(new, retained, epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
                         reg=config.reg, patience=config.patience, eval_every=config.eval_every, seed=seed,
                         verbose=progress)
        return new, hist["epochs"], {"best_epoch": hist["best_epoch"], "valid_recall20": hist["best_valid_recall20"],
                                     "recipe": f"library {config}"}

    @torch.no_grad()
    def reset_deleted_rows(self, model, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Set the parameter rows that only the deleted users (items) own to a fresh
        initialisation (``model.fresh(seed)``), in place; returns the ``(table, rows)`` pairs. A
        retrained model never updates them (no batch holds a deleted user; a deleted item is never
        a positive nor, being removed, a negative), so this is where retraining leaves them. The
        seed must not be the original's: its users were pulled towards the items' *initial*
        vectors, so the original's initial rows are not independent of the trained ones."""
        kind = getattr(self.request, "kind", None)
        if kind not in ("users", "items"):
            raise ValueError(f"reset_deleted applies to user and item deletions, not to a {kind!r} request")
        ids = (self.request.users if kind == "users" else self.request.items).long()
        users, items = (ids, ids[:0]) if kind == "users" else (ids[:0], ids)
        fresh = model.fresh(seed)
        owned = []
        for (table, rows), (init, _) in zip(model.owned_parameters(users, items), fresh.owned_parameters(users, items)):
            rows = rows.to(table.device)
            table[rows] = init[rows.to(init.device)].to(table.device)
            owned.append((table, rows))
        return owned

    def forget_outputs(self, model):
        """Scores of the forgotten interactions on the retained graph (None when there are none)."""
        if not self.num_forget:
            return None
        p = next(iter(model.parameters()), None)
        dev = str(p.device if p is not None else self.device)
        if dev not in self._graphs:
            self._graphs[dev] = model.build_graph(self.deletion.retained, dev)
        out = model(self._graphs[dev])
        return model.score_pairs(out, self.deletion.forget_user.to(dev), self.deletion.forget_item.to(dev))

    def _scorer(self, model, original_data: bool, group: int | None):
        """``score(users, items)`` of ``model`` served on the retained data (or the data before the
        deletion); with ``group`` 0 / 1 the mean per user / item."""
        from .models.pyg import as_rec_model

        net = as_rec_model(model, self.data)
        net.eval()
        p = next(iter(net.parameters()), None)
        dev = p.device if p is not None else self.device
        out = net(net.build_graph(self.data if original_data else self.deletion.retained, dev))

        def score(u, i):
            u, i = torch.as_tensor(u).long().to(dev), torch.as_tensor(i).long().to(dev)
            s = net.score_pairs(out, u, i)
            if group is None:
                return s
            keys, inv = torch.unique(u if group == 0 else i, return_inverse=True)
            return torch.zeros(keys.numel(), device=dev).index_add_(0, inv, s) / torch.bincount(inv).float()
        return score

    @torch.no_grad()
    def element_scores(self, model, holdout=None, original_data: bool = False):
        """Scores, on the retained graph, of the forgotten interactions and of ``holdout``: the
        withheld pairs (a :class:`~recsys.requests.RecDeletion` from
        :func:`~recsys.requests.withhold_holdout`, or a ``(users, items)`` pair); ``None`` without.
        For user (item) deletions an element is a user (item): the mean score of its pairs."""
        score = self._scorer(model, original_data, {"users": 0, "items": 1}.get(getattr(self.request, "kind", None)))
        forget = score(self.deletion.forget_user, self.deletion.forget_item)
        if holdout is None:
            return forget, None
        u, i = (holdout.forget_user, holdout.forget_item) if hasattr(holdout, "forget_user") else holdout
        return forget, score(u, i)

    @torch.no_grad()
    def attack_features(self, model, holdout=None, original_data: bool = False, max_members: int = 20000):
        """Interaction deletions: the interaction score as the attacker's one feature; members =
        retained training interactions (at most ``max_members``, a fixed draw), non-members = the
        validation interactions. ``None`` for user and item deletions (every user and item with
        validation interactions is also in training, so there is no never-trained user or item
        to teach an attacker on) and without a holdout."""
        if holdout is None or getattr(self.request, "kind", None) != "interactions":
            return None
        score = self._scorer(model, original_data, None)
        kept = self.deletion.retained
        train = torch.nonzero(kept.split == 0).squeeze(1)
        train = train[torch.randperm(train.numel(), generator=torch.Generator().manual_seed(0))[:max_members]]
        valid = torch.nonzero(kept.split == 1).squeeze(1)
        u, i = (holdout.forget_user, holdout.forget_item) if hasattr(holdout, "forget_user") else holdout
        sets = {"member": (kept.user[train], kept.item[train]), "nonmember": (kept.user[valid], kept.item[valid]),
                "forget": (self.deletion.forget_user, self.deletion.forget_item), "holdout": (u, i)}
        return {name: score(*pair)[:, None] for name, pair in sets.items()}

    def evaluate(self, model, reference=None, **kw) -> dict:
        """Full-ranking Recall/NDCG on the retained data's test, retained and forgotten
        interactions (:func:`recsys.evaluation.evaluate`) and the interaction membership attack."""
        from .experiment import measure

        forget = (self.deletion.forget_user, self.deletion.forget_item)
        return measure(model, self.deletion.retained, forget, kw.get("seed", 0))

    def finish(self, result):
        if self.model is not self.user_model:   # served as PyG serves it: result.model.recommend(...)
            from torch_geometric.data import Data

            data = self.data
            result.model = result.model.module
            result.data = Data(edge_index=self.deletion.retained.to_edge_index().to(self.device),
                               num_nodes=data.num_users + data.num_items, num_users=data.num_users,
                               num_items=data.num_items)
        return result
