"""Recommender unlearners: the reverse-BPR sign, the shared retain/forget loop and each
method's contract (new model, original untouched, parameters changed, stats)."""
import pytest
import torch

import graph_unlearn.core.retain_forget as rf
from graph_unlearn.core import Unlearner
from graph_unlearn.core.retain_forget import reversed_loss
from recsys import FREEDOM, VBPR, BPRConfig, FineTune, GradientAscent, LightGCN, MMRecUn, NegGradPlus, Retrain
from recsys.data import load_dataset
from recsys.models import bpr_loss
from recsys.requests import InteractionDeletion, ItemDeletion, ModalityDeletion, UserDeletion
from recsys.training import NegativeSampler, train_bpr

FAST = dict(epochs=6, batch_size=2048, lr=1e-2, eval_every=3, patience=2)


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    data = load_dataset("ml100k-mm").first_users(150)
    model = LightGCN(data.num_users, data.num_items, dim=32, num_layers=2)
    hist = train_bpr(model, data, **FAST)
    assert hist["best_valid_recall20"] > 0.1       # it learned something real
    u, i = data.train_pairs()
    gen = torch.Generator().manual_seed(3)
    pick = torch.randperm(u.numel(), generator=gen)[:300]
    return data, model, InteractionDeletion(u[pick], i[pick])


def margin(model, data, request):
    """Mean score gap of the forgotten pairs over fixed random negatives (on the retained graph)."""
    deletion = request.apply(data)
    graph = model.build_graph(deletion.retained)
    with torch.no_grad():
        out = model(graph)
        neg = NegativeSampler(deletion.retained, generator=torch.Generator().manual_seed(0))(deletion.forget_user)
        pos_s = model.score_pairs(out, deletion.forget_user, deletion.forget_item)
        neg_s = model.score_pairs(out, deletion.forget_user, neg)
    return float((pos_s - neg_s).mean())


def test_reverse_bpr_is_swapped_bpr():
    pos, neg = torch.tensor([2.0, 0.5]), torch.tensor([0.0, 1.0])
    rev = reversed_loss(bpr_loss, "swap")
    assert rev(pos, neg) == pytest.approx(-torch.nn.functional.logsigmoid(neg - pos).mean().item())
    # descending the reversed loss lowers the positive's score
    p = pos.clone().requires_grad_(True)
    rev(p, neg).backward()
    assert (p.grad > 0).all()


def test_mmrecun_sign_lowers_forgotten_scores(setup):
    """Fails if the reverse BPR sign is flipped (the RRL re-implementation bug): after MMRecUn
    the forgotten interactions score lower relative to negatives; a forward-BPR run (wrong sign)
    raises them."""
    data, model, request = setup
    before = margin(model, data, request)
    after = margin(MMRecUn(forget_weight=4.0, retain_weight=1.0, steps=25, lr=3e-3).unlearn(model, data, request).model, data, request)
    assert after < before - 0.1 * abs(before)
    # the same loop with the forget loss NOT reversed reinforces them: the test can tell
    flipped = MMRecUn(forget_weight=4.0, retain_weight=1.0, steps=25, lr=3e-3)
    orig = rf.reversed_loss
    try:
        rf.reversed_loss = lambda fn, mode: fn
        wrong = margin(flipped.unlearn(model, data, request).model, data, request)
    finally:
        rf.reversed_loss = orig
    assert wrong > after


def test_mmrecun_and_neggrad_share_the_loop(setup, monkeypatch):
    data, model, request = setup
    calls = []
    real = rf.retain_forget_steps

    def spy(*a, **kw):
        calls.append(kw)
        return real(*a, **kw)

    monkeypatch.setattr(rf, "retain_forget_steps", spy)
    modes = []
    real_rev = rf.reversed_loss
    monkeypatch.setattr(rf, "reversed_loss", lambda fn, mode: modes.append(mode) or real_rev(fn, mode))
    MMRecUn(forget_weight=0.7, retain_weight=1.0, steps=2).unlearn(model, data, request)
    NegGradPlus(retain_weight=0.8, steps=2).unlearn(model, data, request)
    assert modes == ["swap"]   # MMRecUn swaps; NegGrad+ negates the same loss (sign checked in test_methods)
    assert [(c["retain_weight"], c["forget_weight"]) for c in calls] == [(1.0, 0.7), (0.8, pytest.approx(0.2))]


@pytest.mark.parametrize("method", [MMRecUn(steps=3), FineTune(steps=3), GradientAscent(steps=3),
                                    NegGradPlus(steps=3), Retrain(BPRConfig(**{k: v for k, v in FAST.items() if k != "batch_size"}))])
def test_contract(setup, method):
    data, model, request = setup
    assert isinstance(method, Unlearner)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    res = method.unlearn(model, data, request)
    assert res.model is not model and isinstance(res.model, LightGCN)
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    assert any(not torch.equal(state[k], v) for k, v in res.model.state_dict().items())
    assert res.seconds > 0 and res.epochs > 0 and res.method == method.name
    assert method.name in repr(res)


def test_other_requests_and_models(setup):
    data, _, _ = setup
    dims = data.modality_dims()
    for model in (VBPR(data.num_users, data.num_items, dims, dim=16),
                  FREEDOM(data.num_users, data.num_items, dims, dim=16, knn_k=5)):
        for request in (UserDeletion([1, 2]), ItemDeletion([0, 49]), ModalityDeletion("text", [0, 1, 2])):
            res = MMRecUn(steps=2).unlearn(model, data, request)
            assert type(res.model) is type(model)
    with pytest.raises(ValueError, match="nothing to unlearn"):
        GradientAscent(steps=1).unlearn(model, data, ModalityDeletion("text", [0]))


def test_option_and_data_errors(setup):
    data, model, request = setup
    with pytest.raises(ValueError, match="retain_weight"):
        NegGradPlus(retain_weight=1.5)
    with pytest.raises(ValueError, match=">= 0"):
        MMRecUn(forget_weight=-1)
    with pytest.raises(ValueError, match="InteractionData"):
        MMRecUn(steps=1).unlearn(model, {"not": "data"}, request)
    with pytest.raises(ValueError, match="sized for"):
        MMRecUn(steps=1).unlearn(LightGCN(3, 4, dim=4), data, request)


def test_interaction_mia_sees_training_members(setup):
    from recsys.evaluation import interaction_mia

    data, model, _ = setup
    u, i = data.train_pairs()
    # no deletion: "forgotten" = all training interactions; the (briefly) trained model remembers
    # them better than test interactions (all ~12k pairs: the AUC estimate is tight)
    assert interaction_mia(model, data, (u, i)) > 0.515
    with pytest.raises(ValueError, match="empty"):
        interaction_mia(model, data, (u[:0], i[:0]))


def test_cli_rec_writes_json(tmp_path):
    import json

    from graph_unlearn.cli import main

    out = tmp_path / "report.json"
    rc = main(["rec", "--dataset", "ml100k-mm", "--model", "lightgcn", "--delete", "users", "--fraction", "0.05",
               "--methods", "mmrecun,finetune", "--seeds", "0", "--epochs", "1", "--max-users", "50",
               "--json", str(out)])
    assert rc == 0
    rep = json.loads(out.read_text())
    for name in ("mmrecun", "finetune", "original"):
        assert {"test_recall20", "test_ndcg20", "forget_recall20", "mia_auc", "seconds", "peak_mem_mb"} <= set(rep["methods"][name])
    assert rep["methods"]["mmrecun"]["seconds"] > 0
    assert main(["rec", "--methods", "nope", "--max-users", "50", "--epochs", "1"]) == 2


def test_mmrecun_tuner_keeps_utility_before_forgetting():
    from recsys.experiment import choose_setting

    gentle = {"lr": 5e-4, "valid_recall20": 0.33, "cost": 3.5}     # keeps utility, forgets little
    harsh = {"lr": 30.0, "valid_recall20": 0.20, "cost": 0.99}     # forgets, loses 40% of utility
    middle = {"lr": 1.0, "valid_recall20": 0.32, "cost": 2.0}
    diverged = {"lr": 99.0, "valid_recall20": None, "cost": float("inf")}
    assert choose_setting([gentle, harsh, middle, diverged], base_valid=0.335) is middle
    assert choose_setting([gentle, harsh], base_valid=0.335) is gentle
    assert choose_setting([harsh, diverged], base_valid=0.335) is harsh  # nothing eligible: lowest cost
    with pytest.raises(ValueError, match="no tuning rows"):
        choose_setting([], base_valid=0.3)


def test_mmrecun_defaults_are_per_request_kind(setup, one_thread):
    """Left at None, forget_weight / lr / steps come from the request kind's tuned defaults
    (``MMRecUn.KIND_DEFAULTS``, ``benchmarks/tune_rec_defaults.py``); given options win."""
    from recsys.task import RecTask

    data, model, _ = setup
    requests = {"users": UserDeletion([1, 2]), "items": ItemDeletion([0, 49]),
                "interactions": InteractionDeletion([0], [int(data.item[data.user == 0][0])]),
                "modality": ModalityDeletion("text", [0, 1])}
    vbpr = VBPR(data.num_users, data.num_items, data.modality_dims(), dim=8)
    for kind, request in requests.items():
        task = RecTask.build(MMRecUn(), vbpr, data, request)
        opts = MMRecUn().options_for(task)
        assert {k: opts[k] for k in MMRecUn.KIND_DEFAULTS[kind]} == MMRecUn.KIND_DEFAULTS[kind], kind
        assert (opts["retain_weight"], opts["reg"], opts["batch_size"]) == (1.0, 1e-4, 2048)
        given = MMRecUn(lr=0.05, forget_weight=2.0, epochs=1).options_for(task)
        assert (given["lr"], given["forget_weight"], given["epochs"], given["steps"]) == (0.05, 2.0, 1, None)


@pytest.mark.parametrize("model_name", ["lightgcn", "vbpr"])
def test_mmrecun_defaults_forget_deleted_users(model_name, one_thread):
    """MMRecUn() on a 5% users request, judged by the matched-holdout attack its users default
    was tuned by (``benchmarks/tune_rec_defaults.py``: reset_deleted, forget_weight 0.25, Adam lr
    1e-3, 100 steps): the deleted users' interactions go from "seen" (attack AUC 1.0) to about as
    familiar as never-seen users' (0.5), not below, and validation Recall@20 holds. ML-100K's
    first 300 users, request and holdout seed 0 (15 users each), measured: LightGCN 1.0 -> 0.53,
    VBPR 1.0 -> 0.42 (FREEDOM 0.52). The previous default (0.1 / 3e-3 / 100, no reset) left
    LightGCN at 0.93 and drove VBPR to 0.12: both outside the band asserted here."""
    from recsys.evaluation import evaluate
    from recsys.experiment import holdout_attack, train_original
    from recsys.requests import sample_request, withhold_holdout

    data = load_dataset("ml100k-mm").first_users(300)
    request, hold_request = sample_request(data, "users", 0.05, seed=0, holdout=True)
    run_data, hold = withhold_holdout(data, hold_request)
    model, _ = train_original(run_data, model_name, 0)
    attack = holdout_attack(model, run_data, request, hold)
    retained = request.apply(run_data).retained
    valid0 = evaluate(model, retained, None, splits=("valid",))["valid_recall20"]
    assert attack(model, original_data=True) > 0.9                 # the original still knows the users
    res = MMRecUn().unlearn(model, run_data, request)
    assert res.extra["options"]["steps"] == MMRecUn.KIND_DEFAULTS["users"]["steps"]
    assert res.extra["reset_rows"] == len(request)
    auc = attack(res.model)
    assert 0.3 <= auc <= 0.7, auc
    valid = evaluate(res.model, retained, None, splits=("valid",))["valid_recall20"]
    assert abs(valid - valid0) <= 0.1 * valid0, (valid, valid0)


def test_mmrecun_reset_deleted_starts_the_deleted_rows_fresh_and_holds_them(setup, one_thread):
    """``reset_deleted=True`` on real ML-100K: the deleted users' own rows become a fresh
    initialisation (not the original's rows, not its initial ones) and stay there through the
    steps, while every other user trains; the original is untouched and the returned model
    carries no gradient hook (its rows train again if the caller trains it)."""
    data, model, _ = setup
    users = torch.tensor([1, 2, 7])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    short = MMRecUn(reset_deleted=True, forget_weight=0.5, steps=1).unlearn(model, data, UserDeletion(users))
    long = MMRecUn(reset_deleted=True, forget_weight=0.5, steps=6).unlearn(model, data, UserDeletion(users))
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert long.extra["reset_rows"] == 3 and long.extra["options"]["reset_deleted"] is True
    w_short, w_long, w0 = short.model.user_emb.weight, long.model.user_emb.weight, model.user_emb.weight
    assert torch.equal(w_long[users], w_short[users])              # held through the steps
    assert not torch.allclose(w_long[users], w0[users], atol=1e-3)  # not the original's rows
    assert not torch.allclose(w_long[users], model.fresh(0).user_emb.weight[users], atol=1e-3)  # nor seed 0's init
    others = torch.tensor([0, 3, 4])
    assert not torch.equal(w_long[others], w_short[others])          # the rest trains
    plain = MMRecUn(forget_weight=0.5, steps=6, reset_deleted=False).unlearn(model, data, UserDeletion(users))
    assert not torch.equal(plain.model.user_emb.weight[users], w_long[users])
    w_long.grad = None
    (w_long[users] ** 2).sum().backward()
    assert w_long.grad[users].abs().sum() > 0                        # no hook left behind


def test_mmrecun_reset_deleted_covers_every_owned_table_and_refuses_other_kinds(setup, one_thread):
    """VBPR's deleted items own an embedding row and a bias row: both are reset. A request that
    deletes neither users nor items is refused before any work; a non-bool is refused."""
    data, model, interactions = setup
    vbpr = VBPR(data.num_users, data.num_items, data.modality_dims(), dim=8)
    with torch.no_grad():
        vbpr.item_bias.weight.fill_(3.0)
    items = torch.tensor([0, 49])
    res = MMRecUn(reset_deleted=True, steps=2).unlearn(vbpr, data, ItemDeletion(items))
    assert res.extra["reset_rows"] == 4
    assert torch.equal(res.model.item_bias.weight[items], torch.zeros(2, 1))   # VBPR initialises biases at 0
    from torch_geometric.nn.models import LightGCN as PyGLightGCN   # one table: users, then items

    pyg = PyGLightGCN(data.num_users + data.num_items, embedding_dim=8, num_layers=1)
    res = MMRecUn(reset_deleted=True, steps=2).unlearn(pyg, data, ItemDeletion(items))
    assert type(res.model) is PyGLightGCN and res.extra["reset_rows"] == 2
    rows = items + data.num_users
    assert not torch.allclose(res.model.embedding.weight[rows], pyg.embedding.weight[rows], atol=1e-3)
    for request in (interactions, ModalityDeletion("text", [0, 1])):
        with pytest.raises(ValueError, match="reset_deleted"):
            MMRecUn(reset_deleted=True, steps=1).unlearn(model if request is interactions else vbpr, data, request)
    with pytest.raises(ValueError, match="True or False"):
        MMRecUn(reset_deleted=1)
