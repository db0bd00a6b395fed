"""One full-batch training epoch on ogbl-ddi against its floor (issue 12 target: within 1.5x of
a bare sparse-matmul forward + backward of the same shapes, measured in the same run).

* **library epoch**: ``train_link_predictor``'s seconds per epoch (no validation; see
  :func:`library_epoch`) for the library's
  featureless GCN (learned 128-d node embedding, GCN 128 -> 128 -> 64, the edge benchmark's
  model) on the ogbl-ddi training graph: one Adam step on a batch of 65,536 training edges and as
  many random pairs, BCE of the dot-product scores;
* **floor**: the same arithmetic written bare, with no PyG and no library code: the normalised
  adjacency as a torch CSR matrix (built once, outside the timing, as the library caches it), and
  per step ``H1 = relu(A (E W1) + b1)``, ``Z = A (H1 W2) + b2``, dot-product scores of the same
  edge and pair batch, BCE, ``backward`` (the CSR transpose is built once as well, and
  ``A^T G`` is used for the gradient through ``A`` by the same 8-line autograd function the
  library uses, :func:`graph_unlearn.models.sparse.spmm`: torch's own CSR backward rebuilds the
  transpose each call, which would make the floor 5x slower and the comparison meaningless) and
  an Adam step. The floor thus holds the same kernels; the ratio is the cost of everything else
  (PyG's ``GCNConv``, the library's loop and batching).

Both are timed alternately, ``--repeats`` times each (median), in one process and thread count.

    OMP_NUM_THREADS=1 GRAPH_UNLEARN_DATA=../shared/datasets python benchmarks/epoch_floor.py

writes ``benchmarks/results/epoch_floor.md``.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from graph_unlearn import GNN, TrainConfig, load_dataset, split_edges, train_link_predictor  # noqa: E402
from graph_unlearn.models.sparse import spmm  # noqa: E402


def library_epoch(split, graph, seed: int, m: int) -> float:
    """Seconds per epoch of ``train_link_predictor``: (T(1 + m epochs) - T(1 epoch)) / m, so that
    the one validation pass at the last epoch and the setup cancel out."""
    def run(epochs):
        torch.manual_seed(seed)
        model = GNN("gcn", None, num_nodes=split.num_nodes)
        cfg = TrainConfig(epochs=epochs, eval_every=10 ** 9, patience=10 ** 9, seed=seed)
        t = time.perf_counter()
        train_link_predictor(model, None, graph, split.train_pos, split.val_pos, split.val_neg, cfg)
        return time.perf_counter() - t
    return (run(1 + m) - run(1)) / m


def floor_epoch(split, adj, adj_t, seed: int, m: int) -> float:
    """Seconds per epoch of the bare loop, over ``m`` epochs."""
    gen = torch.Generator().manual_seed(seed)
    n = split.num_nodes
    emb = torch.nn.Parameter(torch.randn(n, 128, generator=gen) * 0.1)
    w1 = torch.nn.Parameter(torch.randn(128, 128, generator=gen) * 0.1)
    b1 = torch.nn.Parameter(torch.zeros(128))
    w2 = torch.nn.Parameter(torch.randn(128, 64, generator=gen) * 0.1)
    b2 = torch.nn.Parameter(torch.zeros(64))
    opt = torch.optim.Adam([emb, w1, b1, w2, b2], lr=0.01)
    adj.transposed = adj_t     # the gradient through A as A^T G with A^T built once (spmm's contract)
    pos_all = split.train_pos
    k = min(65536, pos_all.size(1))
    labels = torch.cat([torch.ones(k), torch.zeros(k)])
    t = time.perf_counter()
    for _ in range(m):
        pos = pos_all[:, torch.randint(0, pos_all.size(1), (k,), generator=gen)]
        neg = torch.randint(0, n, (2, k), generator=gen)
        opt.zero_grad()
        h = torch.relu(spmm(adj, emb @ w1) + b1)
        z = spmm(adj, h @ w2) + b2
        sp, sn = (z[pos[0]] * z[pos[1]]).sum(-1), (z[neg[0]] * z[neg[1]]).sum(-1)
        F.binary_cross_entropy_with_logits(torch.cat([sp, sn]), labels).backward()
        opt.step()
    return (time.perf_counter() - t) / m


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5, help="epochs per timing (default 5)")
    p.add_argument("--out", default=str(HERE / "results" / "epoch_floor.md"))
    args = p.parse_args(argv)
    split = split_edges(load_dataset("ogbl-ddi"), seed=0)
    graph = split.graph()
    adj = graph.adj("gcn")                         # built once (the library caches it per graph)
    adj_plain = torch.sparse_csr_tensor(adj.crow_indices(), adj.col_indices(), adj.values(), adj.shape,
                                        check_invariants=False)
    adj_t = adj_plain.t().to_sparse_csr()
    library_epoch(split, graph, 0, 1)              # warm-up (allocator, PyG's jit of the conv)
    floor_epoch(split, adj_plain, adj_t, 0, 1)
    lib, flo = [], []
    for r in range(args.repeats):
        lib.append(library_epoch(split, graph, r, args.epochs))
        flo.append(floor_epoch(split, adj_plain, adj_t, r, args.epochs))
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    ratio = med(lib) / med(flo)
    lines = ["# ogbl-ddi: one full-batch GCN training epoch against its bare sparse-matmul floor", "",
             f"CPU {platform.processor() or platform.machine()}, torch {torch.__version__}, "
             f"{torch.get_num_threads()} thread(s), on a machine shared with other jobs. ogbl-ddi training graph: "
             f"{split.num_nodes:,} nodes, {split.train_pos.size(1):,} training edges ({graph.num_edges:,} directed). "
             f"Protocol: `benchmarks/epoch_floor.py` docstring; seconds per epoch over {args.epochs} epochs, median "
             f"of {args.repeats} timings, library and floor alternately.", "",
             "| | median (s) | all (s) |", "|---|---|---|",
             f"| library epoch (`train_link_predictor`, per epoch) | {med(lib):.3f} | {', '.join(f'{v:.3f}' for v in lib)} |",
             f"| bare floor (CSR spmm forward + backward + Adam) | {med(flo):.3f} | "
             f"{', '.join(f'{v:.3f}' for v in flo)} |", "",
             f"Ratio library / floor: **{ratio:.2f}x** (target <= 1.5x: {'met' if ratio <= 1.5 else 'not met'})."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
