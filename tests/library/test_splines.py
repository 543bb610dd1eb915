"""Grid/spline interpolation of order n scales as D^(−(n+1)/d) (paper §3, Figure 4).

Grid sizes are chosen inside each method's asymptotic range. Before it, not-a-knot
splines (and, in 3D, the arcsin singularity at a corner of the I.30.5 box) leave a boundary
layer whose error decays geometrically into the test box, so small grids fall *faster*
than the guide. For quintics the interior O(h⁶) regime only shows below ~1e-13, so those
slopes are fitted down to 1e-15 (the float64 floor is ~2–4e-16 there).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import RegularGridInterpolator
from scipy.sparse.linalg import spsolve

from precision.splines import ORDERS, GridInterpolator, fit_grid, grid_scaling, loglog_slope, test_points
from precision.targets import from_expression, get_target

N_TEST = 10_000


@pytest.fixture(scope="module")
def exp1d():
    return get_target("Z.009")  # e^x on [-1, 1]


@pytest.fixture(scope="module")
def exp2d():
    return from_expression("exp(x*y)", {"x": (-1, 1), "y": (-1, 1)})


@pytest.fixture(scope="module")
def i3005():
    return get_target("I.30.5")  # arcsin(lambd/(n*d))


# ---------------------------------------------------------------- scaling slopes (Figure 4)
SIZES_1D = {1: [8, 16, 32, 64, 128, 256, 512], 2: [16, 32, 64, 128, 256, 512],
            3: [32, 64, 128, 256, 512], 4: [45, 64, 90, 128, 181],
            5: [50, 60, 70, 80, 90, 100, 110]}
FLOOR_1D = {1: 1e-13, 2: 1e-13, 3: 1e-13, 4: 1e-14, 5: 1e-15}


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_1d_slope_is_minus_n_plus_1(exp1d, order):
    res = grid_scaling(exp1d, SIZES_1D[order], order, n_test=N_TEST, relative=True)
    assert [D for D, _ in res] == SIZES_1D[order]
    slope = loglog_slope(res, FLOOR_1D[order])
    assert abs(slope - (-(order + 1))) <= 0.3, (order, slope, res)


@pytest.mark.parametrize("order", [3, 4, 5, 6, 7])
def test_1d_high_orders_reach_float64_floor(exp1d, order):
    res = grid_scaling(exp1d, [64, 256, 1024, 2048], order, n_test=N_TEST, relative=True)
    assert min(r for _, r in res) <= 1e-14, res


SIZES_2D = {1: [8, 16, 32, 64, 128], 3: [23, 32, 45, 64, 90, 128], 5: [48, 56, 64, 72, 80]}
FLOOR_2D = {1: 1e-13, 3: 1e-13, 5: 1e-15}


@pytest.mark.parametrize("order", [1, 3, 5])
def test_2d_slope_is_minus_n_plus_1_over_2(exp2d, order):
    res = grid_scaling(exp2d, SIZES_2D[order], order, n_test=N_TEST, relative=True)
    assert [D for D, _ in res] == [n**2 for n in SIZES_2D[order]]
    slope = loglog_slope(res, FLOOR_2D[order])
    assert abs(slope - (-(order + 1) / 2)) <= 0.3, (order, slope, res)
    if order == 5:
        assert min(r for _, r in res) <= 1e-13, res


@pytest.mark.parametrize("order, sizes, expected", [("simplex", [10, 14, 20, 28, 40], -2 / 3),
                                                    (3, [48, 64, 80, 96], -4 / 3)])
def test_3d_slopes_simplex_and_tricubic(i3005, order, sizes, expected):
    res = grid_scaling(i3005, sizes, order, n_test=N_TEST)
    slope = loglog_slope(res, 1e-13)
    assert abs(slope - expected) <= 0.15, (order, slope, res)


def test_tricubic_beats_simplex_on_same_grid(i3005):
    lin = grid_scaling(i3005, [20, 40], "simplex", n_test=N_TEST)
    cub = grid_scaling(i3005, [20, 40], 3, n_test=N_TEST)
    assert all(c < 0.1 * s for (_, c), (_, s) in zip(cub, lin))


# ---------------------------------------------------------------- simplex interpolation
def _grid(d, n, rng):
    """Non-uniform axes on [-1, 2]: equal spacing jittered by up to ±30 %."""
    h = 3 / (n - 1)
    return [np.concatenate([[-1.0], np.linspace(-1, 2, n)[1:-1] + rng.uniform(-0.3, 0.3, n - 2) * h, [2.0]])
            for _ in range(d)]


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_simplex_exact_on_affine_and_on_grid(d):
    rng = np.random.default_rng(d)
    axes = [_grid(1, 5 + j, rng)[0] for j in range(d)]  # a different size per axis
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    a, b = rng.normal(size=d), 0.7
    interp = GridInterpolator(axes, mesh @ a + b, "simplex")
    x = rng.uniform(-1, 2, size=(5000, d))
    assert np.max(np.abs(interp(x) - (x @ a + b))) <= 1e-13
    vals = np.asfortranarray(rng.normal(size=mesh.shape[:-1]))  # layout must not matter
    at_nodes = GridInterpolator(axes, vals, "simplex")(mesh.reshape(-1, d))
    assert np.max(np.abs(at_nodes - vals.ravel())) <= 1e-13


def test_simplex_1d_is_linear_interpolation_and_2d_matches_kuhn_formula():
    rng = np.random.default_rng(0)
    a = np.linspace(0, 1, 9)
    v = rng.normal(size=9)
    x = rng.uniform(0, 1, 1000)
    assert np.allclose(GridInterpolator([a], v, "simplex")(x), np.interp(x, a, v), rtol=0, atol=1e-14)
    v2 = rng.normal(size=(9, 9))
    p = rng.uniform(0, 1, size=(1000, 2))
    i, j = np.minimum((p * 8).astype(int), 7).T
    u, w = (p[:, 0] * 8 - i), (p[:, 1] * 8 - j)
    f00, f10, f01, f11 = v2[i, j], v2[i + 1, j], v2[i, j + 1], v2[i + 1, j + 1]
    ref = np.where(u >= w, f00 + u * (f10 - f00) + w * (f11 - f10), f00 + w * (f01 - f00) + u * (f11 - f01))
    assert np.allclose(GridInterpolator([a, a], v2, "simplex")(p), ref, rtol=0, atol=1e-14)


# ---------------------------------------------------------------- spline interpolation
@pytest.mark.parametrize("d, orders", [(2, [1, 2, 3, 4, 5, 6, 7]), (3, [1, 3, 5])])
def test_splines_reproduce_grid_values(d, orders):
    rng = np.random.default_rng(d)
    axes = _grid(d, 9, rng)
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    vals = np.sin(mesh.sum(axis=-1)) + rng.normal(size=mesh.shape[:-1])
    for order in orders:
        out = GridInterpolator(axes, vals, order)(mesh.reshape(-1, d))
        assert np.max(np.abs(out - vals.ravel())) <= 1e-12, order


@pytest.mark.parametrize("order, method", [(3, "cubic"), (5, "quintic")])
def test_tensor_spline_matches_scipy_direct_solve(exp2d, order, method):
    """Same not-a-knot tensor spline as RegularGridInterpolator with a direct solver."""
    n = 12
    axes = [np.linspace(-1, 1, n)] * 2
    mesh = np.meshgrid(*axes, indexing="ij")
    vals = np.exp(mesh[0] * mesh[1])
    x = test_points(exp2d, 2000, seed=1)
    ref = RegularGridInterpolator(axes, vals, method=method, solver=spsolve)(x)
    assert np.max(np.abs(GridInterpolator(axes, vals, order)(x) - ref)) <= 1e-12


def test_polynomial_of_degree_n_is_reproduced(exp2d):
    """A tensor spline of degree n reproduces polynomials of degree ≤ n in each variable."""
    axes = [np.linspace(-1, 1, 10)] * 2
    mesh = np.meshgrid(*axes, indexing="ij")
    x = test_points(exp2d, 2000, seed=2)
    for n in (1, 3, 5):
        g = GridInterpolator(axes, (mesh[0] ** n - 0.5) * (mesh[1] ** n + mesh[1]), n)
        assert np.max(np.abs(g(x) - (x[:, 0] ** n - 0.5) * (x[:, 1] ** n + x[:, 1]))) <= 1e-12


def test_grid_scaling_is_pure_and_relative(exp2d):
    a = grid_scaling(exp2d, [6, 9], 3, n_test=500, seed=3)
    assert a == grid_scaling(exp2d, [6, 9], 3, n_test=500, seed=3)
    rel = grid_scaling(exp2d, [6, 9], 3, n_test=500, seed=3, relative=True)
    y = exp2d(test_points(exp2d, 500, seed=3))
    scale = np.sqrt(np.mean(y**2))
    assert all(abs(r * scale - e) <= 1e-15 * e for (_, e), (_, r) in zip(a, rel))
    x = test_points(exp2d, 500, seed=3)
    assert np.all(np.abs(x) <= 0.8 + 1e-15) and x.dtype == np.float64


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("order", [0, 8, -1, 2.0, "cubic", True, None])
def test_bad_order(exp1d, order):
    with pytest.raises(ValueError, match="order"):
        fit_grid(exp1d, 10, order)


@pytest.mark.parametrize("order, n", [(3, 3), (5, 5), ("simplex", 1), (1, 1)])
def test_too_few_points(exp1d, order, n):
    with pytest.raises(ValueError, match="points_per_dim"):
        fit_grid(exp1d, n, order)
    with pytest.raises(ValueError, match="points_per_dim"):
        grid_scaling(exp1d, [20, n], order, n_test=10)


def test_bad_arguments(exp2d):
    g = fit_grid(exp2d, 6, 3)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\)"):
        g(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="values must have shape"):
        GridInterpolator([np.linspace(0, 1, 5)] * 2, np.zeros((5, 4)), 1)
    with pytest.raises(ValueError, match="strictly increasing"):
        GridInterpolator([np.array([0.0, 2.0, 1.0])], np.zeros(3), 1)
    with pytest.raises(ValueError, match="points_per_dim_list"):
        grid_scaling(exp2d, [], 1)
    with pytest.raises(ValueError, match="n_test"):
        grid_scaling(exp2d, [5], 1, n_test=0)
    with pytest.raises(ValueError, match="points_per_dim"):
        fit_grid(exp2d, 5.0, 1)
    assert ORDERS[-1] == "simplex"


# ---------------------------------------------------------------- test grids (the authors' Figure 4 convention)
def test_test_grid_spans_the_shrunk_box_evenly(exp1d, exp2d):
    from precision.splines import test_grid

    x = test_grid(exp1d, 2000, shrink=0.9)
    assert x.shape == (2000, 1) and x.dtype == np.float64
    assert x[0, 0] == pytest.approx(-0.9, abs=1e-15) and x[-1, 0] == pytest.approx(0.9, abs=1e-15)
    assert np.allclose(np.diff(x[:, 0]), 1.8 / 1999, rtol=1e-12)
    g = test_grid(exp2d, 5)  # default: the central 80 %
    assert g.shape == (25, 2) and set(np.round(g[:, 1], 12)) == {-0.8, -0.4, 0.0, 0.4, 0.8}
    for bad in (1, 2.0, True):
        with pytest.raises(ValueError, match="points_per_dim must be an integer of at least 2"):
            test_grid(exp1d, bad)
    with pytest.raises(ValueError, match="shrink"):
        test_grid(exp1d, 10, shrink=1.5)


def test_grid_scaling_on_given_points(exp2d):
    from precision.splines import test_grid

    x = test_grid(exp2d, 41)
    rows = grid_scaling(exp2d, [8, 16], 3, x_test=x, relative=True)
    y = exp2d(x)
    expected = np.sqrt(np.mean((fit_grid(exp2d, 16, 3)(x) - y) ** 2)) / np.sqrt(np.mean(y**2))
    assert rows[1] == (256, pytest.approx(expected, rel=1e-14))
    # the given points replace the random draw: n_test and seed no longer matter
    assert rows == grid_scaling(exp2d, [8, 16], 3, n_test=7, seed=99, x_test=x, relative=True)
    assert rows != grid_scaling(exp2d, [8, 16], 3, n_test=len(x), relative=True)
    with pytest.raises(ValueError, match=r"x_test must be a non-empty \(n, 2\) array"):
        grid_scaling(exp2d, [8], 3, x_test=np.zeros((5, 3)))
