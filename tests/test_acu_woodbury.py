"""ACU's Woodbury deletion (``woodbury_remove``): the functional and the in-place forms both equal the
ridge head re-solved on the retained rows, over a stream of deletions (no timing here)."""
from __future__ import annotations

import pytest
import torch

from graph_unlearn.general.methods.acu import analytic_fit, one_hot, woodbury_remove


def _data(n=120, d=48, c=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    phi = torch.relu(torch.randn(n, d, generator=gen, dtype=torch.float64))
    y = one_hot(torch.randint(0, c, (n,), generator=gen), c)
    return phi, y


@pytest.mark.parametrize("mode", ["functional", "functional_no_w", "inplace"])
def test_stream_of_deletions_equals_the_re_solve(mode):
    phi, y = _data()
    r, q, w = analytic_fit(phi, y, 0.5)
    keep = torch.ones(len(phi), dtype=torch.bool)
    order = torch.randperm(len(phi), generator=torch.Generator().manual_seed(1))
    for i in range(5):
        idx = order[7 * i:7 * (i + 1)]
        keep[idx] = False
        before = (r.clone(), q.clone(), w.clone())
        if mode == "inplace":
            out = woodbury_remove(r, q, phi[idx], y[idx], w, inplace=True)
            assert all(a is b for a, b in zip(out, (r, q, w)))  # the same tensors, overwritten
        else:
            out = woodbury_remove(r, q, phi[idx], y[idx], None if mode == "functional_no_w" else w)
            for a, b in zip((r, q, w), before):  # the inputs are left alone
                assert torch.equal(a, b)
        r, q, w = out
        r_ref, q_ref, w_ref = analytic_fit(phi[keep], y[keep], 0.5)
        torch.testing.assert_close(r, r_ref, rtol=0, atol=1e-10)
        torch.testing.assert_close(q, q_ref, rtol=0, atol=1e-12)
        torch.testing.assert_close(w, w_ref, rtol=0, atol=1e-10)


def test_inplace_needs_w_and_an_empty_request_is_a_no_op():
    phi, y = _data()
    r, q, w = analytic_fit(phi, y)
    with pytest.raises(ValueError, match="needs the current head"):
        woodbury_remove(r, q, phi[:3], y[:3], inplace=True)
    r0 = r.clone()
    out = woodbury_remove(r, q, phi[:0], y[:0], w, inplace=True)
    assert out[0] is r and torch.equal(r, r0)
