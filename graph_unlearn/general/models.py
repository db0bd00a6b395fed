"""Small models for the general unlearners: a CNN for 8×8 / 28×28 digit images and an MLP for
sentence embeddings and tabular regression.

Both take flattened inputs ``[n, d]`` and expose ``features(x) -> list[Tensor]`` (the
intermediate activations, used by activation-based losses such as Blindspot's attention
maps) and ``penultimate(x)`` (what the output layer reads; :func:`penultimate_features` gets it
from any model) besides ``forward``.
"""
from __future__ import annotations

import copy

import torch
from torch import nn


class SmallCNN(nn.Module):
    r"""Two conv blocks and a linear head for square gray images of side ``side`` (8 or 28).

    ``conv(1→c1, 3×3) → ReLU → [maxpool 2] → conv(c1→c2, 3×3) → ReLU → maxpool 2 → linear``;
    the first pooling is skipped for 8×8 inputs. Args: ``side``, ``num_classes``,
    ``channels=(16, 32)``."""

    def __init__(self, side: int, num_classes: int, channels: tuple[int, int] = (16, 32)):
        super().__init__()
        if side < 4:
            raise ValueError(f"image side must be >= 4, got {side}")
        self.side, self.num_classes, self.channels = side, num_classes, tuple(channels)
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2) if side > 8 else nn.Identity()
        s = side // 2 if side > 8 else side
        self.pool2 = nn.MaxPool2d(2)
        self.head = nn.Linear(c2 * (s // 2) ** 2, num_classes)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.dim() == 2:
            if x.size(1) != self.side * self.side:
                raise ValueError(f"expected {self.side * self.side} pixels per image, got {x.size(1)}")
            x = x.view(-1, 1, self.side, self.side)
        h1 = self.pool1(torch.relu(self.conv1(x)))
        h2 = self.pool2(torch.relu(self.conv2(h1)))
        return [h1, h2]

    def penultimate(self, x: torch.Tensor) -> torch.Tensor:
        """The flattened input of the linear head ``[n, c2 * s * s]``."""
        return self.features(x)[-1].flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.penultimate(x))


class MLP(nn.Module):
    """``Linear → ReLU (→ Dropout)`` blocks and a linear output; ``out_dim=1`` gives a regressor
    whose output is squeezed to ``[n]``. Args: ``in_dim``, ``out_dim``, ``hidden=(128,)``,
    ``dropout=0.0``."""

    def __init__(self, in_dim: int, out_dim: int, hidden: tuple[int, ...] = (128,), dropout: float = 0.0):
        super().__init__()
        self.in_dim, self.out_dim, self.hidden, self.dropout = in_dim, out_dim, tuple(hidden), dropout
        dims = [in_dim, *hidden]
        self.blocks = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(dims[-1], out_dim)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.size(-1) != self.in_dim:
            raise ValueError(f"expected {self.in_dim} input features, got {x.size(-1)}")
        feats = []
        for lin in self.blocks:
            x = self.drop(torch.relu(lin(x)))
            feats.append(x)
        return feats

    def penultimate(self, x: torch.Tensor) -> torch.Tensor:
        """The input of the output layer (the last hidden activation, or ``x`` without hidden layers)."""
        feats = self.features(x)
        return feats[-1] if feats else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.out(self.penultimate(x))
        return out.squeeze(-1) if self.out_dim == 1 else out


def penultimate_features(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The representation ``[n, d]`` a model's output layer reads: ``model.penultimate(x)`` when
    the model defines it (:class:`SmallCNN`, :class:`MLP`, the analytic and sharded-adapter
    models), else the input of the last ``nn.Linear`` module, caught with a forward hook on one
    forward pass (any user network whose head is a linear layer)."""
    if hasattr(model, "penultimate"):
        return model.penultimate(x).flatten(1)
    last = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not last:
        raise ValueError(f"{type(model).__name__} has no linear layer and no penultimate(x): cannot read features")
    got = []
    handle = last[-1].register_forward_pre_hook(lambda mod, inp: got.append(inp[0]))
    try:
        model(x)
    finally:
        handle.remove()
    return got[-1].flatten(1)


def make_model(data, seed: int = 0) -> nn.Module:
    """The default architecture for a :class:`~graph_unlearn.general.data.GeneralData`, initialised
    from ``seed`` (on a forked RNG: the caller's global random state is left as it was)."""
    from ..core.rng import seeded_rng

    with seeded_rng(seed):
        if data.image_side is not None:
            return SmallCNN(data.image_side, data.num_classes)
        if data.task == "regression":
            return MLP(data.num_features, 1, hidden=(64,))
        return MLP(data.num_features, data.num_classes, hidden=(128,))


def reinitialize(model: nn.Module, seed: int = 0) -> nn.Module:
    """A copy of ``model`` with freshly initialised parameters (every module's
    ``reset_parameters``), e.g. retrain's starting point or a random-init "destroyer"."""
    from ..core.rng import seeded_rng

    new = copy.deepcopy(model)
    with seeded_rng(seed, next(new.parameters(), torch.empty(0)).device):
        for m in new.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    for p in new.parameters():
        p.requires_grad_(True)
    return new


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """Model outputs on ``x`` in eval mode (logits or regression values), on ``x``'s device."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    out = torch.cat([model(x[i:i + batch_size].to(dev)) for i in range(0, len(x), batch_size)]) if len(x) else \
        torch.empty(0)
    model.train(was_training)
    return out
