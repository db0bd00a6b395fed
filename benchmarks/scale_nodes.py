"""What node unlearning costs as the graph grows (issue 12 item 1 for node tasks): node deletion
with sampled steps (:class:`~graph_unlearn.tasks.sampled.SampledNodeTaskOps`) on planted-community
graphs of 1M and 10M edges.

Per size, each in its own process (so that the peak RSS is the size's own):

* **graph**: :func:`request_cost.planted_graph` (N = E/10 nodes, communities of ~1,000 consecutive
  ids, 80% of edges inside a community); label = community mod 16; features = the label's
  centroid (standard normal, 16-d) + 2 x standard normal noise, so that the features alone
  classify a node poorly and its neighbours (mostly its own community) carry its label; 30% of
  the labels (``LABEL_NOISE``) drawn at random, which a model fits only by memorising them (what
  forgetting a node can show); a random 60/20/20 split. Generation is not timed.
* **epoch**: seconds per full-graph training step (every training node) and per sampled step
  (``--train-batch`` nodes, ``--fanouts``), as (T(1 + m epochs) - T(1 epoch)) / m (m = 1 full,
  3 sampled) so that set-up and the final validation cancel;
* **original**: trained with sampled steps for up to ``--epochs`` epochs (early stopping on
  validation accuracy); **retrain** of the smallest request with the same recipe for as many
  epochs as the original ran (``Retrain(...).unlearn(..., sampling=fanouts)``, measured);
* **requests** of ``--requests`` random training nodes: validation seconds
  (``NodeDeletion.validate``) and end-to-end D2DGN seconds (request applied + steps, its shipped
  node defaults, retained batch ``--batch``) with sampled steps, and on the smallest request
  with full-graph steps (up to ``--full-max`` edges);
* **quality** (smallest request): test accuracy (full-graph inference on the retained view) of
  the original, retrain, a second retrain seed and D2DGN, and the completeness of the forgotten
  nodes' mean true-class log-probability (queried on the original data) between the original
  (0) and retrain (1), the two retrain seeds' difference as the noise.

    OMP_NUM_THREADS=1 python benchmarks/scale_nodes.py [--sizes 1000000 10000000]

writes ``benchmarks/results/scale_nodes.md`` and ``scale_nodes.json``.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from request_cost import planted_graph  # noqa: E402
from scale import rss_gb  # noqa: E402

from graph_unlearn import D2DGN, GNN, NodeDeletion, Retrain, TrainConfig  # noqa: E402
from graph_unlearn.data.graph import Graph  # noqa: E402
from graph_unlearn.metrics import completeness  # noqa: E402
from graph_unlearn.tasks.node_classification import NodeSplit, train_node_classifier  # noqa: E402

RESULTS = HERE / "results"
CLASSES = 16
#: share of nodes whose label is drawn at random: what a model can fit only by memorising it, and
#: so what forgetting a node can show
LABEL_NOISE = 0.3


def planted_node_split(num_edges: int, seed: int = 0) -> NodeSplit:
    """The planted-community graph as a node-classification split (module docstring)."""
    edges, n = planted_graph(num_edges, seed, chunk=max(2_000_000, num_edges // 4))
    c = max(n // 1000, 2)
    size = -(-n // c)
    gen = torch.Generator().manual_seed(seed + 1)
    y = (torch.arange(n) // size) % CLASSES
    x = torch.randn(CLASSES, 16, generator=gen)[y] + 2 * torch.randn(n, 16, generator=gen)
    noisy = torch.rand(n, generator=gen) < LABEL_NOISE     # labels only memorisation can fit
    y = torch.where(noisy, torch.randint(0, CLASSES, (n,), generator=gen), y)
    perm = torch.randperm(n, generator=gen)
    a, b = int(0.6 * n), int(0.8 * n)
    return NodeSplit(x, y, Graph(edges, n), perm[:a].sort().values, perm[a:b].sort().values, perm[b:].sort().values,
                     name=f"planted-{num_edges}", seed=seed, kind="random")


@torch.no_grad()
def quality(model, split: NodeSplit, request: NodeDeletion) -> dict:
    """Test accuracy on the retained view and the forgotten nodes' mean true-class
    log-probability on the original data (full-graph inference)."""
    model.eval()
    p = request.apply(split)
    test = model(p.x, p.graph)[split.test_idx].argmax(-1).eq(split.y[split.test_idx]).float().mean()
    logp = model(split.x, split.graph).log_softmax(-1)[p.forget_nodes]
    return {"test_acc": float(test), "forget_logp": float(logp.gather(1, split.y[p.forget_nodes, None]).mean())}


def one_size(args) -> dict:
    torch.manual_seed(0)
    t = time.perf_counter()
    split = planted_node_split(args.size)
    out = {"edges": args.size, "nodes": split.num_nodes, "generate_s": time.perf_counter() - t,
           "fanouts": args.fanouts, "train_batch": args.train_batch, "batch": args.batch,
           "threads": torch.get_num_threads()}
    fan = list(args.fanouts)
    model = GNN("gcn", 16, 128, CLASSES)

    def per_epoch(cfg, m):
        def run(epochs):
            net = GNN("gcn", 16, 128, CLASSES)
            net.load_state_dict(model.state_dict())
            t = time.perf_counter()
            train_node_classifier(net, split.x, split.graph, split.y, split.train_idx, split.val_idx,
                                  replace(cfg, epochs=epochs, eval_every=10 ** 9, patience=10 ** 9))
            return time.perf_counter() - t
        run(1)
        first = run(1)
        return (run(1 + m) - first) / m

    recipe = TrainConfig(epochs=args.epochs, lr=0.01, weight_decay=5e-4, eval_every=5, patience=3,
                         batch_size=args.train_batch, fanouts=tuple(fan))
    if args.size <= args.full_max:
        out["full_epoch_s"] = per_epoch(replace(recipe, fanouts=None, batch_size=None), 1)
    out["sampled_epoch_s"] = per_epoch(recipe, 3)
    print(f"[{args.size}] epochs: full {out.get('full_epoch_s')}, sampled {out['sampled_epoch_s']:.2f} s", flush=True)
    t = time.perf_counter()
    info = train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx, recipe)
    out.update(original_s=time.perf_counter() - t, original_epochs=info["epochs"], original_val_acc=info["best_val_acc"])
    print(f"[{args.size}] original: {out['original_s']:.0f} s, {info['epochs']} epochs, val acc "
          f"{info['best_val_acc']:.4f}", flush=True)

    gen = torch.Generator().manual_seed(7)
    out["requests"] = {}
    for k in args.requests:
        req = NodeDeletion(split.train_idx[torch.randperm(split.train_idx.numel(), generator=gen)[:k]])
        rec = {"validate_s": min(_seconds(lambda: req.validate(split)) for _ in range(3))}
        small = k == min(args.requests)
        t = time.perf_counter()
        res = D2DGN(batch_size=args.batch).unlearn(model, split, req, sampling=fan)
        rec["d2dgn"] = {"seconds": time.perf_counter() - t, "method_s": res.seconds,
                        "sampling": res.extra["sampling"]["fanouts"]}
        if small:
            rec["original"] = quality(model, split, req)
            rec["d2dgn"].update(quality(res.model, split, req))
            if args.size <= args.full_max:
                t = time.perf_counter()
                full = D2DGN(batch_size=args.batch).unlearn(model, split, req, sampling="full")
                rec["d2dgn_full"] = {"seconds": time.perf_counter() - t, **quality(full.model, split, req)}
            cfg = replace(recipe, epochs=out["original_epochs"], patience=10 ** 6)
            for key, seed in (("retrain", 1), ("retrain_extra", 2)):
                t = time.perf_counter()
                r = Retrain(config=replace(cfg, seed=seed), init_seed=seed).unlearn(model, split, req, sampling=fan)
                rec[key] = {"seconds": time.perf_counter() - t, **quality(r.model, split, req)}
            noise = abs(rec["retrain"]["forget_logp"] - rec["retrain_extra"]["forget_logp"])
            for name in ("original", "retrain_extra", "d2dgn", "d2dgn_full"):
                if name in rec:
                    c = completeness(rec[name]["forget_logp"], rec["retrain"]["forget_logp"],
                                     rec["original"]["forget_logp"], noise=noise)
                    rec[name]["completeness"] = c.value
                    if c.reason:
                        rec["completeness_note"] = c.reason
        print(f"[{args.size}] {k} nodes: {rec}", flush=True)
        out["requests"][str(k)] = rec
    out["rss_gb"] = rss_gb()
    return out


def _seconds(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def fmt(v, nd=2) -> str:
    return "—" if v is None else f"{v:,.{nd}f}" if isinstance(v, float) else f"{v:,}"


def write_markdown(rows: list[dict], path: Path) -> None:
    lines = ["# Scale: sampled node unlearning on synthetic graphs (issue 12)", "",
             f"CPU {platform.machine()}, torch {torch.__version__}, {rows[0]['threads']} thread(s). GCN 16-128-16, "
             f"fan-outs {rows[0]['fanouts']}, sampled training batch {rows[0]['train_batch']} nodes, D2DGN retained "
             f"batch {rows[0]['batch']} nodes with its shipped node defaults. Generator and protocol: "
             "`benchmarks/scale_nodes.py` docstring. Retrain = the original's sampled recipe for as many epochs as "
             "the original ran, measured." + (f" Conditions: {rows[0]['conditions']}." if rows[0].get("conditions")
                                               else ""), "",
             "## Cost", "",
             "| training edges | nodes | full epoch (s) | sampled epoch (s) | original (s, epochs, val acc) | "
             "request (nodes) | validate (s) | D2DGN sampled, end to end (s) | D2DGN full-graph steps (s) | "
             "retrain (s) | retrain / D2DGN | peak RSS (GB) |", "|" + "---|" * 12]
    for r in rows:
        ret = r["requests"][str(min(int(k) for k in r["requests"]))]["retrain"]["seconds"]
        for k, rec in r["requests"].items():
            lines.append(f"| {r['edges']:,} | {r['nodes']:,} | {fmt(r.get('full_epoch_s'))} | {fmt(r['sampled_epoch_s'])} "
                         f"| {r['original_s']:.0f} ({r['original_epochs']}, {r['original_val_acc']:.3f}) | {int(k):,} | "
                         f"{rec['validate_s']:.1e} | {rec['d2dgn']['seconds']:.2f} | "
                         f"{fmt(rec.get('d2dgn_full', {}).get('seconds'))} | {ret:.0f} | "
                         f"{ret / rec['d2dgn']['seconds']:.0f}x | {r['rss_gb']:.2f} |")
    lines += ["", "## Quality (smallest request; completeness of the forgotten nodes' mean true-class log-probability, "
              "original = 0, retrain = 1)", "",
              "| training edges | row | test accuracy | forget log-prob | completeness |", "|---|---|---|---|---|"]
    notes = []
    for r in rows:
        rec = r["requests"][str(min(int(k) for k in r["requests"]))]
        for name, label in (("original", "original (nothing done)"), ("retrain", "retrain"),
                            ("retrain_extra", "retrain, another seed"), ("d2dgn", "D2DGN, sampled steps"),
                            ("d2dgn_full", "D2DGN, full-graph steps")):
            if name in rec:
                c = rec[name].get("completeness", 1.0 if name == "retrain" else None)
                lines.append(f"| {r['edges']:,} | {label} | {rec[name]['test_acc']:.4f} | {rec[name]['forget_logp']:.4f} "
                             f"| {'n/a' if c is None or c != c else f'{c:.2f}'} |")
        if rec.get("completeness_note"):
            notes.append(f"- {r['edges']:,} edges: {rec['completeness_note']}")
    path.with_suffix(".md").write_text("\n".join(lines + [""] + notes) + "\n")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    p.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)   # one size, in a child process
    p.add_argument("--requests", type=int, nargs="+", default=[100, 10_000])
    p.add_argument("--fanouts", type=int, nargs="+", default=[10, 10])
    p.add_argument("--train-batch", type=int, default=8192)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--full-max", type=int, default=20_000_000)
    p.add_argument("--out", default=str(RESULTS / "scale_nodes"))
    p.add_argument("--json-one", default=None, help=argparse.SUPPRESS)
    p.add_argument("--render", action="store_true", help="rewrite the markdown from the stored json")
    p.add_argument("--conditions", default=None,
                   help="what else ran on the machine (stored with the rows and printed in the markdown)")
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.render:
        rows = json.loads(out.with_suffix(".json").read_text())
        if args.conditions:
            rows[0]["conditions"] = args.conditions
            out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
        return write_markdown(rows, out)
    if args.size is not None:
        Path(args.json_one).write_text(json.dumps(one_size(args)))
        return
    rows = []
    for size in args.sizes:
        one = out.with_name(f"{out.name}.{size}.tmp.json")
        cmd = [sys.executable, __file__, "--size", str(size), "--json-one", str(one), "--requests",
               *map(str, args.requests), "--fanouts", *map(str, args.fanouts), "--train-batch", str(args.train_batch),
               "--batch", str(args.batch), "--epochs", str(args.epochs), "--full-max", str(args.full_max)]
        subprocess.run(cmd, check=True)
        rows.append(json.loads(one.read_text()))
        one.unlink()
    if args.conditions:
        rows[0]["conditions"] = args.conditions
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    write_markdown(rows, out)


if __name__ == "__main__":
    main()
