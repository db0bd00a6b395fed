"""CUDA checks (issue 12 item 5), marked ``cuda``: they skip, with the reason, on a machine without
a CUDA device, and run in ``benchmarks/gpu_check.sh`` (``pytest -m cuda``) on one that has it.
Each checks that a method runs on the GPU end to end on real Cora and gives what it gives on
the CPU (same seeds; tolerance for the different kernels)."""
from __future__ import annotations

import pytest
import torch

from graph_unlearn import D2DGN, GNN, NegGradPlus, Retrain, TrainConfig, train_link_predictor
from graph_unlearn.data.sampling import NeighborSampler

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")]


def _forget_p(model, problem):
    with torch.no_grad():
        return torch.sigmoid(model.decode(model(problem.x, problem.graph), problem.forget)).mean().item()


@pytest.mark.parametrize("sampling", ["full", [10, 10]])
def test_methods_run_on_cuda_like_on_cpu(cora_model, cora_split, cora_request, sampling):
    for method_cls, kw in ((D2DGN, {"steps": 10, "lr": 5e-3}), (NegGradPlus, {"steps": 10})):
        cpu = method_cls(**kw).unlearn(cora_model, cora_split, cora_request, sampling=sampling)
        gpu = method_cls(device="cuda", **kw).unlearn(cora_model, cora_split, cora_request, sampling=sampling)
        assert next(gpu.model.parameters()).is_cuda
        assert gpu.device.startswith("cuda")
        p_cpu = _forget_p(cpu.model, cora_request.apply(cora_split))
        p_gpu = _forget_p(gpu.model.cpu(), cora_request.apply(cora_split))
        assert abs(p_cpu - p_gpu) < 0.02, (method_cls.__name__, sampling, p_cpu, p_gpu)
        assert cora_model.convs[0].lin.weight.device.type == "cpu"   # the original stays where it was


def test_sampler_and_training_on_cuda(cora_split):
    graph = cora_split.graph().to("cuda")
    sub = NeighborSampler(graph, [5, 5]).sample(torch.tensor([1, 2, 3], device="cuda"), torch.Generator())
    assert sub.nodes.is_cuda and sub.graph.device.type == "cuda"
    split = cora_split.to("cuda")
    torch.manual_seed(0)
    model = GNN("gcn", split.num_features).cuda()
    info = train_link_predictor(model, split.x, split.graph(), split.train_pos, split.val_pos, split.val_neg,
                                TrainConfig(epochs=40, eval_every=5, patience=4, fanouts=(10, 10)))
    assert info["best_val_auroc"] > 0.8


def test_retrain_on_cuda(cora_model, cora_split, cora_request):
    res = Retrain(device="cuda", config=TrainConfig(epochs=40, eval_every=5, patience=4)).unlearn(
        cora_model, cora_split, cora_request)
    assert next(res.model.parameters()).is_cuda
    assert _forget_p(res.model.cpu(), cora_request.apply(cora_split)) < _forget_p(cora_model,
                                                                                  cora_request.apply(cora_split))


@pytest.mark.parametrize("sampling", ["full", [10, 10]])
def test_node_unlearning_on_cuda_like_on_cpu(cora, sampling):
    """Node deletion on the GPU, full-graph and sampled steps (SampledNodeTaskOps): D2DGN and
    GNNDelete lower the forgotten nodes' true-class log-probability as on the CPU."""
    from graph_unlearn import GNNDelete, NodeDeletion, random_node_split, sample_forget_nodes
    from graph_unlearn.tasks.node_classification import node_scores, train_node_classifier

    split = random_node_split(cora, seed=0)
    torch.manual_seed(0)
    model = GNN("gcn", cora.num_features, 16, int(cora.y.max()) + 1)
    train_node_classifier(model, split.x, split.graph, split.y, split.train_idx, split.val_idx)
    req = NodeDeletion(sample_forget_nodes(split, 0.05, seed=0))
    problem = req.apply(split)

    def logp(m):
        with torch.no_grad():
            return node_scores(m.cpu(), problem)[problem.forget_nodes].mean().item()

    for method_cls, kw in ((D2DGN, {"steps": 20, "lr": 1e-2}), (GNNDelete, {"batch_size": 256})):
        cpu = method_cls(**kw).unlearn(model, split, req, sampling=sampling)
        gpu = method_cls(device="cuda", **kw).unlearn(model, split, req, sampling=sampling)
        assert next(gpu.model.parameters()).is_cuda
        assert abs(logp(cpu.model) - logp(gpu.model)) < 0.03, (method_cls.__name__, sampling)
