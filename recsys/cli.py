"""``graph-unlearn rec``: recommender unlearning on real data against Gold.

    graph-unlearn rec --dataset ml100k-mm --model lightgcn --delete items --fraction 0.05 \\
        --methods gold,mmrecun,finetune,gradient_ascent,neggrad_plus --seeds 0,1,2 --json report.json

Every flag is checked before any training; a wrong one exits with code 2 and names the flag.
"""
from __future__ import annotations

import math
from pathlib import Path

TABLE_KEYS = ("test_recall20", "test_ndcg20", "forget_recall20", "mia_auc")
JSON_KEYS = TABLE_KEYS + ("test_recall10", "test_ndcg10", "test_precision20", "forget_ndcg20", "retain_recall20",
                          "seconds", "peak_mem_mb")


def register(sub) -> None:
    from graph_unlearn.cli.common import (add_audit_plot_args, device_arg, existing_dir_arg, fraction_arg,
                                          json_path_arg, positive_int_arg, seeds_arg)

    from .data import DATASETS
    from .methods import METHODS
    from .models import MODELS

    p = sub.add_parser("rec", help="recommender unlearning (users, items, interactions, a modality) vs Gold",
                       description="Train the recommender, delete a fraction of users/items/interactions (or one "
                                   "modality of some items), unlearn with each method and compare with Gold. "
                                   "Flags are checked before any training.")
    p.add_argument("--dataset", default="ml100k-mm",
                   help=f"one of {', '.join(DATASETS)} or a folder in MMRec layout (default ml100k-mm)")
    p.add_argument("--root", default=None, type=existing_dir_arg,
                   help="folder holding the raw data; only this folder is searched (default: "
                        "$GRAPH_UNLEARN_DATA, then ../shared/datasets)")
    p.add_argument("--model", default="lightgcn", choices=sorted(MODELS), help="recommender (default lightgcn)")
    p.add_argument("--delete", default="interactions", choices=["users", "items", "interactions", "modality"],
                   help="what to delete (default interactions; modality needs a model that uses one: vbpr, freedom)")
    p.add_argument("--fraction", type=fraction_arg, default=0.05,
                   help="fraction in (0, 1) of users/items/interactions (default 0.05)")
    p.add_argument("--methods", default=None, help=f"comma-separated, from {','.join(METHODS)} (default: all)")
    p.add_argument("--seeds", type=seeds_arg, default="0", help="comma-separated distinct seeds (default 0)")
    p.add_argument("--device", type=device_arg, default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--epochs", type=positive_int_arg, default=None,
                   help="upper bound on the training epochs of the original and Gold (default 120; 6 with --quick)")
    p.add_argument("--max-users", type=positive_int_arg, default=None,
                   help="keep only users 0..N-1 (quick smoke runs)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run, not a measurement: the original and Gold train for at most 6 epochs "
                        "(validation every 2, patience 1); MMRecUn, finetune and NegGrad+ take 5 steps, "
                        "gradient ascent 3")
    p.add_argument("--json", default=None, type=json_path_arg, help="write the report to this JSON file")
    add_audit_plot_args(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress lines (printed on stderr)")
    p.set_defaults(func=main)


def _clean(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def validate(args):
    """Checks argparse cannot make alone; returns the method names. Raises ``FlagError``."""
    from graph_unlearn.cli.common import FlagError, method_list

    from .data import DATASETS
    from .methods import METHODS

    if args.dataset not in DATASETS and not Path(args.dataset).is_dir():
        raise FlagError(f"--dataset: unknown dataset {args.dataset!r}: use one of {', '.join(DATASETS)} or a folder "
                        f"in MMRec layout")
    if args.delete == "modality" and args.model == "lightgcn":
        raise FlagError("--delete modality does not apply to --model lightgcn (it uses no item modality): "
                        "use vbpr or freedom")
    methods = method_list(args.methods, list(METHODS)) if args.methods is not None else list(METHODS)
    if getattr(args, "plot", None) and "gold" not in methods:
        raise FlagError("--plot needs gold (the retrain reference) among --methods")
    return methods


def main(args) -> int:
    import torch

    from graph_unlearn.cli.common import FlagError, print_yardstick, progress_log, write_json, write_plot
    from graph_unlearn.core.profiling import resolve_device
    from graph_unlearn.metrics import format_report

    from .data import load_dataset
    from .experiment import QUICK_TRAIN, TRAIN, check_experiment, run_experiment

    methods = validate(args)
    seeds = args.seeds
    device = resolve_device(args.device)
    train = dict(QUICK_TRAIN if args.quick else TRAIN, **({"epochs": args.epochs} if args.epochs else {}))
    log = progress_log(not args.no_progress)
    if args.root is not None and args.dataset == "ml100k-mm":
        # the prepared copy is cached by name: make sure the raw files really are under --root
        from .data.loaders import movielens100k_dir

        try:
            movielens100k_dir(args.root)
        except FileNotFoundError as err:
            raise FlagError(f"--root: {err}") from None
    log(f"loading {args.dataset} ...")
    try:
        data = load_dataset(args.dataset, args.root)
    except FileNotFoundError as err:
        if args.root is None:
            raise
        raise FlagError(f"--root: {err}") from None
    if args.max_users:
        if args.max_users > data.num_users:
            raise FlagError(f"--max-users must be at most the {data.num_users} users of {data.name}, "
                            f"got {args.max_users}")
        data = data.first_users(args.max_users)
    try:
        check_experiment(data, args.model, args.delete, args.fraction, methods, seeds)
    except ValueError as err:
        raise FlagError(f"--delete {args.delete} / --fraction {args.fraction}: {err}") from None
    rep = run_experiment(data, args.model, args.delete, args.fraction, methods, seeds, device, train, log=log,
                         quick=args.quick, audit_dir=args.audit, holdout=args.yardstick)
    mean = rep["mean"]
    print(f"\n{data.name} / {args.model} / delete {args.fraction:.1%} {args.delete}, seeds {seeds}, device {device}"
          + (" (quick smoke run)" if args.quick else ""))
    print(format_report(mean, TABLE_KEYS, reference="gold" if "gold" in mean else "original"))
    print_yardstick(mean)
    if args.json:
        out = {"dataset": data.name, "model": args.model, "delete": args.delete, "fraction": args.fraction,
               "seeds": seeds, "device": str(device), "torch": torch.__version__, "quick": args.quick,
               "train": train,
               "methods": {n: {k: _clean(v.get(k)) for k in JSON_KEYS} | {f"{k}_std": _clean(v.get(f"{k}_std"))
                                                                          for k in JSON_KEYS}
                           for n, v in mean.items()}}
        write_json(out, args.json)
    write_plot(mean, args.plot, "forget_recall20", "test_recall20",
               f"{data.name} / {args.model} / delete {args.delete}", reference="gold")
    if args.audit:
        print(f"wrote the audit records to {args.audit}/<method>-seed<seed>/")
    return 0
