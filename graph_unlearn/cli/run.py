"""``graph-unlearn run``: the edge-deletion comparison on real data."""
from __future__ import annotations

import json
import math

from ..data.registry import available_datasets
from ..methods import METHODS
from ..metrics.report import format_report
from ..models.gnn import CONVS


def register(sub) -> None:
    p = sub.add_parser("run", help="compare unlearning methods against retrain on a real graph",
                       description="Train the original model, unlearn a forget set with each method, and report "
                                   "every method next to retrain (absolute gaps).")
    p.add_argument("--dataset", default="Cora", help=f"one of {', '.join(available_datasets())} (default Cora)")
    p.add_argument("--root", default=None, help="folder holding the raw data (default: ../shared/datasets)")
    p.add_argument("--task", default="link", choices=["link"], help="learning task (default link)")
    p.add_argument("--model", default="gcn", choices=CONVS, help="GNN encoder (default gcn)")
    p.add_argument("--fraction", type=float, default=0.05, help="fraction of training edges to forget (0.05)")
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


def _parse_seeds(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds must be comma-separated integers, got {text!r}") from None


def main(args) -> int:
    from ..experiments import TABLE_METRICS, run_edge_experiment

    report = run_edge_experiment(args.dataset, args.model, args.fraction, args.setting, args.methods.split(","),
                                 _parse_seeds(args.seeds), quick=args.quick, device=args.device, root=args.root,
                                 checkpoint_dir=args.checkpoint_dir, progress=not args.no_progress)
    print(f"\n{report['dataset']} / {report['model']} / {report['fraction']:.1%} {report['setting']} "
          f"({report['num_forget_edges']} edges), seeds {report['seeds']}, device {report['device']}")
    print(format_report(report["methods"], TABLE_METRICS))
    for note in report["notes"]:
        print(f"note: {note}")
    print(f"process peak memory {report['process_peak_mem_mb']:.0f} MB, total {report['total_seconds']:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2, default=lambda v: None if isinstance(v, float) and math.isnan(v) else str(v))
        print(f"wrote {args.json}")
    return 0
