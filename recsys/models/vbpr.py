r"""VBPR (He & McAuley, AAAI 2016): matrix factorisation plus a visual (here: any modality)
term and an item bias,

.. math::
    \hat y_{ui} = \beta_i + \gamma_u^\top\gamma_i + \theta_u^\top (E f_i),

where :math:`f_i` is the concatenation of item ``i``'s modality features (sorted by modality
name; a deleted row is zero) and ``E`` a learned projection. Written as one dot product
:math:`\langle [\gamma_u;\theta_u;1],\,[\gamma_i; E f_i; \beta_i]\rangle` so ranking is a matmul.

Args: ``num_users``, ``num_items``; ``modality_dims`` (dict name -> d); ``dim`` (64: half
latent, half feature factors).
"""
from __future__ import annotations

import torch
from torch import nn

from .base import RecModel


class VBPR(RecModel):
    def __init__(self, num_users: int, num_items: int, modality_dims: dict[str, int], dim: int = 64):
        if not modality_dims:
            raise ValueError("VBPR needs at least one item modality (modality_dims is empty)")
        super().__init__(num_users, num_items, modality_dims=dict(modality_dims), dim=dim)
        half = dim // 2
        self.names = sorted(modality_dims)
        self.user_emb = nn.Embedding(num_users, 2 * half)      # [gamma_u; theta_u]
        self.item_emb = nn.Embedding(num_items, half)          # gamma_i
        self.item_bias = nn.Embedding(num_items, 1)
        self.proj = nn.Linear(sum(modality_dims[n] for n in self.names), half, bias=False)
        nn.init.normal_(self.user_emb.weight, std=0.1)
        nn.init.normal_(self.item_emb.weight, std=0.1)
        nn.init.zeros_(self.item_bias.weight)

    def forward(self, graph):
        missing = [n for n in self.names if n not in graph.features]
        if missing:
            raise ValueError(f"VBPR: the graph lacks modalities {missing}")
        f = torch.cat([graph.features[n] for n in self.names], 1)
        items = torch.cat([self.item_emb.weight, self.proj(f), self.item_bias.weight], 1)
        ones = torch.ones(self.num_users, 1, device=items.device)
        return torch.cat([self.user_emb.weight, ones], 1), items

    def batch_parameters(self, users, pos, neg):
        w = self.item_emb.weight
        return [(self.user_emb.weight, users), (w, pos), (w, neg)]

    def owned_parameters(self, users, items):
        return super().owned_parameters(users, items) + [(self.item_bias.weight, items)]
