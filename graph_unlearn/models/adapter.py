r"""Users' own models at the API edge: the PyTorch Geometric contract.

Any ``nn.Module`` whose ``forward(x, edge_index)`` returns node embeddings (link prediction)
or class scores (node classification) can be unlearned; so can a DGL module
(``forward(g, x)``). The methods never ask anything else of it:

- the task is described by a :class:`ModelConfig`, in the spirit of PyG's
  ``Explainer(model_config=...)``: the task level, what the model returns, and for links the
  decoder :math:`s_{uv} = \mathrm{dec}(z, (u, v))` (default the inner product
  :math:`\langle z_u, z_v\rangle`);
- re-initialisation (Retrain, the D2DGN destroyer) calls ``reset_parameters()`` of the
  submodules; a module that owns parameters and has no way to reset them is named in the error;
- per-layer access (GNNDelete's deletion operators, the penultimate embedding of D2DGN's
  feature term) goes through forward hooks on the model's ``MessagePassing`` layers, as PyG's
  ``explain`` sets its edge masks, so the model needs no extra arguments.

:class:`GraphModel` wraps such a module so that it speaks the library's internal interface
(``forward(x, graph, layer_hook=None, return_layers=False)``, ``decode``, ``fresh_copy``); the
wrapper never leaves the library: ``result.model`` is the user's own module class.
"""
from __future__ import annotations

import copy
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import nn

TASKS = ("node", "link")
RETURN_TYPES = ("raw", "log_probs", "probs")
GRAPH_INPUTS = ("edge_index", "adj_t", "dgl")


def inner_product_decoder(z: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Edge logits :math:`s_{uv} = \\langle z_u, z_v\\rangle` for ``edges`` ([2, k])."""
    return (z[edges[0]] * z[edges[1]]).sum(-1)


@dataclass(frozen=True)
class ModelConfig:
    """How to read a user's model.

    Args:
        task: ``"node"`` (node classification: the model returns one row of class scores per
            node) or ``"link"`` (link prediction: one embedding per node, scored by ``decoder``).
            ``None``: taken from the data (a ``Data`` with ``y`` and ``train_mask`` is a node
            task, a ``RandomLinkSplit`` triple or a :class:`~graph_unlearn.LinkSplit` a link task).
        return_type: node task: ``"raw"`` (logits, default), ``"log_probs"`` (e.g. a final
            ``log_softmax``) or ``"probs"`` (a final ``softmax``).
        decoder: link task: ``decoder(z, edge_label_index) -> logits``; default inner product.
        graph_input: what the model's second argument is: ``"edge_index"`` (default, ``[2, E]``
            with both directions of every edge), ``"adj_t"`` (a torch sparse CSR adjacency,
            rows = targets, as ``T.ToSparseTensor`` users train with) or ``"dgl"`` (a DGL module,
            ``forward(g, x)``; chosen automatically when the data is a ``DGLGraph``).
    """

    task: str | None = None
    return_type: str = "raw"
    decoder: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None
    graph_input: str = "edge_index"

    def __post_init__(self):
        if self.task is not None and self.task not in TASKS:
            raise ValueError(f"ModelConfig: task must be one of {TASKS} (or None), got {self.task!r}")
        if self.return_type not in RETURN_TYPES:
            raise ValueError(f"ModelConfig: return_type must be one of {RETURN_TYPES}, got {self.return_type!r}")
        if self.decoder is not None and not callable(self.decoder):
            raise TypeError(f"ModelConfig: decoder must be callable (z, edges) -> logits, got "
                            f"{type(self.decoder).__name__}")
        if self.graph_input not in GRAPH_INPUTS:
            raise ValueError(f"ModelConfig: graph_input must be one of {GRAPH_INPUTS}, got {self.graph_input!r}")

    @classmethod
    def coerce(cls, value: "ModelConfig | dict | None") -> "ModelConfig":
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            unknown = set(value) - {"task", "return_type", "decoder", "graph_input"}
            if unknown:
                raise ValueError(f"model_config: unknown keys {sorted(unknown)}; use task, return_type, decoder, "
                                 f"graph_input")
            return cls(**value)
        raise TypeError(f"model_config must be a ModelConfig or a dict, got {type(value).__name__}")


def is_native(model: nn.Module) -> bool:
    """Whether ``model`` already speaks the library's internal interface (its own ``GNN``,
    a :class:`GraphModel`, a GNNDelete or GraphEraser result)."""
    return bool(getattr(type(model), "speaks_graph_unlearn", False))


def message_passing_layers(module: nn.Module) -> list[nn.Module]:
    """The message-passing layers of ``module`` in registration order: PyG ``MessagePassing``
    modules (and DGL ``dgl.nn`` graph layers), outermost only (a layer nested in another is part of it)."""
    from torch_geometric.nn.conv import MessagePassing

    def is_layer(m):
        if isinstance(m, MessagePassing):
            return True
        mod = type(m).__module__ or ""
        return mod.startswith("dgl.nn") and "conv" in mod

    found, inside = [], set()
    for name, m in module.named_modules():
        if any(name.startswith(p + ".") for p in inside):
            continue
        if m is not module and is_layer(m):
            found.append(m)
            inside.add(name)
    return found


def reset_module(module: nn.Module) -> None:
    """Re-initialise every parameter of ``module`` through the ``reset_parameters()`` of its
    submodules (each one that has it, outermost first). A submodule that owns parameters and
    neither it nor an enclosing module can reset is an error naming it: the library never
    guesses an initialisation."""
    reset = [name for name, m in module.named_modules() if callable(getattr(m, "reset_parameters", None))]
    for name in reset:
        module.get_submodule(name).reset_parameters()

    def covered(name: str) -> bool:
        return any(r == "" or name == r or name.startswith(r + ".") for r in reset)

    for name, m in module.named_modules():
        if next(m.parameters(recurse=False), None) is not None and not covered(name):
            raise ValueError(f"cannot re-initialise the model: submodule {name or '(the model itself)'!r} "
                             f"({type(m).__name__}) owns parameters but has no reset_parameters(); give it one, "
                             f"or let Retrain use your own recipe (Retrain(train_fn=...)) on a model you build")


def _seeded(seed: int | None, module: nn.Module):
    """A forked RNG (seeded when ``seed`` is given) on the module's device: the caller's global
    random state is left as it was."""
    from ..core.rng import seeded_rng

    device = next((p.device for p in module.parameters()), None)
    if seed is None:
        return torch.random.fork_rng(devices=[device.index or 0] if device is not None and device.type == "cuda" else [])
    return seeded_rng(seed, device)


class GraphModel(nn.Module):
    """A user's module behind the library's internal model interface (see the module docstring).

    Args:
        module: the user's ``nn.Module``.
        config: a :class:`ModelConfig` (the task may be left ``None`` when the module returns
            logits or embeddings: it only matters for ``return_type="probs"``).
        self_loops: DGL only: add a self-loop to every node of each graph given to the module
            (set automatically when the user's ``DGLGraph`` has one on every node, so that
            nodes isolated by a deletion keep a non-zero in-degree).
    """

    speaks_graph_unlearn = True

    def __init__(self, module: nn.Module, config: ModelConfig, self_loops: bool = False):
        super().__init__()
        if not isinstance(module, nn.Module):
            raise TypeError(f"the model must be a torch.nn.Module, got {type(module).__name__}")
        self.module = module
        self.model_config = config
        self.self_loops = self_loops
        self._dgl_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

    # -- the graph in the form the module was written for ------------------------------------------
    def graph_input(self, graph: Any):
        kind = self.model_config.graph_input
        if not hasattr(graph, "adj") or not hasattr(graph, "edge_index"):
            return graph  # already the module's own form (a tensor, a DGL graph): serving as the user does
        if kind == "edge_index":
            return graph.edge_index
        if kind == "adj_t":
            return graph.adj("sum")
        g = self._dgl_cache.get(graph)
        if g is None:
            from ..data.convert import to_dgl

            g = to_dgl(graph)
            if self.self_loops:
                import dgl

                g = dgl.add_self_loop(dgl.remove_self_loop(g))
            self._dgl_cache[graph] = g
        return g

    def _call(self, x, graph):
        g = self.graph_input(graph)
        if self.model_config.graph_input == "dgl":
            try:
                out = self.module(g, x)
            except Exception as err:
                if "0-in-degree" in str(err) or "zero in-degree" in str(err).lower():
                    raise ValueError("the DGL module refuses nodes without incoming edges, which a deletion can "
                                     "create: build its layers with allow_zero_in_degree=True, or add a self-loop "
                                     "to every node of the DGLGraph you pass (dgl.add_self_loop); self-loops are "
                                     "then kept on the retained graph") from err
                raise
        else:
            out = self.module(x, g)
        if self.model_config.task == "node" and self.model_config.return_type == "probs":
            out = torch.log(out.clamp_min(1e-12))
        return out

    @property
    def num_layers(self) -> int:
        return len(message_passing_layers(self.module))

    def forward(self, x, graph, layer_hook: Callable | None = None, return_layers: bool = False):
        """The module's output on ``graph`` (node scores as logits or log-probabilities, or node
        embeddings); ``layer_hook(l, h)`` may replace each message-passing layer's output
        (forward hooks), ``return_layers`` also returns every layer's output in call order."""
        if layer_hook is None and not return_layers:
            return self._call(x, graph)
        layers = message_passing_layers(self.module)
        if not layers:
            raise ValueError(f"{type(self.module).__name__} has no message-passing layer (PyG MessagePassing or "
                             f"DGL graph layer) to attach per-layer operators to")
        outs: list[torch.Tensor] = []

        def hook(mod, args, out):
            if not isinstance(out, torch.Tensor):
                raise ValueError(f"layer {type(mod).__name__} returns {type(out).__name__}, not a tensor: per-layer "
                                 f"operators need a tensor of node representations")
            if layer_hook is not None:
                out = layer_hook(len(outs), out)
            outs.append(out)
            return out

        handles = [m.register_forward_hook(hook) for m in layers]
        try:
            out = self._call(x, graph)
        finally:
            for h in handles:
                h.remove()
        return (out, outs) if return_layers else out

    def decode(self, z: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        return (self.model_config.decoder or inner_product_decoder)(z, edges)

    def fresh_copy(self, seed: int | None = None) -> "GraphModel":
        """The same architecture, re-initialised by ``reset_parameters()`` (seeded, without
        touching the caller's global RNG)."""
        module = copy.deepcopy(self.module)
        with _seeded(seed, module):
            reset_module(module)
        return GraphModel(module, self.model_config, self.self_loops)

    def __deepcopy__(self, memo):
        new = GraphModel(copy.deepcopy(self.module, memo), self.model_config, self.self_loops)
        new.train(self.training)
        return new

    def __repr__(self) -> str:
        return f"GraphModel({type(self.module).__name__}, task={self.model_config.task})"


def as_graph_model(model: nn.Module, task: str, config: ModelConfig | dict | None = None,
                   self_loops: bool = False) -> nn.Module:
    """``model`` itself when it speaks the internal interface, else a :class:`GraphModel`."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"the model must be a torch.nn.Module, got {type(model).__name__}")
    cfg = ModelConfig.coerce(config)
    if cfg.task is not None and cfg.task != task:
        raise ValueError(f"model_config says task={cfg.task!r} but the data is for a {task} task")
    if is_native(model):
        return model
    return GraphModel(model, ModelConfig(**{**cfg.__dict__, "task": task}), self_loops)


def unwrap(model: nn.Module) -> nn.Module:
    """The user's module inside a :class:`GraphModel`; anything else as it is."""
    return model.module if isinstance(model, GraphModel) else model
