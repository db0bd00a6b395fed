"""``graph-unlearn general``: vision / text / regression unlearning against retrain.

Every flag is checked before any training; a wrong one exits with code 2 and names the flag."""
from __future__ import annotations

from ..cli.common import (FlagError, add_audit_plot_args, device_arg, fraction_arg, json_path_arg, method_list,
                          print_yardstick, progress_log, refuse, seeds_arg, write_json, write_plot)
from ..metrics.report import format_report
from .data import DATASETS
from .methods import GENERAL_METHODS


def register(sub) -> None:
    p = sub.add_parser("general", help="compare vision / text / regression unlearners against retrain",
                       description="Train the original model on an offline dataset, forget a random 10%, a "
                                   "whole class or a target range with each method, and report every method "
                                   "next to retrain (absolute gaps). Flags are checked before any training.")
    p.add_argument("--dataset", default="digits", choices=DATASETS, help="dataset (default digits)")
    p.add_argument("--forget", default="random", choices=["random", "class", "range"],
                   help="random fraction, a full class (classification) or a target range (regression)")
    p.add_argument("--fraction", type=fraction_arg, default=None,
                   help="--forget random only: fraction in (0, 1) forgotten (default 0.1)")
    p.add_argument("--methods", default=None,
                   help=f"comma-separated, from {','.join(GENERAL_METHODS)} (default: all for the task)")
    p.add_argument("--seeds", type=seeds_arg, default="0", help="comma-separated distinct seeds (default 0)")
    p.add_argument("--device", type=device_arg, default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--quick", action="store_true",
                   help="smoke run, not a measurement: the original and retrain train for at most 3 epochs; "
                        "finetune, random_labels, salun, l1_sparse and scrub take 1 epoch, blindspot's proxy 2")
    p.add_argument("--json", default=None, type=json_path_arg, help="write the report to this JSON file")
    add_audit_plot_args(p)
    p.add_argument("--verbose", action="store_true", help="print each run's statistics")
    p.add_argument("--no-progress", action="store_true", help="hide the progress lines (printed on stderr)")
    p.set_defaults(func=main)


def validate(args) -> list[str] | None:
    """Checks argparse cannot make alone; fills in ``--fraction``; returns the method names (None:
    all for the task). Raises :class:`FlagError` naming the flag."""
    if args.forget != "random":
        refuse(args, "--fraction", f"applies to --forget random only, not --forget {args.forget}")
    args.fraction = 0.1 if args.fraction is None else args.fraction
    return method_list(args.methods, list(GENERAL_METHODS)) if args.methods is not None else None


def main(args) -> int:
    from .experiment import run_general_experiment

    methods = validate(args)
    try:
        report = run_general_experiment(args.dataset, args.forget, methods, args.seeds, fraction=args.fraction,
                                        device=args.device, verbose=args.verbose, quick=args.quick,
                                        log=progress_log(not args.no_progress), audit_dir=args.audit,
                                        holdout=args.yardstick)
    except ValueError as err:
        if "scenario" in str(err):
            raise FlagError(f"--forget {args.forget}: {err}") from None
        if "do not support" in str(err):
            raise FlagError(f"--methods: {err}") from None
        raise
    print(f"\n{report['dataset']} / forget {report['scenario']}, seeds {report['seeds']}, device {report['device']}"
          + (" (quick smoke run)" if args.quick else ""))
    print(format_report(report["methods"], report["table_keys"], extra_keys=("seconds", "speedup_vs_retrain")))
    print_yardstick(report["methods"])
    for note in report["notes"]:
        print(f"note: {note}")
    print(f"process peak memory {report['process_peak_mem_mb']:.0f} MB, total {report['total_seconds']:.1f} s")
    write_json(report, args.json)
    keys = report["table_keys"]   # the forget metric first; utility: test accuracy / MAE
    utility = "test_mae" if report["task"] == "regression" else ("test_acc_other" if report["scenario"] == "class"
                                                                 else "test_acc")
    write_plot(report["methods"], args.plot, keys[0], utility, f"{report['dataset']} / forget {report['scenario']}")
    if args.audit:
        print(f"wrote the audit records to {args.audit}/<method>-seed<seed>/")
    return 0
