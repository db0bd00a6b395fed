"""What the recommender unlearners share: applying the request, the retained graph, BPR batches
of retained and forgotten interactions."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graph_unlearn.core.options import check_int
from graph_unlearn.core.unlearner import Unlearner

from ..data.interactions import InteractionData
from ..models.graph import RecGraph
from ..requests import RecDeletion
from ..training import NegativeSampler, PairBatches


@dataclass
class RecProblem:
    deletion: RecDeletion
    graph: RecGraph                 # graph of the retained data (features/edges of deleted items gone)
    retain: PairBatches | None
    forget: PairBatches | None


class RecUnlearner(Unlearner):
    """Base of the recommender unlearners: ``unlearn(model, data, request)`` with ``data`` an
    :class:`InteractionData` and ``request`` one of :mod:`recsys.requests`."""

    def __init__(self, batch_size: int = 2048, **kw):
        super().__init__(**kw)
        self.batch_size = check_int(self, "batch_size", batch_size)

    def generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed)

    def unlearn(self, model, data, request):
        # a PyG LightGCN is adapted at the edge and handed back as the user's PyG module
        from ..models.pyg import as_rec_model

        if not isinstance(data, InteractionData):
            raise ValueError(f"{self.name}: data must be an InteractionData (recsys.load_dataset(df) reads a "
                             f"DataFrame or a CSV file), got {type(data).__name__}")
        adapted = as_rec_model(model, data)
        # refuse, before any work, a request that does not apply to this model (a
        # ModalityDeletion for a model that uses no item modality, or not that one)
        check = getattr(request, "check_model", None)
        if callable(check):
            check(adapted)
        result = super().unlearn(adapted, data, request)
        if adapted is not model:   # served as PyG serves it: result.model.recommend(result.data.edge_index, ...)
            from torch_geometric.data import Data

            result.model = result.model.module
            result.data = Data(edge_index=request.apply(data).retained.to_edge_index().to(self.device),
                               num_nodes=data.num_users + data.num_items, num_users=data.num_users,
                               num_items=data.num_items)
        return result

    def problem(self, model, data: InteractionData, request, need_forget: bool = True,
                need_retain: bool = True, allow_empty_forget: bool = False) -> RecProblem:
        if not isinstance(data, InteractionData):
            raise ValueError(f"{self.name}: data must be an InteractionData, got {type(data).__name__}")
        if model.num_users != data.num_users or model.num_items != data.num_items:
            raise ValueError(f"{self.name}: the model is sized for {model.num_users} users / {model.num_items} items "
                             f"but the data has {data.num_users} / {data.num_items}")
        deletion = request.apply(data)
        retained = deletion.retained
        graph = model.build_graph(retained, self.device)
        gen = self.generator()
        sampler = NegativeSampler(retained, self.device, gen)
        retain = forget = None
        if need_retain:
            u, i = retained.train_pairs()
            retain = PairBatches(u, i, sampler, self.batch_size, gen)
        if need_forget:
            if deletion.num_forget == 0 and allow_empty_forget:
                return RecProblem(deletion, graph, retain, None)
            if deletion.num_forget == 0:
                raise ValueError(f"{self.name}: the request removes no training interaction, nothing to unlearn")
            forget = PairBatches(deletion.forget_user, deletion.forget_item, sampler, self.batch_size, gen)
        return RecProblem(deletion, graph, retain, forget)


def retain_forget_unlearn(unlearner: RecUnlearner, model, data, request, *, mode: str, retain_weight: float,
                          forget_weight: float, reg: float, steps: int, lr: float,
                          optimizer: str = "adam"):
    r"""The one "descend on retain, reverse on forget" loop of the recommender side (MMRecUn with
    ``mode='swap'``, NegGrad+ with ``mode='negate'``): per step one forward pass on the retained
    graph, a BPR batch of retained interactions and one of forgotten interactions,

    .. math:: \mathcal{L} = w_r\,\mathcal{L}_{BPR}(D_r) + w_f\,\mathcal{L}^{rev}_{BPR}(D_f)
              + \lambda\,\tfrac{1}{2B}\|\Theta_{batch}\|^2,

    run by :func:`graph_unlearn.core.retain_forget.retain_forget_steps` with
    :func:`~graph_unlearn.core.retain_forget.reversed_loss`."""
    import torch

    from graph_unlearn.core.retain_forget import retain_forget_steps, reversed_loss
    from graph_unlearn.core.unlearner import clone_model

    from ..models.base import bpr_loss

    p = unlearner.problem(model, data, request, allow_empty_forget=True)
    student = clone_model(model, unlearner.device).train()
    reverse = reversed_loss(bpr_loss, mode)
    batch = {}

    def losses(step):
        out = student(p.graph)
        ru, ri, rj = p.retain.next()
        l_r = bpr_loss(student.score_pairs(out, ru, ri), student.score_pairs(out, ru, rj))
        batch["idx"] = [(ru, ri, rj)]
        if p.forget is None:   # e.g. a modality deletion: nothing to reverse, adapt on D_r only
            return l_r, torch.zeros((), device=l_r.device)
        fu, fi, fj = p.forget.next()
        batch["idx"].append((fu, fi, fj))
        l_f = reverse(student.score_pairs(out, fu, fi), student.score_pairs(out, fu, fj))
        return l_r, l_f

    def regulariser():
        return reg * sum(student.l2(*b) for b in batch["idx"])

    hist = retain_forget_steps(student.parameters(), losses, steps=steps, retain_weight=retain_weight,
                               forget_weight=forget_weight, lr=lr, regulariser=regulariser if reg else None,
                               optimizer=optimizer)
    last = hist[-1] if hist else {}
    return student, steps, {"final_retain_loss": last.get("retain"), "final_forget_loss": last.get("forget")}
