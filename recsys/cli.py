"""``graph-unlearn rec``: recommender unlearning on real data against Gold.

    graph-unlearn rec --dataset ml100k-mm --model lightgcn --delete items --fraction 0.05 \\
        --methods gold,mmrecun,finetune,gradient_ascent,neggrad_plus --seeds 0,1,2 --json report.json
"""
from __future__ import annotations

import math

TABLE_KEYS = ("test_recall20", "test_ndcg20", "forget_recall20", "mia_auc")
JSON_KEYS = TABLE_KEYS + ("test_recall10", "test_ndcg10", "test_precision20", "forget_ndcg20", "retain_recall20",
                          "seconds", "peak_mem_mb")


def register(sub) -> None:
    from .data import DATASETS
    from .methods import METHODS
    from .models import MODELS

    p = sub.add_parser("rec", help="recommender unlearning (users, items, interactions, a modality) vs Gold",
                       description="Train the recommender, delete a fraction of users/items/interactions (or one "
                                   "modality of some items), unlearn with each method and compare with Gold.")
    p.add_argument("--dataset", default="ml100k-mm",
                   help=f"one of {', '.join(DATASETS)} or a folder in MMRec layout (default ml100k-mm)")
    p.add_argument("--root", default=None, help="folder holding the raw data (default: ../shared/datasets)")
    p.add_argument("--model", default="lightgcn", choices=sorted(MODELS), help="recommender (default lightgcn)")
    p.add_argument("--delete", default="interactions", choices=["users", "items", "interactions", "modality"],
                   help="what to delete (default interactions)")
    p.add_argument("--fraction", type=float, default=0.05, help="fraction of users/items/interactions (0.05)")
    p.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods (default: all)")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    p.add_argument("--epochs", type=int, default=None, help="upper bound on training epochs (default 200)")
    p.add_argument("--max-users", type=int, default=None, help="keep only users 0..N-1 (quick smoke runs)")
    p.add_argument("--json", default=None, help="write the report to this JSON file")
    p.set_defaults(func=main)


def _clean(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def main(args) -> int:
    import torch

    from graph_unlearn.core.profiling import resolve_device
    from graph_unlearn.cli.common import parse_seeds, write_json
    from graph_unlearn.metrics import format_report

    from .data import load_dataset
    from .experiment import TRAIN, run_experiment

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    seeds = parse_seeds(args.seeds)
    if not methods or not seeds:
        raise ValueError("--methods and --seeds must not be empty")
    device = resolve_device(args.device)
    train = dict(TRAIN, **({"epochs": args.epochs} if args.epochs else {}))
    data = load_dataset(args.dataset, args.root)
    if args.max_users:
        data = data.first_users(args.max_users)
    rep = run_experiment(data, args.model, args.delete, args.fraction, methods, seeds, device, train)
    mean = rep["mean"]
    print(f"\n{data.name} / {args.model} / delete {args.fraction:.1%} {args.delete}, seeds {seeds}, device {device}")
    print(format_report(mean, TABLE_KEYS, reference="gold" if "gold" in mean else "original"))
    if args.json:
        out = {"dataset": data.name, "model": args.model, "delete": args.delete, "fraction": args.fraction,
               "seeds": seeds, "device": str(device), "torch": torch.__version__,
               "methods": {n: {k: _clean(v.get(k)) for k in JSON_KEYS} | {f"{k}_std": _clean(v.get(f"{k}_std"))
                                                                          for k in JSON_KEYS}
                           for n, v in mean.items()}}
        write_json(out, args.json)
    return 0
