"""Options are checked in the constructor (every method of the three families), devices resolve
clearly, and ``unlearn()`` leaves the caller's global RNG as it was while staying deterministic."""
from __future__ import annotations

import inspect
import random

import numpy as np
import pytest
import torch

from graph_unlearn.core.options import (OptionError, check_choice, check_fraction, check_int, check_positive,
                                        check_recipe)
from graph_unlearn.core.profiling import resolve_device
from graph_unlearn.core.rng import seeded_rng
from graph_unlearn.general.methods import GENERAL_METHODS
from graph_unlearn.methods import ALL_METHODS
from recsys.methods import METHODS as REC_METHODS

FAMILIES = [("graph", n, c) for n, c in ALL_METHODS.items()] + \
           [("recsys", n, c) for n, c in REC_METHODS.items()] + \
           [("general", n, c) for n, c in GENERAL_METHODS.items()]
IDS = [f"{fam}-{name}" for fam, name, _ in FAMILIES]

#: options whose values are not plain numbers / strings / flags (checked by their own tests)
SKIP = {"self", "kw", "kwargs", "args", "train_fn"}


def _parameters(cls):
    """Every constructor parameter along the MRO: ``{name: inspect.Parameter}`` (first wins)."""
    params = {}
    for klass in cls.__mro__:
        if "__init__" in klass.__dict__ and klass is not object:
            for name, p in inspect.signature(klass.__init__).parameters.items():
                if name not in SKIP and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                    params.setdefault(name, p)
    return params


def _bad_values(name, p):
    """Values wrong for the option whatever its exact range: a wrong type, a bool, a negative,
    a non-finite number, a fractional value for an integer, an unknown choice."""
    default, ann = p.default, str(p.annotation)
    if name == "device":
        return ["tpu", 3, "cuda:99" if torch.cuda.is_available() else "cuda"]
    if name == "loss":
        return ["hinge", 3]
    if name == "config":
        return ["fast", 3]
    if isinstance(default, bool) or ann == "bool":
        return ["yes", 1, None]
    if (isinstance(default, int) and not isinstance(default, bool)) or (default is None and "int" in ann
                                                                         and "float" not in ann):
        return ["3", True, 2.5, -1, float("nan")]
    if isinstance(default, float) or "float" in ann:
        return ["fast", True, -1.0, float("nan"), float("inf"), [0.1]]
    if isinstance(default, str):
        return ["no-such-choice", 3, None]
    return []


CASES = [(fam, name, cls, opt, bad) for fam, name, cls in FAMILIES
         for opt, p in _parameters(cls).items() for bad in _bad_values(opt, p)]


def test_every_method_has_options_to_check():
    assert {fam for fam, *_ in CASES} == {"graph", "recsys", "general"}
    covered = {(fam, name) for fam, name, *_ in CASES}
    assert covered == {(fam, name) for fam, name, _ in FAMILIES}


@pytest.mark.parametrize("fam,name,cls", FAMILIES, ids=IDS)
def test_defaults_construct(fam, name, cls):
    method = cls()
    assert method.device == torch.device("cpu")


@pytest.mark.parametrize("fam,name,cls,option,bad", CASES,
                         ids=[f"{f}-{n}-{o}={b!r}" for f, n, _, o, b in CASES])
def test_bad_option_refused_at_construction(fam, name, cls, option, bad):
    with pytest.raises((ValueError, TypeError)) as err:
        cls(**{option: bad})
    msg = str(err.value)
    assert option in msg, msg
    assert cls.__name__ in msg, msg


@pytest.mark.parametrize("cls,options", [
    (ALL_METHODS["d2dgn"], {"retain_weight": 1.5}), (ALL_METHODS["gnndelete"], {"forget_weight": -0.1}),
    (ALL_METHODS["neggrad_plus"], {"retain_weight": 1.01}), (ALL_METHODS["gif"], {"solver": "lu"}),
    (ALL_METHODS["graph_eraser"], {"num_shards": 0}), (ALL_METHODS["descent_to_delete"], {"steps": 0}),
    (ALL_METHODS["retrain"], {"init_seed": -3}), (REC_METHODS["neggrad_plus"], {"forget_weight": 2.0}),
    (REC_METHODS["mmrecun"], {"optimizer": "rmsprop"}), (REC_METHODS["gold"], {"epochs": 0}), (ALL_METHODS["finetune"], {"steps": 1, "epochs": 1}),
    (REC_METHODS["finetune"], {"batch_size": 0}), (GENERAL_METHODS["salun"], {"fraction": 0.0}),
    (GENERAL_METHODS["scrub"], {"epochs": 1, "max_epochs": 2}),
    (GENERAL_METHODS["bad_teacher"], {"retain_fraction": 1.5}),
    (GENERAL_METHODS["neggrad_plus"], {"retain_weight": 3}), (GENERAL_METHODS["finetune"], {"epochs": 0}),
])
def test_out_of_range_refused(cls, options):
    with pytest.raises(ValueError, match="|".join(options)):
        cls(**options)


def test_the_issue_example_names_class_and_option():
    with pytest.raises(ValueError, match=r"^D2DGN: lr must be a positive number.*got 'fast'"):
        ALL_METHODS["d2dgn"](lr="fast")
    with pytest.raises(TypeError, match="steps"):     # OptionError is both a ValueError and a TypeError
        ALL_METHODS["gnndelete"](steps=-5)


def test_recipe_fields_checked():
    from graph_unlearn.models.training import TrainConfig

    with pytest.raises(ValueError, match=r"config\.lr"):
        ALL_METHODS["retrain"](config=TrainConfig(lr=-1.0))
    with pytest.raises(ValueError, match=r"config\.epochs"):
        check_recipe("X", "config", TrainConfig(epochs=2.5))
    assert check_recipe("X", "config", TrainConfig()) is not None


def test_checkers_accept_valid_values():
    assert check_positive("X", "lr", np.float32(0.5)) == np.float32(0.5)
    assert check_int("X", "epochs", np.int64(3)) == 3
    assert check_fraction("X", "alpha", 1) == 1
    assert check_choice("X", "mode", "a", ("a", "b")) == "a"
    for bad in (True, np.bool_(True), 0, -2, "1", 1.0):
        with pytest.raises(OptionError):
            check_int("X", "epochs", bad)


@pytest.mark.parametrize("device", ["tpu", "gpu", "cuda:x", 7, 1.5])
def test_resolve_device_errors_are_clear(device):
    with pytest.raises(ValueError, match="device"):
        resolve_device(device)


def test_resolve_device_cpu_and_auto():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="cuda"):
            resolve_device("cuda")


# ---------------------------------------------------------------------------------------------
# the caller's RNG

#: multi-threaded sparse products sum in a varying order: same-seed runs agree to ~1e-7, not bitwise
TOL = 1e-5

def _states():
    return torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()


def _assert_same_states(before):
    after = _states()
    assert torch.equal(before[0], after[0]), "unlearn() changed the caller's torch RNG state"
    assert np.array_equal(before[1], after[1]), "unlearn() changed numpy's global RNG state"
    assert before[2] == after[2], "unlearn() changed Python's random state"


def test_seeded_rng_restores_and_reproduces():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    with seeded_rng(5):
        a = torch.rand(3)
    assert torch.equal(torch.get_rng_state(), before)
    with seeded_rng(5):
        b = torch.rand(3)
    assert torch.equal(a, b)


def test_graph_unlearn_leaves_caller_rng(cora_split, cora_request):
    from graph_unlearn import GNN
    from graph_unlearn.methods import GradientAscent

    with seeded_rng(0):   # an untrained model is enough here (and avoids the slow trained fixture)
        cora_model = GNN("gcn", cora_split.num_features)
    torch.manual_seed(2024)
    np.random.seed(7)
    random.seed(7)
    before = _states()
    r1 = GradientAscent(steps=2, seed=3).unlearn(cora_model, cora_split, cora_request)
    _assert_same_states(before)
    torch.rand(5)   # the caller's RNG moves on; the method's result must not depend on it
    r2 = GradientAscent(steps=2, seed=3).unlearn(cora_model, cora_split, cora_request)
    for a, b in zip(r1.model.state_dict().values(), r2.model.state_dict().values()):
        assert torch.allclose(a, b, atol=TOL, rtol=0)


def test_graph_dropout_model_deterministic_per_seed(cora_split, cora_request):
    """Dropout draws from the global RNG: with a method seed the result is still reproducible."""
    from graph_unlearn import GNN
    from graph_unlearn.methods import NegGradPlus

    with seeded_rng(0):
        model = GNN("gcn", cora_split.num_features, dropout=0.5)
    torch.manual_seed(99)
    before = _states()
    r1 = NegGradPlus(steps=2, seed=1).unlearn(model, cora_split, cora_request)
    _assert_same_states(before)
    torch.rand(10)
    r2 = NegGradPlus(steps=2, seed=1).unlearn(model, cora_split, cora_request)
    r3 = NegGradPlus(steps=2, seed=2).unlearn(model, cora_split, cora_request)
    p1, p2, p3 = (torch.cat([p.detach().flatten() for p in r.model.parameters()]) for r in (r1, r2, r3))
    assert torch.allclose(p1, p2, atol=TOL, rtol=0)
    assert (p1 - p3).abs().max() > 100 * TOL      # another seed: other dropout masks


def test_recsys_unlearn_leaves_caller_rng(small_rec):
    from recsys import MMRecUn, UserDeletion
    from recsys.methods import Retrain

    data, model = small_rec
    torch.manual_seed(11)
    before = _states()
    r1 = MMRecUn(steps=2, seed=4).unlearn(model, data, UserDeletion([1, 2]))
    g = Retrain(epochs=1, seed=4).unlearn(model, data, UserDeletion([1, 2]))  # fresh(seed)
    _assert_same_states(before)
    torch.rand(3)
    r2 = MMRecUn(steps=2, seed=4).unlearn(model, data, UserDeletion([1, 2]))
    for a, b in zip(r1.model.parameters(), r2.model.parameters()):
        assert torch.allclose(a, b, atol=TOL, rtol=0)
    assert g.model is not None


def test_general_unlearn_and_make_model_leave_caller_rng():
    from graph_unlearn.general import make_model
    from graph_unlearn.general.data import load_general_dataset, make_request
    from graph_unlearn.general.methods import FineTune
    from graph_unlearn.core.losses import resolve_loss
    from graph_unlearn.general.task import TrainConfig, fit

    data = load_general_dataset("digits", seed=0)
    torch.manual_seed(5)
    before = _states()
    model = make_model(data, seed=0)
    assert torch.equal(torch.get_rng_state(), before[0]), "make_model changed the caller's RNG"
    fit(model, data.x_train, data.y_train, resolve_loss(None, data.task), TrainConfig(epochs=1, lr=1e-3,
                                                                                       batch_size=128))
    request = make_request(data, "random", fraction=0.05, seed=0)
    before = _states()
    r1 = FineTune(epochs=1, seed=2).unlearn(model, data, request)
    _assert_same_states(before)
    torch.rand(4)
    r2 = FineTune(epochs=1, seed=2).unlearn(model, data, request)
    for a, b in zip(r1.model.parameters(), r2.model.parameters()):
        assert torch.allclose(a, b, atol=TOL, rtol=0)
    m1, m2 = make_model(data, seed=1), make_model(data, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(m1.parameters(), m2.parameters()))
