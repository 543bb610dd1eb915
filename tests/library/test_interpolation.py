"""Linear simplex interpolation (paper §2): exactness, hull handling, the N^(-2/d) law."""
from __future__ import annotations

import os

import numpy as np
import pytest

from precision import scaling, targets
from precision.fitting import fit, fit_simplex
from precision.interpolation import SimplexInterpolator


@pytest.mark.parametrize("d", [1, 2, 3])
def test_exact_on_training_points_and_on_affine_functions(d):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(60 * d, d))
    w = np.arange(1, d + 1, dtype=float)
    interp = SimplexInterpolator(x, x @ w + 0.5)
    assert np.max(np.abs(interp(x).values - (x @ w + 0.5))) < 1e-13
    inside = rng.uniform(-0.3, 0.3, size=(200, d))
    pred = interp(inside)
    assert pred.n_outside == 0
    assert np.max(np.abs(pred.values - (inside @ w + 0.5))) < 1e-12


@pytest.mark.parametrize("d", [1, 2])
def test_points_outside_the_hull_are_counted_not_dropped(d):
    x = np.random.default_rng(1).uniform(0, 1, size=(50, d))
    interp = SimplexInterpolator(x, x.sum(1))
    q = np.vstack([np.full((3, d), 0.5), np.full((2, d), 5.0)])
    pred = interp(q)
    assert pred.n_outside == 2 and np.isnan(pred.values[-2:]).all() and np.isfinite(pred.values[:3]).all()


def test_simplex_exponent_is_minus_two_over_d():
    # 1D random points converge slowly to the law (the largest gaps dominate): many seeds.
    for eq, sizes, seeds in (("Z.001", (64, 256, 1024, 4096, 16384), 8), ("Z.008", (256, 1024, 4096), 3)):
        t = targets.get_target(eq)
        rows = [fit_simplex(targets.sample(t, n, 2000, seed=s)) for n in sizes for s in range(seeds)]
        law = scaling.fit_power_law([r.n_params for r in rows], [r.rmse_test for r in rows])
        assert abs(law.exponent + 2 / t.d) < 0.1, (eq, law)
        assert all(r.n_outside == 0 and r.rmse_train < 1e-13 for r in rows)


def test_fit_registry_refuses_unknown_methods():
    data = targets.sample(targets.get_target("Z.001"), 10, 10)
    assert fit(data, "simplex").n_params == 20
    with pytest.raises(ValueError, match="method must be one of simplex"):
        fit(data, "magic")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: BLAS has one thread anyway")
def test_scipys_per_simplex_solves_run_on_one_blas_thread(monkeypatch):
    # a multi-threaded BLAS makes each tiny solve wait on its pool: minutes on a busy machine
    from scipy.interpolate import LinearNDInterpolator
    from threadpoolctl import threadpool_info

    seen = []
    original = LinearNDInterpolator.__call__

    def spy(self, *args, **kwargs):
        seen.append([lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LinearNDInterpolator, "__call__", spy)
    rng = np.random.default_rng(0)
    x = rng.random((200, 2))
    SimplexInterpolator(x, x.sum(axis=1))(rng.random((50, 2)))
    assert seen and all(n == 1 for threads in seen for n in threads), seen
