"""Fuzz campaign over the eight request types (issue 9, "No silent misreads").

Each fuzzed request starts from a valid request on real data (Cora link / node splits,
scikit-learn digits, ML-100K), then goes through 0-3 meaning-preserving mutations (dtype,
container, order, edge direction, explicit layout, mask form, ...) and, for about half of them,
one breaking mutation (floats, booleans inside ids, strings, None, masked arrays, meta / sparse /
nested / quantized tensors, ragged or extra dimensions, negative / repeated / unknown ids,
ambiguous edge layouts, self loops, wrong mask lengths, deleting everything, ...). Every request
is applied through the validation path ``unlearn()`` uses; every ``--full-every``-th accepted one
also runs the full ``unlearn()`` (UtU, gradient ascent, FineTune). Outcomes per type:

* ``correct``: a valid request accepted, selecting exactly the intended set;
* ``refused``: a malformed request refused with a ``ValueError`` / ``TypeError`` raised by
  ``graph_unlearn`` / ``recsys``;
* ``false refusal``: a valid request refused (should be 0);
* ``WRONG``: accepted with a wrong meaning, or a malformed request accepted (must be 0);
* ``foreign error``: any other exception, or one raised from inside torch / numpy (must be 0).

    python benchmarks/fuzz_requests.py [--per-type 400] [--seed 0] [--full-every 25]

writes ``benchmarks/results/fuzz_requests.md`` (and ``.json``).
"""
from __future__ import annotations

import argparse
import decimal
import fractions
import json
import os
import random
import sys
import time
import traceback
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch

RESULTS = Path(__file__).resolve().parent / "results"
LIB = (os.sep + "graph_unlearn" + os.sep, os.sep + "recsys" + os.sep)
TYPES = ("EdgeDeletion", "NodeDeletion", "FeatureDeletion", "ForgetRequest", "UserDeletion", "ItemDeletion",
         "InteractionDeletion", "ModalityDeletion")


# ---------------------------------------------------------------------------------------------
# mutations of a 1-d id list

def preserve_ids(ids: list[int], n: int, mask_ok: bool, rng: random.Random):
    """A meaning-preserving form of the id set ``ids``."""
    ids = list(ids)
    rng.shuffle(ids)
    mx = max(ids)
    choices = ["list", "tuple", "np", "torch", "series", "index", "set", "np_scalars", "torch_scalars",
               "noncontig", "intenum"]
    if mask_ok:
        choices += ["mask_torch", "mask_np", "mask_series"]
    c = rng.choice(choices)
    if c == "tuple":
        return tuple(ids)
    if c == "np":
        dts = [np.int64, np.int32] + ([np.int16] if mx < 2 ** 15 else []) + ([np.uint8] if mx < 256 else []) + [
            np.uint16 if mx < 2 ** 16 else np.uint32, np.uint64]
        return np.array(ids, dtype=rng.choice(dts))
    if c == "torch":
        dts = [torch.int64, torch.int32] + ([torch.int16] if mx < 2 ** 15 else []) + (
            [torch.uint8] if mx < 256 else []) + ([torch.int8] if mx < 128 else [])
        return torch.tensor(ids, dtype=rng.choice(dts))
    if c == "series":
        return pd.Series(ids, dtype=rng.choice(["int64", "int32", "Int64"]))
    if c == "index":
        return pd.Index(ids)
    if c == "set":
        return set(ids)
    if c == "np_scalars":
        return [np.int64(i) if rng.random() < 0.5 else np.int32(i) for i in ids]
    if c == "torch_scalars":
        return [torch.tensor(i) for i in ids]
    if c == "noncontig":
        return torch.tensor([[i, -7] for i in ids])[:, 0]
    if c == "intenum":
        import enum

        E = enum.IntEnum("E", {f"v{i}": i for i in set(ids)})
        return [E(i) for i in ids]
    if c.startswith("mask"):
        m = np.zeros(n, dtype=bool)
        m[ids] = True
        return {"mask_torch": torch.from_numpy(m), "mask_np": m, "mask_series": pd.Series(m)}[c]
    return ids


ID_BREAKS = ("float", "int_float", "float_tensor", "float16", "bool_in", "np_bool_in", "bool_list", "none", "none_in",
             "str", "str_in", "bytes", "masked", "meta", "sparse", "nested", "quantized", "complex", "object",
             "ragged", "extra_dim", "negative", "duplicate", "out_of_range", "empty", "dict", "generator",
             "huge", "nan", "fraction", "decimal", "np_float_scalar", "datetime", "mask_len", "mask_none",
             "bool_2d", "series_na", "series_obj", "zero_d_float")


def break_ids(ids: list[int], n: int, mask_ok: bool, rng: random.Random, kind: str):
    g = list(ids)
    j = rng.randrange(len(g) + 1)
    return {
        "float": lambda: [x + 0.5 for x in g],
        "int_float": lambda: [float(x) for x in g],
        "float_tensor": lambda: torch.tensor(g, dtype=torch.float64) + rng.choice([0.0, 0.1]),
        "float16": lambda: torch.tensor(g, dtype=torch.float16),
        "bool_in": lambda: g[:j] + [rng.random() < 0.5] + g[j:],
        "np_bool_in": lambda: g[:j] + [np.bool_(rng.random() < 0.5)] + g[j:],
        "bool_list": lambda: [rng.random() < 0.5 for _ in range(rng.choice([n, 3]))],
        "none": lambda: None,
        "none_in": lambda: g[:j] + [None] + g[j:],
        "str": lambda: ",".join(map(str, g)),
        "str_in": lambda: g[:j] + [str(g[0])] + g[j:],
        "bytes": lambda: bytes(str(g[0]), "ascii"),
        "masked": lambda: np.ma.masked_array(g, mask=[i == 0 for i in range(len(g))]),
        "meta": lambda: torch.tensor(g).to("meta"),
        "sparse": lambda: torch.tensor(g).to_sparse(),
        "nested": lambda: torch.nested.nested_tensor([torch.tensor(g), torch.tensor(g[:1])]),
        "quantized": lambda: torch.quantize_per_tensor(torch.tensor(g, dtype=torch.float32), 1.0, 0, torch.qint32),
        "complex": lambda: torch.tensor(g, dtype=torch.complex64),
        "object": lambda: np.array(g + [None], dtype=object),
        "ragged": lambda: [[x] for x in g] + [[1, 2]],
        "extra_dim": lambda: [g, g],
        "negative": lambda: g[:j] + [-rng.randint(1, 99)] + g[j:],
        "duplicate": lambda: g + [rng.choice(g)],
        "out_of_range": lambda: g + [n + rng.randint(0, 999)],
        "empty": lambda: rng.choice([[], (), np.zeros(0, dtype=int), torch.zeros(0, dtype=torch.long)]),
        "dict": lambda: dict.fromkeys(g, 0),
        "generator": lambda: (x for x in g),
        "huge": lambda: g + [2 ** 64 + 5],
        "nan": lambda: g + [float("nan")],
        "fraction": lambda: g + [fractions.Fraction(3, 1)],
        "decimal": lambda: g + [decimal.Decimal(3)],
        "np_float_scalar": lambda: np.float32(g[0]),
        "datetime": lambda: np.array(["2021-01-01"], dtype="datetime64[D]"),
        "mask_len": lambda: torch.ones(n + rng.choice([-1, 1, 5]), dtype=torch.bool),
        "mask_none": lambda: torch.zeros(n, dtype=torch.bool),
        "bool_2d": lambda: torch.ones(2, n, dtype=torch.bool),
        "series_na": lambda: pd.Series(g + [None], dtype="Int64"),
        "series_obj": lambda: pd.Series(g + ["x"]),
        "zero_d_float": lambda: torch.tensor(float(g[0])),
    }[kind]()


# ---------------------------------------------------------------------------------------------
# edges

def preserve_edges(edges, rng):
    """(args, kwargs, classmethod) of EdgeDeletion meaning ``edges`` (undirected)."""
    e = [(v, u) if rng.random() < 0.5 else (u, v) for u, v in edges]
    rng.shuffle(e)
    k = len(e)
    ei = torch.tensor(e).t()
    c = rng.choice(["pairs", "lists", "tuple", "set", "df", "np_pairs", "torch_ei", "torch_pairs", "np_ei",
                    "from_ei", "from_pairs", "layout", "int32", "np_int_elements"])
    if c in ("torch_ei", "torch_pairs", "np_ei", "int32") and k == 2:
        c = "from_ei"
    return {
        "pairs": ((e,), {}, None), "lists": (([list(p) for p in e],), {}, None), "tuple": ((tuple(e),), {}, None),
        "set": ((set(e),), {}, None), "df": ((pd.DataFrame(e),), {}, None),
        "np_pairs": (([np.array(p) for p in e] if k != 2 else e,), {}, None),
        "torch_ei": ((ei,), {}, None), "torch_pairs": ((ei.t(),), {}, None), "np_ei": ((ei.numpy(),), {}, None),
        "from_ei": ((ei,), {}, "from_edge_index"), "from_pairs": ((ei.t().numpy(),), {}, "from_pairs"),
        "layout": ((ei,), {"layout": "edge_index"}, None) if rng.random() < 0.5 else ((ei.t(),), {"layout": "pairs"}, None),
        "int32": ((ei.int(),), {}, None),
        "np_int_elements": (([(np.int32(u), np.int64(v)) for u, v in e],), {}, None),
    }[c]


EDGE_BREAKS = ("float", "bool_in", "bool_tensor", "str", "none", "masked", "meta", "sparse", "complex", "object",
               "ragged", "flat", "triples", "vector", "dim3", "square", "two_arrays", "empty", "negative",
               "self_loop", "duplicate", "rev_duplicate", "out_of_range", "not_train", "dict", "generator", "huge",
               "layout_bad", "layout_wrong", "float_tensor", "df3", "nested", "decimal")


def break_edges(edges, n, test_edges, rng, kind):
    e = list(edges) + ([] if len(edges) >= 3 else [edges[0][::-1]] * 0)
    ei = torch.tensor(e).t()
    k = len(e)
    return {
        "float": lambda: (([(u + 0.5, v) for u, v in e],), {}),
        "bool_in": lambda: ((e + [(e[0][0], True)],), {}),
        "bool_tensor": lambda: ((torch.ones(2, max(k, 3), dtype=torch.bool),), {}),
        "str": lambda: ((str(e),), {}),
        "none": lambda: ((None,), {}),
        "masked": lambda: ((np.ma.masked_array(ei.numpy(), mask=np.zeros_like(ei.numpy(), dtype=bool)),), {}),
        "meta": lambda: ((ei.to("meta"),), {}),
        "sparse": lambda: ((ei.to_sparse(),), {}),
        "complex": lambda: ((ei.to(torch.complex128),), {}),
        "object": lambda: ((np.array(e + [(1, None)], dtype=object),), {}),
        "ragged": lambda: ((e + [(1,)],), {}),
        "flat": lambda: (([x for p in e for x in p],), {}),
        "triples": lambda: (([(u, v, 0) for u, v in e],), {}),
        "vector": lambda: ((ei.flatten(),), {}),
        "dim3": lambda: ((ei.unsqueeze(0),), {}),
        "square": lambda: ((torch.tensor([list(e[0]), list(e[-1] if k > 1 else (e[0][1], e[0][0] + 1))]),), {}),
        "two_arrays": lambda: (([np.array(e[0]), np.array(e[-1])],), {}),
        "empty": lambda: ((rng.choice([[], torch.zeros(2, 0, dtype=torch.long)]),), {}),
        "negative": lambda: ((e + [(-1, 5)],), {}),
        "self_loop": lambda: ((e + [(9, 9)],), {}),
        "duplicate": lambda: ((e + [e[0]],), {}),
        "rev_duplicate": lambda: ((e + [e[0][::-1]],), {}),
        "out_of_range": lambda: ((e + [(1, n + rng.randint(0, 99))],), {}),
        "not_train": lambda: ((e + [rng.choice(test_edges)],), {}),
        "dict": lambda: ((dict(e),), {}),
        "generator": lambda: (((p for p in e),), {}),
        "huge": lambda: ((e + [(1, 2 ** 63)],), {}),
        "layout_bad": lambda: ((ei,), {"layout": rng.choice(["coo", "csr", "", "PAIRS"])}),
        "layout_wrong": lambda: ((ei if k != 2 else torch.cat([ei, ei[:, :1]], 1),), {"layout": "pairs"}),
        "float_tensor": lambda: ((ei.float(),), {}),
        "df3": lambda: ((pd.DataFrame([(u, v, 0) for u, v in e]),), {}),
        "nested": lambda: (([[e]],), {}),
        "decimal": lambda: ((e + [(decimal.Decimal(1), 2)],), {}),
    }[kind]()


# ---------------------------------------------------------------------------------------------
# the environments

def environments():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from graph_unlearn import GNN, UtU, load_dataset, split_edges
    from graph_unlearn.general import MLP, GradientAscent, load_digits_data
    from graph_unlearn.tasks.node_classification import random_node_split

    torch.manual_seed(0)
    cora = load_dataset("Cora")
    link = split_edges(cora, seed=0)
    node = random_node_split(cora, seed=0)
    env = {
        "link": dict(split=link, model=GNN("gcn", link.num_features), method=UtU(),
                     train=[tuple(e) for e in link.train_pos.t().tolist()],
                     test=[tuple(e) for e in link.test_pos.t().tolist()]),
        "node": dict(split=node, model=GNN("gcn", node.num_features, hidden_channels=16,
                                           out_channels=node.num_classes), method=UtU(),
                     train=node.train_idx.tolist(), other=torch.cat([node.val_idx, node.test_idx]).tolist()),
    }
    digits = load_digits_data()
    env["general"] = dict(data=digits, model=MLP(digits.num_features, digits.num_classes, hidden=(16,)),
                          method=GradientAscent(epochs=1))
    try:
        from recsys import VBPR, FineTune, LightGCN
        from recsys.data import load_dataset as load_rec

        data = load_rec("ml100k-mm").first_users(120)
        u, i = data.train_pairs()
        env["rec"] = dict(data=data, model=VBPR(data.num_users, data.num_items, data.modality_dims(), dim=8),
                          plain=LightGCN(data.num_users, data.num_items, dim=8), method=FineTune(steps=1),
                          pairs=list(zip(u.tolist(), i.tolist())), mods=sorted(data.modalities))
    except FileNotFoundError as err:
        print(f"ML-100K not available ({err}); the recommender types are skipped")
    return env


def snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# ---------------------------------------------------------------------------------------------
# one fuzzed request per type: (build, validate(request) -> selected set, intended set or None, full_unlearn)

def fuzz_case(kind: str, env, rng: random.Random, broken: bool):
    """Returns ``(make_request, select, intended, full, break_kind)``: ``intended`` is None for
    a malformed request; ``select(request)`` applies it through the validation path."""
    from graph_unlearn import EdgeDeletion, FeatureDeletion, NodeDeletion
    from graph_unlearn.general import ForgetRequest

    def ids_case(pool, n, mask_ok, k_max=25):
        ids = rng.sample(pool, rng.randint(1, min(k_max, len(pool))))
        b = rng.choice(ID_BREAKS) if broken else None
        if b is not None and not mask_ok and b in ("mask_len", "mask_none"):
            b = "bool_2d"
        value = break_ids(ids, n, mask_ok, rng, b) if b else preserve_ids(ids, n, mask_ok, rng)
        return ids, value, b

    if kind == "EdgeDeletion":
        e = env["link"]
        edges = rng.sample(e["train"], rng.randint(1, 20))
        if broken:
            b = rng.choice(EDGE_BREAKS)
            args, kw = break_edges(edges, e["split"].num_nodes, e["test"], rng, b)
            ctor = None
        else:
            b = None
            args, kw, ctor = preserve_edges(edges, rng)
        make = (lambda: getattr(EdgeDeletion, ctor)(*args)) if ctor else (lambda: EdgeDeletion(*args, **kw))
        select = lambda r: {tuple(p) for p in e["method"].problem(e["split"], r).forget.t().tolist()}  # noqa: E731
        full = lambda r: e["method"].unlearn(e["model"], e["split"], r)  # noqa: E731
        return make, select, None if broken else {(min(u, v), max(u, v)) for u, v in edges}, full, b, e["model"]
    if kind in ("NodeDeletion", "FeatureDeletion"):
        e = env["node"]
        n = e["split"].num_nodes
        pool = e["train"]
        if broken and rng.random() < 0.1:
            ids, value, b = None, pool if rng.random() < 0.5 else [rng.choice(e["other"])], "semantic"
            if kind == "FeatureDeletion" and len(value) > 1:
                value = [rng.choice(e["other"])]
        else:
            ids, value, b = ids_case(pool, n, True)
        feats, fvalue = None, None
        if kind == "FeatureDeletion":
            if rng.random() < 0.5:
                f = e["split"].num_features
                feats = rng.sample(range(f), rng.randint(1, 10))
                if broken and b is None:
                    pass
                fvalue = preserve_ids(feats, f, True, rng)
                if broken and rng.random() < 0.5 and b != "semantic":   # break the columns instead
                    fb = rng.choice(ID_BREAKS)
                    fvalue = break_ids(feats, f, True, rng, fb)
                    if fb == "none":
                        fvalue = [None]
                    value, b = preserve_ids(ids, n, True, rng), "features:" + fb
            make = lambda: FeatureDeletion(value, features=fvalue)  # noqa: E731

            def select(r):
                p = e["method"].problem(e["split"], r)
                changed = (p.x != e["split"].x).nonzero()
                cols = set(changed[:, 1].tolist())
                return (tuple(p.forget_nodes.tolist()), set(changed[:, 0].tolist()) <= set(p.forget_nodes.tolist()),
                        cols <= (set(feats) if feats is not None else cols))
            intended = None if b else (tuple(sorted(ids)), True, True)
        else:
            make = lambda: NodeDeletion(value)  # noqa: E731
            select = lambda r: tuple(e["method"].problem(e["split"], r).forget_nodes.tolist())  # noqa: E731
            intended = None if b else tuple(sorted(ids))
        full = lambda r: e["method"].unlearn(e["model"], e["split"], r)  # noqa: E731
        return make, select, intended, full, b, e["model"]
    if kind == "ForgetRequest":
        e = env["general"]
        n = e["data"].num_train
        if broken and rng.random() < 0.05:
            ids, value, b = None, list(range(n)), "everything"
        else:
            ids, value, b = ids_case(list(range(n)), n, True, 40)
        select = lambda r: tuple(e["data"].partition(r).forget_index.tolist())  # noqa: E731
        full = lambda r: e["method"].unlearn(e["model"], e["data"], r)  # noqa: E731
        return (lambda: ForgetRequest(value)), select, None if b else tuple(sorted(ids)), full, b, e["model"]
    # recommenders
    from recsys.requests import InteractionDeletion, ItemDeletion, ModalityDeletion, UserDeletion

    e = env["rec"]
    data, model = e["data"], e["model"]
    full = lambda r: e["method"].unlearn(model, data, r)  # noqa: E731

    def applied(r):
        r.check_model(model)
        return r.apply(data)

    if kind in ("UserDeletion", "ItemDeletion"):
        n = data.num_users if kind == "UserDeletion" else data.num_items
        cls = UserDeletion if kind == "UserDeletion" else ItemDeletion
        if broken and rng.random() < 0.05:
            ids, value, b = None, rng.choice([list(range(n)), torch.ones(n, dtype=torch.bool)]), "everything"
        else:
            ids, value, b = ids_case(list(range(n)), n, True, 30)
        attr = "removed_users" if kind == "UserDeletion" else "removed_items"
        select = lambda r: tuple(getattr(applied(r).retained, attr).nonzero().flatten().tolist())  # noqa: E731
        return (lambda: cls(value)), select, None if b else tuple(sorted(ids)), full, b, model
    if kind == "ModalityDeletion":
        mod = rng.choice(e["mods"])
        ids, value, b = ids_case(list(range(data.num_items)), data.num_items, True, 30)
        use_model = model
        if broken and rng.random() < 0.15:
            b = rng.choice(["unknown_modality", "modality_type", "plain_model"])
            value = preserve_ids(ids, data.num_items, True, rng)
            mod = {"unknown_modality": "image", "modality_type": rng.choice([None, 3, b"text", ""]),
                   "plain_model": mod}[b]
            if b == "plain_model":
                use_model = e["plain"]

        def select(r):
            r.check_model(use_model)
            return tuple((~r.apply(data).retained.feature_mask[r.modality]).nonzero().flatten().tolist())
        full = lambda r: e["method"].unlearn(use_model, data, r)  # noqa: E731
        return (lambda: ModalityDeletion(mod, value)), select, None if b else tuple(sorted(ids)), full, b, model
    # InteractionDeletion
    pairs = rng.sample(e["pairs"], rng.randint(1, 30))
    u, i = [p[0] for p in pairs], [p[1] for p in pairs]
    b = None
    if broken:
        b = rng.choice(("users", "items", "pair_dup", "not_train", "length", "everything"))
        if b in ("users", "items"):
            sub = rng.choice([x for x in ID_BREAKS if not x.startswith("mask") and x not in
                              ("duplicate", "out_of_range", "empty")])
            if b == "users":
                u = break_ids(u, data.num_users, False, rng, sub)
            else:
                i = break_ids(i, data.num_items, False, rng, sub)
            b = f"{b}:{sub}"
        elif b == "pair_dup":
            u, i = u + [u[0]], i + [i[0]]
        elif b == "not_train":
            have = set(e["pairs"])
            p = next((a, c) for a, c in ((rng.randrange(data.num_users), rng.randrange(data.num_items))
                                         for _ in range(1000)) if (a, c) not in have)
            u, i = u + [p[0]], i + [p[1]]
        elif b == "length":
            u = u + [u[0]]
        else:
            u, i = [p[0] for p in e["pairs"]], [p[1] for p in e["pairs"]]
    else:
        c = rng.choice(["list", "np", "torch32", "series", "mixed"])
        conv = {"list": list, "np": np.array, "torch32": lambda v: torch.tensor(v, dtype=torch.int32),
                "series": pd.Series, "mixed": lambda v: [np.int64(x) for x in v]}[c]
        u, i = conv(u), conv(i)
    select = lambda r: set(zip(applied(r).forget_user.tolist(), applied(r).forget_item.tolist()))  # noqa: E731
    return (lambda: InteractionDeletion(u, i)), select, None if b else set(pairs), full, b, model


def classify(kind, env, rng, broken, full_every, counter, examples):
    make, select, intended, full, b, model = fuzz_case(kind, env, rng, broken)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            request = make()
            got = select(request)
            counter["n_accepted"] += 1
            if intended is not None and counter["n_accepted"] % full_every == 0:
                before = snapshot(model)
                full(request)
                assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "model modified"
    except (ValueError, TypeError) as err:
        tb = err.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        where = tb.tb_frame.f_code.co_filename
        if not any(d in where for d in LIB):
            examples[kind].append(f"foreign ({b}): {type(err).__name__} in {where}: {err}"[:300])
            return "foreign error"
        if intended is not None:
            examples[kind].append(f"false refusal: {err}"[:300])
            return "false refusal"
        return "refused"
    except Exception as err:  # noqa: BLE001 - the campaign counts these
        examples[kind].append(f"foreign ({b}): {type(err).__name__}: {err} "
                              f"{traceback.format_exc(limit=-1).strip()}"[:300])
        return "foreign error"
    if intended is None:
        examples[kind].append(f"accepted malformed ({b})")
        return "WRONG"
    if got != intended:
        examples[kind].append(f"wrong meaning: got {str(got)[:80]} wanted {str(intended)[:80]}")
        return "WRONG"
    return "correct"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-type", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--full-every", type=int, default=25, help="a full unlearn() every N accepted requests")
    ap.add_argument("--out", default=str(RESULTS / "fuzz_requests.md"))
    args = ap.parse_args(argv)
    if args.per_type < 1 or args.full_every < 1:
        ap.error("--per-type and --full-every must be >= 1")
    torch.set_num_threads(1)
    t0 = time.time()
    env = environments()
    tallies = {}
    examples = defaultdict(list)
    for t, kind in enumerate(TYPES):
        if kind in ("UserDeletion", "ItemDeletion", "InteractionDeletion", "ModalityDeletion") and "rec" not in env:
            continue
        rng = random.Random(args.seed * 1000 + t)
        counter = Counter()
        outcome = Counter()
        start = time.time()
        for j in range(args.per_type):
            outcome[classify(kind, env, rng, broken=rng.random() < 0.5, full_every=args.full_every,
                             counter=counter, examples=examples)] += 1
        outcome["full_unlearn_runs"] = counter["n_accepted"] // args.full_every
        outcome["seconds"] = round(time.time() - start, 1)
        tallies[kind] = dict(outcome)
        print(kind, dict(outcome), flush=True)
    cols = ["correct", "refused", "false refusal", "WRONG", "foreign error"]
    total = Counter()
    lines = ["# Fuzz campaign: request inputs (issue 9)", "",
             f"`python benchmarks/fuzz_requests.py --per-type {args.per_type} --seed {args.seed} "
             f"--full-every {args.full_every}`: {sum(sum(v.get(c, 0) for c in cols) for v in tallies.values())} "
             f"requests on real data (Cora link / node splits, scikit-learn digits, ML-100K first 120 users), about "
             f"half malformed (one breaking mutation after 0-3 meaning-preserving ones), every one applied through "
             f"the validation path `unlearn()` uses, a full `unlearn()` on every {args.full_every}th accepted one. "
             f"{time.time() - t0:.0f} s on a shared CPU.", "",
             "| request type | correct (valid, exact selection) | refused (malformed, library error) | "
             "false refusal | WRONG meaning | error from torch/numpy or other | full unlearn() runs |",
             "|---|---|---|---|---|---|---|"]
    for kind, v in tallies.items():
        lines.append(f"| {kind} | " + " | ".join(str(v.get(c, 0)) for c in cols) + f" | {v['full_unlearn_runs']} |")
        total.update({c: v.get(c, 0) for c in cols})
    lines.append("| **all** | " + " | ".join(f"**{total[c]}**" for c in cols) + " | |")
    lines += ["", "`WRONG` (accepted with a wrong meaning, or a malformed request accepted) and errors raised "
              "from inside torch / numpy must both be 0."]
    bad = {k: v[:10] for k, v in examples.items() if v}
    if bad:
        lines += ["", "## Findings", ""] + [f"- {k}: {x}" for k, v in bad.items() for x in v]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "tallies": tallies, "findings": bad},
                                                   indent=1), encoding="utf-8")
    print("\n".join(lines))
    return 0 if total["WRONG"] == 0 and total["foreign error"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
