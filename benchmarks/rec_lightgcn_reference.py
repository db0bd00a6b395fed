"""Our LightGCN under the Microsoft Recommenders LightGCN deep-dive protocol (ML-100K).

    OMP_NUM_THREADS=1 python benchmarks/rec_lightgcn_reference.py [--seeds 0,1,2] [--device cpu]

Protocol (as in recommenders-team/recommenders, lightgcn_deep_dive.ipynb): MovieLens-100K from
the GroupLens files, every rating an implicit positive; per-user random split, 75% train /
25% test, no validation (ours cuts floor(0.25 n) test items per user; their
python_stratified_split cuts round(0.75 n) train items); LightGCN d=64, 3 layers, BPR, batch
1024, Adam lr 0.005, L2 reg 1e-4 (reg * ||batch ego embeddings||^2 / 2B, as their `decay`),
a fixed 50 epochs, no early stopping; full ranking over all items with training items removed;
Recall/NDCG/Precision@10 from recsys.evaluation, MAP as their `map_at_k` of the deep-dive era
(sum over top-10 hits of hits-so-far/rank, over #relevant). The split, the negative sampling and
the initialisation follow the seed. Published: R@10 0.2132, NDCG@10 0.4530, P@10 0.3993,
MAP 0.1353. Writes benchmarks/results/rec_lightgcn_reference.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from graph_unlearn.metrics import topk_hits
from recsys.data import TEST, TRAIN, VALID, load_movielens100k
from recsys.evaluation import evaluate, rank_topk
from recsys.models import LightGCN
from recsys.training import train_bpr

PUBLISHED = {"recall10": 0.2132, "ndcg10": 0.4530, "precision10": 0.3993, "map": 0.1353}
EPOCHS = 50


@torch.no_grad()
def map_at_10(model, data, graph) -> float:
    """Microsoft Recommenders' MAP (top 10, normalised by each user's number of test items)."""
    ur, ir = model(graph)
    tu, ti = data.pairs(TEST)
    users, inv = torch.unique(tu, return_inverse=True)
    top = rank_topk(ur, ir, users, 10, data.train_pairs(), data.removed_items)
    hits = topk_hits(top, inv, ti, data.num_items).double()
    prec = hits.cumsum(1) / torch.arange(1, 11, dtype=torch.float64)
    return float(((prec * hits).sum(1) / torch.bincount(inv, minlength=users.numel())).mean())


def run(seed: int, device: str) -> dict:
    data = load_movielens100k(ratios=(0.75, 0.0, 0.25), seed=seed, genre_features=False)
    assert int(data.mask(VALID).sum()) == 0
    torch.manual_seed(seed)
    model = LightGCN(data.num_users, data.num_items, dim=64, num_layers=3).to(device)
    # no validation data: evaluate only after the last epoch, never stop early (nothing to restore)
    hist = train_bpr(model, data, epochs=EPOCHS, batch_size=1024, lr=0.005, reg=1e-4, seed=seed,
                     eval_every=EPOCHS, patience=EPOCHS + 1)
    assert hist["epochs"] == EPOCHS
    graph = model.build_graph(data)
    res = evaluate(model, data, graph, splits=("test",), ks=(10,))
    model.eval()
    return {"recall10": res["test_recall10"], "ndcg10": res["test_ndcg10"], "precision10": res["test_precision10"],
            "map": map_at_10(model, data, graph), "train_seconds": hist["seconds"],
            "train/test": [int(data.mask(TRAIN).sum()), int(data.mask(TEST).sum())]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.perf_counter()
    rows = {}
    for s in seeds:
        rows[s] = run(s, args.device)
        print(f"seed {s}: " + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                                         for k, v in rows[s].items()), flush=True)
    wall = time.perf_counter() - t0
    summary = {}
    print(f"\n| metric | ours (mean ± std, {len(seeds)} seeds) | published | ours / published |\n|---|---|---|---|")
    for k, ref in PUBLISHED.items():
        vals = [r[k] for r in rows.values()]
        m, sd = statistics.mean(vals), statistics.stdev(vals) if len(vals) > 1 else 0.0
        summary[k] = {"mean": m, "std": sd}
        print(f"| {k} | {m:.4f} ± {sd:.4f} | {ref:.4f} | {m / ref:.3f} |")
    print(f"\nwall time {wall:.0f} s ({args.device}, 1 thread)")
    out = Path(__file__).resolve().parent / "results" / "rec_lightgcn_reference.json"
    out.write_text(json.dumps({"seeds": seeds, "device": args.device, "wall_seconds": wall, "per_seed": rows,
                               "summary": summary, "published": PUBLISHED}, indent=2))


if __name__ == "__main__":
    main()
