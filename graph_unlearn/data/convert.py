"""Conversions at the API edge: PyG ``Data`` / our :class:`~graph_unlearn.data.Graph` ⇄ DGL
graphs ⇄ networkx ⇄ scipy sparse. Graphs are undirected: every converter returns both
directions of each edge, and node ids are kept as they are, so a request written in one
library's ids applies unchanged in another's.

DGL (``dgl==1.1.3``) and networkx are optional: they are imported only when used.
"""
from __future__ import annotations

import torch
from torch_geometric.data import Data

from .graph import Graph

#: DGL node-data keys read/written for features, labels and split masks (DGL's built-in datasets' names)
DGL_KEYS = {"x": "feat", "y": "label", "train_mask": "train_mask", "val_mask": "val_mask", "test_mask": "test_mask"}


def _dgl():
    try:
        import dgl
    except Exception as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"DGL is needed for this conversion (pip install 'dgl==1.1.3'): {err}") from err
    return dgl


def _edge_index(obj) -> tuple[torch.Tensor, int]:
    if isinstance(obj, Graph):
        return obj.edge_index, obj.num_nodes
    if isinstance(obj, Data):
        return obj.edge_index, int(obj.num_nodes)
    raise ValueError(f"expected a Graph or a torch_geometric Data, got {type(obj).__name__}")


def to_dgl(obj, x: torch.Tensor | None = None):
    """A DGL graph from a :class:`Graph` or a PyG ``Data`` (features, labels and masks of a
    ``Data`` go to ``ndata['feat' | 'label' | '*_mask']``; ``x`` adds features to a Graph)."""
    dgl = _dgl()
    ei, n = _edge_index(obj)
    g = dgl.graph((ei[0], ei[1]), num_nodes=n, device=ei.device)
    if isinstance(obj, Data):
        for key, name in DGL_KEYS.items():
            val = getattr(obj, key, None)
            if val is not None:
                g.ndata[name] = val
    if x is not None:
        if x.size(0) != n:
            raise ValueError(f"x has {x.size(0)} rows but the graph has {n} nodes")
        g.ndata["feat"] = x
    return g


def from_dgl(g, *, as_data: bool = True):
    """A PyG ``Data`` (default; with ``x``, ``y`` and masks from ``ndata``) or a
    :class:`Graph` (``as_data=False``) from a DGL graph; edges are made undirected."""
    src, dst = g.edges()
    ei = torch.stack([src, dst]).long()
    n = g.num_nodes()
    graph = Graph(ei, n)
    if not as_data:
        return graph
    data = Data(edge_index=graph.edge_index, num_nodes=n)
    for key, name in DGL_KEYS.items():
        if name in g.ndata:
            setattr(data, key, g.ndata[name])
    return data


def to_networkx(obj):
    """An undirected ``networkx.Graph`` with nodes ``0..N-1``."""
    import networkx as nx

    ei, n = _edge_index(obj)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(ei.t().tolist())
    return G


def from_networkx(G) -> Graph:
    """A :class:`Graph` from a networkx graph whose nodes are ``0..N-1`` (node attributes are
    ignored: :func:`networkx_to_data` keeps them)."""
    n = G.number_of_nodes()
    if sorted(G.nodes()) != list(range(n)):
        raise ValueError("networkx nodes must be the integers 0..N-1 (relabel with nx.convert_node_labels_to_integers)")
    return Graph(torch.tensor(list(G.edges()), dtype=torch.long).reshape(-1, 2).t(), n)


def to_scipy(obj):
    """A ``scipy.sparse.csr_matrix`` adjacency (symmetric, ones)."""
    import numpy as np
    import scipy.sparse as sp

    ei, n = _edge_index(obj)
    ei = ei.cpu().numpy()
    return sp.csr_matrix((np.ones(ei.shape[1], dtype=np.float32), (ei[0], ei[1])), shape=(n, n))


def from_scipy(adj) -> Graph:
    """A :class:`Graph` from a square scipy sparse adjacency: the non-zero entries are the edges
    (explicitly stored zeros are not)."""
    if adj.shape[0] != adj.shape[1]:
        raise ValueError(f"adjacency must be square, got shape {adj.shape}")
    coo = adj.tocoo()
    nz = coo.data != 0
    ei = torch.stack([torch.from_numpy(coo.row[nz]).long(), torch.from_numpy(coo.col[nz]).long()])
    return Graph(ei, adj.shape[0])


# -- reading what users hold as a PyG Data ------------------------------------------------------

def is_dgl_graph(obj) -> bool:
    return type(obj).__name__ == "DGLGraph" and (type(obj).__module__ or "").startswith("dgl")


def _is_networkx(obj) -> bool:
    return (type(obj).__module__ or "").startswith("networkx")


def _is_scipy_sparse(obj) -> bool:
    return (type(obj).__module__ or "").startswith("scipy.sparse")


def _has_every_self_loop(g) -> bool:
    src, dst = g.edges()
    return bool(g.num_nodes() > 0 and torch.unique(src[src == dst]).numel() == g.num_nodes())


def networkx_to_data(G) -> Data:
    """A ``Data`` from an undirected networkx graph on nodes ``0..N-1``; node attributes present on
    every node become node tensors (tensors and arrays stacked, numbers and bools gathered)."""
    import numpy as np

    graph = from_networkx(G)
    n = graph.num_nodes
    data = Data(edge_index=graph.edge_index, num_nodes=n)
    keys = set().union(*(G.nodes[i].keys() for i in range(n))) if n else set()
    for key in sorted(keys):
        values = [G.nodes[i].get(key) for i in range(n)]
        if any(v is None for v in values):
            raise ValueError(f"networkx node attribute {key!r} is missing on some nodes")
        if isinstance(values[0], torch.Tensor):
            t = torch.stack([torch.as_tensor(v) for v in values])
        else:
            t = torch.as_tensor(np.asarray(values))
        data[key] = t
    return data


def to_pyg_data(obj) -> Data:
    """A ``Data`` from a DGL graph, a networkx graph (node attributes kept) or a scipy sparse
    adjacency; a ``Data`` as it is."""
    if isinstance(obj, Data):
        return obj
    if is_dgl_graph(obj):
        return from_dgl(obj)
    if _is_networkx(obj):
        return networkx_to_data(obj)
    if _is_scipy_sparse(obj):
        graph = from_scipy(obj)
        return Data(edge_index=graph.edge_index, num_nodes=graph.num_nodes)
    raise TypeError(f"cannot read graph data from {type(obj).__name__}: pass a torch_geometric Data, a "
                    f"RandomLinkSplit (train, val, test) triple, a DGLGraph, a networkx graph, a scipy sparse "
                    f"adjacency, or the library's LinkSplit / NodeSplit")
