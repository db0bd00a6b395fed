"""``graph-unlearn general``: vision / text / regression unlearning against retrain."""
from __future__ import annotations

from ..cli.common import parse_seeds, write_json
from ..metrics.report import format_report
from .data import DATASETS
from .methods import GENERAL_METHODS


def register(sub) -> None:
    p = sub.add_parser("general", help="compare vision / text / regression unlearners against retrain",
                       description="Train the original model on an offline dataset, forget a random 10%, a "
                                   "whole class or a target range with each method, and report every method "
                                   "next to retrain (absolute gaps).")
    p.add_argument("--dataset", default="digits", choices=DATASETS, help="dataset (default digits)")
    p.add_argument("--forget", default="random", choices=["random", "class", "range"],
                   help="random fraction, a full class (classification) or a target range (regression)")
    p.add_argument("--fraction", type=float, default=0.1, help="fraction forgotten with --forget random (0.1)")
    p.add_argument("--methods", default=None,
                   help=f"comma-separated, from {','.join(GENERAL_METHODS)} (default: all for the task)")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    p.add_argument("--json", default=None, help="write the report to this JSON file")
    p.add_argument("--verbose", action="store_true", help="print each run's statistics")
    p.set_defaults(func=main)


def main(args) -> int:
    from .experiment import run_general_experiment

    methods = args.methods.split(",") if args.methods else None
    report = run_general_experiment(args.dataset, args.forget, methods, parse_seeds(args.seeds), fraction=args.fraction,
                                    device=args.device, verbose=args.verbose)
    print(f"\n{report['dataset']} / forget {report['scenario']}, seeds {report['seeds']}, device {report['device']}")
    print(format_report(report["methods"], report["table_keys"], extra_keys=("seconds", "speedup_vs_retrain")))
    for note in report["notes"]:
        print(f"note: {note}")
    print(f"process peak memory {report['process_peak_mem_mb']:.0f} MB, total {report['total_seconds']:.1f} s")
    write_json(report, args.json)
    return 0
