"""The user's own data for the general unlearners: arrays, tensors, datasets and loaders.

Every general unlearner takes, as ``data`` in ``unlearn(model, data, request)``:

* a :class:`~graph_unlearn.general.GeneralData` (the library's loaders, or
  ``GeneralData.from_tensors(...)`` / ``GeneralData.from_dataset(...)``);
* a pair ``(x_train, y_train)`` of tensors or numpy arrays;
* a map-style ``torch.utils.data.Dataset`` whose items are ``(x, y)`` (a ``TensorDataset``
  uses its first two tensors as they are; any other dataset is read item by item once);
* a ``torch.utils.data.DataLoader``: its dataset is read as above and its ``batch_size``
  becomes the training recipe's batch size (what :class:`~graph_unlearn.general.Retrain`
  trains with). Its shuffling and sampler are not reused (each method draws its own seeded
  batches); a custom ``collate_fn`` is not applied (a warning says so).

Only the training set comes through a bare pair / dataset / loader; validation and test sets
come through ``GeneralData.from_tensors`` / ``from_dataset``. The task is inferred from the
labels when not given: integer labels = classification (class ids ``0..C-1``), floating
labels = regression. Conversion happens before any work, with a ``ValueError`` / ``TypeError``
naming the problem (lengths that differ, float labels for classification, ...).
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

SPLITS = ("train", "val", "test")
TASKS = ("classification", "regression")


def as_tensor(values, what: str) -> torch.Tensor:
    """``values`` (tensor, numpy array, nested list) as a tensor; float64 becomes float32 (the
    dtype of torch modules), other dtypes are kept (integer inputs may be token ids)."""
    if isinstance(values, torch.Tensor):
        t = values.detach()
    else:
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{what}: cannot read {type(values).__name__} as an array: {err}") from None
        if arr.dtype == object or arr.dtype.kind in "USO":
            raise TypeError(f"{what} must be numeric, got numpy dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.dim() == 0:
        raise ValueError(f"{what} must have one row per sample, got a scalar")
    if t.dtype == torch.float64:
        t = t.float()
    return t


def features(x, what: str) -> torch.Tensor:
    t = as_tensor(x, what)
    if t.dtype == torch.bool:
        t = t.float()
    if t.is_complex():
        raise TypeError(f"{what} must be real-valued, got {t.dtype}")
    return t


def targets(y, task: str | None, what: str) -> tuple[torch.Tensor, str]:
    """Labels as long class ids (classification) or float targets (regression); ``task=None``:
    inferred from the dtype."""
    given = getattr(y, "dtype", None)  # before float64 -> float32, for the message
    t = as_tensor(y, what)
    integer = not (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)
    if task is None:
        task = "classification" if integer else "regression"
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: use 'classification' or 'regression'")
    if task == "classification":
        if not integer:
            raise ValueError(f"{what}: classification labels must be integer class ids 0..C-1, got dtype "
                             f"{t.dtype if given is None else given}"
                             + (" (convert with .long() / .astype(int), or pass task='regression')"
                                if t.is_floating_point() else ""))
        if t.dim() != 1:
            raise ValueError(f"{what}: classification labels must be 1-d [n] class ids, got shape {tuple(t.shape)} "
                             f"(one-hot labels: take .argmax(1))")
        t = t.long()
        if t.numel() and int(t.min()) < 0:
            raise ValueError(f"{what}: class ids must be >= 0, got {int(t.min())}")
    else:
        if t.is_complex():
            raise TypeError(f"{what}: regression targets must be real, got {t.dtype}")
        t = t.float()
    return t, task


def _collate_note(loader) -> None:
    from torch.utils.data.dataloader import default_collate

    if loader.collate_fn is not default_collate and loader.batch_size is not None:
        warnings.warn(f"the DataLoader's collate_fn {getattr(loader.collate_fn, '__name__', loader.collate_fn)!r} is "
                      f"not applied: the unlearners read the dataset's (x, y) items directly", UserWarning,
                      stacklevel=4)


def dataset_tensors(ds, what: str) -> tuple[torch.Tensor, torch.Tensor, int | None]:
    """``(x, y, batch_size)`` of a DataLoader / map-style dataset of ``(x, y)`` items
    (``batch_size``: the loader's, else None)."""
    from torch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset

    batch_size = None
    if isinstance(ds, DataLoader):
        _collate_note(ds)
        batch_size = ds.batch_size
        ds = ds.dataset
    if isinstance(ds, IterableDataset):
        raise TypeError(f"{what}: an IterableDataset cannot be indexed; give a map-style dataset or tensors")
    if isinstance(ds, TensorDataset):
        if len(ds.tensors) < 2:
            raise ValueError(f"{what}: the TensorDataset holds {len(ds.tensors)} tensor(s); need (inputs, labels)")
        return ds.tensors[0], ds.tensors[1], batch_size
    if not isinstance(ds, Dataset) and not (hasattr(ds, "__getitem__") and hasattr(ds, "__len__")):
        raise TypeError(f"{what}: expected a Dataset / DataLoader of (x, y) items, got {type(ds).__name__}")
    n = len(ds)
    if n == 0:
        raise ValueError(f"{what}: the dataset is empty")
    xs, ys = [], []
    for i in range(n):
        item = ds[i]
        if not isinstance(item, (tuple, list)) or len(item) < 2:
            raise ValueError(f"{what}: item {i} is a {type(item).__name__}, expected an (x, y) pair")
        x, y = item[0], item[1]
        xs.append(x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x)))
        ys.append(y.detach().clone() if isinstance(y, torch.Tensor) else torch.as_tensor(np.asarray(y)))
    shapes = {tuple(x.shape) for x in xs}
    if len(shapes) > 1:
        raise ValueError(f"{what}: the inputs have different shapes {sorted(shapes)[:3]}; pad or resize them")
    return torch.stack(xs), torch.stack(ys), batch_size


def as_general_data(data, who: str = "unlearn"):
    """``data`` as a GeneralData (see the module docstring for the accepted forms)."""
    from torch.utils.data import DataLoader, Dataset

    from .data import GeneralData

    if isinstance(data, GeneralData):
        return data
    if isinstance(data, (DataLoader, Dataset)):
        return GeneralData.from_dataset(data)
    if isinstance(data, (tuple, list)) and len(data) == 2 and not isinstance(data[0], (DataLoader, Dataset)):
        return GeneralData.from_tensors(data[0], data[1])
    raise TypeError(f"{who}: data must be a GeneralData, an (x_train, y_train) pair of tensors / arrays, a "
                    f"map-style Dataset of (x, y) items or a DataLoader; got {type(data).__name__}")
