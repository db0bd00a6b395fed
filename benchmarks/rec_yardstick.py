"""The forgetting yardstick on the recommenders (issue 11): ML-100K, every method against retrain
("gold") with a matched holdout withheld from every training.

    python benchmarks/rec_yardstick.py [--models lightgcn] [--kinds interactions,users] [--seeds 0,1,2]

Per (model, kind, seed): a request of 5% and a matched holdout of the same kind and size are drawn
together; the holdout is withheld before the original is trained (so each kind has its own
original); every method unlearns the request; two more retrain seeds complete the band and the
noise floor (:func:`graph_unlearn.core.runner.yardstick`). Every method runs with its shipped
defaults (MMRecUn: its per-request-kind defaults, ``MMRecUn.KIND_DEFAULTS``, chosen by
``tune_rec_defaults.py``); ``--mmrecun-cell-tuned`` runs MMRecUn with the settings
``rec_unlearning.py`` chose per cell on its tuning request instead. Cells already in
``benchmarks/results/rec_yardstick.json`` and not run again are kept; the md is rebuilt from all.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from recsys.data import load_dataset  # noqa: E402
from recsys.experiment import run_experiment  # noqa: E402
from _common import VERDICT_RULE, forgetting_summary, yardstick_pictures, yardstick_table  # noqa: E402

OUT = Path(__file__).resolve().parent / "results"
METHODS = ["gold", "mmrecun", "finetune", "gradient_ascent", "neggrad_plus"]
RENAMED = {"alpha": "forget_weight", "beta": "retain_weight"}   # the tuning JSON predates the task protocol


def shipped_mmrecun(kind: str) -> dict:
    """MMRecUn's shipped defaults for a request kind (read from the code)."""
    from recsys.methods.mmrecun import MMRecUn

    return dict(MMRecUn.KIND_DEFAULTS.get(kind, {}))


def tuned_mmrecun(model: str, kind: str) -> dict:
    path = OUT / "rec_unlearning.json"
    if not path.exists():
        return {}
    chosen = json.loads(path.read_text()).get("tuning", {}).get(f"{model}/{kind}", {}).get("chosen", {})
    return {RENAMED.get(k, k): v for k, v in chosen.items()}


def pictures(cells: dict) -> list[str]:
    return yardstick_pictures(cells, lambda rep: "test_recall20", "rec_yardstick", "ML-100K")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="lightgcn")
    p.add_argument("--kinds", default="interactions,users")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--fraction", type=float, default=0.05)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mmrecun-cell-tuned", action="store_true",
                   help="MMRecUn with rec_unlearning.py's per-cell tuned settings instead of its shipped defaults")
    p.add_argument("--plots-only", action="store_true",
                   help="only (re)draw the trade-off PNGs from results/rec_yardstick.json and link them in the md")
    args = p.parse_args(argv)
    if args.plots_only:
        cells = json.loads((OUT / "rec_yardstick.json").read_text())
        md = (OUT / "rec_yardstick.md").read_text().split("## Pictures")[0].rstrip("\n")
        (OUT / "rec_yardstick.md").write_text(md + "\n\n" + "\n".join(pictures(cells)))
        return 0
    torch.set_num_threads(args.threads)
    data = load_dataset("ml100k-mm")
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.time()
    saved = OUT / "rec_yardstick.json"
    for model in args.models.split(","):
        for kind in args.kinds.split(","):
            t_cell = time.time()
            overrides = {"mmrecun": tuned_mmrecun(model, kind) if args.mmrecun_cell_tuned else {}}
            rep = run_experiment(data, model, kind, args.fraction, METHODS, seeds, holdout=True, overrides=overrides,
                                 log=lambda line: print(line, flush=True))
            mean = rep["mean"]
            ref = mean["gold"]["seconds"]
            for row in mean.values():
                row["speedup_vs_retrain"] = ref / row["seconds"] if row.get("seconds") else float("inf")
            cell = {
                "methods": {("retrain" if n == "gold" else n): r for n, r in mean.items()}, "per_seed": rep["per_seed"],
                "mmrecun": overrides["mmrecun"] or shipped_mmrecun(kind),
                "mmrecun_source": ("chosen on the tuning request of `rec_unlearning.py`" if args.mmrecun_cell_tuned
                                   else "the shipped defaults for this request kind, `MMRecUn.KIND_DEFAULTS`"),
                "run": {"seeds": seeds, "threads": args.threads, "seconds": time.time() - t_cell,
                        "fraction": args.fraction, "date": time.strftime("%Y-%m-%d")}}
            # merged into the stored cells as each finishes (a crash keeps what ran; parallel runs of
            # other cells are not overwritten)
            cells = json.loads(saved.read_text()) if saved.exists() else {}
            cells[f"{model}/{kind}"] = cell
            saved.write_text(json.dumps(cells, indent=1, default=lambda v: None))
            print(f"[{time.time() - t0:.0f}s] {model}/{kind} done", flush=True)
    cells = json.loads(saved.read_text()) if saved.exists() else {}
    lines = ["# The forgetting yardstick on the recommenders (ML-100K)", "",
             "Generated by `benchmarks/rec_yardstick.py` (each cell's seeds, threads and seconds are under its "
             "heading). Retrain = Gold (BPR recipe of "
             "`recsys.experiment.TRAIN`). `holdout attack AUC` = the model's own interaction scores on D_f vs the "
             "withheld D_h (users: each user's mean score over their interactions); `forget-set |z|` = distance of "
             "the forget set's scores to the band of retrain seeds (Gold and one more), `retrain, another seed` = "
             "a further seed (the noise floor). `original` = the original on the data before the deletion. "
             + VERDICT_RULE + ".", ""]
    for key, cell in sorted(cells.items()):
        run = cell.get("run", {"seeds": [0, 1, 2], "threads": 1, "seconds": None, "fraction": 0.05})
        source = cell.get("mmrecun_source", "chosen on the tuning request of `rec_unlearning.py`")
        took = f", {run['seconds']:.0f} s" if run.get("seconds") else ""
        lines += [f"## {key}", "", f"{run['fraction']:.0%} request, seeds {run['seeds']}, {run['threads']} thread(s)"
                  f"{took}. MMRecUn settings ({source}): `{cell['mmrecun'] or 'defaults'}`. "
                  f"{forgetting_summary(cell)}.", "", yardstick_table(cell, "test_recall20"), ""]
    lines += pictures(cells)
    (OUT / "rec_yardstick.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT / 'rec_yardstick.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
