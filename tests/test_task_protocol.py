"""One task protocol, methods written once: the same Retrain / FineTune / GradientAscent / NegGrad+
classes run on real link (Cora edges), node (Cora nodes), rec (ML-100K users) and sample (digits)
tasks; the loop does what its docstring says; options that mean nothing for a task are refused."""
from __future__ import annotations

import math

import pytest
import torch

import recsys
from graph_unlearn import ALL_METHODS, D2DGN, NodeDeletion, TrainConfig
from graph_unlearn.core.methods import FineTune, GradientAscent, NegGradPlus, Retrain
from graph_unlearn.core.task import resolve_task
from graph_unlearn.general import GENERAL_METHODS, load_general_dataset, make_request
from graph_unlearn.general.data import TrainConfig as SampleRecipe
from graph_unlearn.general.task import train_original
from node_common import cora_node_model, cora_node_split, forget_nodes

pytestmark = pytest.mark.usefixtures("one_thread")
SHARED = {"retrain": Retrain, "finetune": FineTune, "gradient_ascent": GradientAscent, "neggrad_plus": NegGradPlus}


@pytest.fixture(scope="module")
def rec(small_rec):
    from recsys import UserDeletion

    data, model = small_rec
    return model, data, UserDeletion([1, 2, 3])


@pytest.fixture(scope="module")
def digits():
    data = load_general_dataset("digits", seed=0)
    data.recipe = SampleRecipe(epochs=4, lr=3e-3, batch_size=64)
    return train_original(data, seed=0), data, make_request(data, "random", seed=0)


@pytest.fixture(scope="module")
def tasks(cora_model, cora_split, cora_request, rec, digits):
    return {"link": (cora_model, cora_split, cora_request),
            "node": (cora_node_model(), cora_node_split(), NodeDeletion(forget_nodes())),
            "rec": rec, "sample": digits}


def test_each_domain_registry_holds_the_same_classes():
    for name, cls in SHARED.items():
        assert ALL_METHODS[name] is cls and GENERAL_METHODS[name] is cls
        assert recsys.METHODS["gold" if name == "retrain" else name] is cls


@pytest.mark.parametrize("kind", ["link", "node", "rec", "sample"])
def test_resolve_task_finds_the_domain(kind, tasks):
    model, data, request = tasks[kind]
    assert resolve_task(FineTune(), model, data, request).kind == kind


@pytest.mark.parametrize("name", ["finetune", "gradient_ascent", "neggrad_plus"])
def test_one_class_runs_every_task_with_its_defaults(name, tasks):
    cls = SHARED[name]
    for kind, (model, data, request) in tasks.items():
        res = cls(steps=3).unlearn(model, data, request)
        opts = res.extra["options"]
        defaults = cls.TASK_DEFAULTS[kind]
        assert opts["steps"] == 3 and opts["lr"] == defaults["lr"], (kind, opts)
        assert (opts["retain_weight"] > 0) == (name != "gradient_ascent")
        assert (opts["forget_weight"] > 0) == (name != "finetune")
        assert not res.noop, (name, kind, res.audit["noop_rule"])     # the forget outputs moved
        assert res.audit["forget_output_shift_rel"] > 1e-3


def test_epochs_are_passes_over_the_data(digits):
    model, data, request = digits
    n_r = data.num_train - len(request)
    res = FineTune(epochs=2).unlearn(model, data, request)
    assert res.extra["options"]["steps"] == 2 * math.ceil(n_r / 64) and res.epochs == 2
    res = GradientAscent(epochs=1).unlearn(model, data, request)
    assert res.extra["options"]["steps"] == math.ceil(len(request) / 64)


def test_gradient_ascent_is_the_plain_loop(digits):
    """The shared loop on a sample task is exactly Adam on -CE over shuffled forget batches."""
    model, data, request = digits
    res = GradientAscent(epochs=2, lr=1e-3, seed=5).unlearn(model, data, request)
    net = __import__("copy").deepcopy(model).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    split = data.partition(request)
    gen = torch.Generator().manual_seed(5)
    for _ in range(2):
        for idx in torch.randperm(len(split.x_forget), generator=gen).split(64):
            opt.zero_grad()
            (-torch.nn.functional.cross_entropy(net(split.x_forget[idx]), split.y_forget[idx])).backward()
            opt.step()
    for a, b in zip(res.model.parameters(), net.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_neggrad_plus_weights_and_sign(cora_model, cora_split, cora_request):
    """NegGrad+ descends on D_r and ascends on D_f: with only the forget term it raises the
    deleted edges' loss; the weights given are the weights used (one given: the other is 1 - it)."""
    from graph_unlearn.tasks.link_prediction import link_bce_loss

    def forget_bce(m):
        with torch.no_grad():
            z = m(cora_split.x, cora_request.apply(cora_split).graph)
            return float(link_bce_loss(m.decode(z, cora_request.apply(cora_split).forget)))

    res = NegGradPlus(retain_weight=0.0, steps=5).unlearn(cora_model, cora_split, cora_request)
    assert res.extra["options"]["forget_weight"] == 1.0
    assert forget_bce(res.model) > forget_bce(cora_model) + 0.05
    assert NegGradPlus(retain_weight=0.8, steps=1).unlearn(
        cora_model, cora_split, cora_request).extra["options"]["forget_weight"] == pytest.approx(0.2)


def test_retrain_uses_each_tasks_recipe(tasks):
    model, data, request = tasks["rec"]
    res = Retrain(epochs=1).unlearn(model, data, request)
    assert res.extra["recipe"].startswith("library BPRConfig(epochs=1")
    model, data, request = tasks["sample"]
    res = Retrain(epochs=1).unlearn(model, data, request)
    assert res.epochs == 1 and "epochs=1" in res.extra["recipe"]


def test_options_that_do_not_apply_are_refused(tasks):
    link, rec_, sample = tasks["link"], tasks["rec"], tasks["sample"]
    with pytest.raises(ValueError, match="reg .* recommendation tasks only"):
        NegGradPlus(reg=1e-4).unlearn(*link)
    with pytest.raises(ValueError, match="loss .* does not apply to a link task"):
        FineTune(loss="l1").unlearn(*link)
    with pytest.raises(ValueError, match="handles rec tasks, not a link task"):
        recsys.MMRecUn().unlearn(*link)
    with pytest.raises(ValueError, match="handles link and node tasks, not a rec task"):
        D2DGN().unlearn(*rec_)
    with pytest.raises(ValueError, match="a rec task trains with a recsys.training.BPRConfig"):
        Retrain(config=TrainConfig()).unlearn(*rec_)
    with pytest.raises(ValueError, match="give steps .* or epochs .* not both"):
        FineTune(steps=2, epochs=1)
    with pytest.raises(TypeError, match="cannot tell which task"):
        FineTune().unlearn(sample[0], {"x": 1}, [1, 2])
    with pytest.raises(ValueError, match="given twice"):
        FineTune(loss="l1").unlearn(*sample, loss="mse")
    with pytest.raises(ValueError, match="no deletion request"):
        NegGradPlus().unlearn(link[0], link[1], None)


def test_a_sample_method_uses_the_loss_hook_given_to_unlearn(digits):
    """``unlearn(..., loss=hook)`` reaches the sample task's own methods too (their problem is the
    task's, built once), not only the methods written for every task."""
    model, data, request = digits
    calls = []

    def hook(outputs, targets, reduction="mean"):
        calls.append(outputs.shape)
        return torch.nn.functional.cross_entropy(outputs, targets, reduction=reduction)

    GENERAL_METHODS["l1_sparse"](epochs=1).unlearn(model, data, request, loss=hook)
    assert calls
