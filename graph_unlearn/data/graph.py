"""A graph ready for sparse message passing.

``Graph`` holds an undirected ``edge_index`` (both directions) and builds, once and lazily,
the sparse adjacencies the encoders need (PyG's ``adj_t`` path, measured 8x faster than
gather/scatter on ogbl-ddi, see DESIGN.md §6):

- ``adj("gcn")``:  :math:`\\hat D^{-1/2}(A+I)\\hat D^{-1/2}` (GCN),
- ``adj("mean")``: :math:`D^{-1}A` (GraphSAGE mean aggregation),
- ``adj("sum")``:  :math:`A` (GIN).

A deletion produces a *new* ``Graph`` (``without_edges``), so normalisations are recomputed
for the retained graph and never leak the deleted edges through a stale cache.
"""
from __future__ import annotations

import warnings

import torch
from torch_geometric.utils import coalesce, to_undirected


class Graph:
    """Undirected graph for message passing; adjacencies cached per normalisation and device."""

    def __init__(self, edge_index: torch.Tensor, num_nodes: int, *, undirected: bool = True):
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise ValueError(f"edge_index must have shape [2, E], got {tuple(edge_index.shape)}")
        if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
            raise ValueError(f"edge_index has node ids outside [0, {num_nodes})")
        edge_index = edge_index.long()
        if undirected:
            edge_index = to_undirected(edge_index, num_nodes=num_nodes)
        else:
            edge_index = coalesce(edge_index, num_nodes=num_nodes)
        self.edge_index = edge_index
        self.num_nodes = int(num_nodes)
        self._cache: dict[tuple[str, str], torch.Tensor] = {}

    @property
    def device(self) -> torch.device:
        return self.edge_index.device

    @property
    def num_edges(self) -> int:
        """Number of directed edges (twice the number of undirected edges)."""
        return self.edge_index.size(1)

    def to(self, device) -> "Graph":
        device = torch.device(device)
        if device == self.device:
            return self
        g = Graph.__new__(Graph)
        g.edge_index, g.num_nodes, g._cache = self.edge_index.to(device), self.num_nodes, {}
        return g

    def degree(self) -> torch.Tensor:
        return torch.bincount(self.edge_index[0], minlength=self.num_nodes)

    def adj(self, norm: str = "gcn") -> torch.Tensor:
        """Sparse CSR adjacency (rows = targets) with the given normalisation, cached."""
        key = (norm, str(self.device))
        if key not in self._cache:
            self._cache[key] = self._build(norm)
        return self._cache[key]

    def _build(self, norm: str) -> torch.Tensor:
        row, col = self.edge_index[1], self.edge_index[0]  # message source -> target (row)
        n = self.num_nodes
        if norm == "gcn":
            loops = torch.arange(n, device=self.device)
            row, col = torch.cat([row, loops]), torch.cat([col, loops])
            deg = torch.bincount(row, minlength=n).float()
            dinv = deg.pow(-0.5)
            val = dinv[row] * dinv[col]
        elif norm == "mean":
            deg = torch.bincount(row, minlength=n).float().clamp_min(1)
            val = 1.0 / deg[row]
        elif norm == "sum":
            val = torch.ones(row.numel(), device=self.device)
        else:
            raise ValueError(f"unknown adjacency normalisation {norm!r}: use 'gcn', 'mean' or 'sum'")
        with warnings.catch_warnings():  # "sparse CSR support is in beta" and invariant-check notices
            warnings.simplefilter("ignore", UserWarning)
            adj = torch.sparse_coo_tensor(torch.stack([row, col]), val, (n, n), check_invariants=False)
            csr = adj.coalesce().to_sparse_csr()
            # the gradient of adj @ x is adj^T @ g: keep adj^T (adj itself when symmetric)
            csr.transposed = csr if norm in ("gcn", "sum") else adj.t().coalesce().to_sparse_csr()
            return csr

    def key_index(self) -> "EdgeKeyIndex":
        """The sorted directed edge keys (:class:`EdgeKeyIndex`), built once per graph: the
        coalesced ``edge_index`` is already sorted by key, so this costs one pass, no sort."""
        index = getattr(self, "_key_index", None)
        if index is None or index.device != self.device:
            index = self._key_index = EdgeKeyIndex(self.edge_index, self.num_nodes, undirected=False)
        return index

    def out_edges(self, nodes: torch.Tensor, limit: int | None = None) -> torch.Tensor | None:
        """The columns of ``edge_index`` leaving ``nodes`` (sorted, distinct ids). A coalesced
        ``edge_index`` is sorted by source, so each node's edges are one range found by binary
        search: the cost grows with the nodes' degrees, not with the graph (a pass over every
        edge only for a graph that is not coalesced). With ``limit``: ``None`` instead where they
        are more than ``limit`` (or the graph is not coalesced), for callers that then take one
        pass over all edges, cheaper than reading most of the rows."""
        nodes = torch.unique(nodes.to(self.device).long())
        if self.key_index().order is not None:   # not row-sorted (never for a Graph built here)
            return None if limit is not None else torch.isin(self.edge_index[0], nodes).nonzero().flatten()
        row = self.edge_index[0]
        lo, hi = torch.searchsorted(row, nodes, side="left"), torch.searchsorted(row, nodes, side="right")
        if limit is not None and int((hi - lo).sum()) > limit:
            return None
        return expand_ranges(lo, hi)

    def k_hop(self, seeds: torch.Tensor, num_hops: int) -> list[torch.Tensor]:
        """Boolean node masks of the 0..``num_hops``-hop neighbourhoods of ``seeds``, as
        :func:`k_hop_nodes`, reading only the rows of each hop's new nodes (:meth:`out_edges`)
        while they hold under a quarter of the edges, else one pass over them: the cost grows with
        the neighbourhood, not the graph (beyond the ``num_nodes`` masks)."""
        mask = torch.zeros(self.num_nodes, dtype=torch.bool, device=self.device)
        mask[seeds.to(self.device).long()] = True
        frontier, masks = mask.clone(), [mask.clone()]
        row, col = self.edge_index
        for _ in range(num_hops):
            pos = self.out_edges(frontier.nonzero().flatten(), limit=row.numel() // 4)   # the frontier's rows
            nbrs = col[frontier[row]] if pos is None else col[pos]   # or, where they are many, one pass
            frontier = torch.zeros_like(mask)
            frontier[nbrs] = True
            frontier &= ~mask
            mask |= frontier
            masks.append(mask.clone())
        return masks

    def without_edges(self, edges: torch.Tensor) -> "Graph":
        """A new graph with the undirected edges ``edges`` ([2, k]) removed in both directions."""
        edges = edges.to(self.device).long()
        both = torch.cat([edges, edges.flip(0)], dim=1)  # (u, v) and (v, u) as directed keys
        keep = ~self.key_index().mask(both)
        # removing columns keeps a coalesced edge_index sorted and free of repeats: no re-coalesce
        g = Graph.__new__(Graph)
        g.edge_index, g.num_nodes, g._cache = self.edge_index[:, keep], self.num_nodes, {}
        return g

    def __repr__(self) -> str:
        return f"Graph(num_nodes={self.num_nodes}, num_edges={self.num_edges // 2} undirected)"


def edge_keys(edge_index: torch.Tensor, num_nodes: int, undirected: bool = True) -> torch.Tensor:
    """One int64 key per edge; with ``undirected`` (u, v) and (v, u) share a key."""
    u, v = edge_index[0].long(), edge_index[1].long()
    if undirected:
        u, v = torch.minimum(u, v), torch.maximum(u, v)
    return u * num_nodes + v


def edge_membership(edge_index: torch.Tensor, query: torch.Tensor, num_nodes: int,
                    undirected: bool = True) -> torch.Tensor:
    """Boolean mask over ``edge_index`` columns: is the (undirected) edge among ``query``?"""
    if query.numel() == 0:
        return torch.zeros(edge_index.size(1), dtype=torch.bool, device=edge_index.device)
    keys = edge_keys(edge_index, num_nodes, undirected)
    qkeys = torch.unique(edge_keys(query.to(edge_index.device), num_nodes, undirected))  # sorted
    # binary search of every key among the (few) query keys: O(E log k), where torch.isin sorts
    # all E + k keys once more than 10 * E**0.145 keys are queried
    pos = torch.searchsorted(qkeys, keys).clamp_max_(qkeys.numel() - 1)
    return qkeys[pos] == keys


def expand_ranges(lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """The concatenated integer ranges ``[lo[i], hi[i])`` (``hi >= lo``), without a Python loop."""
    count = hi - lo
    if bool((count <= 1).all()):  # the common case: single positions
        return lo[count == 1]
    starts = torch.repeat_interleave(lo, count)
    offsets = torch.arange(starts.numel(), device=lo.device) \
        - torch.repeat_interleave(torch.cumsum(count, 0) - count, count)
    return starts + offsets


class EdgeKeyIndex:
    """The keys of the columns of an ``edge_index`` (:func:`edge_keys`), sorted once, for
    membership queries by binary search (``torch.searchsorted``): a query of ``k`` edges costs
    ``O(k log E)`` instead of a pass over all ``E`` edges. Build one per (immutable) edge set
    and reuse it; :meth:`LinkSplit.train_key_index` and :meth:`Graph.key_index` cache theirs.

    Args:
        edge_index: ``[2, E]`` edges (repeated keys allowed: every matching column counts).
        num_nodes: the number of nodes (keys are ``u * num_nodes + v``).
        undirected: with ``True`` (u, v) and (v, u) share a key, as in :func:`edge_keys`.
    """

    def __init__(self, edge_index: torch.Tensor, num_nodes: int, undirected: bool = True):
        self.num_nodes, self.undirected = int(num_nodes), undirected
        self.num_edges = edge_index.size(1)
        keys = edge_keys(edge_index, num_nodes, undirected)
        if keys.numel() < 2 or bool((keys[1:] >= keys[:-1]).all()):
            self.keys, self.order = keys, None  # already sorted (a coalesced edge_index)
        else:
            self.keys, self.order = torch.sort(keys)  # order: sorted position -> column

    @property
    def device(self) -> torch.device:
        return self.keys.device

    def _ranges(self, query: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q = edge_keys(query.to(self.device), self.num_nodes, self.undirected)
        return (torch.searchsorted(self.keys, q, side="left"), torch.searchsorted(self.keys, q, side="right"))

    def contains(self, query: torch.Tensor) -> torch.Tensor:
        """Boolean mask over the ``query`` columns ([2, k]): is the edge among the indexed ones?"""
        lo, hi = self._ranges(query)
        return hi > lo

    def columns(self, query: torch.Tensor) -> torch.Tensor:
        """The (sorted, distinct) indexed columns whose edge is among ``query``."""
        if query.numel() == 0:
            return torch.zeros(0, dtype=torch.long, device=self.device)
        lo, hi = self._ranges(query)
        pos = expand_ranges(lo, hi)
        cols = pos if self.order is None else self.order[pos]
        return torch.unique(cols)

    def mask(self, query: torch.Tensor) -> torch.Tensor:
        """Boolean mask over the indexed columns (as :func:`edge_membership`): is the edge among
        ``query``? One allocation of ``E`` booleans; the search itself touches ``O(k log E)``."""
        out = torch.zeros(self.num_edges, dtype=torch.bool, device=self.device)
        out[self.columns(query)] = True
        return out


def k_hop_nodes(edge_index: torch.Tensor, seeds: torch.Tensor, num_hops: int, num_nodes: int) -> list[torch.Tensor]:
    """Boolean node masks of the 0..k-hop neighbourhoods of ``seeds`` on the undirected graph
    (``edge_index`` must hold both directions; :class:`Graph` guarantees it)."""
    mask = torch.zeros(num_nodes, dtype=torch.bool, device=edge_index.device)
    mask[seeds.to(edge_index.device)] = True
    masks = [mask.clone()]
    src, dst = edge_index
    for _ in range(num_hops):
        nxt = mask.clone()
        nxt[dst[mask[src]]] = True
        mask = nxt
        masks.append(mask.clone())
    return masks
