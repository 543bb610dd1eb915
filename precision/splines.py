"""Grid and spline interpolators of arbitrary order (paper §3, Figure 4).

Interpolating a smooth function with piecewise polynomials of degree ``n`` on a grid of
spacing ``h`` errs by O(h^(n+1)); with D grid points in d dimensions h ∝ D^(−1/d), so the
RMSE scales as D^(−(n+1)/d) until it meets the float64 floor (~1e-16).

Methods (all float64, all pure functions of their inputs):

* ``order = k`` (1…7): tensor-product B-spline interpolation of degree ``k`` through every
  grid value (knots as in ``scipy.interpolate.make_interp_spline``: not-a-knot for odd
  ``k``, between the data points for even ``k``). In 1D the ordinary spline of order k;
  in 2D the bilinear/bicubic/biquintic spline; in 3D ``k = 3`` is our **tricubic**
  interpolant (``k = 1`` is multilinear, not simplex). The d-D interpolation system is
  the Kronecker product of 1-D ones, so it is solved exactly, one axis at a time, by a
  direct (LU) solve — no iterative solver, hence none of the ~1e-6 stall of
  ``RegularGridInterpolator(method="cubic")`` with its default solver. Evaluation uses
  ``scipy.interpolate.NdBSpline``.
* ``order = "simplex"``: linear interpolation on the Kuhn (Freudenthal) triangulation of the
  grid: each cell is cut into d! simplices, one per ordering of the local coordinates; the
  barycentric weights are differences of the sorted local coordinates. Exact on affine
  functions, continuous, O(h²) ⇒ RMSE ∝ D^(−2/d).

Tricubic choice — tensor-product cubic spline, not Lekien–Marsden (the paper's). Lekien–
Marsden is a local C¹ Hermite scheme needing f, ∂f, ∂²f, ∂³f at the 8 cell corners; from
grid data these come from central differences whose O(h²) errors, multiplied by the O(h)
size of the derivative basis functions, make it O(h³) (Catmull–Rom-like; slope −1 in D
for d = 3, by this argument, not measured here). The C² cubic spline uses only the grid
values too, is O(h⁴) — slope −(3+1)/3 = −4/3, the paper's guide — and costs three 1-D
solves (O(n³ + D·n)) to build and 64 basis products per evaluation. Its price is
non-locality: the not-a-knot ends (and, for I.30.5, the arcsin singularity at a box
corner) leave a boundary layer decaying geometrically, by ≈0.27 (cubic) or ≈0.43
(quintic) per cell, into the test box; small grids therefore fall *faster* than the
guide before the interior rate takes over (I.30.5: from ~48 points per side on).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.interpolate import BSpline, NdBSpline, make_interp_spline
from scipy.linalg import lu_factor, lu_solve

__all__ = ["ORDERS", "GridInterpolator", "fit_grid", "grid_scaling", "test_points", "test_grid", "loglog_slope"]

#: Allowed values of ``order``: spline degrees and the linear simplex method.
ORDERS: tuple[int | str, ...] = (1, 2, 3, 4, 5, 6, 7, "simplex")


def _check_order(order: int | str) -> int | str:
    if isinstance(order, bool) or order not in ORDERS or isinstance(order, float):
        raise ValueError(f"order must be one of {', '.join(map(repr, ORDERS))}; got {order!r}")
    return order


def _min_points(order: int | str) -> int:
    return 2 if order == "simplex" else int(order) + 1


class GridInterpolator:
    """Interpolant of values on a rectilinear grid (paper §3, Figure 4).

    Parameters
    ----------
    axes : sequence of 1-D arrays
        Strictly increasing grid coordinates, one array per input dimension.
    values : ndarray
        Grid values, shape ``tuple(len(a) for a in axes)``.
    order : int or "simplex"
        Spline degree 1…7 (tensor product) or ``"simplex"`` (linear, Kuhn triangulation).

    Attributes
    ----------
    axes : tuple of numpy.ndarray
        The grid coordinates, as float64.
    values : numpy.ndarray
        The grid values, float64, C-contiguous.
    order : int or str
        The method.

    Raises
    ------
    ValueError
        If ``order`` is not in :data:`ORDERS`, there are no axes, an axis is not 1-D,
        strictly increasing and at least ``order + 1`` long (2 for ``"simplex"``), or
        ``values`` has the wrong shape.

    Notes
    -----
    Calling it on an ``(n, d)`` float64 array returns the ``(n,)`` interpolated values.

    Examples
    --------
    >>> GridInterpolator([np.linspace(0, 1, 5)], np.linspace(0, 2, 5), order=1)(np.array([0.3]))
    array([0.6])
    """

    def __init__(self, axes: Sequence[np.ndarray], values: np.ndarray, order: int | str) -> None:
        self.order = _check_order(order)
        self.axes = tuple(np.asarray(a, dtype=np.float64) for a in axes)
        self.values = np.ascontiguousarray(values, dtype=np.float64)
        if len(self.axes) == 0:
            raise ValueError("axes must hold at least one 1-D coordinate array")
        for i, a in enumerate(self.axes):
            if a.ndim != 1 or len(a) < _min_points(order):
                raise ValueError(f"points_per_dim must be at least {_min_points(order)} for order={order!r} "
                                 f"(axes[{i}] has shape {a.shape})")
            if not np.all(np.diff(a) > 0):
                raise ValueError(f"axes[{i}] must be strictly increasing")
        shape = tuple(len(a) for a in self.axes)
        if self.values.shape != shape:
            raise ValueError(f"values must have shape {shape} (one entry per grid point), got {self.values.shape}")
        self._spline = None if order == "simplex" else self._build_spline(int(order))

    @property
    def d(self) -> int:
        """Input dimension.

        Returns
        -------
        int
            The number of axes.
        """
        return len(self.axes)

    def _build_spline(self, k: int) -> NdBSpline:
        if self.d == 1:
            spl = make_interp_spline(self.axes[0], self.values, k=k)
            return NdBSpline((spl.t,), spl.c, k)
        # The d-D interpolation system is the Kronecker product of the 1-D ones: solve the
        # 1-D collocation system along each axis in turn, all other axes as right-hand
        # sides (dense LU: LAPACK's banded solver is slow with thousands of them).
        coef, knots = self.values, []
        for axis, a in enumerate(self.axes):
            t = make_interp_spline(a, np.zeros(len(a)), k=k).t
            lu = lu_factor(BSpline.design_matrix(a, t, k).toarray())
            rhs = np.moveaxis(coef, axis, 0)
            coef = np.moveaxis(lu_solve(lu, rhs.reshape(len(a), -1)).reshape(rhs.shape), 0, axis)
            knots.append(t)
        return NdBSpline(tuple(knots), coef, k)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Evaluate the interpolant.

        Parameters
        ----------
        x : array_like
            Points, shape ``(n, d)`` (or ``(n,)`` for a 1-D grid); converted to float64.
            Splines extrapolate outside the grid; ``"simplex"`` extends the outermost cells.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` float64 interpolated values.

        Raises
        ------
        ValueError
            If ``x`` does not have shape ``(n, d)``.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1 and self.d == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"x must have shape (n, {self.d}) for this {self.d}-D grid, got {x.shape}")
        if self.order == "simplex":
            return _simplex(self.axes, self.values, x)
        return np.asarray(self._spline(x), dtype=np.float64)


def _simplex(axes: tuple[np.ndarray, ...], values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Linear interpolation on the Kuhn triangulation of the grid (vectorised over points)."""
    m, d = x.shape
    cell = np.empty((m, d), dtype=np.int64)
    u = np.empty((m, d))
    for j, a in enumerate(axes):  # loop over dimensions only
        i = np.clip(np.searchsorted(a, x[:, j], side="right") - 1, 0, len(a) - 2)
        cell[:, j] = i
        u[:, j] = (x[:, j] - a[i]) / (a[i + 1] - a[i])
    perm = np.argsort(-u, axis=1, kind="stable")  # walk the cube edges in decreasing u
    us = np.take_along_axis(u, perm, axis=1)
    w = np.empty((m, d + 1))
    w[:, 0] = 1.0 - us[:, 0]
    w[:, 1:d] = us[:, :-1] - us[:, 1:]
    w[:, d] = us[:, -1]
    strides = np.cumprod((1,) + values.shape[:0:-1], dtype=np.int64)[::-1]  # C order
    base = cell @ strides
    idx = np.concatenate([base[:, None], base[:, None] + np.cumsum(strides[perm], axis=1)], axis=1)
    return np.sum(w * values.reshape(-1)[idx], axis=1)


def _check_points_per_dim(points_per_dim: int, order: int | str) -> int:
    if isinstance(points_per_dim, bool) or not isinstance(points_per_dim, (int, np.integer)):
        raise ValueError(f"points_per_dim must be an integer, got {points_per_dim!r}")
    if points_per_dim < _min_points(order):
        raise ValueError(f"points_per_dim must be at least {_min_points(order)} for order={order!r} "
                         f"(order+1 points per dimension), got {points_per_dim}")
    return int(points_per_dim)


def fit_grid(target, points_per_dim: int, order: int | str) -> GridInterpolator:
    """Interpolate ``target`` from its values on a regular grid over its box (paper §3, Fig. 4).

    Parameters
    ----------
    target : precision.targets.Target
        Function with ``d``, ``low``, ``high`` and ``__call__`` on ``(n, d)`` arrays.
    points_per_dim : int
        Equally spaced points per dimension (ends included); D = points_per_dim**d.
    order : int or "simplex"
        One of :data:`ORDERS`.

    Returns
    -------
    GridInterpolator
        The interpolant through the ``points_per_dim**d`` grid values.

    Raises
    ------
    ValueError
        If ``order`` is not in :data:`ORDERS` or ``points_per_dim`` is not an integer of at
        least ``order + 1`` (2 for ``"simplex"``).
    """
    order = _check_order(order)
    n = _check_points_per_dim(points_per_dim, order)
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(target.low, target.high)]
    mesh = np.meshgrid(*axes, indexing="ij")
    values = np.asarray(target(np.stack([g.ravel() for g in mesh], axis=1)), dtype=np.float64)
    return GridInterpolator(axes, values.reshape(mesh[0].shape), order)


def test_points(target, n_test: int, seed: int = 0, shrink: float = 0.8) -> np.ndarray:
    """Uniform test inputs in the target's box shrunk about its centre to ``shrink`` of each side.

    Parameters
    ----------
    target : precision.targets.Target
        Supplies ``d``, ``low`` and ``high``.
    n_test : int
        Number of points.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    shrink : float, default 0.8
        Fraction of each side kept, in ``(0, 1]``.

    Returns
    -------
    numpy.ndarray
        ``(n_test, d)`` float64 points.

    Raises
    ------
    ValueError
        If ``n_test`` is not a positive integer or ``shrink`` is outside ``(0, 1]``.
    """
    if isinstance(n_test, bool) or not isinstance(n_test, (int, np.integer)) or n_test <= 0:
        raise ValueError(f"n_test must be a positive integer, got {n_test!r}")
    if not 0 < shrink <= 1:
        raise ValueError(f"shrink must lie in (0, 1], got {shrink!r}")
    low, high = np.asarray(target.low, dtype=np.float64), np.asarray(target.high, dtype=np.float64)
    centre, half = (low + high) / 2, (high - low) / 2 * shrink
    return np.random.default_rng(seed).uniform(centre - half, centre + half, size=(int(n_test), target.d))


test_points.__test__ = False  # not a pytest test despite its name


def test_grid(target, points_per_dim: int, shrink: float = 0.8) -> np.ndarray:
    """Evenly spaced test inputs on the target's box shrunk about its centre to ``shrink`` of each side.

    Parameters
    ----------
    target : precision.targets.Target
        Supplies ``d``, ``low`` and ``high``.
    points_per_dim : int
        Points per dimension, ends of the shrunk box included (at least 2).
    shrink : float, default 0.8
        Fraction of each side kept, in ``(0, 1]``.

    Returns
    -------
    numpy.ndarray
        ``(points_per_dim**d, d)`` float64 points, the first coordinate varying slowest.

    Raises
    ------
    ValueError
        If ``points_per_dim`` is not an integer of at least 2 or ``shrink`` is outside ``(0, 1]``.

    Examples
    --------
    >>> from precision.targets import get_target
    >>> test_grid(get_target("Z.009"), 3, shrink=0.5).ravel()
    array([-0.5,  0. ,  0.5])
    """
    if isinstance(points_per_dim, bool) or not isinstance(points_per_dim, (int, np.integer)) or points_per_dim < 2:
        raise ValueError(f"points_per_dim must be an integer of at least 2, got {points_per_dim!r}")
    if not 0 < shrink <= 1:
        raise ValueError(f"shrink must lie in (0, 1], got {shrink!r}")
    low, high = np.asarray(target.low, dtype=np.float64), np.asarray(target.high, dtype=np.float64)
    centre, half = (low + high) / 2, (high - low) / 2 * shrink
    axes = [np.linspace(c - h, c + h, int(points_per_dim)) for c, h in zip(centre, half)]
    return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)


test_grid.__test__ = False


def grid_scaling(target, points_per_dim_list: Sequence[int], order: int | str, n_test: int = 30_000,
                 seed: int = 0, relative: bool = False, x_test: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Test RMSE of :func:`fit_grid` against grid size (paper §3, Figure 4).

    Parameters
    ----------
    target : precision.targets.Target
        Function with ``d``, ``low``, ``high`` and ``__call__`` on ``(n, d)`` arrays.
    points_per_dim_list : sequence of int
        Grid sizes per dimension to try.
    order : int or "simplex"
        One of :data:`ORDERS`.
    n_test : int, default 30000
        Test points, uniform in the central 80 % of the box (:func:`test_points`).
    seed : int, default 0
        Seed of the test points.
    relative : bool, default False
        Divide the RMSE by the RMS of the test labels.
    x_test : ndarray, optional
        ``(n, d)`` test inputs to use instead of drawing them (e.g. :func:`test_grid`);
        ``n_test`` and ``seed`` are then ignored.

    Returns
    -------
    list of (int, float)
        ``[(D, rmse), ...]`` with D = points_per_dim**d the number of grid points, in the
        order of ``points_per_dim_list``.

    Raises
    ------
    ValueError
        If ``order`` is unknown, ``points_per_dim_list`` is empty or holds an invalid size,
        ``n_test`` is not a positive integer, or ``x_test`` is not a non-empty ``(n, d)`` array.
    """
    order = _check_order(order)
    if isinstance(points_per_dim_list, (str, bytes)) or len(points_per_dim_list) == 0:
        raise ValueError(f"points_per_dim_list must be a non-empty list of integers, got {points_per_dim_list!r}")
    sizes = [_check_points_per_dim(n, order) for n in points_per_dim_list]
    if x_test is None:
        x = test_points(target, n_test, seed)
    else:
        x = np.asarray(x_test, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != target.d or len(x) == 0:
            raise ValueError(f"x_test must be a non-empty (n, {target.d}) array of test inputs, got shape {x.shape}")
    y = np.asarray(target(x), dtype=np.float64)
    scale = float(np.sqrt(np.mean(y**2))) if relative else 1.0
    out = []
    for n in sizes:
        err = fit_grid(target, n, order)(x) - y
        out.append((n**target.d, float(np.sqrt(np.mean(err**2))) / scale))
    return out


def loglog_slope(results: Sequence[tuple[int, float]], floor: float = 1e-13) -> float:
    """Least-squares slope of log RMSE vs log D over the points with RMSE > ``floor``.

    Parameters
    ----------
    results : sequence of (int, float)
        ``(D, rmse)`` pairs, as returned by :func:`grid_scaling`.
    floor : float, default 1e-13
        Points with RMSE at or below this are left out (they sit at round-off).

    Returns
    -------
    float
        The fitted exponent ``α`` in ``rmse ∝ D^α``.

    Raises
    ------
    ValueError
        If fewer than two points lie above ``floor``.

    Examples
    --------
    >>> round(loglog_slope([(10, 1e-2), (100, 1e-4)]), 6)
    -2.0
    """
    pts = np.array([(D, r) for D, r in results if r > floor], dtype=np.float64)
    if len(pts) < 2:
        raise ValueError(f"need at least two points above floor={floor} to fit a slope, got {len(pts)}")
    return float(np.polyfit(np.log(pts[:, 0]), np.log(pts[:, 1]), 1)[0])
