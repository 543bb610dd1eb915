"""Linear simplex interpolation (paper §2): 1D linear, Delaunay + barycentric for d ≥ 2.

The interpolant fits every training point exactly; its RMSE scales as D^(−2/d). Points
outside the convex hull of the training inputs have no simplex: they are returned as
NaN and counted, never silently dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import LinearNDInterpolator
from scipy.spatial import Delaunay
from threadpoolctl import threadpool_limits

__all__ = ["SimplexInterpolator", "SimplexPrediction"]


@dataclass(frozen=True)
class SimplexPrediction:
    """Interpolated values (NaN outside the hull) and the mask of points outside.

    Attributes
    ----------
    values : numpy.ndarray
        ``(m,)`` float64 interpolated values; NaN where the point is outside the hull.
    outside : numpy.ndarray
        ``(m,)`` bool mask of the points outside the convex hull of the training inputs.
    """

    values: np.ndarray
    outside: np.ndarray

    @property
    def n_outside(self) -> int:
        """Number of points outside the hull.

        Returns
        -------
        int
            ``outside.sum()``.
        """
        return int(self.outside.sum())


class SimplexInterpolator:
    """Piecewise-linear interpolant of ``(x, y)`` (paper §2).

    In 1D it is linear interpolation between the sorted points; for ``d ≥ 2`` it is linear
    on the simplices of the Delaunay triangulation of ``x`` (barycentric weights).

    Parameters
    ----------
    x : array_like
        Training inputs, shape ``(n, d)`` (or ``(n,)`` for ``d = 1``); converted to float64.
    y : array_like
        Training targets, shape ``(n,)``.

    Attributes
    ----------
    d : int
        Input dimension.

    Raises
    ------
    ValueError
        If ``x`` is not ``(n, d)`` with ``y`` of shape ``(n,)``, or there are fewer than
        ``d + 1`` points.

    Examples
    --------
    >>> SimplexInterpolator([0.0, 1.0], [0.0, 2.0])([0.25, 2.0]).values
    array([0.5, nan])
    """

    def __init__(self, x: np.ndarray, y: np.ndarray):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        x = x[:, None] if x.ndim == 1 else x
        if x.ndim != 2 or y.shape != (x.shape[0],):
            raise ValueError(f"x must be (n, d) and y (n,); got {x.shape} and {y.shape}")
        self.d = x.shape[1]
        if x.shape[0] < self.d + 1:
            raise ValueError(f"need at least d + 1 = {self.d + 1} points for simplex interpolation in {self.d}D, got {x.shape[0]}")
        if self.d == 1:
            order = np.argsort(x[:, 0])
            self._x, self._y = x[order, 0], y[order]
        else:
            self._interp = LinearNDInterpolator(Delaunay(x), y, fill_value=np.nan)

    @property
    def n_params(self) -> int:
        """Number of parameters, by the paper's convention that each of the |D| points carries d + 1 numbers.

        Returns
        -------
        int
            ``|D| · (d + 1)``.
        """
        n = len(self._x) if self.d == 1 else self._interp.tri.npoints
        return n * (self.d + 1)

    def __call__(self, x: np.ndarray) -> SimplexPrediction:
        """Evaluate the interpolant.

        Parameters
        ----------
        x : array_like
            Query points, shape ``(m, d)`` (or ``(m,)`` when ``d = 1``).

        Returns
        -------
        SimplexPrediction
            Values (NaN outside the convex hull of the training inputs) and the outside mask.

        Raises
        ------
        ValueError
            If ``x`` does not have shape ``(m, d)``.
        """
        x = np.asarray(x, dtype=np.float64)
        x = x[:, None] if x.ndim == 1 else x
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"x must have shape (n, {self.d}), got {x.shape}")
        if self.d == 1:
            t = x[:, 0]
            outside = (t < self._x[0]) | (t > self._x[-1])
            values = np.interp(t, self._x, self._y)
            values[outside] = np.nan
        else:
            # scipy builds each simplex's barycentric transform with a tiny LAPACK solve; a
            # multi-threaded BLAS makes every one of them wait on its thread pool, and on a
            # busy machine 65 536 points in 2-D then take minutes instead of a second.
            with threadpool_limits(1, user_api="blas"):
                values = self._interp(x)
            outside = np.isnan(values)
        return SimplexPrediction(values, outside)
