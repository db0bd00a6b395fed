"""Dataset registry: real benchmark graphs, found offline first.

``load_dataset(name, root=None, download=False)`` returns a PyG ``Data`` with ``x`` (or
``x=None`` and ``num_nodes`` for featureless graphs such as ogbl-ddi, whose models learn node
embeddings) and an undirected ``edge_index``.

| name        | source                                   | offline copy (../shared/datasets)  |
|-------------|------------------------------------------|------------------------------------|
| Cora        | PyG Planetoid                            | Planetoid/Cora/raw                 |
| CiteSeer    | PyG Planetoid                            | Planetoid/CiteSeer/raw             |
| ogbl-ddi    | OGB (no node features)                   | ogb/ogbl_ddi                       |
| DBLP        | PyG CitationFull (downloads)             | CitationFull/DBLP/raw              |
| CoauthorCS  | PyG Coauthor CS (downloads)              | Coauthor/CS/raw                    |
| ogbl-collab | OGB (downloads)                          | ogb/ogbl_collab                    |

Raw folders are copied into the cache (``graph_unlearn.data.paths.cache_root()``) before a
loader writes ``processed/``. With ``download=True`` a dataset absent offline is downloaded
into the cache by PyG/OGB; otherwise a ``FileNotFoundError`` says what is missing and where to
put it. Tests never download.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from torch_geometric.data import Data

from .paths import cache_root, cached_copy, find_dataset_dir

_PLANETOID_FILES = ["x", "tx", "allx", "y", "ty", "ally", "graph", "test.index"]


@dataclass(frozen=True)
class DatasetCard:
    name: str
    relative: str            # folder under a datasets root
    required: tuple          # files that must exist under it
    loader: Callable[[Path, bool], Data]  # (cached folder's parent, download) -> Data
    description: str


@contextlib.contextmanager
def _torch_load_weights_only_off():
    """ogb 1.3.6 stores numpy arrays in its .pt split/processed files: torch >= 2.6 needs
    weights_only=False to read them (these files come from the dataset, not from users)."""
    old = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", None)
        else:
            os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = old


def _planetoid(name: str):
    def load(root: Path, download: bool) -> Data:
        from torch_geometric.datasets import Planetoid

        ds = Planetoid(str(root), name)
        return ds[0]
    return load


def _pyg_download(cls_path: str, **kw):
    def load(root: Path, download: bool) -> Data:
        module, cls = cls_path.rsplit(".", 1)
        import importlib

        ds = getattr(importlib.import_module(module), cls)(str(root), **kw)
        return ds[0]
    return load


def _ogb(name: str):
    def load(root: Path, download: bool) -> Data:
        from ogb.linkproppred import PygLinkPropPredDataset

        with _torch_load_weights_only_off():
            ds = PygLinkPropPredDataset(name=name, root=str(root))
        data = ds[0]
        if getattr(data, "x", None) is None:
            data.x = None
        return Data(x=data.x, edge_index=data.edge_index, num_nodes=data.num_nodes)
    return load


REGISTRY: dict[str, DatasetCard] = {}


def register(card: DatasetCard) -> None:
    REGISTRY[card.name.lower()] = card


for _n in ("Cora", "CiteSeer"):
    register(DatasetCard(_n, f"Planetoid/{_n}", tuple(f"raw/ind.{_n.lower()}.{f}" for f in _PLANETOID_FILES),
                         _planetoid(_n), f"Planetoid {_n} citation graph with bag-of-words features"))
register(DatasetCard("ogbl-ddi", "ogb/ogbl_ddi", ("raw/edge.csv.gz", "raw/num-node-list.csv.gz", "split/target/train.pt"),
                     _ogb("ogbl-ddi"), "OGB drug-drug interactions, 4,267 nodes, no node features"))
register(DatasetCard("ogbl-collab", "ogb/ogbl_collab", ("raw/edge.csv.gz",), _ogb("ogbl-collab"),
                     "OGB author collaborations (downloads where there is internet)"))
register(DatasetCard("DBLP", "CitationFull/DBLP", ("raw/dblp.npz",),
                     _pyg_download("torch_geometric.datasets.CitationFull", name="DBLP"),
                     "PyG CitationFull DBLP (downloads where there is internet)"))
register(DatasetCard("CoauthorCS", "Coauthor/CS", ("raw/ms_academic_cs.npz",),
                     _pyg_download("torch_geometric.datasets.Coauthor", name="CS"),
                     "PyG Coauthor CS (downloads where there is internet)"))

_ALIASES = {"ogbl_ddi": "ogbl-ddi", "ddi": "ogbl-ddi", "ogbl_collab": "ogbl-collab", "collab": "ogbl-collab",
            "citeseer": "citeseer", "coauthor-cs": "coauthorcs", "coauthor_cs": "coauthorcs", "cs": "coauthorcs"}


def dataset_card(name: str) -> DatasetCard:
    key = name.lower()
    key = _ALIASES.get(key, key).lower()
    if key not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(c.name for c in REGISTRY.values())}")
    return REGISTRY[key]


def _cache_parent(card: DatasetCard) -> Path:
    """The folder the PyG/OGB loader is given as root (dataset folder = parent/<last part>)."""
    return cache_root() / "datasets" / Path(card.relative).parent


def load_dataset(name: str, root: str | os.PathLike | None = None, download: bool = False) -> Data:
    """Load a registered dataset as a PyG ``Data`` (offline copy first; see module docs). An
    explicit ``root`` is the only folder searched: it must exist, and nothing else is tried."""
    card = dataset_card(name)
    if root is not None and not Path(root).is_dir():
        raise FileNotFoundError(f"{card.name}: root {str(root)!r} does not exist or is not a folder")
    try:
        source = find_dataset_dir(card.relative, list(card.required), root)
    except FileNotFoundError as err:
        if not download:
            raise FileNotFoundError(f"{card.name}: {err} (or pass download=True where there is internet)") from None
        parent = _cache_parent(card)
        parent.mkdir(parents=True, exist_ok=True)
        return card.loader(parent, True)
    cached = cached_copy(source, str(Path("datasets") / card.relative))
    data = card.loader(cached.parent, False)
    data.name = card.name
    return data


def available_datasets() -> list[str]:
    return [c.name for c in REGISTRY.values()]
