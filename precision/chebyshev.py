"""Chebyshev approximation: the classical bar for smooth low-dimensional targets (beyond the paper).

A smooth function on an interval is approximated by a Chebyshev series whose error falls
geometrically with the number of coefficients; for the paper's analytic 1D targets 21–31
coefficients reach float64 round-off. Two ways of getting the coefficients:

* :func:`chebyshev_interpolant` — interpolate the target itself at Chebyshev points of the
  first kind (``numpy.polynomial.chebyshev.Chebyshev.interpolate``): needs the function,
  not data;
* :func:`chebyshev_fit` — least squares on the training data, with the basis evaluated on
  the target's box mapped to ``[−1, 1]``; in ``d`` dimensions a tensor product of degree
  ``degree`` per axis (``(degree+1)^d`` coefficients), solved by an orthogonal
  factorisation (``numpy.linalg.lstsq``).

:func:`chebyshev_curve` gives test RMSE against the number of coefficients.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from numpy.polynomial import chebyshev as C

from .targets import Dataset, Target, to_unit_box

__all__ = ["ChebyshevModel", "chebyshev_interpolant", "chebyshev_fit", "chebyshev_curve", "CurvePoint"]

KINDS = ("interpolate", "lstsq")


@dataclass
class ChebyshevModel:
    """A (tensor-product) Chebyshev series on the box ``[low, high]``; call it on ``(n, d)`` inputs.

    Attributes
    ----------
    coef : numpy.ndarray
        Coefficients, shape ``(degree + 1,) * d`` (axis ``j`` indexes the degree in input ``j``).
    low, high : numpy.ndarray
        ``(d,)`` box mapped to ``[−1, 1]^d``.
    kind : str
        How the coefficients were obtained: ``"interpolate"`` or ``"lstsq"``.
    """

    coef: np.ndarray = field(repr=False)
    low: np.ndarray
    high: np.ndarray
    kind: str

    @property
    def d(self) -> int:
        """Input dimension.

        Returns
        -------
        int
            ``coef.ndim``.
        """
        return self.coef.ndim

    @property
    def n_coef(self) -> int:
        """Number of coefficients.

        Returns
        -------
        int
            ``(degree + 1)^d``.
        """
        return int(self.coef.size)

    def __call__(self, x) -> np.ndarray:
        """Evaluate the series.

        Parameters
        ----------
        x : array_like
            Inputs, shape ``(n, d)`` (or ``(n,)`` for ``d = 1``), in the original coordinates.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` float64 values.

        Raises
        ------
        ValueError
            If ``x`` does not have ``d`` columns.
        """
        x = np.asarray(x, dtype=np.float64)
        x = x[:, None] if x.ndim == 1 else x
        if x.shape[1] != self.d:
            raise ValueError(f"x must have shape (n, {self.d}), got {x.shape}")
        u = to_unit_box(x, self.low, self.high)
        if self.d == 1:
            return C.chebval(u[:, 0], self.coef)
        if self.d == 2:
            return C.chebval2d(u[:, 0], u[:, 1], self.coef)
        if self.d == 3:
            return C.chebval3d(u[:, 0], u[:, 1], u[:, 2], self.coef)
        return _vander(u, self.coef.shape[0] - 1) @ self.coef.ravel()


def _vander(u: np.ndarray, degree: int) -> np.ndarray:
    """Tensor-product Chebyshev Vandermonde matrix, ``(n, (degree+1)^d)``, C order of the axes."""
    cols = np.ones((u.shape[0], 1))
    for j in range(u.shape[1]):
        vj = C.chebvander(u[:, j], degree)
        cols = (cols[:, :, None] * vj[:, None, :]).reshape(u.shape[0], -1)
    return cols


def _check_degree(degree) -> int:
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    return int(degree)


def chebyshev_interpolant(target: Target, degree: int) -> ChebyshevModel:
    """Interpolate a 1D ``target`` at ``degree + 1`` Chebyshev points of its interval.

    Parameters
    ----------
    target : precision.targets.Target
        A 1D target (evaluated on ``(m, 1)`` arrays).
    degree : int
        Degree of the series (``degree + 1`` coefficients).

    Returns
    -------
    ChebyshevModel
        The interpolating series, ``kind="interpolate"``.

    Raises
    ------
    ValueError
        If ``degree`` is not a non-negative integer or the target is not 1D.
    """
    degree = _check_degree(degree)
    if target.d != 1:
        raise ValueError(f"chebyshev_interpolant is 1D only; target '{target.name}' has d={target.d} "
                         "(use chebyshev_fit for a tensor-product least-squares fit)")
    low, high = float(target.low[0]), float(target.high[0])
    series = C.Chebyshev.interpolate(lambda t: target(np.asarray(t, dtype=np.float64)[:, None]), degree,
                                     domain=[low, high])
    return ChebyshevModel(series.coef.copy(), np.array([low]), np.array([high]), "interpolate")


def chebyshev_fit(x, y, degree: int, low: Sequence[float], high: Sequence[float]) -> ChebyshevModel:
    """Fit a least-squares (tensor-product) Chebyshev series of degree ``degree`` per axis to ``(x, y)``.

    Parameters
    ----------
    x : array_like
        Training inputs, shape ``(n, d)`` (or ``(n,)``).
    y : array_like
        Training targets, ``n`` values.
    degree : int
        Degree per axis; the series has ``(degree + 1)^d`` coefficients.
    low, high : sequence of float
        The box ``[low, high]`` (``d`` values each) mapped to ``[−1, 1]^d``.

    Returns
    -------
    ChebyshevModel
        The fitted series, ``kind="lstsq"``.

    Raises
    ------
    ValueError
        If ``degree`` is not a non-negative integer, ``low``/``high`` are not ``d``
        intervals with ``low < high``, ``x`` and ``y`` differ in length, or there are
        fewer points than coefficients.
    """
    degree = _check_degree(degree)
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    low, high = np.asarray(low, dtype=np.float64).reshape(-1), np.asarray(high, dtype=np.float64).reshape(-1)
    d = x.shape[1]
    if low.shape[0] != d or high.shape[0] != d or not np.all(high > low):
        raise ValueError(f"low and high must give {d} intervals with low < high, got {low.tolist()}, {high.tolist()}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]} values")
    n_coef = (degree + 1) ** d
    if n_coef > x.shape[0]:
        raise ValueError(f"degree {degree} needs {n_coef} coefficients but there are only {x.shape[0]} training "
                         "points: lower the degree or give more data")
    V = _vander(to_unit_box(x, low, high), degree)
    scale = np.linalg.norm(V, axis=0)  # equilibrate columns before the orthogonal solve
    coef, *_ = np.linalg.lstsq(V / scale, y, rcond=None)
    return ChebyshevModel((coef / scale).reshape((degree + 1,) * d), low, high, "lstsq")


@dataclass
class CurvePoint:
    """One point of :func:`chebyshev_curve`: a degree, its coefficient count and RMSEs.

    Attributes
    ----------
    degree : int
        Degree per axis.
    n_coef : int
        Number of coefficients.
    rmse_train : float
        RMSE on the training data (``"interpolate"``: at the interpolation nodes).
    rmse_test : float
        RMSE on the data set's test points.
    seconds : float
        Wall-clock time of the fit and both evaluations.
    """

    degree: int
    n_coef: int
    rmse_train: float
    rmse_test: float
    seconds: float


def chebyshev_curve(data: Dataset, degrees: Sequence[int], kind: str = "lstsq") -> list[CurvePoint]:
    """Test RMSE against the number of coefficients.

    Parameters
    ----------
    data : precision.targets.Dataset
        Target and train/test split.
    degrees : sequence of int
        Degrees to try (per axis).
    kind : {"lstsq", "interpolate"}, default "lstsq"
        ``"interpolate"``: interpolation of the target (1D; ``rmse_train`` is then at the
        interpolation nodes); ``"lstsq"``: least-squares fit of the training data (any
        ``d``, on the target's box).

    Returns
    -------
    list of CurvePoint
        One per degree, in the given order.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, or as :func:`chebyshev_interpolant` / :func:`chebyshev_fit`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    out = []
    target = data.target
    for degree in degrees:
        start = time.perf_counter()
        if kind == "interpolate":
            model = chebyshev_interpolant(target, degree)
            nodes = C.chebpts1(degree + 1)
            xs = ((target.high[0] - target.low[0]) * nodes + (target.high[0] + target.low[0])) / 2
            train = float(np.sqrt(np.mean((model(xs) - target(xs[:, None])) ** 2)))
        else:
            model = chebyshev_fit(data.x_train, data.y_train, degree, target.low, target.high)
            train = float(np.sqrt(np.mean((model(data.x_train) - data.y_train) ** 2)))
        test = float(np.sqrt(np.mean((model(data.x_test) - data.y_test) ** 2)))
        out.append(CurvePoint(int(degree), model.n_coef, train, test, time.perf_counter() - start))
    return out
