"""Interaction-graph data: the data model, the per-user split, loaders and the ml100k-mm
prepare step.

``load_dataset(name)``: ``'ml100k-mm'`` (MovieLens-100K + MiniLM text + genre/year modality,
MMRec layout, prepared once into the cache), ``'ml100k'`` (GroupLens files, genre flags as the
one modality), ``'ml100k-recbole'`` (RecBole atomic files, no modality) or a path to an MMRec
folder (e.g. Amazon Baby).
"""
from __future__ import annotations

import os
from pathlib import Path

from .interactions import TEST, TRAIN, VALID, InteractionData, per_user_split
from .loaders import load_mmrec, load_movielens100k, load_recbole
from .prepare import prepare_ml100k_mm

DATASETS = ("ml100k-mm", "ml100k", "ml100k-recbole")


def load_dataset(name: str, root: str | os.PathLike | None = None, seed: int = 0) -> InteractionData:
    if name == "ml100k-mm":
        # like the Amazon files, the prepared dataset ships one fixed split (x_label)
        return load_mmrec(prepare_ml100k_mm(root), "ml100k-mm")
    if name == "ml100k":
        return load_movielens100k(root, seed=seed)
    if name == "ml100k-recbole":
        return load_recbole("ml-100k", root, seed=seed)
    if Path(name).is_dir():
        return load_mmrec(name)
    raise ValueError(f"unknown dataset {name!r}: use one of {DATASETS} or a folder in MMRec layout")


__all__ = ["InteractionData", "per_user_split", "TRAIN", "VALID", "TEST", "load_mmrec", "load_recbole",
           "load_movielens100k", "prepare_ml100k_mm", "load_dataset", "DATASETS"]
