r"""Data-parallel training and unlearning on ``torch.distributed`` (launched with ``torchrun``).

When a process group is initialised (:func:`init_from_env`, or the user's own
``torch.distributed.init_process_group``) with world size :math:`W > 1`, every rank holds the
same model and draws the same batch from the same seeded generator; each rank keeps its shard
(:func:`shard`: every :math:`W`-th element, starting at its rank) of the retained batch, and
after each backward pass the gradients are averaged over the ranks (:func:`sync_gradients`,
one ``all_reduce`` per step over a flattened bucket, which is what DDP's reducer does). The
step then equals the single-process step on the whole batch: for a mean loss,
:math:`\nabla \tfrac{1}{B}\sum_{b} \ell_b = \tfrac{1}{W}\sum_r \nabla \tfrac{1}{B/W}\sum_{b \in r} \ell_b`
when the shards are equal (within one element otherwise). The forget set is small and not
sharded: every rank computes the same forget term. With sampled steps
(:mod:`graph_unlearn.data.sampling`) each rank samples the subgraph around its own shard, so
the work per rank shrinks with :math:`W`.

The gradients are averaged by hand rather than by wrapping the module in
``DistributedDataParallel`` because the methods optimise parts of several modules (GNNDelete:
its operators only; D2DGN: a student beside two frozen teachers); the arithmetic is DDP's.
Early-stopping decisions agree on every rank, because the models (and so the validation
scores) do.

Launch (CPU, gloo; GPUs: ``--nproc_per_node`` = number of GPUs, NCCL chosen automatically for
``--device cuda``, each rank on ``cuda:LOCAL_RANK``)::

    torchrun --standalone --nproc_per_node=2 -m graph_unlearn run --dataset Cora --distributed
"""
from __future__ import annotations

import os

import torch


def world() -> tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` without an initialised process group."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard(t: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """This rank's shard of a batch along ``dim`` (every ``world_size``-th element)."""
    rank, size = world()
    if size == 1:
        return t
    index = torch.arange(rank, t.size(dim), size, device=t.device)
    return t.index_select(dim, index)


def sync_gradients(params) -> None:
    """Average the gradients of ``params`` over the ranks (no-op on one process)."""
    _, size = world()
    if size == 1:
        return
    import torch.distributed as dist

    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= size
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def init_from_env(device: str = "cpu") -> tuple[int, int]:
    """Initialise the process group from ``torchrun``'s environment (``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR``...): NCCL for CUDA, gloo otherwise. Returns ``(rank, world_size)``; without
    ``torchrun`` (no ``WORLD_SIZE``) it does nothing."""
    import torch.distributed as dist

    if "WORLD_SIZE" not in os.environ:
        return 0, 1
    if not dist.is_initialized():
        cuda = str(device).startswith("cuda")
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group("nccl" if cuda else "gloo")
    return world()


__all__ = ["world", "shard", "sync_gradients", "init_from_env"]
