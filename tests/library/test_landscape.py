"""Exact Hessian and spectrum of the MSE (paper §4.1) against independent answers."""
from __future__ import annotations

import numpy as np
import torch

from precision import landscape, models
from precision.flat import flat_mse, flat_parameters


def _tiny_problem(n: int = 40):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(n, 1))
    y = np.sin(2 * x[:, 0])
    return models.mlp(1, 3, 3, "tanh", seed=0), x, y  # 1-3-3-1: 22 parameters


def _fd_hessian(loss, w: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Central differences of the autograd gradient, column by column."""
    def grad(v):
        v = v.detach().requires_grad_(True)
        return torch.autograd.grad(loss(v), v)[0]
    cols = []
    for j in range(w.numel()):
        e = torch.zeros_like(w)
        e[j] = h
        cols.append((grad(w + e) - grad(w - e)) / (2 * h))
    return torch.stack(cols, 1)


def test_hessian_matches_finite_differences_on_a_tiny_net():
    net, x, y = _tiny_problem()
    H = landscape.hessian(net, x, y, chunk=7)  # chunks of 7 rows must sum to the full Hessian
    H_fd = _fd_hessian(flat_mse(net, x, y), flat_parameters(net))
    assert H.shape == (22, 22) and torch.equal(H, H.T)
    assert float((H - H_fd).abs().max() / H.abs().max()) < 1e-8
    assert float((H - landscape.hessian(net, x, y, chunk=1000)).abs().max()) < 1e-14


def test_hessian_of_a_linear_model_is_two_x_transpose_x_over_n():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3))
    y = rng.normal(size=50)
    net = models.mlp(3, 1, 1, seed=0)  # y = W x + b: parameters (w1, w2, w3, b)
    X = np.hstack([x, np.ones((50, 1))])
    exact = 2 * X.T @ X / 50
    H = landscape.hessian(net, x, y).numpy()
    assert np.max(np.abs(H - exact)) < 1e-12 * np.abs(exact).max()


def test_spectrum_order_and_whole_gradient_projections():
    net, x, y = _tiny_problem()
    spec = landscape.spectrum(net, x, y)
    lam = spec.eigenvalues.numpy()
    pos, neg = lam[lam >= 0], lam[lam < 0]
    assert np.all(np.diff(pos) <= 0) and np.all(np.diff(np.abs(neg)) <= 0)  # the paper's plotting order
    assert np.array_equal(lam, np.concatenate([pos, neg]))
    # projections use the whole gradient, one eigenvector at a time
    loop = np.array([abs(float(spec.gradient @ spec.eigenvectors[:, i])) for i in range(len(lam))])
    assert np.max(np.abs(spec.projections.numpy() - loop)) < 1e-14
    assert abs(float((spec.projections ** 2).sum()) - float(spec.gradient @ spec.gradient)) < 1e-12
    H = landscape.hessian(net, x, y)
    assert float((spec.hessian() - H).abs().max()) < 1e-12 * float(H.abs().max())
    _, g = landscape.gradient(net, x, y)
    assert torch.allclose(g, spec.gradient, rtol=0, atol=1e-15)
