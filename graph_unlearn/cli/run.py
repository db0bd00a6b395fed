"""``graph-unlearn run``: the edge-, node- or feature-deletion comparison on real data.

Every flag is checked before any data is loaded or model trained; a wrong one, or one that does
not apply to the chosen ``--task``, exits with code 2 and a message naming it."""
from __future__ import annotations

from ..data.registry import available_datasets, dataset_card
from .common import (FlagError, add_audit_plot_args, device_arg, existing_dir_arg, fraction_arg, json_path_arg,
                     method_list, print_yardstick, refuse, seeds_arg, write_json, write_plot, writable_dir_arg)
from ..methods import ALL_METHODS, METHODS
from ..metrics.report import format_report
from ..models.gnn import CONVS

#: methods that only handle node classification (node / feature deletion)
NODE_ONLY = ("graph_eraser",)


def register(sub) -> None:
    p = sub.add_parser("run", help="compare unlearning methods against retrain on a real graph",
                       description="Train the original model, unlearn a forget set with each method, and report "
                                   "every method next to retrain (absolute gaps). Flags are checked before any "
                                   "work; one that does not apply to --task is refused.")
    p.add_argument("--dataset", default="Cora", help=f"one of {', '.join(available_datasets())} (default Cora)")
    p.add_argument("--root", default=None, type=existing_dir_arg,
                   help="folder holding the raw data; only this folder is searched (default: "
                        "$GRAPH_UNLEARN_DATA, then ../shared/datasets)")
    p.add_argument("--task", default="link", choices=["link", "node"],
                   help="learning task: link prediction (edge deletion) or node classification (default link)")
    p.add_argument("--delete", default=None, choices=["nodes", "features"],
                   help="--task node only: delete training nodes or their feature rows (default nodes)")
    p.add_argument("--split", default=None, choices=["random", "public"],
                   help="--task node only: seeded random 60/20/20 or the Planetoid public split (default random)")
    p.add_argument("--model", default="gcn", choices=CONVS, help="GNN encoder (default gcn)")
    p.add_argument("--fraction", type=fraction_arg, default=0.05,
                   help="fraction in (0, 1) of training edges (or, with --task node, training nodes) to forget "
                        "(default 0.05)")
    p.add_argument("--setting", default=None, choices=["out", "in", "random"],
                   help="--task link only: forget edges outside/inside the 2-hop neighbourhood of test edges, or "
                        "at random (default out)")
    p.add_argument("--methods", default=None,
                   help=f"comma-separated methods (default: {','.join(METHODS)}; --task node also accepts "
                        f"{','.join(sorted(set(ALL_METHODS) - set(METHODS)))})")
    p.add_argument("--seeds", type=seeds_arg, default="0", help="comma-separated distinct seeds (default 0)")
    p.add_argument("--device", type=device_arg, default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes torchrun started (gloo on CPU, NCCL with --device cuda, "
                        "rank r on cuda:LOCAL_RANK); rank 0 prints and writes. Launch: torchrun --standalone "
                        "--nproc_per_node=N -m graph_unlearn run --distributed ...")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: the original (and retrain) train for at most 60 epochs with early stopping "
                        "every 5, GNNDelete 20 epochs, NegGrad+ 20 steps")
    p.add_argument("--checkpoint-dir", default=None, type=writable_dir_arg,
                   help="--task link only: save/reuse the original models here (keyed by dataset, model, seed, "
                        "training recipe and library version)")
    p.add_argument("--json", default=None, type=json_path_arg, help="write the report to this JSON file")
    add_audit_plot_args(p)
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=main)


def validate(args) -> None:
    """Check what argparse cannot (flags that depend on each other) and fill in the defaults of
    task-specific flags; raises :class:`FlagError` naming the flag."""
    try:
        card = dataset_card(args.dataset)
    except ValueError as err:
        raise FlagError(f"--dataset: {err}") from None
    if args.root is not None:   # the only folder searched: the data must be there
        from ..data.paths import find_dataset_dir

        try:
            find_dataset_dir(card.relative, list(card.required), args.root)
        except FileNotFoundError as err:
            raise FlagError(f"--root: {card.name}: {err}") from None
    if args.task == "link":
        refuse(args, "--delete", "applies to --task node only")
        refuse(args, "--split", "applies to --task node only")
        args.setting = args.setting or "out"
        known = [m for m in ALL_METHODS if m not in NODE_ONLY]
    else:
        refuse(args, "--setting", "applies to --task link only")
        refuse(args, "--checkpoint-dir", "applies to --task link only")
        args.delete, args.split = args.delete or "nodes", args.split or "random"
        known = list(ALL_METHODS)
    args.methods = method_list(args.methods, known) if args.methods is not None else list(METHODS)


def main(args) -> int:
    import contextlib
    import io

    validate(args)
    quiet = _distributed(args) if args.distributed else False
    with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
        return _run(args)


def _run(args) -> int:
    from ..experiments import NODE_TABLE_METRICS, TABLE_METRICS, run_edge_experiment, run_node_experiment

    if args.task == "node":
        report = run_node_experiment(args.dataset, args.model, args.delete, args.fraction, args.methods,
                                     args.seeds, split=args.split, quick=args.quick, device=args.device,
                                     root=args.root, progress=not args.no_progress, audit_dir=args.audit,
                                     holdout=args.yardstick)
        print(f"\n{report['dataset']} / {report['model']} / delete {report['fraction']:.1%} {report['delete']} "
              f"({report['num_forget_nodes']} nodes, {report['split']} split), seeds {report['seeds']}, "
              f"device {report['device']}")
        return _finish(args, report, NODE_TABLE_METRICS)
    report = run_edge_experiment(args.dataset, args.model, args.fraction, args.setting, args.methods,
                                 args.seeds, quick=args.quick, device=args.device, root=args.root,
                                 checkpoint_dir=args.checkpoint_dir, progress=not args.no_progress,
                                 audit_dir=args.audit, holdout=args.yardstick)
    print(f"\n{report['dataset']} / {report['model']} / {report['fraction']:.1%} {report['setting']} "
          f"({report['num_forget_edges']} edges), seeds {report['seeds']}, device {report['device']}")
    return _finish(args, report, TABLE_METRICS)


def _distributed(args) -> bool:
    """Join the torchrun job as one rank (:mod:`graph_unlearn.core.distributed`); ranks other
    than 0 run quietly and write nothing. Returns whether this rank is quiet."""
    import os

    from ..core.distributed import init_from_env

    if "WORLD_SIZE" not in os.environ:
        raise FlagError("--distributed: launch with torchrun (torchrun --standalone --nproc_per_node=N -m "
                        "graph_unlearn run --distributed ...); WORLD_SIZE is not set")
    rank, size = init_from_env(str(args.device))
    if str(args.device).startswith("cuda"):
        args.device = f"cuda:{os.environ.get('LOCAL_RANK', 0)}"
    if rank == 0:
        print(f"data-parallel over {size} processes")
        return False
    args.json = args.plot = args.audit = None
    return True


def _finish(args, report, metrics) -> int:
    print(format_report(report["methods"], metrics))
    print_yardstick(report["methods"])
    for note in report["notes"]:
        print(f"note: {note}")
    original = report.get("original", {})
    if "epochs" in original:
        print(f"original: {original['epochs']:.0f} epochs"
              + (f", best validation {k.removeprefix('best_')} {original[k]:.4f}"
                 if (k := next((k for k in original if k.startswith("best_") and not k.endswith("_std")), None))
                 else "")
              + (" (loaded from checkpoint)" if report.get("checkpoints_loaded") else ""))
    print(f"process peak memory {report['process_peak_mem_mb']:.0f} MB, total {report['total_seconds']:.1f} s")
    write_json(report, args.json)
    node = report.get("task") == "node"
    write_plot(report["methods"], args.plot, "forget_acc" if node else "forget_auroc",
               "test_acc" if node else "test_auroc",
               f"{report['dataset']} / {report['model']} / " + (f"delete {report['delete']}" if node
                                                                else f"{report['setting']} edges"))
    if args.audit:
        print(f"wrote the audit records to {args.audit}/<method>-seed<seed>/")
    return 0


__all__ = ["register", "validate", "main", "FlagError"]
