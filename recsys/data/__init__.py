"""Interaction-graph data: the data model, the per-user split, loaders and the ml100k-mm
prepare step.

``load_dataset(name)``: ``'ml100k-mm'`` (MovieLens-100K + MiniLM text + genre/year modality,
MMRec layout, prepared once into the cache), ``'ml100k'`` (GroupLens files, genre flags as the
one modality), ``'ml100k-recbole'`` (RecBole atomic files, no modality), a path to an MMRec
folder (e.g. Amazon Baby), a pandas DataFrame or a path to a CSV file (one row per interaction;
columns named by ``user=`` / ``item=`` (defaults ``"user_id"`` / ``"item_id"``), ``rating=``,
``timestamp=``, ``split=``; see :mod:`recsys.data.frames`).
"""
from __future__ import annotations

import os
from pathlib import Path

from .frames import from_pandas, is_dataframe, read_csv
from .interactions import TEST, TRAIN, VALID, InteractionData, per_user_split
from .loaders import load_mmrec, load_movielens100k, load_recbole
from .prepare import prepare_ml100k_mm

DATASETS = ("ml100k-mm", "ml100k", "ml100k-recbole")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


def load_dataset(name, root: str | os.PathLike | None = None, seed: int = 0, **columns) -> InteractionData:
    """A dataset by name, an MMRec folder, a DataFrame or a CSV path. For tables, ``columns``
    names the columns and options of :func:`~recsys.data.frames.from_pandas` (``user``,
    ``item``, ``rating``, ``timestamp``, ``split``, ``duplicates``, ``ratios``, ``order``;
    ``sep`` / ``dtype`` for CSV); ``seed`` seeds the per-user split when there is no split
    column."""
    if is_dataframe(name):
        return from_pandas(name, seed=seed, **columns)
    if isinstance(name, (str, os.PathLike)) and (Path(name).is_file()
                                                 or Path(name).suffix.lower() in TABLE_SUFFIXES):
        return read_csv(name, seed=seed, **columns)
    if columns:
        raise TypeError(f"load_dataset: {sorted(columns)} apply to a DataFrame or a CSV file only, not to {name!r}")
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"load_dataset takes a dataset name, a folder, a CSV path or a pandas DataFrame, "
                        f"got {type(name).__name__}")
    name = str(name)
    if name == "ml100k-mm":
        # like the Amazon files, the prepared dataset ships one fixed split (x_label)
        return load_mmrec(prepare_ml100k_mm(root), "ml100k-mm")
    if name == "ml100k":
        return load_movielens100k(root, seed=seed)
    if name == "ml100k-recbole":
        return load_recbole("ml-100k", root, seed=seed)
    if Path(name).is_dir():
        return load_mmrec(name)
    raise ValueError(f"unknown dataset {name!r}: use one of {DATASETS}, a folder in MMRec layout, a CSV file "
                     f"or a pandas DataFrame")


__all__ = ["InteractionData", "per_user_split", "from_pandas", "read_csv", "TRAIN", "VALID", "TEST", "load_mmrec",
           "load_recbole", "load_movielens100k", "prepare_ml100k_mm", "load_dataset", "DATASETS"]
