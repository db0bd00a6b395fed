"""Interactions from a table: a pandas DataFrame or a CSV file, with the user's own ids.

* Raw ids of any hashable type (``"alice"``, ``196``, ``("shop", 3)``) are mapped to
  contiguous internal ids ``0..U-1`` / ``0..I-1``, in sorted order of the raw ids (so integer
  ids ``1..n`` become ``0..n-1``), or in order of first appearance when the ids cannot be
  sorted (mixed types). The mapping stays on the data (``data.user_ids`` / ``data.item_ids``,
  ``data.user_index(raw)``, ``data.raw_user(ids)``) and deletion requests take raw ids through
  ``UserDeletion(data.user_index(["alice"]))``.
* Duplicated ``(user, item)`` rows: the library counts an interaction once (the graph, the
  negatives and :class:`~recsys.requests.InteractionDeletion` all work on pairs), so
  ``duplicates="first"`` (default) keeps one row per pair, the earliest by ``timestamp`` when
  a timestamp column is given, else the first in row order, and warns with the number dropped;
  ``duplicates="error"`` refuses the table instead.
* Split: a ``split`` column with ``0/1/2`` or ``'train'/'valid'/'test'`` (``'val'``,
  ``'validation'`` accepted) is used as given; without one, the library's per-user 8:1:1
  split (:func:`~recsys.data.interactions.per_user_split`, ``ratios``, ``order``, ``seed``).

pandas is needed only here (imported on use).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch

from .interactions import TEST, TRAIN, VALID, InteractionData, per_user_split

SPLIT_NAMES = {"train": TRAIN, "valid": VALID, "val": VALID, "validation": VALID, "test": TEST}
_LABELS = {TRAIN: "train", VALID: "valid", TEST: "test"}


def _pandas():
    try:
        import pandas as pd
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("reading interactions from a table needs pandas: pip install pandas") from err
    return pd


def is_dataframe(obj) -> bool:
    """True for a pandas DataFrame (without importing pandas when it is not loaded)."""
    import sys

    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _factorize(values, column: str):
    pd = _pandas()
    if values.isna().any():
        rows = np.flatnonzero(values.isna().to_numpy())[:5].tolist()
        raise ValueError(f"column {column!r} has {int(values.isna().sum())} missing ids (row positions {rows})")
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:                      # ids of mixed types: order of first appearance
        codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques)


def _split_labels(values, column: str) -> np.ndarray:
    pd = _pandas()
    if values.isna().any():
        raise ValueError(f"split column {column!r} has {int(values.isna().sum())} missing labels")
    if pd.api.types.is_numeric_dtype(values):
        arr = values.to_numpy()
        ok = np.isin(arr, [TRAIN, VALID, TEST])
        if not ok.all():
            raise ValueError(f"split column {column!r} must hold 0/1/2 or 'train'/'valid'/'test', "
                             f"got {sorted(set(arr[~ok].tolist()))[:5]}")
        return arr.astype(np.int64)
    names = values.astype(str).str.strip().str.lower()
    unknown = sorted(set(names[~names.isin(list(SPLIT_NAMES))].tolist()))
    if unknown:
        raise ValueError(f"split column {column!r} must hold 0/1/2 or 'train'/'valid'/'test', got {unknown[:5]}")
    return names.map(SPLIT_NAMES).to_numpy().astype(np.int64)


def from_pandas(df, user: str = "user_id", item: str = "item_id", rating: str | None = None,
                timestamp: str | None = None, split: str | None = None, *, duplicates: str = "first",
                ratios=(0.8, 0.1, 0.1), order: str = "random", seed: int = 0,
                name: str = "interactions") -> InteractionData:
    """An :class:`InteractionData` from a DataFrame with one row per interaction.

    ``user`` / ``item``: the id columns (any hashable values); ``rating`` / ``timestamp``:
    optional numeric columns kept on the data; ``split``: optional column of split labels
    (else the per-user split with ``ratios``, ``order`` ('random' or 'time') and ``seed``);
    ``duplicates``: ``'first'`` (keep one row per pair, warn) or ``'error'``."""
    pd = _pandas()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"from_pandas needs a pandas DataFrame, got {type(df).__name__}")
    wanted = {"user": user, "item": item, "rating": rating, "timestamp": timestamp, "split": split}
    missing = [f"{k}={v!r}" for k, v in wanted.items() if v is not None and v not in df.columns]
    if missing:
        raise ValueError(f"the table lacks the columns {', '.join(missing)}; its columns are {list(df.columns)} "
                         f"(name them with user=..., item=..., rating=..., timestamp=..., split=...)")
    if user == item:
        raise ValueError(f"user and item must be different columns, both are {user!r}")
    if len(df) == 0:
        raise ValueError("the table has no rows: no interactions")
    if duplicates not in ("first", "error"):
        raise ValueError(f"duplicates must be 'first' or 'error', got {duplicates!r}")
    ts = None
    if timestamp is not None:
        if not pd.api.types.is_numeric_dtype(df[timestamp]) and not pd.api.types.is_datetime64_any_dtype(df[timestamp]):
            raise ValueError(f"timestamp column {timestamp!r} must be numeric or datetime, got {df[timestamp].dtype}")
        col = df[timestamp]
        if pd.api.types.is_datetime64_any_dtype(col):          # seconds since the epoch (UTC)
            if col.dt.tz is not None:
                col = col.dt.tz_convert("UTC").dt.tz_localize(None)
            col = (col - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)
        ts = np.array(col.to_numpy(np.float64))   # a writable copy (pandas may hand out read-only views)
        if np.isnan(ts).any():
            raise ValueError(f"timestamp column {timestamp!r} has missing values")
    if rating is not None and not pd.api.types.is_numeric_dtype(df[rating]):
        raise ValueError(f"rating column {rating!r} must be numeric, got {df[rating].dtype}")
    # one row per (user, item): earliest by timestamp when given, else first in row order
    pos = np.arange(len(df)) if ts is None else np.argsort(ts, kind="stable")
    dup = np.zeros(len(df), dtype=bool)
    dup[pos] = df.iloc[pos].duplicated([user, item], keep="first").to_numpy()
    if dup.any():
        row = df.iloc[int(np.flatnonzero(dup)[0])]
        example = tuple(v.item() if isinstance(v, np.generic) else v for v in (row[user], row[item]))
        if duplicates == "error":
            raise ValueError(f"{int(dup.sum())} rows repeat a (user, item) pair already in the table, e.g. {example}; "
                             f"drop them or pass duplicates='first'")
        warnings.warn(f"{int(dup.sum())} rows repeat a (user, item) pair, e.g. {example}: kept one row per pair "
                      f"({'the earliest' if ts is not None else 'the first'}), dropped the rest", UserWarning,
                      stacklevel=3)
        df = df.iloc[np.flatnonzero(~dup)]
        ts = None if ts is None else ts[~dup]
    u, user_ids = _factorize(df[user], user)
    i, item_ids = _factorize(df[item], item)
    user_t, item_t = torch.from_numpy(u), torch.from_numpy(i)
    ts_t = None if ts is None else torch.from_numpy(np.ascontiguousarray(ts))
    if split is not None:
        split_t = torch.from_numpy(_split_labels(df[split], split))
    else:
        split_t = per_user_split(user_t, len(user_ids), ratios, ts_t, order, seed)
    rating_t = None if rating is None else torch.from_numpy(np.array(df[rating].to_numpy(np.float32)))
    return InteractionData(len(user_ids), len(item_ids), user_t, item_t, split_t, timestamp=ts_t, rating=rating_t,
                           name=name, user_ids=user_ids, item_ids=item_ids)


def to_pandas(data: InteractionData, user: str = "user_id", item: str = "item_id", split: str = "split"):
    """The interactions of ``data`` as a DataFrame with raw ids (see
    :meth:`InteractionData.to_pandas`)."""
    pd = _pandas()
    names = [user, item, split] + ["rating"] * (data.rating is not None) + ["timestamp"] * (data.timestamp is not None)
    if len(set(names)) != len(names):
        raise ValueError(f"column names must differ, got {names}")
    cols = {user: data.raw_user(data.user), item: data.raw_item(data.item),
            split: np.asarray([_LABELS[s] for s in data.split.tolist()], dtype=object)}
    if data.rating is not None:
        cols["rating"] = data.rating.numpy()
    if data.timestamp is not None:
        cols["timestamp"] = data.timestamp.numpy()
    return pd.DataFrame(cols)


def read_csv(path: str | os.PathLike, user: str = "user_id", item: str = "item_id", rating: str | None = None,
             timestamp: str | None = None, split: str | None = None, *, sep: str | None = None, dtype=None,
             **options) -> InteractionData:
    """Interactions from a CSV file with a header row (``.tsv``: tab-separated unless ``sep``
    is given); columns as in :func:`from_pandas`; ``dtype`` goes to ``pandas.read_csv`` (e.g.
    ``{"user_id": str}`` to keep ids such as ``"007"`` as text)."""
    pd = _pandas()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"interaction file {path} does not exist")
    if sep is None:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
    df = pd.read_csv(path, sep=sep, dtype=dtype)
    options.setdefault("name", path.stem)
    try:
        return from_pandas(df, user=user, item=item, rating=rating, timestamp=timestamp, split=split, **options)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
