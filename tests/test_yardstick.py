"""The honest yardstick (issue 11) on real data: matched-holdout attacks, completeness, the
retrain band, no-op flags, the audit record and the plots.

Real Cora (links and nodes). Small models and quick recipes, cached per module."""
from __future__ import annotations

import functools
import json
import math
import warnings

import numpy as np
import pytest
import torch


# -- Cora link prediction with a matched holdout withheld from all training ---------------------
def _link_cfg(seed: int = 0):
    from graph_unlearn import TrainConfig

    return TrainConfig(epochs=100, eval_every=5, patience=4, seed=seed)


@functools.lru_cache(maxsize=None)
def link_setup():
    from graph_unlearn import load_dataset, sample_forget_edges, split_edges
    from graph_unlearn.tasks.link_prediction import withhold_holdout_edges

    split = split_edges(load_dataset("Cora"), seed=0)
    pair = sample_forget_edges(split, 0.05, "out", seed=0, holdout=True)
    return withhold_holdout_edges(split, pair.holdout), pair.forget


def _train_link(split, graph, train_pos, seed):
    from graph_unlearn import GNN, train_link_predictor

    torch.manual_seed(seed)
    model = GNN("gcn", split.num_features)
    train_link_predictor(model, split.x, graph, train_pos, split.val_pos, split.val_neg, _link_cfg(seed))
    return model.eval()


@functools.lru_cache(maxsize=None)
def link_original():
    split, _ = link_setup()
    return _train_link(split, split.graph(), split.train_pos, 0)


@functools.lru_cache(maxsize=None)
def link_problem():
    from graph_unlearn import EdgeDeletion

    split, forget = link_setup()
    return EdgeDeletion(forget).apply(split)


@functools.lru_cache(maxsize=None)
def link_retrain(seed: int):
    """Retrain = the training recipe on the retained graph (no D_f, no D_h), seed ``seed``."""
    split, _ = link_setup()
    p = link_problem()
    return _train_link(split, p.graph, p.retain, seed)


def _link_scores(model, graph):
    from graph_unlearn.tasks.link_prediction import edge_scores

    split, forget = link_setup()
    return edge_scores(model, split.x, graph, forget, split.holdout_pos)


@functools.lru_cache(maxsize=None)
def link_attacks():
    """Matched-holdout attack AUCs: the original on the graph it was trained on (do nothing),
    UtU (original weights on the retained graph), retrain seeds 0 and 1."""
    from graph_unlearn.metrics import holdout_attack_auc

    split, _ = link_setup()
    g = link_problem().graph
    return {"original": holdout_attack_auc(*_link_scores(link_original(), split.graph())),
            "utu": holdout_attack_auc(*_link_scores(link_original(), g)),
            "retrain": holdout_attack_auc(*_link_scores(link_retrain(0), g)),
            "retrain_seed1": holdout_attack_auc(*_link_scores(link_retrain(1), g))}


def test_matched_holdout_sampling_and_withholding():
    from graph_unlearn import load_dataset, sample_forget_edges, split_edges
    from graph_unlearn.data.graph import edge_membership

    split, forget = link_setup()
    hold = split.holdout_pos
    assert forget.shape == hold.shape and forget.size(1) > 100
    n = split.num_nodes
    assert not edge_membership(forget, hold, n).any(), "forget set and holdout overlap"
    assert not edge_membership(split.train_pos, hold, n).any(), "holdout edges still in training"
    assert edge_membership(split.train_pos, forget, n).sum() == forget.size(1), "forget edges must be trained on"
    for other in (split.val_pos, split.test_pos):
        assert not edge_membership(other, hold, n).any()
    # the old call is unchanged (one tensor back) and matches its own seed
    full = split_edges(load_dataset("Cora"), seed=0)
    plain = sample_forget_edges(full, 0.05, "out", seed=0)
    assert isinstance(plain, torch.Tensor) and plain.size(1) == forget.size(1)
    # both halves come from the same procedure: the "out" setting holds for both
    pair = sample_forget_edges(full, 0.05, "out", seed=0, holdout=True)
    assert pair.forget.setting_fraction == pair.holdout.setting_fraction == 1.0


def test_link_holdout_attack_original_vs_retrain():
    a = link_attacks()
    print({k: f"{v:.3f}" for k, v in a.items()})
    # retrain never saw D_f: it cannot tell D_f from D_h
    assert a["retrain"].contains(0.5), a["retrain"]
    assert a["retrain_seed1"].contains(0.5), a["retrain_seed1"]
    # the original did: clearly above retrain, beyond retrain's interval
    assert a["original"].value > a["retrain"].high, (a["original"], a["retrain"])
    assert a["original"].low > 0.5


def test_link_completeness_original_zero_second_retrain_high():
    from graph_unlearn.metrics import completeness

    a = link_attacks()
    c_orig = completeness(a["original"], a["retrain"], a["original"])
    c_r1 = completeness(a["retrain_seed1"], a["retrain"], a["original"])
    print("attack completeness: original", format(c_orig), "retrain seed 1", format(c_r1),
          "utu", format(completeness(a["utu"], a["retrain"], a["original"])))
    assert c_orig.defined and c_orig.value == 0.0
    assert c_r1.defined and c_r1.value >= 0.8, c_r1
    assert c_r1.low <= c_r1.value <= c_r1.high


def test_completeness_is_nan_when_the_metric_cannot_see_forgetting():
    from graph_unlearn.metrics import completeness, holdout_attack_auc

    a = link_attacks()
    # two retrain seeds against each other: the "original" is within retrain's noise
    c = completeness(a["utu"], a["retrain"], a["retrain_seed1"])
    assert not c.defined and math.isnan(c.value) and "noise" in c.reason
    rng = np.random.default_rng(0)
    same = holdout_attack_auc(rng.normal(size=200), rng.normal(size=200))
    assert completeness(0.7, same, same.value + 1e-3).reason is not None


def test_link_retrain_band_noise_floor_and_ceiling():
    """The retrain distribution on D_f: seeds 0 and 1 span the band, seed 2 is the noise floor,
    the original the do-nothing ceiling."""
    from graph_unlearn.metrics import completeness, distance_table

    g = link_problem().graph
    split, _ = link_setup()
    band = torch.stack([_link_scores(link_retrain(s), g)[0] for s in (0, 1)])
    rows = distance_table({"retrain_seed2": _link_scores(link_retrain(2), g)[0],
                           "original": _link_scores(link_original(), split.graph())[0],
                           "utu": _link_scores(link_original(), g)[0]}, band)
    print({k: (f"{v.mean_abs_z:.2f}", round(v.ks, 3)) for k, v in rows.items()})
    floor, ceil = rows["retrain_seed2"], rows["original"]
    assert ceil.mean_abs_z.low > floor.mean_abs_z.high
    assert ceil.ks > floor.ks
    c = completeness(rows["utu"].mean_abs_z, floor.mean_abs_z, ceil.mean_abs_z)
    assert c.defined and 0.0 <= c.value <= 1.0


def test_link_shadow_attack_original_vs_retrain():
    from graph_unlearn.metrics import shadow_attack_auc
    from graph_unlearn.tasks.link_prediction import _edge_features

    split, forget = link_setup()
    p = link_problem()
    gen = torch.Generator().manual_seed(0)
    members = p.retain[:, torch.randperm(p.retain.size(1), generator=gen)[:2000]]

    def attack(model, graph):
        with torch.no_grad():
            z = model(split.x, graph)
            f = lambda e: _edge_features(z, e, model.decode)  # noqa: E731
            # non-members for training the attacker: validation edges (never trained, not D_h)
            return shadow_attack_auc(f(members), f(split.val_pos), f(forget), f(split.holdout_pos))

    orig, ret = attack(link_original(), split.graph()), attack(link_retrain(0), p.graph)
    print("shadow attack: original", format(orig), "retrain", format(ret))
    assert ret.contains(0.5)
    assert orig.value > ret.value


# -- Cora node classification ----------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def node_setup():
    from graph_unlearn import load_dataset
    from graph_unlearn.tasks.node_classification import (random_node_split, sample_forget_nodes,
                                                         withhold_holdout_nodes)

    split = random_node_split(load_dataset("Cora"), seed=0)
    pair = sample_forget_nodes(split, 0.2, seed=0, holdout=True)
    return withhold_holdout_nodes(split, pair.holdout), pair.forget


@functools.lru_cache(maxsize=None)
def node_model(kind: str, seed: int):
    from graph_unlearn import GNN, NodeDeletion, TrainConfig
    from graph_unlearn.tasks.node_classification import train_node_classifier

    split, forget = node_setup()
    if kind == "original":
        x, g, train = split.x, split.graph, split.train_idx
    else:
        p = NodeDeletion(forget).apply(split)
        x, g, train = p.x, p.graph, p.retain_nodes
    torch.manual_seed(seed)
    model = GNN("gcn", split.num_features, hidden_channels=64, out_channels=split.num_classes, dropout=0.5)
    cfg = TrainConfig(epochs=150, lr=0.01, weight_decay=5e-4, patience=5, eval_every=5, seed=seed)
    train_node_classifier(model, x, g, split.y, train, split.val_idx, cfg)
    return model.eval()


@functools.lru_cache(maxsize=None)
def node_attacks():
    """Attack score: the true-class log-probability (higher = member), all nodes queried on the
    full graph (the attacker holds the nodes' features and links)."""
    from graph_unlearn.metrics import holdout_attack_auc

    split, forget = node_setup()

    def auc(model):
        with torch.no_grad():
            logp = model(split.full_x, split.full_graph).log_softmax(-1)
        s = logp.gather(1, split.y[:, None]).squeeze(1)
        return holdout_attack_auc(s[forget], s[split.holdout_idx])

    return {"original": auc(node_model("original", 0)), "retrain": auc(node_model("retrain", 0)),
            "retrain_seed1": auc(node_model("retrain", 1))}


def test_node_holdout_attack_and_completeness():
    from graph_unlearn.metrics import completeness

    split, forget = node_setup()
    assert not torch.isin(split.holdout_idx, split.train_idx).any()
    assert torch.isin(forget, split.train_idx).all() and forget.numel() == split.holdout_idx.numel()
    a = node_attacks()
    c_r1 = completeness(a["retrain_seed1"], a["retrain"], a["original"])
    print({k: f"{v:.3f}" for k, v in a.items()}, "completeness(retrain seed 1)", format(c_r1))
    assert a["retrain"].contains(0.5) and a["retrain_seed1"].contains(0.5)
    assert a["original"].value > a["retrain"].high
    assert completeness(a["original"], a["retrain"], a["original"]).value == 0.0
    assert c_r1.defined and c_r1.value >= 0.8, c_r1


# -- no silent no-ops ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gnndelete", "d2dgn"])
def test_tiny_learning_rate_is_flagged_noop(name):
    from graph_unlearn import D2DGN, EdgeDeletion, GNNDelete

    split, forget = link_setup()
    cls = {"gnndelete": GNNDelete, "d2dgn": D2DGN}[name]
    with pytest.warns(UserWarning, match="no-op"):
        res = cls(lr=1e-7).unlearn(link_original(), split, EdgeDeletion(forget))
    assert res.noop and res.audit["noop"]
    assert res.audit["forget_output_shift_rel"] < 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ok = cls(steps=5).unlearn(link_original(), split, EdgeDeletion(forget))
    assert not ok.noop and ok.audit["forget_output_shift_rel"] > 1e-2
    print(name, "lr=1e-7 shift", res.audit["forget_output_shift_rel"], "default shift",
          ok.audit["forget_output_shift_rel"])


# -- the audit record ---------------------------------------------------------------------------------
def test_audit_hash_changes_with_one_id_and_saved_result_reloads(tmp_path):
    from graph_unlearn import GNN, EdgeDeletion, UtU
    from graph_unlearn.core import UnlearnResult
    from graph_unlearn.core.audit import request_digest
    from graph_unlearn.metrics import holdout_attack_auc

    split, forget = link_setup()
    req = EdgeDeletion(forget)
    res = UtU().unlearn(link_original(), split, req)
    d = res.audit["deleted"]
    assert d == request_digest(req) and d["count"] == forget.size(1) and d["kind"] == "edges"
    # same edges, other order and direction: same hash
    assert request_digest(EdgeDeletion(forget.flip(0)[:, torch.randperm(forget.size(1))]))["sha256"] == d["sha256"]
    # one edge replaced by another training edge: a different hash, also through a run
    other = split.train_pos[:, ~torch.isin(split.train_pos[0] * split.num_nodes + split.train_pos[1],
                                           forget[0] * split.num_nodes + forget[1])][:, :1]
    changed = torch.cat([forget[:, :-1], other], 1)
    res2 = UtU().unlearn(link_original(), split, EdgeDeletion(changed))
    assert res2.audit["deleted"]["sha256"] != d["sha256"]
    # the record has what an auditor needs
    for key in ("started_utc", "method", "options", "versions", "device", "seconds", "peak_mem_mb",
                "param_change", "forget_output_shift", "noop", "fallback"):
        assert key in res.audit, key
    assert res.noop  # UtU keeps the weights: flagged as such (no warning: by design)
    res.record_attack("matched_holdout", link_attacks()["utu"])
    res.save(tmp_path / "run")
    state = torch.load(tmp_path / "run" / "model.pt", weights_only=True)
    fresh = GNN("gcn", split.num_features)
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.eval()(split.x, split.graph()), res.model(split.x, split.graph()))
    audit = UnlearnResult.load_audit(tmp_path / "run")
    assert audit["deleted"]["sha256"] == d["sha256"]
    assert audit["attacks"]["matched_holdout"]["low"] <= audit["attacks"]["matched_holdout"]["value"]
    json.dumps(audit)
    assert holdout_attack_auc([1.0, 2.0], [0.0, 0.5]).value == 1.0


def test_audit_ids_for_node_feature_and_general_requests():
    from graph_unlearn import FeatureDeletion, NodeDeletion
    from graph_unlearn.core.audit import request_digest
    from graph_unlearn.general.data import ForgetRequest

    a = request_digest(NodeDeletion([3, 1, 2]))
    assert a == request_digest(NodeDeletion([1, 2, 3])) and a["count"] == 3
    assert a["sha256"] != request_digest(NodeDeletion([1, 2, 4]))["sha256"]
    assert a["sha256"] != request_digest(FeatureDeletion([1, 2, 3]))["sha256"]
    assert request_digest(FeatureDeletion([1, 2], [0, 5]))["sha256"] != request_digest(FeatureDeletion([1, 2], [0, 6]))["sha256"]
    g = request_digest(ForgetRequest(torch.tensor([5, 1]), "random"))
    assert g["count"] == 2 and g["sha256"] != request_digest(ForgetRequest(torch.tensor([5, 2]), "random"))["sha256"]


def test_node_run_audit_through_problem_matches_request():
    from graph_unlearn import NodeDeletion, UtU
    from graph_unlearn.core.audit import request_digest

    split, forget = node_setup()
    res = UtU().unlearn(node_model("original", 0), split, NodeDeletion(forget))
    assert res.audit["deleted"] == request_digest(NodeDeletion(forget))


# -- report and plots --------------------------------------------------------------------------------------
def test_aggregate_seeds_keeps_every_seeds_keys():
    from graph_unlearn.metrics import aggregate_seeds

    out = aggregate_seeds([{"epochs": 0}, {"epochs": 40, "val_auroc": 0.9}, {"epochs": 60, "val_auroc": 0.8}])
    assert out["val_auroc"] == pytest.approx(0.85) and out["val_auroc_n"] == 2
    assert out["epochs"] == pytest.approx(100 / 3)


def test_plots_write_readable_pngs(tmp_path):
    from graph_unlearn.metrics.plots import sequential_plot, tradeoff_plot

    rows = [{"name": "original", "completeness": 0.0, "utility_gap": 0.0},
            {"name": "retrain", "speedup": 1.0, "completeness": 1.0, "utility_gap": 0.0},
            {"name": "d2dgn", "speedup": 12.0, "completeness": 0.7, "completeness_low": 0.55,
             "completeness_high": 0.85, "utility_gap": 0.01},
            {"name": "gnndelete", "speedup": 30.0, "completeness": 0.2, "utility_gap": 0.05},
            {"name": "gif", "speedup": 80.0, "completeness": float("nan"), "utility_gap": 0.02}]
    p = tradeoff_plot(rows, tmp_path / "tradeoff.png", title="Cora GCN, 5% out")
    q = sequential_plot({"d2dgn": [0.01, 0.02, 0.025], "utu": [0.0, 0.01, 0.03]}, tmp_path / "seq.png")
    for f in (p, q):
        with open(f, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


# -- ML-100K recommenders: users and interactions ----------------------------------------------------
REC_FAST = dict(epochs=15, batch_size=2048, lr=1e-2, eval_every=3, patience=5)


@functools.lru_cache(maxsize=None)
def rec_setup(kind: str):
    """ML-100K (first 300 users), a matched holdout of ``kind`` withheld from all training, the
    forget request, and the pairs to score: D_f's and D_h's training interactions."""
    from recsys.data import load_dataset
    from recsys.requests import sample_request, withhold_holdout

    data = load_dataset("ml100k-mm").first_users(300)
    req, hold = sample_request(data, kind, 0.1 if kind == "interactions" else 0.3, seed=0, holdout=True)
    train_data, hold_del = withhold_holdout(data, hold)
    forget_del = req.apply(train_data)
    return train_data, forget_del, hold_del


@functools.lru_cache(maxsize=None)
def rec_model(kind: str, which: str, seed: int):
    from recsys import LightGCN
    from recsys.training import train_bpr

    train_data, forget_del, _ = rec_setup(kind)
    data = train_data if which == "original" else forget_del.retained
    torch.manual_seed(seed)
    model = LightGCN(data.num_users, data.num_items, dim=32, num_layers=2)
    train_bpr(model, data, seed=seed, **REC_FAST)
    return model.eval(), data


def _rec_attack(kind: str, which: str, seed: int):
    """Interactions: each pair's score. Users: each user's mean score over their training items."""
    from graph_unlearn.metrics import holdout_attack_auc

    model, served = rec_model(kind, which, seed)
    _, forget_del, hold_del = rec_setup(kind)
    with torch.no_grad():
        out = model(model.build_graph(served))

        def scores(d):
            s = model.score_pairs(out, d.forget_user, d.forget_item)
            if kind == "interactions":
                return s
            users, inv = torch.unique(d.forget_user, return_inverse=True)
            return torch.zeros(users.numel()).index_add_(0, inv, s) / torch.bincount(inv).float()

        return holdout_attack_auc(scores(forget_del), scores(hold_del))


@pytest.mark.parametrize("kind", ["interactions", "users"])
def test_rec_holdout_attack_and_completeness(kind):
    from graph_unlearn.metrics import completeness

    _, forget_del, hold_del = rec_setup(kind)
    assert forget_del.num_forget > 0 and hold_del.num_forget > 0
    fk = set(zip(forget_del.forget_user.tolist(), forget_del.forget_item.tolist()))
    assert not fk & set(zip(hold_del.forget_user.tolist(), hold_del.forget_item.tolist()))
    a = {"original": _rec_attack(kind, "original", 0), "retrain": _rec_attack(kind, "retrain", 0),
         "retrain_seed1": _rec_attack(kind, "retrain", 1)}
    c_r1 = completeness(a["retrain_seed1"], a["retrain"], a["original"])
    print(kind, {k: f"{v:.3f}" for k, v in a.items()}, "completeness(retrain seed 1)", format(c_r1))
    assert a["retrain"].contains(0.5) and a["retrain_seed1"].contains(0.5)
    assert a["original"].value > a["retrain"].high
    assert completeness(a["original"], a["retrain"], a["original"]).value == 0.0
    assert c_r1.defined
    if kind == "interactions":
        assert c_r1.value >= 0.8, c_r1
    else:
        # a retrain never trains a deleted user's embedding (D_f and D_h alike): their scores are
        # random-init noise, so two retrain seeds differ by the AUC's sampling spread
        # (sd ~0.06 at 45 users a side); the statement is only checkable up to that noise
        assert c_r1.high >= 0.8, c_r1


def test_general_matched_holdout_request_and_withholding():
    from graph_unlearn.general.data import load_digits_data, make_request, withhold_holdout

    data = load_digits_data(0)
    plain = make_request(data, "random", fraction=0.1, seed=0)
    f, h = make_request(data, "random", fraction=0.1, seed=0, holdout=True)
    assert abs(len(f) - len(h)) <= 1 and abs(len(f) - len(plain)) <= 1
    assert not torch.isin(f.indices, h.indices).any()
    w = withhold_holdout(data, f, h)
    assert w.data.num_train == data.num_train - len(h)
    torch.testing.assert_close(w.data.x_train[w.request.indices], data.x_train[f.indices])
    torch.testing.assert_close(w.x_holdout, data.x_train[h.indices])


def test_link_evaluation_reports_the_matched_holdout_attack():
    """``evaluate_link_unlearning`` on a split that carries its holdout reports the attack: the
    original weights on the retained graph (UtU) still tell D_f from D_h, retrain cannot."""
    from graph_unlearn import evaluate_link_unlearning

    p = link_problem()
    assert p.split.to("cpu").holdout_pos is not None      # carried through copies and moves
    utu = evaluate_link_unlearning(link_original(), p, resamples=5)
    ret = evaluate_link_unlearning(link_retrain(0), p, resamples=5)
    assert utu["holdout_auc_low"] > 0.55 and utu["holdout_auc"] > ret["holdout_auc_high"]
    assert ret["holdout_auc_low"] <= 0.5 <= ret["holdout_auc_high"]


# -- the yardstick once for every task, through the task protocol --------------------------------------
def _check_table(rows, *, kind):
    """The statements of issue 11 on a forgetting_table: the original (nothing done) is told
    from its holdout, retrain is not; completeness 0 for the original and high for a retrain seed
    outside the band."""
    print(kind, {n: {k: round(v, 3) for k, v in r.items() if isinstance(v, float)} for n, r in rows.items()})
    o, r, extra = rows["original"], rows["retrain"], rows["retrain_extra"]
    assert o["holdout_auc"] > r["holdout_auc_high"], (kind, o, r)
    assert r["holdout_auc_low"] <= 0.5 <= r["holdout_auc_high"], (kind, r)
    assert o["completeness_holdout"] == 0.0 and o["completeness_dist"] == 0.0
    assert o["dist_mean_abs_z"] > extra["dist_mean_abs_z"]          # the ceiling is above the noise floor
    assert rows["another_retrain"]["completeness_dist"] >= 0.8, rows["another_retrain"]
    # the trained (shadow) attacker, the second attack of issue 11 (rec: interactions, whose
    # validation interactions are the never-trained non-members): the same statements
    assert o["shadow_auc"] > r["shadow_auc_high"], (kind, o, r)
    assert r["shadow_auc_low"] <= 0.5 <= r["shadow_auc_high"], (kind, r)
    assert o["completeness_shadow"] == 0.0


def test_forgetting_table_on_links():
    from graph_unlearn import EdgeDeletion
    from graph_unlearn.core.task import make_task
    from graph_unlearn.metrics.yardstick import forgetting_table

    split, forget = link_setup()
    task = make_task(link_original(), split, EdgeDeletion(forget))
    rows = forgetting_table(task, {"utu": link_original(), "another_retrain": link_retrain(3)},
                            original=link_original(), retrains=[link_retrain(s) for s in (0, 1, 2)])
    _check_table(rows, kind="link")
    assert rows["utu"]["completeness_holdout"] < 0.8          # UtU's weights still remember D_f


def test_forgetting_table_on_nodes():
    from graph_unlearn import NodeDeletion
    from graph_unlearn.core.task import make_task
    from graph_unlearn.metrics.yardstick import forgetting_table

    split, forget = node_setup()
    task = make_task(node_model("original", 0), split, NodeDeletion(forget))
    assert task.data.split.holdout_idx is not None            # carried through the move to the device
    # retrain seeds of this recipe differ in calibration (early stopping picks different epochs:
    # mean forget log-probability -0.38 at seeds 0-2, -0.54 at seeds 3-4), so a band of two seeds is
    # too narrow to place a third; with a band of six, every further seed tried (7-12) scores >= 0.85
    rows = forgetting_table(task, {"another_retrain": node_model("retrain", 7)}, original=node_model("original", 0),
                            retrains=[node_model("retrain", s) for s in range(7)])
    _check_table(rows, kind="node")


def test_forgetting_table_on_rec_interactions():
    from recsys.requests import InteractionDeletion

    from graph_unlearn.core.task import make_task
    from graph_unlearn.metrics.yardstick import forgetting_table

    train_data, forget_del, hold_del = rec_setup("interactions")
    request = InteractionDeletion(forget_del.forget_user, forget_del.forget_item)
    original = rec_model("interactions", "original", 0)[0]
    task = make_task(original, train_data, request)
    rows = forgetting_table(task, {"another_retrain": rec_model("interactions", "retrain", 3)[0]}, original=original,
                            retrains=[rec_model("interactions", "retrain", s)[0] for s in (0, 1, 2)], holdout=hold_del)
    _check_table(rows, kind="rec")


def test_target_counts_only_where_the_original_fails():
    from graph_unlearn.metrics.yardstick import met_only_where_original_fails

    rows = {"original": {"gap": 0.01}, "a": {"gap": 0.015}, "b": {"gap": 0.05}}
    assert met_only_where_original_fails(rows, "gap", 0.02) == {"original": "original meets it too",
                                                                "a": "original meets it too", "b": "not met"}
    rows["original"]["gap"] = 0.1
    assert met_only_where_original_fails(rows, "gap", 0.02)["a"] == "met"


def test_forgetting_table_on_samples():
    from dataclasses import replace

    from graph_unlearn.core.methods import Retrain
    from graph_unlearn.core.task import make_task
    from graph_unlearn.general.data import load_digits_data, make_request, withhold_holdout
    from graph_unlearn.general.task import train_original
    from graph_unlearn.metrics.yardstick import forgetting_table

    data = load_digits_data(0)
    f, h = make_request(data, "random", fraction=0.1, seed=0, holdout=True)
    w = withhold_holdout(data, f, h)
    w.data.recipe = replace(w.data.recipe, epochs=10)
    original = train_original(w.data, seed=0)
    retrains = [Retrain(seed=s).unlearn(original, w.data, w.request).model for s in range(3)]
    task = make_task(original, w.data, w.request)
    rows = forgetting_table(task, {}, original=original, retrains=retrains, holdout=w)
    # digits generalise: the original tells its random 10% from never-seen digits no better than
    # retrain does (measured: AUC 0.522 [0.454, 0.591] vs 0.513 [0.448, 0.582]), and the yardstick
    # says so instead of printing a completeness that would mean nothing
    o, r = rows["original"], rows["retrain"]
    assert r["holdout_auc_low"] <= 0.5 <= r["holdout_auc_high"]
    assert o["holdout_auc_low"] <= r["holdout_auc_high"]
    assert math.isnan(o["completeness_holdout"]) and "cannot tell forgetting" in o["completeness_holdout_note"]
    assert r["shadow_auc_low"] <= 0.5 <= r["shadow_auc_high"]   # the trained attacker: available on samples
