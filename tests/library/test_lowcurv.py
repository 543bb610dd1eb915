"""Low-curvature subspace optimisation (paper §4.2.1) on problems with known answers."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from precision import lowcurv, models, optimizers


def test_vectorised_projection_equals_the_loop():
    gen = torch.Generator().manual_seed(0)
    V, _ = torch.linalg.qr(torch.randn(60, 60, dtype=torch.float64, generator=gen))
    g = torch.randn(60, dtype=torch.float64, generator=gen)
    a, b = lowcurv.project(V[:, :25], g), lowcurv.project_loop(V[:, :25], g)
    assert float((a - b).abs().max()) < 1e-14
    assert float((lowcurv.project(V, g) - g).abs().max()) < 1e-13  # the full basis projects onto everything


def test_line_search_finds_the_minimum_of_known_functions():
    # minimum at α = 1e3 in log space; the search spans 24 decades
    res = lowcurv.log_line_search(lambda a: (math.log10(a) - 3) ** 2, f0=100.0)
    assert res.improved and abs(math.log10(res.alpha) - 3) < math.log10(1.2)
    # a plain quadratic in α with its minimum at 0.37
    res = lowcurv.log_line_search(lambda a: (a - 0.37) ** 2 + 1, f0=2.0)
    assert 0.37 / 1.1 < res.alpha < 0.37 * 1.1 and res.loss < 1 + 1e-3
    assert res.evaluations == 15 * 5


def test_line_search_keeps_the_best_not_the_last_improvement():
    # every α beats f0, so a search that forgot to update its best loss would return the
    # last grid point (1e12) instead of the minimum near 1e-4
    res = lowcurv.log_line_search(lambda a: abs(math.log10(a) + 4), f0=1e9)
    assert abs(math.log10(res.alpha) + 4) < 0.1


def test_line_search_ignores_nan_and_reports_no_improvement():
    res = lowcurv.log_line_search(lambda a: float("nan") if a > 1 else 5.0 + a, f0=5.0)
    assert not res.improved and res.alpha <= 1 and math.isfinite(res.loss)


def test_lowcurv_never_increases_the_loss_and_lowers_it_after_bfgs():
    net, x, y, first = _after_bfgs()
    res = lowcurv.train_lowcurv(net, x, y, steps=15, tau=1e-4, x_test=x, y_test=y)
    rmse = res.history[:, 1]
    assert np.all(np.diff(rmse) <= 0) and rmse[0] == first.rmse_train
    assert res.rmse_train < first.rmse_train and res.steps > 0
    assert abs(optimizers.rmse(net, torch.from_numpy(x), torch.from_numpy(y)) - res.rmse_train) < 1e-15


def test_direction_keeps_only_the_flat_eigen_directions():
    H = torch.diag(torch.tensor([5.0, -1e-9, 1e-12, 2.0], dtype=torch.float64))
    g = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    d, dim = lowcurv.lowcurv_direction(H, g, tau=1e-6)
    assert dim == 2 and torch.allclose(d, torch.tensor([0.0, 2.0, 3.0, 0.0], dtype=torch.float64), atol=1e-15)


def _after_bfgs():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(150, 1))
    y = x[:, 0] ** 2
    net = models.mlp(1, 4, 3, "tanh", seed=0)  # 33 parameters
    first = optimizers.train_bfgs(net, x, y, 150)
    return net, x, y, first


def test_always_step_runs_exactly_the_steps_asked_for():
    net, x, y, first = _after_bfgs()
    start = [p.detach().clone() for p in net.parameters()]
    res = lowcurv.train_lowcurv(net, x, y, steps=12, tau=1e-4, always_step=True, zooms=3)
    assert res.steps == 12 and res.history[-1, 0] == 12 and len(res.history) == 13
    assert res.stopped.startswith("ran all 12 steps")
    # the same start in the book's convention ends no higher than it began
    with torch.no_grad():
        for p, s in zip(net.parameters(), start):
            p.copy_(s)
    book = lowcurv.train_lowcurv(net, x, y, steps=12, tau=1e-4)
    assert book.rmse_train <= first.rmse_train


def test_always_step_takes_a_step_that_raises_the_loss():
    # every step size in [1e6, 1e12] overshoots: the book's convention takes none, the authors' takes them all
    net, x, y, first = _after_bfgs()
    start = [p.detach().clone() for p in net.parameters()]
    book = lowcurv.train_lowcurv(net, x, y, steps=3, tau=1e-2, low=1e6, high=1e12)
    assert book.steps == 0 and "lowers the loss" in book.stopped and book.rmse_train == first.rmse_train
    with torch.no_grad():
        for p, s in zip(net.parameters(), start):
            p.copy_(s)
    authors = lowcurv.train_lowcurv(net, x, y, steps=3, tau=1e-2, low=1e6, high=1e12, always_step=True)
    assert authors.steps == 3 and authors.rmse_train > 10 * first.rmse_train


def test_bad_lowcurv_settings_name_the_parameter():
    net, x, y = models.mlp(1, 3, 2, "tanh", seed=0), np.linspace(-1, 1, 20)[:, None], np.linspace(-1, 1, 20)
    for kwargs, name in ((dict(always_step="yes"), "always_step"), (dict(always_step=1), "always_step"),
                         (dict(points=1), "points"), (dict(zooms=-1), "zooms"), (dict(low=1e13), "low")):
        with pytest.raises(ValueError, match=name):
            lowcurv.train_lowcurv(net, x, y, steps=2, **kwargs)
