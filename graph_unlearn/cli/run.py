"""``graph-unlearn run``: the edge-, node- or feature-deletion comparison on real data."""
from __future__ import annotations

from ..data.registry import available_datasets
from .common import parse_seeds, write_json
from ..methods import METHODS
from ..metrics.report import format_report
from ..models.gnn import CONVS


def register(sub) -> None:
    p = sub.add_parser("run", help="compare unlearning methods against retrain on a real graph",
                       description="Train the original model, unlearn a forget set with each method, and report "
                                   "every method next to retrain (absolute gaps).")
    p.add_argument("--dataset", default="Cora", help=f"one of {', '.join(available_datasets())} (default Cora)")
    p.add_argument("--root", default=None, help="folder holding the raw data (default: ../shared/datasets)")
    p.add_argument("--task", default="link", choices=["link", "node"],
                   help="learning task: link prediction (edge deletion) or node classification (default link)")
    p.add_argument("--delete", default="nodes", choices=["nodes", "features"],
                   help="with --task node: delete training nodes or their feature rows (default nodes)")
    p.add_argument("--split", default="random", choices=["random", "public"],
                   help="with --task node: seeded random 60/20/20 or the Planetoid public split (default random)")
    p.add_argument("--model", default="gcn", choices=CONVS, help="GNN encoder (default gcn)")
    p.add_argument("--fraction", type=float, default=0.05,
                   help="fraction of training edges (or, with --task node, training nodes) to forget (0.05)")
    p.add_argument("--setting", default="out", choices=["out", "in", "random"],
                   help="forget edges outside/inside the 2-hop neighbourhood of test edges (default out)")
    p.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods (default: all)")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    p.add_argument("--quick", action="store_true", help="short training for smoke tests")
    p.add_argument("--checkpoint-dir", default=None, help="save/reuse the original models' state dicts here")
    p.add_argument("--json", default=None, help="write the report to this JSON file")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=main)


def main(args) -> int:
    from ..experiments import NODE_TABLE_METRICS, TABLE_METRICS, run_edge_experiment, run_node_experiment

    if args.task == "node":
        report = run_node_experiment(args.dataset, args.model, args.delete, args.fraction, args.methods.split(","),
                                     parse_seeds(args.seeds), split=args.split, quick=args.quick, device=args.device,
                                     root=args.root, progress=not args.no_progress)
        print(f"\n{report['dataset']} / {report['model']} / delete {report['fraction']:.1%} {report['delete']} "
              f"({report['num_forget_nodes']} nodes, {report['split']} split), seeds {report['seeds']}, "
              f"device {report['device']}")
        return _finish(args, report, NODE_TABLE_METRICS)
    report = run_edge_experiment(args.dataset, args.model, args.fraction, args.setting, args.methods.split(","),
                                 parse_seeds(args.seeds), quick=args.quick, device=args.device, root=args.root,
                                 checkpoint_dir=args.checkpoint_dir, progress=not args.no_progress)
    print(f"\n{report['dataset']} / {report['model']} / {report['fraction']:.1%} {report['setting']} "
          f"({report['num_forget_edges']} edges), seeds {report['seeds']}, device {report['device']}")
    return _finish(args, report, TABLE_METRICS)


def _finish(args, report, metrics) -> int:
    print(format_report(report["methods"], metrics))
    for note in report["notes"]:
        print(f"note: {note}")
    print(f"process peak memory {report['process_peak_mem_mb']:.0f} MB, total {report['total_seconds']:.1f} s")
    write_json(report, args.json)
    return 0
