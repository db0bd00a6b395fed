"""End-to-end edge-unlearning comparison: train the original, unlearn with every method,
evaluate each against the retrain reference. Shared by the CLI and the benchmarks."""
from __future__ import annotations

import hashlib
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Iterable

import torch
from tqdm.auto import tqdm

from .core.profiling import RunMonitor, resolve_device
from .core.rng import seeded_rng
from .core.runner import run_methods as core_run_methods
from .data.registry import load_dataset
from .methods import get_method
from .metrics.report import aggregate_seeds
from .models.gnn import GNN
from .models.training import TrainConfig, load_checkpoint, save_checkpoint, train_link_predictor
from .requests.edge import EdgeDeletion
from .tasks.link_prediction import evaluate_link_unlearning, sample_forget_edges, split_edges, withhold_holdout_edges

#: the columns of the printed table
TABLE_METRICS = ("test_auroc", "forget_auroc", "mia_auc")
REFERENCE = "retrain"
QUICK_TRAIN = TrainConfig(epochs=60, eval_every=5, patience=4)
QUICK_OPTIONS = {"gnndelete": {"steps": 20}, "neggrad_plus": {"steps": 20}}


#: extra retrain seeds of the yardstick (``holdout=True``): retrain seed ``s + 1000 k``
YARDSTICK_RETRAINS = 3


def training_recipe(dataset: str, conv: str, config: TrainConfig, quick: bool, holdout: str | None = None,
                    model_options: dict | None = None) -> dict:
    """What determines the original model besides the seed: dataset, encoder (and its
    ``model_options``, when any), the training recipe (``TrainConfig`` less its seed, which the
    seed replaces), ``quick``, the library version and, when a matched holdout was withheld from
    training, which one (``holdout``)."""
    from . import __version__

    out = {"dataset": dataset, "conv": conv, "quick": bool(quick), "version": __version__,
           "train_config": {k: v for k, v in sorted(config.__dict__.items()) if k != "seed"}}
    if holdout:
        out["holdout"] = holdout
    if model_options:
        out["model_options"] = dict(sorted(model_options.items()))
    return out


def yardstick_rows(results, original, data, request, config, device, seed: int, retrains: int = YARDSTICK_RETRAINS,
                   options: dict | None = None):
    """:func:`graph_unlearn.core.runner.yardstick` with graph retrains of seeds ``seed + 1000 k``
    (``k = 1 .. retrains - 1``; the comparison's own retrain is the first of the band)."""
    from .core.runner import yardstick

    opts = {"config": config, **(options or {}).get(REFERENCE, {})}
    return yardstick(results, original, data, request, extra_seeds=[seed + 1000 * k for k in range(1, retrains)],
                     retrain=lambda s: get_method(REFERENCE, device=device, seed=s, **opts), seed=seed, device=device)


def merge_yardstick(per_method: dict, rows: dict, extra_row: dict) -> None:
    """Add the yardstick's keys to this seed's rows (the ``retrain_extra`` row included)."""
    per_method.setdefault("retrain_extra", []).append(extra_row)
    for name, row in rows.items():
        per_method[name][-1].update({k: v for k, v in row.items() if not k.endswith("_note")})


def checkpoint_path(checkpoint_dir: str | Path, dataset: str, conv: str, seed: int, config: TrainConfig,
                    quick: bool, holdout: str | None = None, model_options: dict | None = None) -> Path:
    """``<dir>/<dataset>-<conv>-seed<seed>-v<version>-<recipe hash>.pt``: a checkpoint is reused
    only by a run with the same recipe and library version (a ``--quick`` original never serves
    a full run)."""
    recipe = training_recipe(dataset, conv, config, quick, holdout, model_options)
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return Path(checkpoint_dir) / f"{dataset}-{conv}-seed{seed}-v{recipe['version']}-{digest}.pt"


def _plain_numbers(info: dict) -> dict:
    return {k: v for k, v in info.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def train_original(split, conv: str, seed: int, config: TrainConfig, device, checkpoint: Path | None = None,
                   progress: bool = False, recipe: dict | None = None,
                   model_options: dict | None = None) -> tuple[GNN, dict]:
    """Train (or load from ``checkpoint``) the original link predictor for one seed. The
    training info (epochs, best validation AUROC, seconds) is stored with the checkpoint and
    returned on reuse, with ``loaded`` = the checkpoint's path. The weights are initialised from
    ``seed`` on a forked RNG (the caller's global random state is left alone)."""
    if checkpoint is not None and checkpoint.exists():
        model = load_checkpoint(checkpoint, map_location=device)
        meta = torch.load(checkpoint, map_location="cpu", weights_only=True).get("meta", {})
        info = dict(meta.get("info") or {"epochs": math.nan})
        info["loaded"] = str(checkpoint)
        return model, info
    with seeded_rng(seed, device):
        model = GNN(conv, split.num_features, num_nodes=split.num_nodes, **(model_options or {})).to(device)
        with RunMonitor(device) as mon:
            info = train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg,
                                        TrainConfig(**{**config.__dict__, "seed": seed}), progress=progress,
                                        desc=f"original seed {seed}")
    info["seconds"] = mon.seconds
    if checkpoint is not None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(model, checkpoint, seed=seed, info=_plain_numbers(info), recipe=recipe or {})
    return model, info


def check_run_options(fraction: float, seeds, checkpoint_dir=None) -> list[int]:
    """The checks every runner makes before any work: ``fraction`` in (0, 1), ``seeds`` distinct
    non-negative integers, ``checkpoint_dir`` not an existing file; returns the seeds as a list."""
    from .core.options import is_int, is_real

    if not is_real(fraction) or not 0 < fraction < 1:
        raise ValueError(f"fraction must be a number in (0, 1), got {fraction!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("no seeds given")
    if not all(is_int(s) and s >= 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct non-negative integers, got {seeds}")
    if checkpoint_dir is not None and Path(checkpoint_dir).exists() and not Path(checkpoint_dir).is_dir():
        raise ValueError(f"checkpoint_dir {str(checkpoint_dir)!r} exists and is not a folder")
    return [int(s) for s in seeds]


def check_model_options(conv: str, model_options: dict | None) -> dict:
    """``model_options`` as a dict, refused before any work when :class:`GNN` would not take
    them (an unknown keyword, a keyword the runner sets itself, a bad value)."""
    import inspect

    if model_options is None:
        return {}
    if not isinstance(model_options, dict):
        raise ValueError(f"model_options must be a dict of GNN keywords, got {type(model_options).__name__}")
    allowed = set(inspect.signature(GNN).parameters) - {"conv", "in_channels", "num_nodes"}
    unknown = sorted(set(model_options) - allowed)
    if unknown:
        raise ValueError(f"model_options {unknown} are not GNN keywords the runner leaves open; "
                         f"choose from {sorted(allowed)}")
    GNN(conv, 1, **model_options)   # a bad conv or value fails here, on a tiny model
    return dict(model_options)


def run_methods(methods, original, data, request, options: dict, config: TrainConfig, device, seed: int, bar,
                method_params: dict | None = None, audit_dir: str | Path | None = None):
    """Unlearn ``request`` with every method (retrain gets the training recipe); returns
    ``({name: UnlearnResult}, retrain model)``. Records each method's repr in ``method_params``;
    with ``audit_dir``, saves each result to ``audit_dir/<method>-seed<seed>/`` (``result.save``)."""
    built = []
    for name in methods:
        opts = {"device": device, "seed": seed, **options.get(name, {})}
        if name == REFERENCE:
            opts.setdefault("config", config)
        built.append((name, get_method(name, **opts)))
        if method_params is not None:
            method_params.setdefault(name, repr(built[-1][1]))
    bar.set_postfix_str(f"seed {seed}: {methods[0] if methods else ''}")
    results = core_run_methods(built, original, data, request, seed=seed, audit_dir=audit_dir,
                               on_done=lambda name, res: (bar.set_postfix_str(f"seed {seed}: {name} done"), bar.update(1)))
    return results, results[REFERENCE].model if REFERENCE in results else None


def run_edge_experiment(dataset: str, conv: str = "gcn", fraction: float = 0.05, setting: str = "out",
                        methods: Iterable[str] = ("retrain", "utu", "d2dgn"), seeds: Iterable[int] = (0,),
                        quick: bool = False, device: str | None = "cpu", root: str | None = None,
                        method_options: dict | None = None, train_config: TrainConfig | None = None,
                        checkpoint_dir: str | None = None, progress: bool = True,
                        audit_dir: str | None = None, holdout: bool = False,
                        retrains: int = YARDSTICK_RETRAINS, model_options: dict | None = None) -> dict:
    """Run the comparison and return the report dictionary (means over seeds, ``*_std``).

    ``retrain`` is always run (it is the reference of every gap) even when not listed. The
    ``original`` row is the untouched original model evaluated on the retained graph (seconds 0:
    it does nothing), the do-nothing end of forgetting completeness. ``audit_dir``: save every
    result to ``audit_dir/<method>-seed<seed>/`` (model.pt + audit.json). ``holdout``: the
    forgetting yardstick (:func:`graph_unlearn.metrics.yardstick.forgetting_table`): a matched
    holdout drawn with the forget set is withheld from every training, ``retrains - 1`` more
    retrain seeds are run, and every row gets ``holdout_auc``, ``dist_mean_abs_z`` and their
    ``completeness_*`` (its ``original`` row then scores the original on its training graph),
    with a ``retrain_extra`` row (the noise floor). ``model_options``: keywords of
    :class:`~graph_unlearn.models.GNN` besides ``conv`` (e.g. ``{"mlp_norm": "batch"}``).
    """
    device = resolve_device(device)
    if setting not in ("out", "in", "random"):
        raise ValueError(f"setting must be 'out', 'in' or 'random', got {setting!r}")
    seeds = check_run_options(fraction, seeds, checkpoint_dir)
    methods = [m.strip().lower() for m in methods if m.strip()]
    if not methods:
        raise ValueError("no methods given")
    for m in methods:
        get_method(m)  # fail early on an unknown name
    if REFERENCE not in methods:
        methods = [REFERENCE] + methods
    config = train_config or (QUICK_TRAIN if quick else TrainConfig())
    options = {k: dict(v) for k, v in (QUICK_OPTIONS if quick else {}).items()}
    for k, v in (method_options or {}).items():
        options.setdefault(k, {}).update(v)
    model_options = check_model_options(conv, model_options)
    data = load_dataset(dataset, root=root)
    per_method: dict[str, list[dict]] = {m: [] for m in ["original", *methods]}
    method_params: dict[str, str] = {}
    originals, notes = [], []
    bar = tqdm(total=len(seeds) * (len(methods) + 1), desc=f"{dataset}/{conv}", disable=not progress,
               file=sys.stderr)
    variant = f"{setting}-{fraction}" if holdout else None
    with RunMonitor(device) as whole:
        for seed in seeds:
            split = split_edges(data, seed=seed).to(device)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                forget = sample_forget_edges(split, fraction, setting, seed=seed, holdout=holdout)
            notes += [str(w.message) for w in caught]
            if holdout:   # D_h withheld from every training, the original's included
                split = withhold_holdout_edges(split, forget.holdout)
                forget = forget.forget
            ckpt = (checkpoint_path(checkpoint_dir, dataset, conv, seed, config, quick, variant, model_options)
                    if checkpoint_dir else None)
            bar.set_postfix_str(f"seed {seed}: original")
            original, info = train_original(split, conv, seed, config, device, ckpt, progress=False,
                                            recipe=training_recipe(dataset, conv, config, quick, variant,
                                                                   model_options),
                                            model_options=model_options)
            originals.append(info)
            bar.update(1)
            request = EdgeDeletion.from_edge_index(forget)
            problem = request.apply(split)
            results, reference = run_methods(methods, original, split, request, options, config, device, seed,
                                             bar, method_params, audit_dir)
            row = evaluate_link_unlearning(original, problem, reference, seed=seed)
            per_method["original"].append({**row, "seconds": 0.0, "peak_mem_mb": 0.0, "epochs": 0})
            for name, result in results.items():
                row = evaluate_link_unlearning(result.model, problem, reference, seed=seed)
                row.update(seconds=result.seconds, peak_mem_mb=result.peak_mem_mb, epochs=result.epochs)
                per_method[name].append(row)
            if holdout:
                rows, extra = yardstick_rows(results, original, split, request, config, device, seed, retrains, options)
                extra_row = evaluate_link_unlearning(extra.model, problem, reference, seed=seed)
                extra_row.update(seconds=extra.seconds, peak_mem_mb=extra.peak_mem_mb, epochs=extra.epochs)
                merge_yardstick(per_method, rows, extra_row)
    bar.close()
    report = {
        "dataset": dataset, "model": conv, "fraction": fraction, "setting": setting, "seeds": seeds,
        "device": str(device), "quick": quick, "num_forget_edges": int(forget.size(1)), "holdout": holdout,
        "model_options": dict(model_options or {}),
        "retrains": retrains if holdout else 1,
        "setting_fraction": float(getattr(forget, "setting_fraction", 1.0)),
        "train_config": config.__dict__, "method_options": options, "method_params": method_params,
        "original": aggregate_seeds([_plain_numbers(o) for o in originals]),
        "checkpoints_loaded": [o["loaded"] for o in originals if "loaded" in o],
        "methods": {name: aggregate_seeds(rows) for name, rows in per_method.items()},
        "process_peak_mem_mb": whole.process_peak_mb, "total_seconds": whole.seconds,
        "notes": sorted(set(notes)),
    }
    ref_seconds = report["methods"][REFERENCE]["seconds"]
    for row in report["methods"].values():
        row["speedup_vs_retrain"] = ref_seconds / row["seconds"] if row["seconds"] > 0 else float("inf")
    return report


# ---------------------------------------------------------------------------------------------
# node classification: node and feature deletion

#: the columns of the printed node table
NODE_TABLE_METRICS = ("test_acc", "forget_acc", "mia_auc")
QUICK_NODE_OPTIONS = {"gnndelete": {"steps": 20}, "neggrad_plus": {"steps": 20}}
QUICK_NODE_TRAIN = TrainConfig(epochs=60, lr=0.01, weight_decay=5e-4, patience=4, eval_every=5)


def train_node_original(split, conv: str, seed: int, config: TrainConfig | None, device,
                        hidden_channels: int = 64, dropout: float = 0.5) -> tuple[GNN, dict]:
    """Train the original node classifier (a GNN with ``out_channels = num_classes``)."""
    from .tasks.node_classification import train_node_classifier

    with seeded_rng(seed, device):   # reproducible for the seed; the caller's global RNG is left alone
        model = GNN(conv, split.num_features, hidden_channels=hidden_channels, out_channels=split.num_classes,
                    dropout=dropout).to(device)
        with RunMonitor(device) as mon:
            info = train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx,
                                         config)
    info["seconds"] = mon.seconds
    info.pop("history", None)
    return model, info


def run_node_experiment(dataset: str, conv: str = "gcn", delete: str = "nodes", fraction: float = 0.05,
                        methods: Iterable[str] = ("retrain", "utu", "d2dgn"), seeds: Iterable[int] = (0,),
                        split: str = "random", quick: bool = False, device: str | None = "cpu",
                        root: str | None = None, method_options: dict | None = None,
                        train_config: TrainConfig | None = None, progress: bool = True,
                        audit_dir: str | None = None, holdout: bool = False,
                        retrains: int = YARDSTICK_RETRAINS) -> dict:
    """Node- or feature-deletion comparison on a node-classification split; same report shape
    as :func:`run_edge_experiment` (means over seeds, ``*_std``, ``speedup_vs_retrain``, the
    ``original`` row, ``audit_dir``, ``holdout`` / ``retrains``: the forgetting yardstick, with
    the holdout withheld the way the request deletes: :func:`withhold_holdout_nodes`).

    ``delete``: ``"nodes"`` (:class:`~graph_unlearn.NodeDeletion`) or ``"features"``
    (:class:`~graph_unlearn.FeatureDeletion`, whole rows); ``fraction`` of the training nodes;
    ``split``: ``"random"`` (seeded 60/20/20) or ``"public"`` (Planetoid).
    """
    from .requests.node import FeatureDeletion, NodeDeletion
    from .tasks.node_classification import (NODE_TRAIN, evaluate_node_unlearning, planetoid_split,
                                            random_node_split, sample_forget_nodes, withhold_holdout_nodes)

    if delete not in ("nodes", "features"):
        raise ValueError(f"delete must be 'nodes' or 'features', got {delete!r}")
    if split not in ("random", "public"):
        raise ValueError(f"split must be 'random' or 'public', got {split!r}")
    device = resolve_device(device)
    seeds = check_run_options(fraction, seeds)
    methods = [m.strip().lower() for m in methods if m.strip()]
    if not methods:
        raise ValueError("no methods given")
    for m in methods:
        get_method(m)
    if REFERENCE not in methods:
        methods = [REFERENCE] + methods
    config = train_config or (QUICK_NODE_TRAIN if quick else NODE_TRAIN)
    options = {k: dict(v) for k, v in (QUICK_NODE_OPTIONS if quick else {}).items()}
    for k, v in (method_options or {}).items():
        options.setdefault(k, {}).update(v)
    data = load_dataset(dataset, root=root)
    Request = NodeDeletion if delete == "nodes" else FeatureDeletion
    per_method: dict[str, list[dict]] = {m: [] for m in ["original", *methods]}
    originals = []
    bar = tqdm(total=len(seeds) * (len(methods) + 1), desc=f"{dataset}/{conv}/{delete}", disable=not progress,
               file=sys.stderr)
    with RunMonitor(device) as whole:
        for seed in seeds:
            sp = (random_node_split(data, seed=seed) if split == "random" else planetoid_split(data)).to(device)
            forget = sample_forget_nodes(sp, fraction, seed=seed, holdout=holdout)
            if holdout:   # D_h withheld from every training the way the request deletes D_f
                sp = withhold_holdout_nodes(sp, forget.holdout, how=delete).to(device)
                forget = forget.forget
            original, info = train_node_original(sp, conv, seed, config, device)
            originals.append(info)
            bar.update(1)
            request = Request(forget)
            problem = request.apply(sp)
            results, reference = run_methods(methods, original, sp, request, options, config, device, seed, bar,
                                             audit_dir=audit_dir)
            row = evaluate_node_unlearning(original, problem, reference, seed=seed)
            per_method["original"].append({**row, "seconds": 0.0, "peak_mem_mb": 0.0, "epochs": 0})
            for name, result in results.items():
                row = evaluate_node_unlearning(result.model, problem, reference, seed=seed)
                row.update(seconds=result.seconds, peak_mem_mb=result.peak_mem_mb, epochs=result.epochs)
                if "shard_seconds" in result.extra:  # GraphEraser: the unlearning proper, not the sharded fit
                    row.update(seconds=result.extra["shard_seconds"], fit_seconds=result.extra.get("fit_seconds", 0.0))
                per_method[name].append(row)
            if holdout:
                rows, extra = yardstick_rows(results, original, sp, request, config, device, seed, retrains, options)
                extra_row = evaluate_node_unlearning(extra.model, problem, reference, seed=seed)
                extra_row.update(seconds=extra.seconds, peak_mem_mb=extra.peak_mem_mb, epochs=extra.epochs)
                merge_yardstick(per_method, rows, extra_row)
    bar.close()
    report = {
        "dataset": dataset, "model": conv, "task": "node", "delete": delete, "fraction": fraction, "split": split,
        "seeds": seeds, "device": str(device), "quick": quick, "num_forget_nodes": len(request),
        "holdout": holdout, "retrains": retrains if holdout else 1,
        "train_config": config.__dict__, "method_options": options,
        "original": aggregate_seeds([{k: v for k, v in o.items() if isinstance(v, (int, float))} for o in originals]),
        "methods": {name: aggregate_seeds(rows) for name, rows in per_method.items()},
        "process_peak_mem_mb": whole.process_peak_mb, "total_seconds": whole.seconds, "notes": [],
    }
    ref_seconds = report["methods"][REFERENCE]["seconds"]
    for row in report["methods"].values():
        row["speedup_vs_retrain"] = ref_seconds / row["seconds"] if row["seconds"] > 0 else float("inf")
    return report
