r"""Representation-level forgetting metrics ("Are We Truly Forgetting? A Critical Re-examination
of Machine Unlearning Evaluation Protocols", 2025): output-only metrics miss models that still
hold the forgotten data in their features, so compare the *features* of the forget set.

* **Linear CKA** (Kornblith et al., ICML 2019) between two feature matrices of the same
  samples, :math:`X\in\mathbb{R}^{n\times d_1}`, :math:`Y\in\mathbb{R}^{n\times d_2}`, columns
  centred:

  .. math:: \mathrm{CKA}(X, Y) = \frac{\lVert Y^\top X\rVert_F^2}
                                      {\lVert X^\top X\rVert_F\,\lVert Y^\top Y\rVert_F}\in[0, 1].

  It is 1 for identical representations, invariant to orthogonal transforms and isotropic
  scaling of either side (not to arbitrary invertible maps), and near 0 for independent
  features (with a small-sample bias of order :math:`d/n`). For unlearning: CKA of the forget
  set's features with the original model's (high = "remembers") and with retrain's.
* **k-NN / linear-probe accuracy** of the forget set's labels from frozen features: a probe
  fitted on features of *other* samples (e.g. retained training data and a held-out set),
  scored on the forget samples. High = the features still separate the forgotten samples'
  classes. Works for any features: images, text, node embeddings.
* **Graph node tasks** (:func:`node_representation_report`): the representation of node
  :math:`v` is the GNN's penultimate layer :math:`h_v` (the input of the output layer), computed
  on the *query view* (the original graph and features, where a deleted node is still asked
  about). With :math:`H^M_f` the forget nodes' embeddings under model :math:`M`, the report gives
  :math:`\mathrm{CKA}(H^M_f, H^{o}_f)` and :math:`\mathrm{CKA}(H^M_f, H^{r}_f)` (original
  :math:`o`, retrain :math:`r`), and the k-NN / linear-probe accuracy of the forget nodes' labels
  from :math:`H^M_f`, the probes fitted on the same pass's embeddings of the retained training
  nodes :math:`V_r` and the validation nodes (never :math:`V_f`). As controls on the same scale,
  the same CKA on an equally sized random sample of test nodes (CKA's small-sample bias depends
  on :math:`n` and :math:`d`: with ~80 forget nodes and 64 dimensions two unrelated
  representations already score well above 0, so compare forget to test, not to 0) and the
  probes' accuracy on the test nodes (what the embeddings give an unseen node).
"""
from __future__ import annotations

import numpy as np
import torch


def _feat(x) -> torch.Tensor:
    t = torch.as_tensor(x).detach().to(torch.float64).cpu()
    if t.dim() != 2:
        t = t.reshape(t.size(0), -1)
    return t


def linear_cka(x, y) -> float:
    """Linear CKA of two representations ``[n, d1]`` and ``[n, d2]`` of the same ``n`` samples."""
    x, y = _feat(x), _feat(y)
    if x.size(0) != y.size(0):
        raise ValueError(f"CKA needs the same samples on both sides, got {x.size(0)} and {y.size(0)} rows")
    if x.size(0) < 2:
        raise ValueError("CKA needs at least 2 samples")
    x = x - x.mean(0, keepdim=True)
    y = y - y.mean(0, keepdim=True)
    num = (y.T @ x).pow(2).sum()
    den = (x.T @ x).norm() * (y.T @ y).norm()
    if float(den) == 0.0:
        raise ValueError("CKA is undefined for a constant representation")
    return float(num / den)


def _normalise(f: np.ndarray) -> np.ndarray:
    return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)


def knn_probe_accuracy(train_features, train_labels, eval_features, eval_labels, k: int = 5) -> float:
    """Accuracy of a ``k``-nearest-neighbour vote (cosine similarity of the features; ties go
    to the smallest class id) fitted on ``train_*`` and scored on ``eval_*``."""
    tr, te = _normalise(_feat(train_features).numpy()), _normalise(_feat(eval_features).numpy())
    ytr = torch.as_tensor(train_labels).long().cpu().numpy()
    yte = torch.as_tensor(eval_labels).long().cpu().numpy()
    if len(tr) != len(ytr) or len(te) != len(yte):
        raise ValueError("features and labels differ in length")
    if len(tr) == 0 or len(te) == 0:
        raise ValueError("k-NN probe: empty fit or evaluation set")
    k = min(k, len(tr))
    sims = te @ tr.T
    nn_idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    votes = ytr[nn_idx]
    c = int(max(ytr.max(), yte.max())) + 1
    counts = np.stack([(votes == j).sum(1) for j in range(c)], 1)
    return float((counts.argmax(1) == yte).mean())


def linear_probe_accuracy(train_features, train_labels, eval_features, eval_labels, *, c: float = 1.0,
                          max_iter: int = 300) -> float:
    """Accuracy of a multinomial logistic-regression probe (standardised features, L2 strength
    ``1/c``) fitted on ``train_*`` and scored on ``eval_*``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    tr, te = _feat(train_features).numpy(), _feat(eval_features).numpy()
    ytr = torch.as_tensor(train_labels).long().cpu().numpy()
    yte = torch.as_tensor(eval_labels).long().cpu().numpy()
    if len(np.unique(ytr)) < 2:
        raise ValueError("linear probe: the fit set has a single class")
    scaler = StandardScaler().fit(tr)
    clf = LogisticRegression(C=c, max_iter=max_iter).fit(scaler.transform(tr), ytr)
    return float((clf.predict(scaler.transform(te)) == yte).mean())


@torch.no_grad()
def node_embeddings(model, problem) -> torch.Tensor:
    """The penultimate-layer embeddings ``[N, d]`` of every node on ``problem``'s query view
    (``model`` in eval mode for the pass; its mode is restored)."""
    was_training = model.training
    model.eval()
    try:
        _, emb = problem.outputs(model, query=True, with_embedding=True)
    finally:
        model.train(was_training)
    return emb.detach()


def node_representation_report(model, problem, original, retrain, *, k: int = 5, linear_probe: bool = True,
                               seed: int = 0) -> dict:
    """Representation-level forgetting of a node-deletion ``problem``
    (:class:`~graph_unlearn.tasks.node_classification.NodeUnlearningProblem`) for ``model``
    against the ``original`` and ``retrain`` GNNs (see the module docstring). Keys:
    ``cka_to_original`` / ``cka_to_retrain`` (forget nodes), ``cka_test_to_original`` /
    ``cka_test_to_retrain`` (a random sample of as many test nodes, seeded by ``seed``),
    ``knn_probe_forget`` / ``knn_probe_test`` (``k``-NN, cosine) and, with ``linear_probe``,
    ``linear_probe_forget`` / ``linear_probe_test``; ``n_forget``, ``n_fit``."""
    split = problem.split
    forget, y = problem.forget_nodes.cpu(), split.y.cpu()
    fit = torch.cat([problem.retain_nodes.cpu(), split.val_idx.cpu()]).unique()
    fit = fit[~torch.isin(fit, forget)]
    test = split.test_idx.cpu()
    if forget.numel() < 2:
        raise ValueError("node_representation_report needs at least 2 forget nodes")
    gen = torch.Generator().manual_seed(seed)
    test_sample = test[torch.randperm(test.numel(), generator=gen)[:forget.numel()]]
    h = node_embeddings(model, problem).cpu()
    h_o, h_r = node_embeddings(original, problem).cpu(), node_embeddings(retrain, problem).cpu()
    out = {"n_forget": int(forget.numel()), "n_fit": int(fit.numel()),
           "cka_to_original": linear_cka(h[forget], h_o[forget]), "cka_to_retrain": linear_cka(h[forget], h_r[forget]),
           "cka_test_to_original": linear_cka(h[test_sample], h_o[test_sample]),
           "cka_test_to_retrain": linear_cka(h[test_sample], h_r[test_sample]),
           "knn_probe_forget": knn_probe_accuracy(h[fit], y[fit], h[forget], y[forget], k=k),
           "knn_probe_test": knn_probe_accuracy(h[fit], y[fit], h[test], y[test], k=k)}
    if linear_probe:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        tr = _feat(h[fit]).numpy()
        scaler = StandardScaler().fit(tr)
        clf = LogisticRegression(C=1.0, max_iter=300).fit(scaler.transform(tr), y[fit].numpy())
        for key, idx in (("linear_probe_forget", forget), ("linear_probe_test", test)):
            out[key] = float((clf.predict(scaler.transform(_feat(h[idx]).numpy())) == y[idx].numpy()).mean())
    return out


__all__ = ["linear_cka", "knn_probe_accuracy", "linear_probe_accuracy", "node_embeddings",
           "node_representation_report"]
