"""Scaling laws (paper §1.3): power-law fits and the cost of precision.

With loss ℓ ∝ N^(−α), a gain of a factor G in precision costs G^(1/α) times more
parameters (or data). That is why the exponent, not the prefactor, decides which method
can reach 1e-16.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PowerLaw", "fit_power_law", "cost_factor"]


@dataclass(frozen=True)
class PowerLaw:
    """A fitted power law ``rmse ≈ prefactor · N^exponent``.

    Attributes
    ----------
    exponent : float
        The power of N (negative when the RMSE falls).
    stderr : float
        The exponent's standard error (NaN with only two points).
    prefactor : float
        The RMSE at N = 1.
    """

    exponent: float
    stderr: float
    prefactor: float

    def __call__(self, n) -> np.ndarray:
        """Evaluate the law.

        Parameters
        ----------
        n : array_like
            Sizes N.

        Returns
        -------
        numpy.ndarray
            ``prefactor · n**exponent``, float64, shape of ``n``.
        """
        return self.prefactor * np.asarray(n, dtype=np.float64) ** self.exponent


def fit_power_law(n, rmse, floor: float = 0.0) -> PowerLaw:
    """Least-squares line through (log N, log RMSE), keeping points with RMSE > ``floor``.

    Pass ``floor`` (e.g. 1e-14) to leave out points that already sit at machine precision.

    Parameters
    ----------
    n : array_like
        Sizes N (parameters or data points); points with ``N <= 0`` are left out.
    rmse : array_like
        RMSE at each size, same length; non-finite values are left out.
    floor : float, default 0.0
        Keep only points with RMSE above this.

    Returns
    -------
    PowerLaw
        Exponent, its standard error and the prefactor.

    Raises
    ------
    ValueError
        If ``n`` and ``rmse`` differ in length, or fewer than two distinct sizes are kept.

    Examples
    --------
    >>> fit_power_law([10, 100, 1000], [1e-2, 1e-4, 1e-6]).exponent  # doctest: +ELLIPSIS
    -2.0...
    """
    n = np.asarray(n, dtype=np.float64).ravel()
    r = np.asarray(rmse, dtype=np.float64).ravel()
    if n.shape != r.shape:
        raise ValueError(f"n and rmse must have the same length, got {n.size} and {r.size}")
    keep = np.isfinite(r) & (r > floor) & (n > 0)
    if keep.sum() < 2 or np.unique(n[keep]).size < 2:
        raise ValueError(f"need at least two distinct sizes with RMSE above {floor:g} to fit a power law")
    lx, ly = np.log(n[keep]), np.log(r[keep])
    A = np.vstack([lx, np.ones_like(lx)]).T
    coef, *_ = np.linalg.lstsq(A, ly, rcond=None)
    dof = keep.sum() - 2
    if dof > 0:
        resid = ly - A @ coef
        cov = (resid @ resid / dof) * np.linalg.inv(A.T @ A)
        stderr = float(np.sqrt(cov[0, 0]))
    else:
        stderr = float("nan")
    return PowerLaw(float(coef[0]), stderr, float(np.exp(coef[1])))


def cost_factor(alpha: float, start: float = 1e-2, goal: float = 1e-16) -> float:
    """How many times more parameters it takes to go from RMSE ``start`` to ``goal`` when RMSE ∝ N^(−alpha).

    Parameters
    ----------
    alpha : float
        The scaling exponent, ``alpha > 0``.
    start : float, default 1e-2
        RMSE now.
    goal : float, default 1e-16
        RMSE wanted, ``0 < goal < start``.

    Returns
    -------
    float
        ``(start / goal) ** (1 / alpha)``.

    Raises
    ------
    ValueError
        If ``alpha`` is not positive or not ``0 < goal < start``.

    Examples
    --------
    >>> cost_factor(2.0, 1e-2, 1e-6)
    100.0
    """
    if not alpha > 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    if not 0 < goal < start:
        raise ValueError(f"need 0 < goal < start, got start={start}, goal={goal}")
    return float((start / goal) ** (1.0 / alpha))
