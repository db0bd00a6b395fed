"""Data-parallel unlearning (issue 12 item 4): a 2-process gloo job on CPU, launched with torchrun
as the README documents, reproduces the single-process results on real Cora: the retained batch
is sharded over the ranks and the gradients averaged, so each step equals the one-process step on
the whole batch. Without the gradient averaging each rank would train on half the batch and the
results would differ (checked below)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from graph_unlearn.models.training import save_checkpoint

sys.path.insert(0, str(Path(__file__).parent / "jobs"))
import ddp_unlearn  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


def _max_diff(a: dict, b: dict) -> float:
    return max((a[k].float() - b[k].float()).abs().max().item() for k in a)


@pytest.fixture(scope="module")
def ddp_results(cora_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ddp")
    save_checkpoint(cora_model, tmp / "model.pt")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    job = Path(__file__).parent / "jobs" / "ddp_unlearn.py"
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           str(job), str(tmp / "model.pt"), str(tmp / "out.pt")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return torch.load(tmp / "out.pt", weights_only=True)


def test_two_gloo_ranks_reproduce_one_process(ddp_results, cora_model):
    split, request = ddp_unlearn.problem()
    assert ddp_results["world_size"] == 2
    for name, (method, opts) in ddp_unlearn.runs().items():
        if name == "d2dgn_sampled":
            continue
        single = method.unlearn(cora_model, split, request, **opts).model.state_dict()
        diff = _max_diff(single, ddp_results[name])
        assert diff < 1e-4, (name, diff)
        # the parameters moved far more than the tolerance: the comparison is not vacuous
        assert _max_diff(single, cora_model.state_dict()) > 100 * max(diff, 1e-6), name


def test_sharding_without_averaging_would_differ(cora_model, monkeypatch):
    """The negative control: one rank's half batch alone gives another model."""
    import graph_unlearn.core.distributed as dist_mod

    split, request = ddp_unlearn.problem()
    method, opts = ddp_unlearn.runs()["neggrad_plus"]
    whole = method.unlearn(cora_model, split, request).model.state_dict()
    monkeypatch.setattr(dist_mod, "world", lambda: (0, 2))      # rank 0 of 2, gradients not averaged
    monkeypatch.setattr(dist_mod, "sync_gradients", lambda params: None)
    import graph_unlearn.core.optim as optim_mod

    monkeypatch.setattr(optim_mod, "sync_gradients", lambda params: None)
    half = method.unlearn(cora_model, split, request).model.state_dict()
    assert _max_diff(whole, half) > 1e-3


def test_sampled_data_parallel_run_forgets(ddp_results, cora_model):
    """Sampled steps under DDP: each rank samples around its shard; the result is a trained
    model that moved away from the original (not a bitwise copy of the one-process run)."""
    from graph_unlearn import GNN

    split, request = ddp_unlearn.problem()
    model = GNN(**cora_model.config)
    model.load_state_dict(ddp_results["d2dgn_sampled"])
    problem = request.apply(split)
    with torch.no_grad():
        p_new = torch.sigmoid(model.decode(model(problem.x, problem.graph), problem.forget)).mean()
        p_old = torch.sigmoid(cora_model.decode(cora_model(problem.x, problem.graph), problem.forget)).mean()
    assert p_new < p_old - 0.02, (p_new, p_old)
