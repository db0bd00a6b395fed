r"""BPR training with online negative sampling and early stopping on validation Recall@20.

Each epoch shuffles the training interactions into batches of ``batch_size``; for every
``(u, i)`` a negative ``j`` is drawn uniformly from the items (not removed) that ``u`` has not
interacted with in training (rejection sampling, re-drawn up to 10 times). Loss per batch:

.. math:: \mathcal{L} = -\mathrm{mean}\,\ln\sigma(\hat y_{ui} - \hat y_{uj}) + \lambda\,\tfrac{1}{2B}\|\Theta_{batch}\|^2 .

Every ``eval_every`` epochs the validation Recall@20 is computed (full ranking, training items
masked); training stops after ``patience`` evaluations without improvement and the best
weights are restored.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import torch

from .data.interactions import InteractionData
from .evaluation import evaluate
from .models.base import RecModel, bpr_loss


@dataclass
class BPRConfig:
    """The BPR training recipe (:func:`train_bpr`'s options): of the original and of retrain (Gold)."""

    epochs: int = 300
    batch_size: int = 2048
    lr: float = 1e-3
    reg: float = 1e-4
    patience: int = 5
    eval_every: int = 5


class NegativeSampler:
    """Uniform negatives for a user, avoiding that user's training items and removed items."""

    def __init__(self, data: InteractionData, device="cpu", generator: torch.Generator | None = None):
        u, i = data.train_pairs()
        self.n_items = data.num_items
        self.keys = torch.unique(u * data.num_items + i).to(device)
        self.allowed = torch.nonzero(~data.removed_items).flatten().to(device)
        if self.allowed.numel() == 0:
            raise ValueError("no items left to sample negatives from")
        self.gen = generator or torch.Generator().manual_seed(0)
        self.device = torch.device(device)

    def _draw(self, n):
        idx = torch.randint(0, self.allowed.numel(), (n,), generator=self.gen).to(self.device)
        return self.allowed[idx]

    def __call__(self, users: torch.Tensor) -> torch.Tensor:
        neg = self._draw(users.numel())
        for _ in range(10):
            q = users * self.n_items + neg
            bad = self.keys[torch.searchsorted(self.keys, q).clamp(max=self.keys.numel() - 1)] == q
            if not bad.any():
                break
            neg[bad] = self._draw(int(bad.sum()))
        return neg


class PairBatches:
    """Random batches of ``(u, i, j)`` from given positive pairs (a fresh permutation per pass)."""

    def __init__(self, users, items, sampler: NegativeSampler, batch_size: int, generator: torch.Generator):
        if users.numel() == 0:
            raise ValueError("no interactions to draw batches from")
        self.users, self.items = users.to(sampler.device), items.to(sampler.device)
        self.sampler, self.batch_size, self.gen = sampler, batch_size, generator
        self._perm, self._pos = None, 0

    def __len__(self):
        return (self.users.numel() + self.batch_size - 1) // self.batch_size

    def next(self):
        n = self.users.numel()
        if self._perm is None or self._pos >= n:
            self._perm, self._pos = torch.randperm(n, generator=self.gen).to(self.users.device), 0
        idx = self._perm[self._pos:self._pos + self.batch_size]
        self._pos += self.batch_size
        u, i = self.users[idx], self.items[idx]
        return u, i, self.sampler(u)


def batch_bpr(model: RecModel, graph, u, i, j, reg: float = 0.0, out=None):
    """BPR (+ ``reg`` · batch L2) of one batch; returns ``(loss, pos_scores, neg_scores)``."""
    out = out if out is not None else model(graph)
    pos, neg = model.score_pairs(out, u, i), model.score_pairs(out, u, j)
    loss = bpr_loss(pos, neg)
    if reg:
        loss = loss + reg * model.l2(u, i, j)
    return loss, pos, neg


def train_bpr(model: RecModel, data: InteractionData, *, epochs: int = 300, batch_size: int = 2048,
              lr: float = 1e-3, reg: float = 1e-4, patience: int = 5, eval_every: int = 5, seed: int = 0,
              graph=None, max_seconds: float | None = None, verbose: bool = False) -> dict:
    """Train ``model`` in place with BPR; returns the history (best epoch, best val Recall@20).
    ``model`` may be a PyG ``LightGCN`` (trained in place through its adapter)."""
    from .models.pyg import as_rec_model

    model = as_rec_model(model, data)
    device = next(model.parameters()).device
    graph = graph if graph is not None else model.build_graph(data, device)
    gen = torch.Generator().manual_seed(seed)
    sampler = NegativeSampler(data, device, gen)
    u, i = data.train_pairs()
    batches = PairBatches(u, i, sampler, batch_size, gen)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    best, best_state, best_epoch, bad, history = -1.0, None, 0, 0, []
    t0 = time.perf_counter()
    epoch = 0
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for _ in range(len(batches)):
            bu, bi, bj = batches.next()
            opt.zero_grad(set_to_none=True)
            loss, _, _ = batch_bpr(model, graph, bu, bi, bj, reg)
            loss.backward()
            opt.step()
            total += float(loss.detach())
        if epoch % eval_every == 0 or epoch == epochs:
            val = evaluate(model, data, graph, splits=("valid",))["valid_recall20"]
            history.append({"epoch": epoch, "loss": total / len(batches), "valid_recall20": val})
            if verbose:
                print(f"epoch {epoch}: loss {total / len(batches):.4f} valid R@20 {val:.4f}", flush=True)
            if val > best:
                best, best_epoch, bad = val, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad += 1
                if bad >= patience:
                    break
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {"best_epoch": best_epoch, "epochs": epoch, "best_valid_recall20": best, "history": history,
            "seconds": time.perf_counter() - t0}
