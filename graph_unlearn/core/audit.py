r"""The audit record of an unlearning run, and the no-op check every run goes through.

:func:`audit_run` is called by :meth:`graph_unlearn.core.Unlearner.unlearn` for every method of
every family (graph, recommender, general), so all results carry the same record:

* **what was deleted**: the request kind, the number of deleted elements and the SHA-256 of
  the canonical, sorted ids (:func:`canonical_request`; undirected edges as ``u < v`` pairs,
  interactions as ``(user, item)`` pairs, feature deletions with their columns, modality
  deletions with the modality name), so that a deletion can be proven without storing the
  data: one different id gives a different hash;
* **when and how**: UTC start and end time, the method name and its options
  (``get_params``), the library, torch and Python versions, the device, seconds and peak memory;
* **did anything happen** (DESIGN.md section 4: no method may quietly return the original):
  ``param_change`` = :math:`\|\theta_{new} - \theta_o\|_2 / \|\theta_o\|_2` over the original's
  floating-point parameters (a wrapped model's ``base.<name>`` counts as ``<name>``; parameters
  the method added, e.g. GNNDelete's operators, are counted in ``added_tensors``), and, where
  the task gives outputs on the forget set, ``forget_output_shift`` = the mean absolute change
  of the forget set's outputs (edge logits, class logits, interaction scores, model outputs)
  between the original and the new model, both on the data the new model serves, and the same
  relative to the original's mean absolute output (``forget_output_shift_rel``);
* ``noop``: the run is flagged (``result.noop = True`` and a ``UserWarning`` for methods that
  must change the model) when ``forget_output_shift_rel < NOOP_OUTPUT_TOL`` (1e-3: on Cora GCN a
  ``lr=1e-7`` GNNDelete / D2DGN run moves the forget logits by 2.6e-4 / 7.8e-5 of their size, the
  default runs by 0.72 / 0.47, retrain by 0.80), or, where no
  forget outputs are available, when ``param_change < NOOP_PARAM_TOL`` (1e-6) and the method
  added no parameters. UtU keeps the original weights by design and is flagged too (it does
  nothing to the model), without a warning;
* ``fallback``: a method that fell back to something else records why in
  ``extra["fallback"]`` (GIF when conjugate gradients find no usable curvature); it is lifted
  into ``result.fallback`` and the audit;
* attacks: :meth:`UnlearnResult.record_attack` adds e.g. the matched-holdout attack with its
  interval.

``result.save(dir)`` writes ``model.pt`` (the state dict only: ``torch.load(path,
weights_only=True)``) and ``audit.json``; :func:`load_audit` reads the latter back.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import os
import platform
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

#: relative parameter change below which a run counts as a no-op (when no forget outputs exist)
NOOP_PARAM_TOL = 1e-6
#: relative mean output shift on the forget set below which a run counts as a no-op
NOOP_OUTPUT_TOL = 1e-3
#: set to False to skip the forget-output shift (two extra forward passes per run)
FORGET_OUTPUTS = True


# -- what was deleted --------------------------------------------------------------------------
def _ids_list(t) -> list[int]:
    return [int(v) for v in torch.as_tensor(t).detach().cpu().long().flatten().tolist()]


def _sorted_pairs(a, b) -> list[list[int]]:
    a, b = torch.as_tensor(a).cpu().long().flatten(), torch.as_tensor(b).cpu().long().flatten()
    return sorted({(int(x), int(y)) for x, y in zip(a.tolist(), b.tolist())})


def _inferred_columns(problem) -> list[int] | None:
    """Feature columns a feature deletion revoked, read off an applied problem: ``None`` (whole
    rows) when the forget rows are all zero in the retained view, else the columns zeroed there
    that differ from the original data (a requested column that was already zero everywhere on
    those rows cannot be seen)."""
    xf, qf = problem.x[problem.forget_nodes].cpu(), problem.query_x[problem.forget_nodes].cpu()
    if not bool((xf != 0).any()):
        return None
    return _ids_list(((xf != qf).any(0)).nonzero().flatten())


def canonical_request(request, data: Any = None) -> dict[str, Any]:
    """``{"kind", "count", "ids", ...}``: the request in a canonical, sorted, JSON-ready form.

    A request may define ``canonical_ids()`` returning this itself; otherwise the known request
    types are read from their attributes (EdgeDeletion ``edges``, NodeDeletion ``nodes``,
    FeatureDeletion ``nodes`` + ``features``, recommender requests, general ``ForgetRequest``
    ``indices``). With ``request=None`` and an applied problem as ``data``, its forget set is
    used."""
    if request is not None and hasattr(request, "canonical_ids"):
        out = request.canonical_ids()
        return dict(out)
    if request is None:  # an applied problem (the graph methods pass one): read its forget set
        if getattr(data, "deleted_nodes", None) is not None:       # NodeDeletion on a LinkSplit
            ids = sorted(set(_ids_list(data.deleted_nodes)))
            return {"kind": "nodes", "count": len(ids), "ids": ids}
        if getattr(data, "task", None) == "node":                  # NodeDeletion / FeatureDeletion on a NodeSplit
            ids = sorted(set(_ids_list(data.forget_nodes)))
            out = {"kind": str(data.kind), "count": len(ids), "ids": ids}
            if data.kind == "features":
                out["features"] = _inferred_columns(data)
            return out
        forget = getattr(data, "forget", None)
        if forget is None:
            raise ValueError("no request and no forget set to audit")
        t = torch.as_tensor(forget).cpu().long()
        if t.dim() == 2 and t.size(0) == 2:                        # EdgeDeletion
            ids = [list(p) for p in _sorted_pairs(torch.minimum(t[0], t[1]), torch.maximum(t[0], t[1]))]
            return {"kind": "edges", "count": len(ids), "ids": ids}
        ids = sorted(set(_ids_list(t)))
        return {"kind": str(getattr(data, "kind", "problem")), "count": len(ids), "ids": ids}
    kind = str(getattr(request, "kind", type(request).__name__))
    out: dict[str, Any] = {"kind": kind}
    if hasattr(request, "edges"):                                   # EdgeDeletion
        e = torch.as_tensor(request.edges).cpu().long()
        ids = [list(p) for p in _sorted_pairs(torch.minimum(e[0], e[1]), torch.maximum(e[0], e[1]))]
    elif hasattr(request, "nodes"):                                 # NodeDeletion / FeatureDeletion
        ids = sorted(set(_ids_list(request.nodes)))
        feats = getattr(request, "features", None)
        if kind == "features" or feats is not None:
            out["features"] = None if feats is None else sorted(set(_ids_list(feats)))
    elif hasattr(request, "users") and hasattr(request, "items"):   # recsys InteractionDeletion
        ids = [list(p) for p in _sorted_pairs(request.users, request.items)]
    elif hasattr(request, "indices"):                               # general ForgetRequest
        ids = sorted(set(_ids_list(request.indices)))
    elif hasattr(request, "_ids"):                                  # recsys users / items / modality
        ids = sorted(set(_ids_list(request._ids)))
        if hasattr(request, "modality"):
            out["modality"] = str(request.modality)
    else:
        raise ValueError(f"cannot read the deleted ids of a {type(request).__name__}; give it canonical_ids()")
    out["count"] = len(ids)
    out["ids"] = ids
    return out


def request_digest(request, data: Any = None) -> dict[str, Any]:
    """Kind, count and SHA-256 of the canonical request (the ids themselves are not kept)."""
    canon = canonical_request(request, data)
    blob = json.dumps(canon, sort_keys=True, separators=(",", ":")).encode()
    out = {k: v for k, v in canon.items() if k != "ids"}
    out["sha256"] = hashlib.sha256(blob).hexdigest()
    return out


# -- did anything change -----------------------------------------------------------------------
def relative_param_change(before: dict[str, torch.Tensor], new_model: nn.Module) -> dict[str, Any]:
    """``param_change`` = ||θ_new − θ_o|| / ||θ_o|| over the original's floating tensors found in
    the new model (same key, or ``<prefix>.<key>`` for a wrapped model), with the number of the
    original's tensors matched and of tensors the new model added."""
    after = {k: v.detach() for k, v in new_model.state_dict().items()}
    num = den = 0.0
    matched, used = 0, set()
    for k, v in before.items():
        if not v.is_floating_point():
            continue
        key = k if k in after else next((a for a in after if a.endswith("." + k) and a not in used), None)
        if key is None or after[key].shape != v.shape:
            continue
        used.add(key)
        matched += 1
        x0, x1 = v.detach().double().cpu(), after[key].double().cpu()
        num += float(((x1 - x0) ** 2).sum())
        den += float((x0 ** 2).sum())
    added = sum(1 for k, v in after.items() if k not in used and k not in before and v.is_floating_point())
    change = math.sqrt(num) / math.sqrt(den) if matched and den > 0 else (math.nan if not matched else math.sqrt(num))
    return {"param_change": change, "matched_tensors": matched, "added_tensors": added}


def forget_output_shift(original: nn.Module, new_model: nn.Module, task) -> dict[str, Any]:
    """Mean |Δ output| on the forget set (absolute and relative to the original's mean |output|),
    both models queried through ``task.forget_outputs`` (:class:`graph_unlearn.core.task.UnlearningTask`)."""
    modes = (original.training, new_model.training)
    try:
        original.eval()
        new_model.eval()
        with torch.no_grad():
            o0, o1 = task.forget_outputs(original), task.forget_outputs(new_model)
    except Exception as err:  # the audit must never break a run: say why the figure is missing
        return {"forget_output_shift": None, "forget_output_shift_rel": None,
                "forget_output_note": f"not computed: {type(err).__name__}: {err}"}
    finally:
        original.train(modes[0])
        new_model.train(modes[1])
    if o0 is None or o1 is None or o0.numel() == 0:
        return {"forget_output_shift": None, "forget_output_shift_rel": None,
                "forget_output_note": "the request forgets no element with outputs"}
    o0, o1 = o0.detach().double().cpu(), o1.detach().double().cpu()
    shift = float((o1 - o0).abs().mean())
    scale = float(o0.abs().mean())
    return {"forget_output_shift": shift, "forget_output_shift_rel": shift / max(scale, 1e-12)}


# -- the record ------------------------------------------------------------------------------------
def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (np.floating, np.integer)):
        return _jsonable(v.item())
    if isinstance(v, torch.Tensor):
        return _jsonable(v.item()) if v.numel() == 1 else f"tensor{tuple(v.shape)}"
    if isinstance(v, torch.device):
        return str(v)
    if hasattr(v, "to_dict"):
        return _jsonable(v.to_dict())
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: _jsonable(getattr(v, f.name)) for f in dataclasses.fields(v) if not f.name.startswith("_")}
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return repr(v)


def _library_version() -> str:
    try:
        from importlib.metadata import version

        return version("graph-unlearn")
    except Exception:
        try:
            import graph_unlearn

            return str(getattr(graph_unlearn, "__version__", "unknown"))
        except Exception:
            return "unknown"


def audit_run(unlearner, result, before: dict[str, torch.Tensor], original: nn.Module, task):
    """Fill ``result.audit``, ``result.noop`` and ``result.fallback`` (see the module docstring)
    for a run on ``task`` (its ``deleted()`` digest and ``forget_outputs``); returns ``result``."""
    end = _dt.datetime.now(_dt.timezone.utc)
    start = end - _dt.timedelta(seconds=float(result.seconds))
    try:
        deleted = task.deleted()
    except Exception as err:
        request = task.request
        deleted = {"kind": str(getattr(request, "kind", type(request).__name__)), "count": None, "sha256": None,
                   "note": f"ids not readable: {err}"}
    change = relative_param_change(before, result.model)
    shift = (forget_output_shift(original, result.model, task) if FORGET_OUTPUTS
             else {"forget_output_shift": None, "forget_output_shift_rel": None,
                   "forget_output_note": "disabled (graph_unlearn.core.audit.FORGET_OUTPUTS = False)"})
    rel = shift.get("forget_output_shift_rel")
    if rel is not None:
        noop = rel < NOOP_OUTPUT_TOL
        why = f"the forget-set outputs moved by {rel:.2e} (relative; threshold {NOOP_OUTPUT_TOL:g})"
    else:
        pc = change["param_change"]
        noop = bool(change["added_tensors"] == 0 and math.isfinite(pc) and pc < NOOP_PARAM_TOL)
        why = f"the parameters moved by {pc:.2e} (relative; threshold {NOOP_PARAM_TOL:g})"
    fallback = result.extra.get("fallback") if isinstance(result.extra, dict) else None
    result.noop = bool(noop)
    result.fallback = None if fallback is None else str(fallback)
    if noop and getattr(unlearner, "changes_parameters", True):
        warnings.warn(f"{unlearner.name}: no-op run: {why}; the result is flagged noop=True", UserWarning,
                      stacklevel=3)
    result.audit = {
        "deleted": deleted,
        "started_utc": start.isoformat(timespec="seconds"),
        "finished_utc": end.isoformat(timespec="seconds"),
        "method": unlearner.name,
        "options": _jsonable(unlearner.get_params()),
        "versions": {"graph_unlearn": _library_version(), "torch": torch.__version__,
                     "python": platform.python_version()},
        "device": str(result.device),
        "seconds": float(result.seconds),
        "peak_mem_mb": float(result.peak_mem_mb),
        "epochs": int(result.epochs),
        **_jsonable(change),
        **_jsonable(shift),
        "noop": bool(noop),
        "noop_rule": why,
        "fallback": result.fallback,
        "attacks": {},
    }
    return result


def save_result(result, directory: str | os.PathLike) -> Path:
    """Write ``model.pt`` (state dict; ``torch.load(..., weights_only=True)``) and ``audit.json``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in result.model.state_dict().items()}
    torch.save(state, d / "model.pt")
    audit = dict(getattr(result, "audit", None) or {})
    audit.setdefault("method", result.method)
    audit["model_file"] = "model.pt"
    audit["model_sha256"] = hashlib.sha256((d / "model.pt").read_bytes()).hexdigest()
    (d / "audit.json").write_text(json.dumps(_jsonable(audit), indent=2, sort_keys=True) + "\n")
    return d


def load_audit(directory: str | os.PathLike) -> dict[str, Any]:
    """The ``audit.json`` written by :func:`save_result`."""
    return json.loads((Path(directory) / "audit.json").read_text())


def load_state(directory: str | os.PathLike, map_location="cpu") -> dict[str, torch.Tensor]:
    """The saved state dict, read with ``weights_only=True``."""
    return torch.load(Path(directory) / "model.pt", map_location=map_location, weights_only=True)
