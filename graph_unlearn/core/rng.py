"""Seeded randomness that leaves the caller's global random state alone.

``with seeded_rng(seed, device): ...`` forks torch's global CPU generator (and that of the CUDA
device when ``device`` is one), seeds the fork with ``seed`` and restores the caller's states on
exit, so code inside is reproducible for a given seed (dropout, ``nn.init``, ``torch.rand`` without
a generator) and the caller's ``torch.get_rng_state()`` is the same after the block as before.
Nothing in the library draws from numpy's or Python's global generators (they use seeded
``numpy.random.default_rng`` / ``torch.Generator`` objects), so those need no fork.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import torch


def _cuda_devices(device) -> list[int]:
    if device is None:
        return []
    device = torch.device(device)
    if device.type != "cuda" or not torch.cuda.is_available():
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


@contextlib.contextmanager
def seeded_rng(seed: int, device: str | torch.device | None = None) -> Iterator[None]:
    """Run the block on a forked global RNG seeded with ``seed`` (CPU, plus ``device`` when it
    is a CUDA device); the caller's RNG states are restored afterwards."""
    devices = _cuda_devices(device)
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        for d in devices:
            with torch.cuda.device(d):
                torch.cuda.manual_seed(seed)
        yield


__all__ = ["seeded_rng"]
