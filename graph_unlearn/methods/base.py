"""What the graph unlearners share: turning ``(data, request)`` into a problem on the
method's device, and the link-prediction losses on it."""
from __future__ import annotations

import torch
from tqdm.auto import tqdm

from ..core.unlearner import Unlearner
from ..requests.edge import EdgeUnlearningProblem
from ..tasks.link_prediction import link_bce_loss, random_pairs


class GraphUnlearner(Unlearner):
    """Base class of the graph methods. ``data`` is a :class:`~graph_unlearn.tasks.LinkSplit`
    and ``request`` an :class:`~graph_unlearn.EdgeDeletion` (or ``data`` an already applied
    :class:`~graph_unlearn.requests.EdgeUnlearningProblem` and ``request=None``)."""

    def problem(self, data, request) -> EdgeUnlearningProblem:
        if isinstance(data, EdgeUnlearningProblem):
            return data.to(self.device)
        if request is None:
            raise ValueError(f"{self.name}: no deletion request given")
        if not hasattr(request, "apply"):
            raise ValueError(f"{self.name}: request must be a deletion request such as EdgeDeletion, "
                             f"got {type(request).__name__}")
        return request.apply(data.to(self.device))

    def generator(self) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed)

    def progress(self, steps: int, desc: str | None = None):
        """A tqdm progress callback for :func:`graph_unlearn.core.optimise` (None when quiet)."""
        if not self.verbose:
            return None
        bar = tqdm(total=steps, desc=desc or self.name, leave=False)

        def update(step, rec):
            bar.update(1)
            bar.set_postfix(loss=f"{rec['loss']:.4f}")
            if step == steps - 1:
                bar.close()
        return update


def retained_edge_loss(model, z: torch.Tensor, problem: EdgeUnlearningProblem, gen: torch.Generator,
                       batch_size: int | None = None) -> torch.Tensor:
    """BCE of retained training edges (all, or a random batch) against as many random pairs."""
    pos = problem.retain
    if batch_size is not None and batch_size < pos.size(1):
        pos = pos[:, torch.randperm(pos.size(1), generator=gen)[:batch_size].to(pos.device)]
    neg = random_pairs(problem.num_nodes, pos.size(1), pos.device, gen)
    return link_bce_loss(model.decode(z, pos), model.decode(z, neg))


def forget_edge_loss(model, z: torch.Tensor, problem: EdgeUnlearningProblem) -> torch.Tensor:
    """BCE of the deleted edges labelled as edges: the loss that gradient ascent increases."""
    return link_bce_loss(model.decode(z, problem.forget))
