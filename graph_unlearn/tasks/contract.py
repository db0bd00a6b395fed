"""Users' own data at the API edge: the PyTorch Geometric data contract.

:func:`as_task_data` turns what a PyG, DGL, networkx or scipy user holds into the library's
task data, using the user's split as given (validated, never silently re-split):

- **node classification**: a ``Data`` with ``x``, ``y`` and ``train_mask`` / ``val_mask`` /
  ``test_mask`` (as ``Planetoid(...)[0]``) -> a :class:`~graph_unlearn.NodeSplit`;
- **link prediction**: the ``(train_data, val_data, test_data)`` triple of PyG's
  ``RandomLinkSplit(is_undirected=True)`` -> a :class:`~graph_unlearn.LinkSplit` whose
  training edges are the message-passing edges and whose validation / test edges are the
  positives and negatives of ``edge_label_index`` / ``edge_label``;
- a ``DGLGraph`` (``ndata['feat' | 'label' | '*_mask']``) or a networkx graph with node
  attributes ``x``, ``y`` and masks: converted to a ``Data`` first (:func:`graph_unlearn.data.convert.to_pyg_data`); a scipy sparse adjacency
  gives a ``Data`` without features (explicit zeros are not edges);
- the library's own :class:`~graph_unlearn.LinkSplit` / :class:`~graph_unlearn.NodeSplit`
  pass through.

:func:`serving_data` gives back what serving needs after a deletion, in the user's form: a
``Data`` holding the retained graph (``result.model(result.data.x, result.data.edge_index)``),
or the retained ``DGLGraph`` for DGL users (``result.model(result.data, x)``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch_geometric.data import Data

from ..data.convert import _has_every_self_loop, is_dgl_graph, to_pyg_data
from ..data.graph import Graph, edge_keys


@dataclass
class TaskData:
    """What :func:`as_task_data` returns: the library's split, the task, and the user's form."""

    split: Any
    task: str
    form: str          # "library" | "pyg" | "link_triple" | "dgl"
    original: Any      # the object the user passed
    #: DGL: the user's graph has a self-loop on every node; retained graphs keep them
    self_loops: bool = False


def _mask_index(data: Data, name: str) -> torch.Tensor:
    mask = getattr(data, name, None)
    if mask is None:
        raise ValueError(f"node classification data needs {name} (a boolean mask over the nodes); use "
                         f"graph_unlearn.random_node_split(data) to make a split")
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool or mask.dim() != 1:
        raise ValueError(f"{name} must be a 1-d boolean tensor, got "
                         f"{getattr(mask, 'dtype', type(mask).__name__)} of shape {tuple(getattr(mask, 'shape', ()))}")
    if mask.numel() != data.num_nodes:
        raise ValueError(f"{name} has {mask.numel()} entries but the graph has {data.num_nodes} nodes")
    return mask.nonzero().flatten()


def node_split_from_pyg(data: Data):
    """A :class:`~graph_unlearn.NodeSplit` over a ``Data`` with ``x``, ``y`` and the three masks."""
    from .node_classification import NodeSplit

    if getattr(data, "x", None) is None or getattr(data, "y", None) is None:
        raise ValueError("node classification data needs node features x and labels y")
    n = int(data.num_nodes)
    if data.x.size(0) != n or data.y.size(0) != n:
        raise ValueError(f"x has {data.x.size(0)} rows and y {data.y.size(0)} entries, the graph {n} nodes")
    if data.y.dim() != 1 or data.y.is_floating_point():
        raise ValueError("node classification needs y as a 1-d tensor of integer class ids")
    idx = [_mask_index(data, m) for m in ("train_mask", "val_mask", "test_mask")]
    if idx[0].numel() == 0:
        raise ValueError("train_mask selects no node")
    if torch.isin(idx[0], torch.cat(idx[1:])).any():
        raise ValueError("train_mask overlaps val_mask or test_mask")
    return NodeSplit(data.x, data.y, Graph(data.edge_index, n), *idx, name=getattr(data, "name", "") or "",
                     kind="given")


def _labelled(data: Data, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    eli, el = getattr(data, "edge_label_index", None), getattr(data, "edge_label", None)
    if eli is None or el is None:
        raise ValueError(f"{name} has no edge_label_index / edge_label: pass the (train, val, test) output of "
                         f"torch_geometric.transforms.RandomLinkSplit")
    pos, neg = eli[:, el == 1], eli[:, el == 0]
    if pos.size(1) + neg.size(1) != el.numel():
        raise ValueError(f"{name}.edge_label must hold 1 (edge) and 0 (non-edge) only")
    return pos, neg


def _canonical(edges: torch.Tensor, n: int, name: str) -> torch.Tensor:
    """Each undirected edge once as (min, max), self loops dropped with a warning (the rule
    :func:`~graph_unlearn.split_edges` applies)."""
    from .link_prediction import _unique_undirected

    return _unique_undirected(edges, n, name, who="RandomLinkSplit data")


def link_split_from_pyg(train: Data, val: Data, test: Data):
    """A :class:`~graph_unlearn.LinkSplit` from ``RandomLinkSplit(is_undirected=True)``'s triple.

    The training graph is ``train.edge_index`` (message passing), which must hold the same
    undirected edges as ``train``'s positive ``edge_label_index`` (the default
    ``disjoint_train_ratio=0``); validation and test positives/negatives come from their
    ``edge_label_index`` / ``edge_label``."""
    from .link_prediction import LinkSplit

    for name, d in (("train_data", train), ("val_data", val), ("test_data", test)):
        if not isinstance(d, Data):
            raise TypeError(f"{name} must be a torch_geometric Data, got {type(d).__name__}")
    n = int(train.num_nodes)
    ei = train.edge_index
    keys = edge_keys(ei, n, undirected=False)
    rev = edge_keys(ei.flip(0), n, undirected=False)
    if not torch.isin(rev, keys).all():
        raise ValueError("train_data.edge_index is directed (an edge lacks its reverse): the library unlearns "
                         "undirected graphs; use RandomLinkSplit(is_undirected=True) on an undirected graph")
    mp = _canonical(ei, n, "train_data.edge_index")
    pos, _ = _labelled(train, "train_data")
    sup = _canonical(pos, n, "train_data.edge_label_index")
    if sup.size(1) != mp.size(1) or not torch.equal(sup, mp):
        raise ValueError("train_data's supervision edges differ from its message-passing edges "
                         "(RandomLinkSplit(disjoint_train_ratio > 0)); the library's link task trains on the "
                         "message-passing edges: use disjoint_train_ratio=0")
    vp, vn = _labelled(val, "val_data")
    tp, tn = _labelled(test, "test_data")
    if vn.size(1) == 0 or tn.size(1) == 0:
        raise ValueError("val_data and test_data need negative edges (edge_label 0) for AUROC: "
                         "RandomLinkSplit(neg_sampling_ratio=1.0)")
    x = getattr(train, "x", None)
    return LinkSplit(x, n, mp, *(_canonical(e, n, name) for e, name in ((vp, "val_data positives"),
                     (vn, "val_data negatives"), (tp, "test_data positives"), (tn, "test_data negatives"))),
                     name=getattr(train, "name", "") or "")


def as_task_data(data: Any, task: str | None = None) -> TaskData:
    """The library's task data for what the user passed (see the module docstring); ``task``
    (``"node"`` / ``"link"``, e.g. from a :class:`~graph_unlearn.models.adapter.ModelConfig`)
    must agree with the data when given."""
    from ..requests.edge import EdgeUnlearningProblem
    from .link_prediction import LinkSplit
    from .node_classification import NodeSplit, NodeUnlearningProblem

    if isinstance(data, (LinkSplit, EdgeUnlearningProblem)):
        found = TaskData(data, "link", "library", data)
    elif isinstance(data, (NodeSplit, NodeUnlearningProblem)):
        found = TaskData(data, "node", "library", data)
    elif isinstance(data, (tuple, list)):
        if len(data) != 3:
            raise ValueError(f"a link-prediction split is the (train_data, val_data, test_data) triple of "
                             f"RandomLinkSplit; got a {type(data).__name__} of {len(data)} items")
        found = TaskData(link_split_from_pyg(*data), "link", "link_triple", data)
    else:
        form = "dgl" if is_dgl_graph(data) else "pyg"
        pyg = to_pyg_data(data)
        if getattr(pyg, "edge_label_index", None) is not None:
            raise ValueError("this Data carries edge_label_index: for link prediction pass the whole "
                             "(train_data, val_data, test_data) triple of RandomLinkSplit")
        if task == "link":
            raise ValueError("link prediction needs a split: pass RandomLinkSplit's (train, val, test) triple or "
                             "graph_unlearn.split_edges(data); the library never re-splits your data silently")
        found = TaskData(node_split_from_pyg(pyg), "node", form, data,
                         self_loops=form == "dgl" and _has_every_self_loop(data))
    if task is not None and task != found.task:
        raise ValueError(f"model_config says task={task!r} but the data is for a {found.task} task")
    return found


def serving_data(problem, td: TaskData | None = None):
    """What serving needs after a deletion, in the user's form (see the module docstring)."""
    from ..requests.edge import EdgeUnlearningProblem

    if isinstance(problem, EdgeUnlearningProblem):
        out = Data(x=problem.x, edge_index=problem.graph.edge_index, num_nodes=problem.num_nodes,
                   edge_label_index=problem.retain, edge_label=torch.ones(problem.retain.size(1)))
        if td is not None and td.form == "link_triple":
            out = td.original[0].clone()
            out.x = problem.x
            out.edge_index = problem.graph.edge_index
            out.edge_label_index, out.edge_label = problem.retain, torch.ones(problem.retain.size(1))
        return out
    split = problem.split
    n = problem.num_nodes
    masks = {}
    for name, idx in (("train_mask", problem.retain_nodes), ("val_mask", split.val_idx), ("test_mask", split.test_idx)):
        m = torch.zeros(n, dtype=torch.bool, device=idx.device)
        m[idx] = True
        masks[name] = m
    out = Data(x=problem.x, edge_index=problem.graph.edge_index, y=split.y, num_nodes=n, **masks)
    if td is not None and td.form == "dgl":
        from ..data.convert import to_dgl

        g = to_dgl(out)
        if td.self_loops:
            import dgl

            g = dgl.add_self_loop(dgl.remove_self_loop(g))
        return g
    return out


def retained_link_triple(problem, td: TaskData) -> tuple[Data, Data, Data]:
    """The user's ``(train, val, test)`` triple with the deleted edges gone from every
    message-passing graph and from the training supervision (for ``Retrain(train_fn=...)``)."""
    train = serving_data(problem, td)
    rest = []
    for d in td.original[1:]:
        d = d.clone()
        keep = ~torch.isin(edge_keys(d.edge_index, problem.num_nodes),
                           torch.unique(edge_keys(problem.forget, problem.num_nodes)))
        d.edge_index = d.edge_index[:, keep]
        d.x = problem.x
        rest.append(d)
    return (train, *rest)
