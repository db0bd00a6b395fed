"""The ``graph-unlearn`` command line. Each sub-command lives in its own module that
defines ``register(subparsers)``; the parser calls ``args.func(args)``.

    graph-unlearn run      graph unlearning (edges; nodes/features with --task node)
    graph-unlearn rec      recommender unlearning (recsys package)
    graph-unlearn general  vision / text / regression unlearning
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: sub-command modules, in the order they appear in ``--help``
COMMANDS = ("graph_unlearn.cli.run", "recsys.cli", "graph_unlearn.general.cli")


def version_line() -> str:
    """``graph-unlearn <version> (torch <version>, python <version>)``."""
    import platform

    import torch

    from .. import __version__

    return f"graph-unlearn {__version__} (torch {torch.__version__}, python {platform.python_version()})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graph-unlearn", description="Machine unlearning for graph neural networks "
                                     "and recommenders, measured against retraining.")
    parser.add_argument("--version", action="version", version=version_line())
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:  # a sub-package not installed / not built yet
            if err.name and name.startswith(err.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as err:
        print(f"graph-unlearn {args.command}: error: {err}", file=sys.stderr)
        return 2
