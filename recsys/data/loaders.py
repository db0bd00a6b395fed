"""Loaders for interaction data, all offline-first.

* :func:`load_mmrec` — MMRec layout (the Amazon Baby/Sports/Clothing files): ``<name>.inter``
  tab-separated ``userID itemID rating timestamp x_label`` (0-based ids, x_label 0/1/2 =
  train/valid/test) and ``<modality>_feat.npy`` files (``image_feat.npy`` [items, 4096],
  ``text_feat.npy`` [items, 384]; every ``*_feat.npy`` becomes a modality of that name).
* :func:`load_recbole` — RecBole atomic files (``<name>.inter`` with typed headers such as
  ``user_id:token``); tokens are mapped to 0-based ids in order of first appearance.
* :func:`load_movielens100k` — the GroupLens files in PyG's raw layout (``raw/u.data``,
  ``raw/u.item``); item features: the 19 genre flags.
Datasets without a split get the per-user 8:1:1 split (:func:`per_user_split`).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from graph_unlearn.data.paths import find_dataset_dir

from .interactions import InteractionData, per_user_split


def load_mmrec(folder: str | os.PathLike, name: str | None = None, modalities: list[str] | None = None) -> InteractionData:
    """Read an MMRec-format dataset folder. ``name`` defaults to the single ``*.inter`` file's
    stem; ``modalities`` (e.g. ``['image', 'text']``) defaults to every ``*_feat.npy``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"MMRec folder {folder} does not exist")
    if name is None:
        inters = sorted(folder.glob("*.inter"))
        if len(inters) != 1:
            raise ValueError(f"{folder}: expected exactly one *.inter file, found {[p.name for p in inters]}; pass name=")
        name = inters[0].stem
    path = folder / f"{name}.inter"
    if not path.exists():
        raise FileNotFoundError(f"MMRec interaction file {path} not found")
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
    need = ["userID", "itemID", "x_label"]
    missing = [c for c in need if c not in header]
    if missing:
        raise ValueError(f"{path}: header {header} lacks columns {missing}")
    cols = np.loadtxt(path, delimiter="\t", skiprows=1, dtype=np.float64, ndmin=2)
    col = {c: cols[:, header.index(c)] for c in header}
    user = torch.from_numpy(col["userID"].astype(np.int64))
    item = torch.from_numpy(col["itemID"].astype(np.int64))
    split = torch.from_numpy(col["x_label"].astype(np.int64))
    if modalities is None:
        files = sorted(folder.glob("*_feat.npy"))
        modalities = [p.name[: -len("_feat.npy")] for p in files]
    feats = {}
    for m in modalities:
        p = folder / f"{m}_feat.npy"
        if not p.exists():
            raise FileNotFoundError(f"modality file {p} not found")
        feats[m] = torch.from_numpy(np.load(p).astype(np.float32))
    num_items = max(int(item.max()) + 1, *(int(f.shape[0]) for f in feats.values())) if feats else int(item.max()) + 1
    for m, f in feats.items():
        if f.shape[0] != num_items:
            raise ValueError(f"{m}_feat.npy has {f.shape[0]} rows but the interactions use {num_items} items")
    return InteractionData(
        num_users=int(user.max()) + 1, num_items=num_items, user=user, item=item, split=split,
        timestamp=torch.from_numpy(col["timestamp"]) if "timestamp" in col else None,
        rating=torch.from_numpy(col["rating"]).float() if "rating" in col else None,
        modalities=feats, name=name)


def _remap(tokens: np.ndarray) -> tuple[np.ndarray, list]:
    uniq, first, inv = np.unique(tokens, return_index=True, return_inverse=True)
    order = np.argsort(first)              # ids in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inv], list(uniq[order])


def load_recbole(name: str = "ml-100k", root: str | os.PathLike | None = None, *, ratios=(0.8, 0.1, 0.1),
                 order: str = "random", seed: int = 0) -> InteractionData:
    """Read RecBole atomic files ``<root>/<name>/<name>.inter`` (found offline under
    ``recbole/<name>`` in the shared datasets); splits per user 8:1:1."""
    folder = find_dataset_dir(f"recbole/{name}", [f"{name}.inter"], root)
    path = folder / f"{name}.inter"
    with open(path) as f:
        header = [h.split(":")[0] for h in f.readline().rstrip("\n").split("\t")]
    for c in ("user_id", "item_id"):
        if c not in header:
            raise ValueError(f"{path}: header {header} lacks {c}")
    raw = np.loadtxt(path, delimiter="\t", skiprows=1, dtype=str, ndmin=2)
    u, _ = _remap(raw[:, header.index("user_id")])
    i, _ = _remap(raw[:, header.index("item_id")])
    ts = torch.from_numpy(raw[:, header.index("timestamp")].astype(np.float64)) if "timestamp" in header else None
    rating = torch.from_numpy(raw[:, header.index("rating")].astype(np.float32)) if "rating" in header else None
    user = torch.from_numpy(u.astype(np.int64))
    nu = int(user.max()) + 1
    split = per_user_split(user, nu, ratios, ts, order, seed)
    return InteractionData(nu, int(i.max()) + 1, user, torch.from_numpy(i.astype(np.int64)), split,
                           timestamp=ts, rating=rating, name=f"recbole-{name}")


def movielens100k_dir(root: str | os.PathLike | None = None) -> Path:
    """The ``raw`` folder of MovieLens-100K (PyG layout) found offline."""
    return find_dataset_dir("MovieLens100K/raw", ["u.data", "u.item"], root)


def read_ml100k_items(raw: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(titles, genre flags [1682, 19], release year [1682] (nan when unknown))`` from u.item."""
    titles, genres, years = [], [], []
    with open(raw / "u.item", encoding="latin-1") as f:
        for line in f:
            parts = line.rstrip("\n").split("|")
            if len(parts) < 24:
                continue
            titles.append(parts[1])
            genres.append([int(x) for x in parts[5:24]])
            date = parts[2]
            years.append(float(date[-4:]) if len(date) >= 4 and date[-4:].isdigit() else np.nan)
    return titles, np.asarray(genres, dtype=np.float32), np.asarray(years, dtype=np.float64)


def load_movielens100k(root: str | os.PathLike | None = None, *, ratios=(0.8, 0.1, 0.1), order: str = "random",
                       seed: int = 0, genre_features: bool = True) -> InteractionData:
    """MovieLens-100K from the GroupLens files (``raw/u.data``: ``user item rating timestamp``,
    1-based ids); every rating is an implicit interaction; per-user 8:1:1 split."""
    raw = movielens100k_dir(root)
    arr = np.loadtxt(raw / "u.data", dtype=np.int64, ndmin=2)
    user = torch.from_numpy(arr[:, 0] - 1)
    item = torch.from_numpy(arr[:, 1] - 1)
    ts = torch.from_numpy(arr[:, 3].astype(np.float64))
    nu = int(user.max()) + 1
    mods = {}
    _, genres, _ = read_ml100k_items(raw)
    ni = max(int(item.max()) + 1, len(genres))
    if genre_features:
        mods["genre"] = torch.from_numpy(genres)
    split = per_user_split(user, nu, ratios, ts, order, seed)
    return InteractionData(nu, ni, user, item, split, timestamp=ts,
                           rating=torch.from_numpy(arr[:, 2].astype(np.float32)), modalities=mods, name="ml100k")
