"""A data-parallel job for ``tests/test_distributed.py``, launched with torchrun (gloo, CPU):
D2DGN, NegGrad+ and Retrain on real Cora with the retained batch sharded over the ranks and the
gradients averaged; rank 0 saves the resulting state dicts. Usage::

    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/jobs/ddp_unlearn.py MODEL.pt OUT.pt
"""
from __future__ import annotations

import sys

import torch


def runs():
    """The calls the test makes in one process and under torchrun (same seeds, same options)."""
    from graph_unlearn import D2DGN, NegGradPlus, Retrain, TrainConfig

    return {"d2dgn": (D2DGN(steps=5, lr=5e-3, batch_size=512), {}),
            "neggrad_plus": (NegGradPlus(steps=5, batch_size=512), {}),
            "retrain": (Retrain(config=TrainConfig(epochs=20, eval_every=5, patience=4, batch_size=1024)), {}),
            "d2dgn_sampled": (D2DGN(steps=5, lr=5e-3, batch_size=512), {"sampling": [10, 10]})}


def problem():
    from graph_unlearn import EdgeDeletion, load_dataset, sample_forget_edges, split_edges

    split = split_edges(load_dataset("Cora"), seed=0)
    return split, EdgeDeletion(sample_forget_edges(split, 0.05, "out", seed=0))


def main(model_path: str, out_path: str) -> None:
    from graph_unlearn.core.distributed import init_from_env, world
    from graph_unlearn.models.training import load_checkpoint

    torch.set_num_threads(1)
    rank, size = init_from_env("cpu")
    model = load_checkpoint(model_path)
    split, request = problem()
    out = {"world_size": size}
    for name, (method, opts) in runs().items():
        out[name] = method.unlearn(model, split, request, **opts).model.state_dict()
    if world()[0] == 0:
        torch.save(out, out_path)
    import torch.distributed as dist

    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:3])
