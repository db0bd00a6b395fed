"""Small models for the general unlearners: a CNN for 8×8 / 28×28 digit images and an MLP for
sentence embeddings and tabular regression.

Both take flattened inputs ``[n, d]`` and expose ``features(x) -> list[Tensor]`` (the
intermediate activations, used by activation-based losses such as Blindspot's attention
maps) besides ``forward``.
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)[-1].flatten(1))


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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.features(x)
        out = self.out(feats[-1] if feats else x)
        return out.squeeze(-1) if self.out_dim == 1 else out


def make_model(data, seed: int = 0) -> nn.Module:
    """The default architecture for a :class:`~graph_unlearn.general.data.GeneralData`."""
    torch.manual_seed(seed)
    if data.image_side is not None:
        return SmallCNN(data.image_side, data.num_classes)
    if data.task == "regression":
        return MLP(data.num_features, 1, hidden=(64,))
    return MLP(data.num_features, data.num_classes, hidden=(128,))


def reinitialize(model: nn.Module, seed: int = 0) -> nn.Module:
    """A copy of ``model`` with freshly initialised parameters (every module's
    ``reset_parameters``), e.g. retrain's starting point or a random-init "destroyer"."""
    new = copy.deepcopy(model)
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    for m in new.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    torch.random.set_rng_state(gen_state)
    for p in new.parameters():
        p.requires_grad_(True)
    return new
