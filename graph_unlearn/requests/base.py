"""Deletion requests: small validated value objects. ``request.apply(data)`` checks the
request against the data (clear ``ValueError``s) and returns what the methods need."""
from __future__ import annotations

from typing import Any

import torch


def as_index_tensor(values: Any, what: str, shape: str) -> torch.Tensor:
    """Turn a tensor / array / list into an int64 tensor, with a clear error on floats,
    booleans, strings or ragged input."""
    if isinstance(values, torch.Tensor):
        t = values
    else:
        try:
            import numpy as np

            arr = np.asarray(values)
        except Exception as err:  # ragged lists and the like
            raise ValueError(f"{what}: cannot read {shape} from {type(values).__name__}: {err}") from None
        if arr.dtype == object or arr.dtype.kind in "USb":
            raise ValueError(f"{what}: expected integer node ids, got values of type {arr.dtype}")
        t = torch.from_numpy(arr)
    if t.numel() == 0:
        return t.long()
    if t.dtype == torch.bool or t.is_floating_point() or t.is_complex():
        if t.is_floating_point() and t.numel() and torch.equal(t, t.round()):
            raise ValueError(f"{what}: node ids must be integers, got dtype {t.dtype} (cast with .long())")
        raise ValueError(f"{what}: node ids must be integers, got dtype {t.dtype}")
    return t.long()


class DeletionRequest:
    """Base class of all deletion requests."""

    kind: str = "request"

    def apply(self, data: Any):  # pragma: no cover - abstract
        raise NotImplementedError

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError
