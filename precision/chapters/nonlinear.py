"""Chapter 3 and Appendix C experiments: spline scaling (Figure 4), tanh vs ReLU vs simplex
(Figures 5, 6a, A3) and the solver trap of scipy's grid interpolator.

The runs themselves live elsewhere (:mod:`precision.splines`, :func:`precision.chapters.nets.run_net`,
:mod:`precision.gadgets`); this module holds what the chapter decides: which curves Figure 4
draws, over which window each slope is fitted, and which network configs Figures 5, 6a and A3
train — built so that identical runs share one cache entry across chapters.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..splines import grid_scaling, loglog_slope, test_points
from .nets import NetRun, width_for
from .piecewise_linear import figure2_configs
from .profiles import resolve

__all__ = ["SplineCurve", "CurveResult", "FIGURE4", "figure4_target", "run_curve", "SolverTrapRow",
           "solver_trap", "tanh_configs", "relu_configs", "TANH_BATCH_CAP"]

#: Adam's full-batch limit for tanh nets (paper: 30 000 for tanh sweeps).
TANH_BATCH_CAP = 30_000


@dataclass(frozen=True)
class SplineCurve:
    """One curve of Figure 4: interpolation of ``order`` on a regular grid in ``dim`` dimensions.

    ``fit_sizes`` (points per dimension) is the window where the slope is fitted: past the
    boundary layer of the not-a-knot ends (small grids fall *faster* than the interior rate,
    see :mod:`precision.splines`), and above ``fit_floor`` (points at or below it are left out,
    they sit on the float64 floor).
    """

    dim: int
    order: int | str
    fit_sizes: tuple[int, ...]
    fit_floor: float = 1e-13

    @property
    def theory(self) -> float:
        """Exponent of D in RMSE ∝ D^(−(n+1)/d) (n = 1 for simplex)."""
        n = 1 if self.order == "simplex" else int(self.order)
        return -(n + 1) / self.dim

    @property
    def label(self) -> str:
        names = {1: "linear", 2: "quadratic", 3: "cubic", 5: "quintic", 7: "septic", "simplex": "simplex (linear)"}
        if self.dim == 3 and self.order == 3:
            return "tricubic (tensor spline)"
        return names.get(self.order, f"order {self.order}")


_P = lambda *v: tuple(v)  # noqa: E731  (readability of the table below)

#: Figure 4's curves: 1D eˣ (orders 1, 2, 3, 5, 7), 2D e^(xy) (1, 3, 5), 3D I.30.5 (simplex, tricubic).
FIGURE4: tuple[SplineCurve, ...] = (
    SplineCurve(1, 1, _P(8, 16, 32, 64, 128, 256, 512)),
    SplineCurve(1, 2, _P(16, 32, 64, 128, 256, 512)),
    SplineCurve(1, 3, _P(32, 64, 128, 256, 512, 1024)),
    SplineCurve(1, 5, _P(50, 60, 70, 80, 90, 100, 110), 1e-15),
    SplineCurve(1, 7, _P(16, 20, 24, 28, 32, 36), 1e-15),
    SplineCurve(2, 1, _P(8, 16, 32, 64, 128)),
    SplineCurve(2, 3, _P(23, 32, 45, 64, 90, 128)),
    SplineCurve(2, 5, _P(48, 56, 64, 72, 80), 1e-15),
    SplineCurve(3, "simplex", _P(10, 14, 20, 28, 40)),
    SplineCurve(3, 3, _P(48, 64, 80, 96)),
)


def figure4_target(dim: int):
    """Figure 4's function in ``dim`` dimensions: eˣ on [−1, 1] (Z.009), e^(xy) on [−1, 1]², I.30.5."""
    from ..targets import from_expression, get_target

    if dim == 1:
        return get_target("Z.009")
    if dim == 2:
        return from_expression("exp(x*y)", {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, name="exp(xy)")
    if dim == 3:
        return get_target("I.30.5")
    raise ValueError(f"Figure 4 has panels for dim 1, 2 and 3; got {dim!r}")


@dataclass(frozen=True)
class CurveResult:
    """A measured Figure 4 curve: grid sizes D, RMSE (relative in 1D/2D, absolute in 3D), the
    slope fitted over the curve's window, and the RMS of the test labels (for the floor)."""

    curve: SplineCurve
    D: np.ndarray
    rmse: np.ndarray
    in_fit: np.ndarray
    slope: float
    relative: bool
    rms_y: float

    @property
    def best(self) -> float:
        return float(self.rmse.min())


def run_curve(curve: SplineCurve, sizes: Sequence[int], n_test: int = 30_000, seed: int = 0) -> CurveResult:
    """Measure ``curve`` at ``sizes`` points per dimension plus its fit window (paper §3, Figure 4)."""
    target = figure4_target(curve.dim)
    lowest = 2 if curve.order == "simplex" else int(curve.order) + 1
    grid = sorted({int(n) for n in sizes if n >= lowest} | set(curve.fit_sizes))
    relative = curve.dim < 3
    rows = grid_scaling(target, grid, curve.order, n_test=n_test, seed=seed, relative=relative)
    D, rmse = np.array([r[0] for r in rows], dtype=np.float64), np.array([r[1] for r in rows])
    in_fit = np.isin(grid, curve.fit_sizes)
    slope = loglog_slope([r for r, keep in zip(rows, in_fit) if keep], curve.fit_floor)
    y = target(test_points(target, n_test, seed))
    return CurveResult(curve, D, rmse, in_fit, slope, relative, float(np.sqrt(np.mean(y**2))))


@dataclass(frozen=True)
class SolverTrapRow:
    """Relative RMSE on e^(xy) of scipy's ``RegularGridInterpolator`` with its default
    (iterative) solver, with ``spsolve``, and of :class:`precision.splines.GridInterpolator`."""

    points_per_dim: int
    method: str
    scipy_default: float
    scipy_spsolve: float
    ours: float


def solver_trap(sizes: Sequence[int] = (16, 32, 64), n_test: int = 5000, seed: int = 0) -> list[SolverTrapRow]:
    """The scipy trap of SPEC §3: cubic/quintic ``RegularGridInterpolator`` with the default
    iterative solver stalls near 1e-6; a direct solver follows the spline's true error."""
    from scipy.interpolate import RegularGridInterpolator
    from scipy.sparse.linalg import spsolve

    from ..splines import fit_grid

    target = figure4_target(2)
    x = test_points(target, n_test, seed)
    y = target(x)
    scale = float(np.sqrt(np.mean(y**2)))

    def rel(pred: np.ndarray) -> float:
        return float(np.sqrt(np.mean((pred - y) ** 2))) / scale

    rows = []
    for n in sizes:
        a = np.linspace(-1.0, 1.0, int(n))
        values = target(np.stack([g.ravel() for g in np.meshgrid(a, a, indexing="ij")], axis=1)).reshape(n, n)
        for method, order in (("cubic", 3), ("quintic", 5)):
            with warnings.catch_warnings():  # the default solver warns that it did not converge
                warnings.simplefilter("ignore")
                default = rel(RegularGridInterpolator((a, a), values, method=method)(x))
            direct = rel(RegularGridInterpolator((a, a), values, method=method, solver=spsolve)(x))
            rows.append(SolverTrapRow(int(n), method, default, direct, rel(fit_grid(target, int(n), order)(x))))
    return rows


def tanh_configs(equations: Sequence[str], depths: Sequence[int], sizes: Sequence[int], seeds: int, steps: int,
                 n_test: int, optimizer: str = "adam") -> list:
    """Dense tanh nets of Figures 5, 6a and A3: one :class:`~precision.chapters.nets.NetRun` per
    equation, depth, parameter count (width closest to it) and seed; Adam with the tanh batch cap
    (30 000), or BFGS with ``steps`` as its maximum. Same arguments → same configs → one cache entry."""
    return [NetRun(eq, depth, width_for(eq, depth, n), seed, activation="tanh", optimizer=optimizer, steps=steps,
                   batch_cap=TANH_BATCH_CAP, n_test=n_test)
            for eq in equations for depth in depths for n in sizes for seed in range(seeds)]


def relu_configs(equations: Sequence[str], profile: str) -> tuple[list, list]:
    """Chapter 2's simplex and ReLU runs (:func:`precision.chapters.piecewise_linear.figure2_configs` at
    ``profile``) restricted to ``equations``: the very configs Chapter 2 trained, so a sweep over
    them is answered from Chapter 2's cache."""
    simplex, nets = figure2_configs(resolve("piecewise", profile))
    return [c for c in simplex if c.target in equations], [c for c in nets if c.target in equations]
