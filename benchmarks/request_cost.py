"""What an edge-deletion request costs on a large graph (issue 12 item 2, "requests cost what
they touch").

For synthetic graphs of ``--sizes`` training edges and requests of ``--requests`` edges this
times, per request,

* **validation** (``EdgeDeletion.validate``: range, then "is every edge a training edge"),
* **application** (``EdgeDeletion.apply``), in three parts: the problem itself (validation; the
  retained edges, retained graph and hop masks are built when first read), then with what
  sampled steps read (the 0/1/2-hop masks from the endpoints' rows, the retained edges within
  two hops, one batch of 256 retained edges by rank), then with every whole copy built (all
  retained edges, the retained graph, the hop masks: what the previous code always built, and
  what full-graph steps and ``result.data`` still build),

for the library's current code ("after": sorted training-edge keys cached on the split and
``torch.searchsorted``) and, in the same run, for a **reference copy of the previous code**
("before", the functions ``before_validate`` / ``before_apply`` below: ``torch.isin`` against all
training-edge keys per request, and a full re-``coalesce`` of the retained graph). Both paths
are checked to give identical problems. One-time costs per split (building the training graph,
sorting its edge keys) are reported separately: they are paid once per split, not per request.

Generator (a planted-community graph, built in chunks, never dense): ``N = E // 10`` nodes in
``C = max(N // 1000, 2)`` communities of consecutive ids; each candidate edge picks ``u``
uniformly, and ``v`` in ``u``'s community with probability 0.8, else uniformly; self loops and
repeats are dropped and chunks are drawn until ``E + 2 * 1000`` distinct undirected edges
exist. 1,000 become validation and 1,000 test positives, with 1,000 + 1,000 sampled non-edges,
and the remaining ``E`` are the training edges (``LinkSplit``, validated). Features are 16-d
Gaussian. Generation time is not counted.

    OMP_NUM_THREADS=1 python benchmarks/request_cost.py [--sizes 1000000 10000000]
        [--requests 100 1000 10000] [--repeats 3] [--device cpu] [--no-before] [--out PATH]

writes ``benchmarks/results/request_cost.md`` (or ``--out``).
"""
from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_unlearn import EdgeDeletion, NodeDeletion  # noqa: E402
from graph_unlearn.data.graph import Graph, edge_keys, k_hop_nodes  # noqa: E402
from graph_unlearn.requests.edge import EdgeUnlearningProblem  # noqa: E402
from graph_unlearn.tasks.link_prediction import LinkSplit, sample_non_edges  # noqa: E402

HOLD = 1000  # validation / test positives (and as many negatives each)


# ---------------------------------------------------------------------------------------------
# the synthetic graph

def planted_graph(num_edges: int, seed: int = 0, chunk: int = 2_000_000, p_in: float = 0.8):
    """``(edges [2, num_edges + 2 * HOLD] u < v, num_nodes)``: a planted-community graph."""
    n = max(num_edges // 10, 100)
    c = max(n // 1000, 2)
    size = -(-n // c)
    gen = torch.Generator().manual_seed(seed)
    want = num_edges + 2 * HOLD
    keys = torch.empty(0, dtype=torch.long)
    while keys.numel() < want:
        m = min(chunk, int((want - keys.numel()) * 1.2) + 1000)
        u = torch.randint(0, n, (m,), generator=gen)
        inside = torch.rand(m, generator=gen) < p_in
        base = (u // size) * size
        v_in = (base + torch.randint(0, size, (m,), generator=gen)).clamp_max(n - 1)
        v = torch.where(inside, v_in, torch.randint(0, n, (m,), generator=gen))
        ok = u != v
        keys = torch.unique(torch.cat([keys, edge_keys(torch.stack([u[ok], v[ok]]), n)]))
    keys = keys[torch.randperm(keys.numel(), generator=gen)[:want]]
    return torch.stack([keys // n, keys % n]), n


def synthetic_split(num_edges: int, seed: int = 0) -> LinkSplit:
    edges, n = planted_graph(num_edges, seed)
    gen = torch.Generator().manual_seed(seed + 1)
    negs = sample_non_edges(n, 2 * HOLD, edges, gen)
    x = torch.randn(n, 16, generator=gen)
    return LinkSplit(x, n, edges[:, 2 * HOLD:], edges[:, :HOLD], negs[:, :HOLD], edges[:, HOLD:2 * HOLD],
                     negs[:, HOLD:], name=f"planted-{num_edges}", seed=seed)


def random_request(split: LinkSplit, k: int, seed: int) -> torch.Tensor:
    """``k`` distinct training edges, each given in a random direction, as ``[2, k]``."""
    gen = torch.Generator().manual_seed(seed)
    e = split.train_pos.cpu()[:, torch.randperm(split.train_pos.size(1), generator=gen)[:k]]
    flip = torch.rand(k, generator=gen) < 0.5
    return torch.stack([torch.where(flip, e[1], e[0]), torch.where(flip, e[0], e[1])])


# ---------------------------------------------------------------------------------------------
# "before": a reference copy of the previous code path (torch.isin against every training key)

def _before_membership(edge_index, query, num_nodes):
    if query.numel() == 0:
        return torch.zeros(edge_index.size(1), dtype=torch.bool, device=edge_index.device)
    keys = edge_keys(edge_index, num_nodes)
    qkeys = torch.unique(edge_keys(query.to(edge_index.device), num_nodes))
    return torch.isin(keys, qkeys)


def before_validate(req: EdgeDeletion, split: LinkSplit) -> None:
    n = split.num_nodes
    if int(req.edges.max()) >= n:
        raise ValueError("out of range")
    present = _before_membership(req.edges, split.train_pos.cpu(), n)
    if not bool(present.all()):
        raise ValueError("not in the training graph")


def before_apply(req: EdgeDeletion, split: LinkSplit) -> EdgeUnlearningProblem:
    before_validate(req, split)
    device = split.train_pos.device
    forget = req.edges.to(device)
    is_forget = _before_membership(split.train_pos, forget, split.num_nodes)
    retain = split.train_pos[:, ~is_forget]
    g = split.graph()
    keep = ~_before_membership(g.edge_index, forget, g.num_nodes)
    graph = Graph(g.edge_index[:, keep], g.num_nodes, undirected=False)  # re-coalesces (a full sort)
    hop_masks = k_hop_nodes(g.edge_index, forget.flatten().unique(), 2, split.num_nodes)
    return EdgeUnlearningProblem(split, forget, retain, graph, hop_masks)


def before_node_apply(req: NodeDeletion, split: LinkSplit) -> EdgeUnlearningProblem:
    """The previous ``NodeDeletion`` on a ``LinkSplit``: ``torch.isin`` over every training edge,
    and a ``replace`` that re-validated every edge set of the split."""
    nodes = req.nodes.to(split.train_pos.device)
    incident = torch.isin(split.train_pos, nodes).any(0)
    forget, retain = split.train_pos[:, incident], split.train_pos[:, ~incident]
    x = split.x.clone()
    x[nodes] = 0
    new_split = replace(split, x=x)
    g = split.graph()
    keep = ~_before_membership(g.edge_index, forget, g.num_nodes)
    graph = Graph(g.edge_index[:, keep], g.num_nodes, undirected=False)
    hop = k_hop_nodes(g.edge_index, nodes, 2, split.num_nodes)
    return EdgeUnlearningProblem(new_split, forget, retain, graph, hop)


# ---------------------------------------------------------------------------------------------

def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, repeats: int) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls (and the last result)."""
    times, out = [], None
    for _ in range(repeats):
        _sync(device)
        t = time.perf_counter()
        out = fn()
        _sync(device)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def same_problem(a: EdgeUnlearningProblem, b: EdgeUnlearningProblem) -> bool:
    return (torch.equal(a.forget, b.forget) and torch.equal(a.retain, b.retain)
            and torch.equal(a.graph.edge_index, b.graph.edge_index)
            and all(torch.equal(x, y) for x, y in zip(a.hop_masks, b.hop_masks)))


def neighbourhood_parts(problem):
    """What sampled steps read of a problem: hop masks, near retained edges, a batch by rank."""
    problem.hop_masks, problem.near_retain()
    problem.retained_edges(torch.arange(min(256, problem.num_retained)))
    return problem


def whole_parts(problem):
    """Every whole copy of a problem: all retained edges, the retained graph, the hop masks."""
    problem.retain, problem.graph, problem.hop_masks
    return problem


def run(sizes, requests, repeats, device, before: bool, node_requests=()) -> list[dict]:
    rows = []
    for size in sizes:
        t = time.perf_counter()
        split = synthetic_split(size).to(device)
        gen_s = time.perf_counter() - t
        print(f"[{size:,} edges] generated in {gen_s:.1f}s: {split}", flush=True)
        t = time.perf_counter()
        split.graph()
        _sync(device)
        graph_s = time.perf_counter() - t
        t = time.perf_counter()
        split.train_key_index()  # sorted training-edge keys (one sort)
        split.graph().key_index()  # the coalesced graph's keys (already sorted: one pass)
        _sync(device)
        keys_s = time.perf_counter() - t
        print(f"  one-time: training graph {graph_s:.2f}s, sorted keys {keys_s:.2f}s", flush=True)
        for k in list(requests) + [f"{m} nodes" for m in node_requests]:
            row = {"edges": size, "nodes": split.num_nodes, "request": k, "graph_s": graph_s, "keys_s": keys_s}
            if isinstance(k, int):
                req = EdgeDeletion(random_request(split, k, seed=k))
                row["validate_after"], _ = timed(lambda: req.validate(split), device, repeats)
                after_fn, before_fn = req.apply, before_apply
            else:  # NodeDeletion on the link split: every incident training edge is forgotten
                gen = torch.Generator().manual_seed(int(k.split()[0]))
                req = NodeDeletion(torch.randperm(split.num_nodes, generator=gen)[:int(k.split()[0])])
                row["validate_after"], _ = timed(lambda: req.validate(split), device, repeats)
                after_fn, before_fn = req.apply, before_node_apply
            row["apply_after"], new = timed(lambda: after_fn(split), device, repeats)
            row["apply_local"], new = timed(lambda: neighbourhood_parts(after_fn(split)), device, repeats)
            row["apply_whole"], new = timed(lambda: whole_parts(after_fn(split)), device, repeats)
            if before:
                if isinstance(k, int):
                    row["validate_before"], _ = timed(lambda: before_validate(req, split), device, repeats)
                row["apply_before"], old = timed(lambda: before_fn(req, split), device, repeats)
                row["agree"] = same_problem(new, old) and torch.equal(new.x, old.x)
                del old
            del new
            row["peak_rss_mb"] = peak_rss_mb()
            rows.append(row)
            print("  " + ", ".join(f"{a}={b:.3f}" if isinstance(b, float) else f"{a}={b}" for a, b in row.items()),
                  flush=True)
        split = None  # free it before the next size
    return rows


def _s(row, key):
    return f"{row[key]:.3f}" if key in row else "—"


def table(rows) -> str:
    head = ("| training edges | nodes | request | validate before (s) | validate after (s) "
            "| apply before (s) | apply after (s) | + what sampled steps read (s) | + every whole copy (s) "
            "| same problem | peak RSS (MB) |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        req = f"{r['request']:,} edges" if isinstance(r["request"], int) else f"NodeDeletion, {r['request']}"
        lines.append(f"| {r['edges']:,} | {r['nodes']:,} | {req} | {_s(r, 'validate_before')} "
                     f"| {_s(r, 'validate_after')} | {_s(r, 'apply_before')} | {_s(r, 'apply_after')} "
                     f"| {_s(r, 'apply_local')} | {_s(r, 'apply_whole')} "
                     f"| {r.get('agree', '—')} | {r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def reading(rows) -> str:
    """What the table says, computed from it: the targets and where each request's cost goes."""
    out = ["## Reading the table", "",
           "Times are the median of the repeats per request, one torch thread; peak RSS is the process's peak so far "
           "(generation included). \"before\" is the reference copy of the previous code path in this script "
           "(`before_validate`, `before_apply`, `before_node_apply`: `torch.isin` against every training-edge key, a "
           "re-`coalesce` of the retained graph, for `NodeDeletion` a `replace` that re-validated the split); "
           "\"after\" is the library. \"apply after\" is `request.apply(split)` alone: it validates and copies "
           "nothing. \"+ what sampled steps read\" adds the 2-hop masks (read from the endpoints' rows), the "
           "retained edges within two hops (D2DGN's default pool; read from those rows, or by one pass over the "
           "edges where that is cheaper) and a batch of 256 retained edges by rank. \"+ every whole copy\" adds "
           "all retained edges, the retained graph and the hop masks: what the previous code built on every "
           "request, and what full-graph steps and `result.data` still build when read. \"same problem\" checks "
           "that both paths give identical forget / retain / graph / hop masks (and `x`).", ""]
    big = [r for r in rows if r["edges"] == max(x["edges"] for x in rows)]
    for r in big:
        if r["request"] == 10_000 and "validate_after" in r:
            ok = r["validate_after"] <= 1.0
            out.append(f"- Target, validation <= 1 s for 10,000 edges at {r['edges']:,} edges: "
                       f"{r['validate_after']:.3f} s" + (f" (before: {r['validate_before']:.2f} s)"
                                                         if "validate_before" in r else "")
                       + f": {'MET' if ok else 'not met'}.")
    for r in big:
        req = f"{r['request']:,} edges" if isinstance(r["request"], int) else f"NodeDeletion of {r['request']}"
        local, whole = r.get("apply_local"), r.get("apply_whole")
        if local is None or whole is None:
            continue
        out.append(f"- {req} at {r['edges']:,} edges: apply {r['apply_after']:.3f} s"
                   + (f" (before {r['apply_before']:.2f} s)" if "apply_before" in r else "")
                   + f"; with what sampled steps read {local:.2f} s, with every whole copy {whole:.2f} s"
                   + (": the request's 2-hop neighbourhood is a large part of this graph, so reading it costs about "
                      "what the copies cost" if local > 0.5 * whole else "") + ".")
    return "\n".join(out) + "\n"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    p.add_argument("--requests", type=int, nargs="+", default=[100, 1_000, 10_000])
    p.add_argument("--node-requests", type=int, nargs="*", default=[1_000],
                   help="also time NodeDeletion of this many random nodes on the link split")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    p.add_argument("--no-before", action="store_true", help="skip the reference copy of the previous code")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "request_cost.md")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = run(args.sizes, args.requests, args.repeats, device, not args.no_before, args.node_requests)
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    machine = (f"{platform.platform()}, Python {platform.python_version()}, torch {torch.__version__}, "
               f"device {device}, torch threads {torch.get_num_threads()}")
    one_time = "\n".join(f"- {r['edges']:,} edges: training graph {r['graph_s']:.2f} s, sorted training-edge keys "
                         f"{r['keys_s']:.2f} s" for r in {r['edges']: r for r in rows}.values())
    args.out.write_text(f"# Request cost (generated by benchmarks/request_cost.py)\n\n{machine}\n\n"
                        f"{table(rows)}\n\nOne-time per split (not per request):\n\n{one_time}\n\n{reading(rows)}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
