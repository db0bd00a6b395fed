"""Deletion requests: small validated value objects. ``request.apply(data)`` checks the
request against the data (clear ``ValueError``s) and returns what the methods need.

One strict reader turns what a user passes into ids, for every request type of the library
(graph, recommender and general requests):

* accepted: Python ints, lists / tuples / ranges / sets of ints, integer tensors (any integer
  dtype, any device, torch scalars), integer numpy arrays, pandas ``Series`` / ``Index`` /
  ``DataFrame`` of ints;
* refused with a :class:`TypeError` / :class:`ValueError` naming the problem: ``None``,
  strings, floats (also integral ones such as ``2.0``: cast with ``.long()``), complex
  numbers, booleans mixed into ids (``[5, True]``), object / ragged / nested-ragged input,
  numpy masked arrays, sparse, nested, quantized and ``meta`` tensors, iterators, dicts;
* a 1-d *boolean* tensor / array / Series is a **mask** only where a request documents it
  (node, user, item and training-sample sets, whose length the data fixes): it selects the
  ids where it is ``True`` and its length is checked against the data when the request is
  applied. A Python list of booleans is never a mask.

Edges (:func:`parse_edges`): a Python list / tuple is always a sequence of ``(u, v)`` pairs
(even with exactly two pairs); a tensor / array may be ``[2, k]`` or ``[k, 2]``, and a
``[2, 2]`` one is refused as ambiguous unless the layout is given explicitly.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch

_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1


class RequestTypeError(TypeError, ValueError):
    """A request argument of the wrong kind (float, bool, string, masked array, ...). Both a
    :class:`TypeError` and a :class:`ValueError`, so ``except ValueError`` keeps catching it."""


class _Flat:
    """Marker result of :func:`_convert` for bool input (kept apart from integer ids)."""


def _is_pandas(values: Any) -> bool:
    return type(values).__module__.split(".")[0] == "pandas" and hasattr(values, "to_numpy")


def _describe(values: Any) -> str:
    if isinstance(values, torch.Tensor):
        return f"a {values.dtype} tensor"
    if isinstance(values, np.ndarray):
        return f"a numpy {values.dtype} array"
    return f"{type(values).__name__} {values!r}"[:80]


def _scalar_error(x: Any, who: str, what: str) -> Exception | None:
    """The error for a Python / numpy scalar that is not an integer id (None when it is one)."""
    if isinstance(x, (bool, np.bool_)):
        return RequestTypeError(f"{who}: {what} must be integers, got the boolean {x!r} (a bool is not an id; "
                         f"to select with a mask pass a bool tensor/array where the request documents masks)")
    if isinstance(x, (int, np.integer)):
        if not _INT64_MIN <= int(x) <= _INT64_MAX:
            return ValueError(f"{who}: {what} must fit in int64, got {int(x)}")
        return None
    if x is None:
        return RequestTypeError(f"{who}: {what} must be integers, got None")
    if isinstance(x, (str, bytes)):
        return RequestTypeError(f"{who}: {what} must be integers, got the string {x!r}")
    if isinstance(x, (float, np.floating)):
        if float(x).is_integer():
            return RequestTypeError(f"{who}: {what} must be integers, got the float {x!r} (cast with int() / .long())")
        return RequestTypeError(f"{who}: {what} must be integers, got the non-integral float {x!r}")
    if isinstance(x, (complex, np.complexfloating)):
        return RequestTypeError(f"{who}: {what} must be integers, got the complex number {x!r}")
    if isinstance(x, numbers.Number):
        return RequestTypeError(f"{who}: {what} must be integers, got {type(x).__name__} {x!r}")
    return RequestTypeError(f"{who}: {what} must be integers, got {_describe(x)}")


def _check_tensor(t: torch.Tensor, who: str, what: str) -> torch.Tensor:
    """Refuse tensors whose values cannot (or must not) be read as ids; return a CPU tensor."""
    if t.device.type == "meta":
        raise ValueError(f"{who}: got a 'meta' tensor, which holds no values; pass a tensor with real {what}")
    if getattr(t, "is_nested", False):
        raise ValueError(f"{who}: nested tensors are not accepted; pass a regular tensor of {what}")
    if t.layout != torch.strided:
        raise ValueError(f"{who}: got a sparse tensor (layout {t.layout}); pass a dense tensor of {what} "
                         f"(e.g. t.to_dense(), or the ids it stores)")
    if t.is_quantized:
        raise ValueError(f"{who}: quantized tensors are not accepted; pass an integer tensor of {what}")
    if t.is_complex():
        raise RequestTypeError(f"{who}: {what} must be integers, got a complex tensor ({t.dtype})")
    if t.is_floating_point():
        t = t.detach()
        if t.numel() and bool(torch.isfinite(t).all()) and torch.equal(t, t.round()):
            raise RequestTypeError(f"{who}: {what} must be integers, got a {t.dtype} tensor (cast with .long())")
        raise RequestTypeError(f"{who}: {what} must be integers, got a {t.dtype} tensor with non-integral values")
    t = t.detach().cpu()
    if t.dtype == getattr(torch, "uint64", None):
        arr = t.numpy()
        if arr.size and int(arr.max()) > _INT64_MAX:
            raise ValueError(f"{who}: {what} must fit in int64, got {int(arr.max())}")
        return torch.from_numpy(arr.astype(np.int64))
    return t


def _from_numpy(arr: np.ndarray, who: str, what: str) -> torch.Tensor:
    if isinstance(arr, np.ma.MaskedArray):
        raise RequestTypeError(f"{who}: got a numpy masked array; its mask would be ignored. Pass the ids you mean: "
                        f"arr.compressed() (drop masked entries) or arr.filled(value)")
    kind = arr.dtype.kind
    if kind == "b":
        return torch.from_numpy(np.array(arr, dtype=bool))          # a copy: never shares the caller's memory
    if kind in "iu":
        if kind == "u" and arr.dtype.itemsize == 8 and arr.size and int(arr.max()) > _INT64_MAX:
            raise ValueError(f"{who}: {what} must fit in int64, got {int(arr.max())}")
        return torch.from_numpy(np.array(arr, dtype=np.int64))
    if kind == "f":
        if arr.size and np.isfinite(arr).all() and np.array_equal(arr, np.round(arr)):
            raise RequestTypeError(f"{who}: {what} must be integers, got a numpy {arr.dtype} array (cast with .astype(int))")
        raise RequestTypeError(f"{who}: {what} must be integers, got a numpy {arr.dtype} array with non-integral values")
    if kind == "c":
        raise RequestTypeError(f"{who}: {what} must be integers, got a numpy complex array ({arr.dtype})")
    if kind in "USa":
        raise RequestTypeError(f"{who}: {what} must be integers, got a numpy array of strings ({arr.dtype})")
    if kind == "O":
        raise RequestTypeError(f"{who}: {what} must be integers, got a numpy object array (mixed, missing or ragged "
                        f"values)")
    raise RequestTypeError(f"{who}: {what} must be integers, got a numpy array of dtype {arr.dtype}")


def _from_sequence(seq: list, who: str, what: str, depth: int = 0) -> torch.Tensor:
    """A nested Python list of ints -> tensor; every element inspected (so ``[5, True]`` or
    ``[1.7, 2]`` cannot slip through numpy's silent conversions)."""
    if depth > 8:
        raise ValueError(f"{who}: {what} are nested too deeply")
    if all(type(x) is int for x in seq):
        for x in seq:
            if not _INT64_MIN <= x <= _INT64_MAX:
                raise ValueError(f"{who}: {what} must fit in int64, got {x}")
        return torch.tensor(seq, dtype=torch.long) if seq else torch.zeros(0, dtype=torch.long)
    parts = []
    for i, x in enumerate(seq):
        if isinstance(x, (list, tuple, range)):
            parts.append(_from_sequence(list(x), who, what, depth + 1))
        elif isinstance(x, torch.Tensor):
            t = _check_tensor(x, who, what)
            if t.dtype == torch.bool:
                raise RequestTypeError(f"{who}: element {i} is a boolean tensor; booleans are not {what}")
            parts.append(t.long())
        elif isinstance(x, np.ndarray) or _is_pandas(x):
            t = _from_numpy(np.asarray(x.to_numpy() if _is_pandas(x) else x), who, what) \
                if not isinstance(x, np.ma.MaskedArray) else _from_numpy(x, who, what)
            if t.dtype == torch.bool:
                raise RequestTypeError(f"{who}: element {i} is a boolean array; booleans are not {what}")
            parts.append(t)
        else:
            err = _scalar_error(x, who, what)
            if err is not None:
                err.args = (err.args[0] + f" (element {i})",)
                raise err
            parts.append(torch.tensor(int(x), dtype=torch.long))
    shapes = {tuple(p.shape) for p in parts}
    if len(shapes) > 1:
        raise ValueError(f"{who}: ragged input: the elements have different shapes {sorted(shapes)}; "
                         f"expected a rectangular list of {what}")
    return torch.stack(parts) if parts else torch.zeros(0, dtype=torch.long)


def to_tensor(values: Any, who: str, what: str = "ids") -> torch.Tensor:
    """Strictly read ``values`` into an int64 tensor (any shape) or, for boolean tensors /
    arrays / Series, a bool tensor (callers decide whether a mask is allowed). Every refusal
    is a :class:`TypeError` / :class:`ValueError` raised here, naming ``who`` and the problem."""
    if isinstance(values, torch.Tensor):
        t = _check_tensor(values, who, what)
        return t if t.dtype == torch.bool else t.long()
    if isinstance(values, np.ndarray):
        return _from_numpy(values, who, what)
    if isinstance(values, (np.generic, bool, int, float, complex, str, bytes)) or values is None:
        err = _scalar_error(values, who, what)
        if err is not None:
            raise err
        return torch.tensor(int(values), dtype=torch.long)
    if isinstance(values, range):
        return torch.arange(values.start, values.stop, values.step, dtype=torch.long)
    if isinstance(values, (list, tuple)):
        return _from_sequence(list(values), who, what)
    if isinstance(values, (set, frozenset)):
        items = list(values)
        for x in items:
            if not isinstance(x, (int, np.integer, tuple)) or isinstance(x, (bool, np.bool_)):
                err = _scalar_error(x, who, what) or RequestTypeError(f"{who}: unexpected set element {x!r}")
                raise err
        return _from_sequence(sorted(items), who, what)
    if _is_pandas(values):
        try:
            missing = bool(np.asarray(values.isna()).any()) if hasattr(values, "isna") else False
        except Exception:  # pragma: no cover - exotic pandas objects
            missing = False
        if missing:
            raise RequestTypeError(f"{who}: {what} must be integers, got a pandas {type(values).__name__} with "
                                   f"missing values (NA); drop them first (.dropna())")
        try:
            arr = values.to_numpy()
        except Exception as err:  # pragma: no cover - exotic pandas extension arrays
            raise RequestTypeError(f"{who}: cannot read {what} from {type(values).__name__}: {err}") from None
        if arr.dtype.kind == "O":
            raise RequestTypeError(f"{who}: {what} must be integers, got a pandas {type(values).__name__} of dtype "
                            f"{getattr(values, 'dtype', 'object')} (missing or mixed values)")
        return _from_numpy(np.asarray(arr), who, what)
    if isinstance(values, dict):
        raise RequestTypeError(f"{who}: expected {what}, got a dict; pass a list of {what}")
    if hasattr(values, "__array__") and not hasattr(values, "__next__"):
        try:
            arr = np.asarray(values)
        except Exception as err:
            raise RequestTypeError(f"{who}: cannot read {what} from {type(values).__name__}: {err}") from None
        return _from_numpy(arr, who, what)
    raise RequestTypeError(f"{who}: expected {what} as a list, tuple, tensor or array, got {type(values).__name__}"
                    + (" (materialise iterators with list(...))" if hasattr(values, "__next__") else ""))


def as_index_tensor(values: Any, what: str, shape: str) -> torch.Tensor:
    """Backwards-compatible strict reader (booleans refused): an int64 tensor of any shape."""
    t = to_tensor(values, what, shape)
    if t.dtype == torch.bool:
        raise RequestTypeError(f"{what}: {shape} must be integers, got a boolean tensor/array (not accepted here)")
    return t


def parse_ids(values: Any, who: str, what: str = "node ids", *, allow_mask: bool = False,
              allow_empty: bool = False) -> tuple[torch.Tensor, int | None]:
    """Read a set of ids: ``(sorted 1-d int64 ids, mask_length)``.

    ``mask_length`` is the length of the boolean mask the ids came from (``None`` for ids);
    the caller checks it against the data when the request is applied. Scalars become one id.
    Negative and repeated ids are refused; ranges are checked by the caller (it knows the data).
    """
    t = to_tensor(values, who, what)
    mask_length = None
    if t.dtype == torch.bool:
        if not allow_mask:
            raise RequestTypeError(f"{who}: {what} must be integers, got a boolean tensor/array; this argument takes ids, "
                            f"not a mask (use mask.nonzero().flatten())")
        if t.dim() != 1:
            raise ValueError(f"{who}: a boolean mask of {what} must be 1-d, got shape {tuple(t.shape)}")
        mask_length = t.numel()
        t = t.nonzero().flatten()
    if t.dim() == 0:
        t = t.view(1)
    if t.dim() != 1:
        raise ValueError(f"{who}: {what} must be a 1-d list, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        if allow_empty:
            return t, mask_length
        raise ValueError(f"{who}: the request is empty (no {what} given"
                         + (", the mask selects nothing)" if mask_length is not None else ")"))
    if (t < 0).any():
        raise ValueError(f"{who}: negative {_singular(what)} {int(t.min())}")
    t = t.sort().values
    dup = t[1:] == t[:-1]
    if dup.any():
        raise ValueError(f"{who}: {_singular(what)} {int(t[1:][dup][0])} is listed "
                         f"more than once")
    return t, mask_length


def _singular(what: str) -> str:
    if what.endswith("indices"):
        return what[:-7] + "index"
    return what[:-1] if what.endswith("s") else what


def check_mask_length(mask_length: int | None, size: int, who: str, what: str) -> None:
    """A mask must cover exactly the ``size`` ids of the data it is applied to."""
    if mask_length is not None and mask_length != size:
        raise ValueError(f"{who}: the boolean mask has length {mask_length} but there are {size} {what}; a mask "
                         f"must have exactly one entry per {_singular(what)}")


def check_range(ids: torch.Tensor, size: int, who: str, what: str, of: str) -> None:
    """Ids must lie in ``[0, size)``."""
    if ids.numel() and int(ids.max()) >= size:
        bad = ids[ids >= size]
        raise ValueError(f"{who}: {what} {bad[:5].tolist()} out of range for {of} "
                         f"(valid {what}: 0..{size - 1})")


LAYOUTS = ("edge_index", "pairs")


def parse_edges(values: Any, who: str, layout: str | None = None, what: str = "node ids") -> torch.Tensor:
    """Read edges into a ``[2, k]`` int64 tensor (no other check).

    ``layout``: ``None`` (infer), ``"edge_index"`` (``[2, k]``: a row of sources, a row of
    targets) or ``"pairs"`` (``[k, 2]``: one ``(u, v)`` per row). Without it a Python list /
    tuple is read as pairs, a pandas ``DataFrame`` as one edge per row, and a tensor / array
    as ``[2, k]`` or ``[k, 2]`` by its shape; a ``[2, 2]`` tensor / array is ambiguous and refused.
    """
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"{who}: layout must be 'edge_index' ([2, k]) or 'pairs' ([k, 2]), got {layout!r}")
    is_seq = isinstance(values, (list, tuple, set, frozenset))
    if is_seq and layout is None:
        elems = list(values)
        arrayish = [e for e in elems if isinstance(e, (torch.Tensor, np.ndarray)) or _is_pandas(e)]
        if len(elems) == 2 and len(arrayish) == 2 and all(getattr(e, "ndim", 0) == 1 and len(e) == 2
                                                            for e in arrayish):
            raise ValueError(f"{who}: two length-2 tensors/arrays are ambiguous: two (u, v) pairs, or a row of "
                             f"sources and a row of targets? Use {who.split(' ')[0]}.from_pairs(...) or "
                             f"{who.split(' ')[0]}.from_edge_index(torch.stack([src, dst]))")
        for i, e in enumerate(elems):
            n = len(e) if isinstance(e, (list, tuple)) or getattr(e, "ndim", 0) == 1 else None
            if n is None and not isinstance(e, (list, tuple, torch.Tensor, np.ndarray)):
                err = _scalar_error(e, who, what)
                if err is None:
                    raise ValueError(f"{who}: a list of edges must hold (u, v) pairs, got the single value {e!r} "
                                     f"at position {i}; e.g. [(u, v)] for one edge")
                raise err
            if n is not None and n != 2:
                raise ValueError(f"{who}: a list of edges must hold (u, v) pairs, got an element of length {n} at "
                                 f"position {i}; for a [2, k] edge_index pass a tensor or layout='edge_index'")
    t = to_tensor(values, who, what)
    if t.dtype == torch.bool:
        raise RequestTypeError(f"{who}: node ids must be integers, got a boolean tensor/array (an edge mask is "
                        f"not accepted: select the edges with it first)")
    if t.numel() == 0:
        raise ValueError(f"{who}: the request is empty (no edges to delete)")
    if t.dim() != 2 or 2 not in t.shape:
        raise ValueError(f"{who}: edges must be a [2, k] edge_index or a [k, 2] list of (u, v) pairs, "
                         f"got shape {tuple(t.shape)}")
    if layout is None:
        if is_seq or _is_pandas(values):
            layout = "pairs"
        elif t.size(0) == 2 and t.size(1) == 2:
            name = who.split(" ")[0]
            raise ValueError(f"{who}: a [2, 2] tensor/array is ambiguous (two edges as an edge_index, or two "
                             f"(u, v) rows?); say which: {name}.from_edge_index(t) for [2, k], "
                             f"{name}.from_pairs(t) for [k, 2] (or layout='edge_index' / 'pairs')")
        else:
            layout = "edge_index" if t.size(0) == 2 else "pairs"
    if layout == "pairs":
        if t.size(1) != 2:
            raise ValueError(f"{who}: layout='pairs' needs shape [k, 2], got {tuple(t.shape)}")
        return t.t().contiguous()
    if t.size(0) != 2:
        raise ValueError(f"{who}: layout='edge_index' needs shape [2, k], got {tuple(t.shape)}")
    return t.contiguous()


class DeletionRequest:
    """Base class of all deletion requests."""

    kind: str = "request"

    def apply(self, data: Any):  # pragma: no cover - abstract
        raise NotImplementedError

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError
