"""Training of link predictors with validation-based early stopping (utility only), and
checkpoints saved as plain state dicts (loaded with ``weights_only=True``)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import torch
from tqdm.auto import tqdm

from ..core.distributed import shard
from ..core.optim import take_step
from ..data.graph import Graph
from ..metrics.classification import auroc
from ..tasks.link_prediction import edge_scores, link_bce_loss, random_pairs
from .gnn import GNN


@dataclass
class TrainConfig:
    """Recipe shared by the original model and the Retrain reference.

    ``epochs`` is the maximum; training stops when validation AUROC has not improved for
    ``patience`` evaluations (every ``eval_every`` epochs) and the best state is restored.
    Each epoch is one step on a random batch of ``batch_size`` training edges (all of them when
    fewer, or when ``None``) and as many random pairs per ``neg_ratio``: on the full graph, or
    with ``fanouts`` (neighbours per hop, :class:`~graph_unlearn.data.sampling.NeighborSampler`)
    on the subgraph sampled around the batch's endpoints, validation then on a subgraph sampled
    once around the validation pairs.
    """

    epochs: int = 300
    lr: float = 0.01
    weight_decay: float = 0.0
    patience: int = 5
    eval_every: int = 10
    neg_ratio: float = 1.0
    batch_size: int | None = 65536
    seed: int = 0
    fanouts: tuple[int, ...] | list[int] | None = None


def fit_early_stopping(model: torch.nn.Module, loss_fn: Callable[[], torch.Tensor], validate: Callable[[], float],
                       config: TrainConfig, progress: bool = False, desc: str = "train",
                       metric: str = "val") -> dict:
    """Adam on ``loss_fn()`` for up to ``config.epochs`` epochs; every ``eval_every`` epochs
    ``validate()`` (higher is better) is recorded, training stops after ``patience``
    evaluations without improvement and the best state is restored.

    Returns ``{"epochs", "best_<metric>", "history"}``.
    """
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    best, best_state, bad, history, epoch = -float("inf"), None, 0, [], 0
    bar = tqdm(range(1, config.epochs + 1), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        loss = loss_fn()
        take_step(opt, loss, where=f" at epoch {epoch}")
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            model.eval()
            with torch.no_grad():
                val = float(validate())
            history.append({"epoch": epoch, "loss": loss.item(), metric: val})
            bar.set_postfix({"loss": f"{loss.item():.4f}", metric: f"{val:.4f}"})
            if val > best:
                best, bad = val, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                bad += 1
                if bad >= config.patience:
                    break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {"epochs": epoch, f"best_{metric}": best, "history": history}


def train_link_predictor(model: GNN, x: torch.Tensor | None, graph: Graph, train_pos: torch.Tensor,
                         val_pos: torch.Tensor, val_neg: torch.Tensor, config: TrainConfig | None = None,
                         progress: bool = False, desc: str = "train") -> dict:
    """Train ``model`` in place with BCE on ``train_pos`` vs random pairs on ``graph``, early
    stopping on validation AUROC. Returns ``{"epochs", "best_val_auroc", "history"}``.
    """
    cfg = config or TrainConfig()
    if train_pos.numel() == 0:
        raise ValueError("no training edges")
    gen = torch.Generator().manual_seed(cfg.seed)
    device = train_pos.device
    n_pos = train_pos.size(1) if cfg.batch_size is None else min(cfg.batch_size, train_pos.size(1))
    n_neg = max(1, int(cfg.neg_ratio * n_pos))
    labels = torch.cat([torch.ones(val_pos.size(1)), torch.zeros(val_neg.size(1))])

    sampler = None
    if cfg.fanouts is not None:
        from ..data.sampling import NeighborSampler

        sampler = NeighborSampler(graph, cfg.fanouts)

    def encode(edges):
        """Node outputs and the edges' rows in them: the full graph, or the sampled subgraph."""
        if sampler is None:
            return model(x, graph), edges
        sub = sampler.sample(edges.reshape(-1), gen)
        return model(sub.features(x), sub.graph), sub.local(edges)

    def loss_fn():
        pos = train_pos
        if n_pos < train_pos.size(1):
            pos = train_pos[:, torch.randint(0, train_pos.size(1), (n_pos,), generator=gen).to(device)]
        neg = random_pairs(graph.num_nodes, n_neg, device, gen)
        pos, neg = shard(pos), shard(neg)   # this rank's share of the batch (all of it on one process)
        z, edges = encode(torch.cat([pos, neg], 1))
        return link_bce_loss(model.decode(z, edges[:, :pos.size(1)]), model.decode(z, edges[:, pos.size(1):]))

    if sampler is None:
        def validate():
            return auroc(torch.cat(edge_scores(model, x, graph, val_pos, val_neg)), labels)
    else:
        val_edges = torch.cat([val_pos, val_neg], 1)
        val_sub = sampler.sample(val_edges.reshape(-1), torch.Generator().manual_seed(cfg.seed + 1))
        val_local = val_sub.local(val_edges)

        def validate():
            z = model(val_sub.features(x), val_sub.graph)
            return auroc(model.decode(z, val_local), labels)

    return fit_early_stopping(model, loss_fn, validate, cfg, progress, desc, metric="val_auroc")


def save_checkpoint(model: GNN, path: str | os.PathLike, **meta) -> None:
    """Save the state dict and the architecture (plain types only) to ``path``."""
    torch.save({"state_dict": model.state_dict(), "config": dict(model.config), "meta": meta}, path)


def load_checkpoint(path: str | os.PathLike, map_location="cpu") -> GNN:
    """Rebuild a :class:`GNN` from :func:`save_checkpoint` output (``weights_only=True``)."""
    blob = torch.load(path, map_location=map_location, weights_only=True)
    model = GNN(**blob["config"])
    model.load_state_dict(blob["state_dict"])
    return model.eval()
