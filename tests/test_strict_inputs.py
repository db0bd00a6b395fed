"""Issue 9 ("No silent misreads"): a regression test per defect found, and every request
example of README.md executed and checked to select exactly what it says."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from graph_unlearn import EdgeDeletion, FeatureDeletion, LinkSplit, NodeDeletion, split_edges
from graph_unlearn.general import ForgetRequest

README = Path(__file__).resolve().parents[1] / "README.md"


def library_error(call, pattern):
    """``call()`` must raise ValueError/TypeError from graph_unlearn/ or recsys/ matching ``pattern``."""
    with pytest.raises((ValueError, TypeError), match=pattern) as info:
        call()
    last = info.traceback[-1].path
    assert "graph_unlearn" in str(last) or "recsys" in str(last), f"raised inside {last}"
    return info.value


def forget_set(problem):
    return {tuple(e) for e in problem.forget.t().tolist()}


# ---------------------------------------------------------------------------------------------
# defect 1: a two-pair list read as [2, k]

def test_two_pair_list_is_read_as_pairs(cora_split):
    (a, b), (c, d) = cora_split.train_pos[:, 0].tolist(), cora_split.train_pos[:, 1].tolist()
    problem = EdgeDeletion([(a, b), (c, d)]).apply(cora_split)
    assert forget_set(problem) == {(a, b), (c, d)}
    assert forget_set(EdgeDeletion(((b, a), [d, c])).apply(cora_split)) == {(a, b), (c, d)}


def test_square_tensor_is_ambiguous_and_explicit_forms_work(cora_split):
    (a, b), (c, d) = cora_split.train_pos[:, 0].tolist(), cora_split.train_pos[:, 1].tolist()
    ei = torch.tensor([[a, c], [b, d]])
    for t in (ei, ei.numpy()):
        library_error(lambda: EdgeDeletion(t), "ambiguous.*from_edge_index")
    library_error(lambda: EdgeDeletion([torch.tensor([a, b]), torch.tensor([c, d])]), "ambiguous")
    want = {(a, b), (c, d)}
    assert forget_set(EdgeDeletion.from_edge_index(ei).apply(cora_split)) == want
    assert forget_set(EdgeDeletion.from_pairs(ei.t()).apply(cora_split)) == want
    assert forget_set(EdgeDeletion(ei, layout="edge_index").apply(cora_split)) == want
    assert forget_set(EdgeDeletion(ei.t().numpy(), layout="pairs").apply(cora_split)) == want
    # unambiguous shapes keep working: [2, k] and [k, 2] with k != 2
    three = cora_split.train_pos[:, :3]
    assert EdgeDeletion(three).edges.size(1) == EdgeDeletion(three.t()).edges.size(1) == 3
    library_error(lambda: EdgeDeletion(ei, layout="coo"), "layout")


# ---------------------------------------------------------------------------------------------
# defect 2: booleans, masks, floats, masked arrays, meta / sparse tensors

def test_bool_mask_forget_request_is_a_mask_of_the_training_set():
    from graph_unlearn.general import GradientAscent, MLP, load_digits_data

    data = load_digits_data()
    mask = torch.zeros(data.num_train, dtype=torch.bool)
    mask[[5, 9, 100]] = True
    assert data.partition(ForgetRequest(mask)).forget_index.tolist() == [5, 9, 100]       # not samples 0 and 1
    assert data.partition(ForgetRequest(mask.numpy())).forget_index.tolist() == [5, 9, 100]
    model = MLP(data.num_features, data.num_classes, hidden=(8,))
    short = torch.zeros(data.num_train - 1, dtype=torch.bool)
    short[3] = True
    library_error(lambda: GradientAscent(epochs=1).unlearn(model, data, ForgetRequest(short)), "mask has length")
    library_error(lambda: ForgetRequest([True, False, True]), "boolean")      # a Python list of bools: never a mask
    library_error(lambda: ForgetRequest([5, True]), "boolean")


def test_node_mask_and_bools_in_id_lists(cora_split):
    n = cora_split.num_nodes
    nodes = cora_split.train_pos[:, 0]
    mask = torch.zeros(n, dtype=torch.bool)
    mask[nodes] = True
    assert NodeDeletion(mask).apply(cora_split).deleted_nodes.tolist() == sorted(nodes.tolist())
    library_error(lambda: NodeDeletion(mask[:-1]).apply(cora_split), "mask has length 2707 but there are 2708")
    library_error(lambda: NodeDeletion([int(nodes[0]), True]), "boolean True")
    library_error(lambda: EdgeDeletion([(int(nodes[0]), True)]), "boolean")
    library_error(lambda: EdgeDeletion(torch.ones(2, 3, dtype=torch.bool)), "boolean")


@pytest.mark.parametrize("bad, message", [
    ([1.7, 2.2], "non-integral float 1.7"),
    ([1.0, 2.0], r"float 1.0 \(cast with"),
    (torch.tensor([1.7, 2.2]), "non-integral"),
    (np.array([1.0, 2.0]), "float64 array"),
    (np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]), "masked array"),
    (torch.zeros(3, dtype=torch.long, device="meta"), "'meta' tensor"),
    (torch.tensor([1, 2]).to_sparse(), "sparse tensor"),
    (np.array([1, "a"], dtype=object), "object array"),
    ([[1, 2], [3]], "ragged"),
    ("12", "string"),
    (None, "None"),
    ([1, 2 ** 70], "int64"),
])
def test_malformed_ids_are_refused_by_every_request(bad, message):
    from recsys.requests import InteractionDeletion, ItemDeletion, ModalityDeletion, UserDeletion

    makers = [NodeDeletion, FeatureDeletion, ForgetRequest, UserDeletion, ItemDeletion,
              lambda v: ModalityDeletion("text", v), lambda v: InteractionDeletion(v, v)]
    if bad is not None:                       # features=None means "every column"
        makers.append(lambda v: FeatureDeletion([1], features=v))
    for make in makers:
        library_error(lambda: make(bad), message)


def test_meta_and_sparse_edge_tensors(cora_split):
    library_error(lambda: EdgeDeletion(cora_split.train_pos[:, :3].to("meta")), "'meta' tensor")
    library_error(lambda: EdgeDeletion(cora_split.train_pos[:, :3].to_sparse()), "sparse tensor")


def test_accepted_id_forms_select_the_same_nodes(cora_split):
    import pandas as pd

    want = [3, 17, 42]
    for form in ([42, 3, 17], (3, 17, 42), {3, 17, 42}, np.array(want, dtype=np.int32), pd.Series(want),
                 pd.Index(want), torch.tensor(want, dtype=torch.int32), torch.tensor(want, dtype=torch.uint8),
                 [np.int64(3), torch.tensor(17), 42]):
        assert NodeDeletion(form).nodes.tolist() == want
    assert NodeDeletion(torch.tensor(5)).nodes.tolist() == [5]
    assert NodeDeletion(range(3, 6)).nodes.tolist() == [3, 4, 5]


# ---------------------------------------------------------------------------------------------
# defect 3: split_edges on one-direction graphs, hand-built LinkSplit

def test_split_edges_reads_one_and_two_directions_alike(cora):
    from torch_geometric.data import Data

    u, v = cora.edge_index
    one = torch.stack([u[u < v], v[u < v]])
    rng = torch.Generator().manual_seed(0)
    flip = torch.rand(one.size(1), generator=rng) < 0.5
    mixed = torch.where(flip, one.flip(0), one)          # one direction per edge, either one
    base = split_edges(cora, seed=0)
    for ei in (one, one.flip(0), mixed):
        s = split_edges(Data(x=cora.x, edge_index=ei, num_nodes=cora.num_nodes), seed=0)
        for k in ("train_pos", "val_pos", "test_pos", "val_neg", "test_neg"):
            assert torch.equal(getattr(s, k), getattr(base, k)), k
    total = base.train_pos.size(1) + base.val_pos.size(1) + base.test_pos.size(1)
    assert total == one.size(1)                          # nothing lost, nothing doubled
    with pytest.warns(UserWarning, match="self loops"):
        s = split_edges(Data(x=cora.x, edge_index=torch.cat([ei, torch.tensor([[7], [7]])], 1),
                             num_nodes=cora.num_nodes), seed=0)
    assert torch.equal(s.train_pos, base.train_pos)
    library_error(lambda: split_edges(Data(x=cora.x, edge_index=one.float(), num_nodes=cora.num_nodes)), "integer")


def test_hand_built_link_split_is_validated(cora_split):
    s = cora_split
    parts = dict(x=s.x, num_nodes=s.num_nodes, train_pos=s.train_pos, val_pos=s.val_pos, val_neg=s.val_neg,
                 test_pos=s.test_pos, test_neg=s.test_neg)
    LinkSplit(**parts)                                              # the real one is valid
    assert LinkSplit(**{**parts, "train_pos": s.train_pos.int()}).train_pos.dtype == torch.long
    bad = {
        "train_pos": [(s.train_pos.float(), "integer"), (s.train_pos.t(), r"\[2, k\]"),
                      (torch.cat([s.train_pos, s.train_pos.flip(0)], 1), "u < v"),
                      (torch.cat([s.train_pos, s.train_pos[:, :1]], 1), "more than once"),
                      (torch.cat([s.train_pos, torch.tensor([[0], [s.num_nodes]])], 1), "outside"),
                      (torch.cat([s.train_pos, s.val_pos[:, :2]], 1), "val_pos positives are also in train_pos")],
        "test_pos": [(torch.cat([s.test_pos, s.val_pos[:, :1]], 1), "also in val_pos")],
        "val_neg": [(torch.cat([s.val_neg, s.train_pos[:, :1]], 1), "val_neg negatives are also in train_pos")],
        "test_neg": [(torch.cat([s.test_neg, s.test_pos[:, :1]], 1), "test_neg negatives are also in test_pos")],
        "x": [(s.x[:-1], "x must be")],
    }
    for key, cases in bad.items():
        for value, message in cases:
            library_error(lambda: LinkSplit(**{**parts, key: value}), message)
    moved = s.to("cpu")                                             # copies are not re-validated, still equal
    assert torch.equal(moved.train_pos, s.train_pos)


# ---------------------------------------------------------------------------------------------
# defect 4: recommenders

@pytest.fixture(scope="module")
def rec():
    from recsys.data import load_dataset

    try:
        data = load_dataset("ml100k-mm").first_users(60)
    except FileNotFoundError as err:
        pytest.skip(f"ML-100K is not available: {err}")
    return data


def test_deleting_everything_is_refused_before_training(rec):
    from recsys import LightGCN
    from recsys.methods import FineTune, MMRecUn, Retrain
    from recsys.requests import InteractionDeletion, ItemDeletion, UserDeletion

    model = LightGCN(rec.num_users, rec.num_items, dim=8)
    u, i = rec.train_pairs()
    for request, message in ((UserDeletion(range(rec.num_users)), "every user"),
                             (UserDeletion(torch.ones(rec.num_users, dtype=torch.bool)), "every user"),
                             (InteractionDeletion(u, i), "every training interaction"),
                             (ItemDeletion(torch.unique(i)), "every training interaction")):
        for method in (FineTune(steps=1), MMRecUn(steps=1), Retrain(epochs=1)):
            library_error(lambda: method.unlearn(model, rec, request), message)


def test_recsys_messages_name_user_and_item_ids(rec):
    from recsys.requests import InteractionDeletion, ItemDeletion, UserDeletion

    err = library_error(lambda: UserDeletion([rec.num_users + 3]).apply(rec), "unknown user ids")
    assert "node" not in str(err)
    err = library_error(lambda: ItemDeletion([rec.num_items]).apply(rec), "unknown item ids")
    assert "node" not in str(err)
    for call, message in ((lambda: UserDeletion([1.5]), "user ids must be integers"),
                          (lambda: ItemDeletion(["a"]), "item ids must be integers"),
                          (lambda: InteractionDeletion([0], [-1]), "negative item id")):
        assert "node" not in str(library_error(call, message))


def test_modality_deletion_on_a_model_without_modalities_is_refused(rec):
    from recsys import VBPR, LightGCN
    from recsys.methods import FineTune, MMRecUn, Retrain
    from recsys.requests import ModalityDeletion

    lgcn = LightGCN(rec.num_users, rec.num_items, dim=8)
    for method in (MMRecUn(steps=1), FineTune(steps=1), Retrain(epochs=1)):
        library_error(lambda: method.unlearn(lgcn, rec, ModalityDeletion("text", [0, 1])), "uses no item modality")
    text_only = VBPR(rec.num_users, rec.num_items, {"text": rec.modalities["text"].size(1)}, dim=8)
    library_error(lambda: FineTune(steps=1).unlearn(text_only, rec, ModalityDeletion("genre_year", [0])),
                  "does not use modality 'genre_year'")
    library_error(lambda: ModalityDeletion("text", [0, True]), "boolean")
    vbpr = VBPR(rec.num_users, rec.num_items, rec.modality_dims(), dim=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert FineTune(steps=1).unlearn(vbpr, rec, ModalityDeletion("text", [0, 1])).model is not vbpr


# ---------------------------------------------------------------------------------------------
# README: every request example selects exactly what it says

REQUEST_CALL = re.compile(r"\b(EdgeDeletion|NodeDeletion|FeatureDeletion|UserDeletion|ItemDeletion|"
                          r"InteractionDeletion|ModalityDeletion|ForgetRequest)(\.from_\w+)?\(")


def readme_request_examples():
    """``(section, expression)`` of every request constructed in README's python code blocks
    (code only, comments skipped)."""
    out, section, in_block = [], "", False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if line.startswith("```"):
            in_block = line.strip() == "```python" if not in_block else False
            continue
        if not in_block:
            continue
        code = line.split("  #")[0].split("# ")[0] if "#" in line else line
        for m in REQUEST_CALL.finditer(code):
            depth, j = 0, m.end() - 1
            for j in range(m.end() - 1, len(code)):
                depth += {"(": 1, ")": -1}.get(code[j], 0)
                if depth == 0:
                    break
            out.append((section, code[m.start():j + 1]))
    return out


def test_readme_request_examples_select_what_they_say(cora, cora_split):
    from graph_unlearn import random_node_split, sample_forget_edges

    examples = readme_request_examples()
    assert len(examples) >= 6
    link = cora_split
    (u1, v1), (u2, v2) = link.train_pos[:, 0].tolist(), link.train_pos[:, 1].tolist()
    mask = torch.zeros(link.num_nodes, dtype=torch.bool)
    mask[[12, 40]] = True
    node_split = random_node_split(cora, seed=0)
    link_ns = dict(EdgeDeletion=EdgeDeletion, NodeDeletion=NodeDeletion, FeatureDeletion=FeatureDeletion, np=np,
                   torch=torch, split=link, sample_forget_edges=sample_forget_edges, u1=u1, v1=v1, u2=u2, v2=v2,
                   edge_index=link.train_pos[:, :3], mask=mask)
    node_ns = dict(link_ns, split=node_split)

    def edges_of(req, split):
        return forget_set(req.apply(split))

    checks = {
        'EdgeDeletion(sample_forget_edges(split, 0.05, "out"))':
            lambda r: edges_of(r, link) == {tuple(e) for e in sample_forget_edges(link, 0.05, "out").t().tolist()},
        "EdgeDeletion([(u1, v1), (u2, v2)])": lambda r: edges_of(r, link) == {(u1, v1), (u2, v2)},
        "EdgeDeletion.from_edge_index(edge_index)":
            lambda r: edges_of(r, link) == {tuple(e) for e in link.train_pos[:, :3].t().tolist()},
        "NodeDeletion(np.array([12, 40], dtype=np.int32))":
            lambda r: r.apply(link).deleted_nodes.tolist() == [12, 40],
        "NodeDeletion(mask)": lambda r: r.apply(link).deleted_nodes.tolist() == [12, 40],
        "NodeDeletion([12, 40])": lambda r: r.apply(node_split).forget_nodes.tolist() == [12, 40],
        "FeatureDeletion([12], features=[3, 7])": lambda r: _feature_check(r.apply(node_split), node_split),
    }
    rec_examples = [e for e in examples if e[0].startswith("Recommenders")]
    variable = {expr for _, expr in examples
                if re.fullmatch(r"(EdgeDeletion|NodeDeletion)\(\w+\)", expr) and expr not in checks}
    unknown = [expr for sec, expr in examples
               if not sec.startswith("Recommenders") and expr not in checks and expr not in variable]
    assert not unknown, f"README request examples without a check here: {unknown}"
    for section, expr in examples:
        if section.startswith("Recommenders") or expr in variable:
            continue
        request = eval(expr, node_ns if section.startswith("Nodes") else link_ns)  # noqa: S307 - README text
        assert checks[expr](request), f"README example {expr!r} ({section}) selects something else"
    for expr in variable:                                # Cls(name): name assigned earlier in the README
        _check_variable_example(expr, cora)
    _check_rec_examples(rec_examples)


def _check_variable_example(expr, cora):
    """``NodeDeletion(forget)`` / ``EdgeDeletion(edges)``: evaluate the README's assignment of the
    variable (on Cora, with RandomLinkSplit's output where it uses it) and check the request
    reads exactly that value."""
    import torch_geometric.transforms as T

    cls, name = re.fullmatch(r"(\w+)\((\w+)\)", expr).groups()
    lines = [ln for ln in README.read_text(encoding="utf-8").splitlines() if re.match(rf"{name} = ", ln)]
    assert lines, f"README uses {expr} without assigning {name}"
    rhs = lines[-1].split(" = ", 1)[1].split("  #")[0].strip()
    torch.manual_seed(0)
    train_data, val_data, test_data = T.RandomLinkSplit(is_undirected=True, add_negative_train_samples=False)(cora)
    value = eval(rhs, dict(data=cora, train_data=train_data, torch=torch))  # noqa: S307 - README text
    if cls == "NodeDeletion":
        assert NodeDeletion(value).nodes.tolist() == sorted(value.tolist())
    else:
        got = {tuple(e) for e in EdgeDeletion(value).edges.t().tolist()}
        assert got == {(min(u, v), max(u, v)) for u, v in value.t().tolist()}


def _feature_check(problem, split):
    changed = (problem.x != split.x).nonzero().tolist()
    return problem.forget_nodes.tolist() == [12] and all(r == 12 and c in (3, 7) for r, c in changed) \
        and bool((problem.x[12, [3, 7]] == 0).all())


def _check_rec_examples(examples):
    if not examples:
        return
    from recsys.requests import ItemDeletion, UserDeletion

    try:
        from recsys.data import load_dataset

        data = load_dataset("ml100k-mm")
    except FileNotFoundError:
        pytest.skip("ML-100K is not available for the README's recommender examples")
    known = {"ItemDeletion([1, 2, 3])": lambda: ItemDeletion([1, 2, 3]).apply(data).retained.removed_items
             .nonzero().flatten().tolist() == [1, 2, 3]}
    if any("user_index" in e for _, e in examples):
        import pandas as pd

        from recsys.data import load_dataset

        df = pd.DataFrame({"user_id": ["alice"] * 6 + ["bob"] * 6 + ["carol"] * 6,
                           "item_id": [f"i{k}" for k in range(6)] * 3})
        small = load_dataset(df)
        known['UserDeletion(data.user_index(["alice"]))'] = lambda: (
            UserDeletion(small.user_index(["alice"])).apply(small).retained.removed_users.nonzero().flatten().tolist()
            == small.user_index(["alice"]).tolist()
            and small.raw_user(small.user_index(["alice"])).tolist() == ["alice"])
    unknown = [e for _, e in examples if e not in known]
    assert not unknown, f"README recommender request examples without a check here: {unknown}"
    for _, expr in examples:
        assert known[expr](), f"README example {expr!r} selects something else"
