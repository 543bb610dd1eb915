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

from ..splines import fit_grid, loglog_slope, test_grid, test_points
from .nets import NetRun, width_for
from .piecewise_linear import figure2_configs
from ..checks import check_choice, check_positive_int, check_sizes
from ..targets import check_equations
from . import costs
from .registry import Chapter, knob, register

__all__ = ["SplineCurve", "CurveResult", "FIGURE4", "figure4_target", "run_curve", "ConventionRow",
           "compare_conventions", "convention_summary", "test_set_words", "test_sets_sentence", "SolverTrapRow",
           "solver_trap", "tanh_configs", "relu_configs", "TANH_BATCH_CAP", "SPLINE_TESTS", "TEST_GRIDS",
           "RANDOM_TEST_SHRINK", "NonlinearConfig", "batches", "CHAPTER"]

#: Figure 4's test sets (:class:`NonlinearConfig`).
SPLINE_TESTS = ("uniform", "grid")

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
    """Figure 4's function in ``dim`` dimensions: eˣ on [−1, 1] (Z.009), e^(xy) on [−1, 1]², I.30.5.

    Parameters
    ----------
    dim : int
        1, 2 or 3.

    Returns
    -------
    Target
        The panel's function.

    Raises
    ------
    ValueError
        If ``dim`` is not 1, 2 or 3.
    """
    from ..targets import from_expression, get_target

    if dim == 1:
        return get_target("Z.009")
    if dim == 2:
        return from_expression("exp(x*y)", {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, name="exp(xy)")
    if dim == 3:
        return get_target("I.30.5")
    raise ValueError(f"Figure 4 has panels for dim 1, 2 and 3; got {dim!r}")


#: The authors' Figure 4 test grids, per panel: (points per side, fraction of each side of the
#: box they span): 2000 evenly spaced points on [−0.9, 0.9] for eˣ, a 121 × 121 grid on
#: [−0.8, 0.8]² for e^(xy) (their figure notebook, precision.chapters.authors). Their 3-D panel
#: drew its test points at random, so ``test="grid"`` leaves 3-D on random points.
TEST_GRIDS: dict[int, tuple[int, float]] = {1: (2000, 0.9), 2: (121, 0.8)}

#: Random test points fill the central 80 % of each side of the box (SPEC conventions).
RANDOM_TEST_SHRINK = 0.8


@dataclass(frozen=True)
class CurveResult:
    """A measured Figure 4 curve: grid sizes D, RMSE (relative in 1D/2D, absolute in 3D), the
    slope fitted over the curve's window, and the RMS of the test labels (for the floor).

    The test set: ``test`` is ``"grid"`` when the curve was tested on a :data:`TEST_GRIDS`
    grid, else ``"uniform"`` (random points); ``n_test`` points spanning ``shrink`` of each side
    of the box. On random points ``rmse`` is the mean over ``runs.shape[0]`` draws (the authors'
    3-D convention), ``rmse_std`` their standard deviation; ``runs`` holds every draw's RMSEs.

    Attributes
    ----------
    curve : SplineCurve
        The curve measured.
    D : numpy.ndarray
        Grid sizes: points in all.
    rmse : numpy.ndarray
        RMSE at each size.
    in_fit : numpy.ndarray
        Boolean mask of the sizes the slope was fitted over.
    slope : float
        Fitted slope of log RMSE against log D.
    relative : bool
        Whether ``rmse`` is relative to ``rms_y``.
    rms_y : float
        RMS of the test labels.
    runs : numpy.ndarray or None
        Every draw's RMSEs, shape ``(draws, sizes)``; ``None`` on a grid.
    test : str
        ``"grid"`` or ``"uniform"``.
    n_test : int
        Test points.
    shrink : float
        Fraction of each side of the box the test points span.
    """

    curve: SplineCurve
    D: np.ndarray
    rmse: np.ndarray
    in_fit: np.ndarray
    slope: float
    relative: bool
    rms_y: float
    runs: np.ndarray | None = None
    test: str = "uniform"
    n_test: int = 0
    shrink: float = RANDOM_TEST_SHRINK

    @property
    def best(self) -> float:
        return float(self.rmse.min())

    @property
    def draws(self) -> int:
        """How many test sets the RMSE averages (1 on a grid)."""
        return 1 if self.runs is None else int(self.runs.shape[0])

    @property
    def rmse_std(self) -> np.ndarray:
        """Standard deviation of the RMSE over the draws (zeros for one)."""
        return np.zeros_like(self.rmse) if self.runs is None else self.runs.std(axis=0)


def _check_run_curve(test: str, seeds: int) -> None:
    from ..checks import check_choice, check_positive_int

    check_choice("spline_test", test, SPLINE_TESTS)
    check_positive_int("spline_seeds", seeds)


def run_curve(curve: SplineCurve, sizes: Sequence[int], n_test: int = 30_000, seed: int = 0,
              test: str = "uniform", seeds: int = 1, shrink: float = RANDOM_TEST_SHRINK) -> CurveResult:
    """Measure ``curve`` at ``sizes`` points per dimension plus its fit window (paper §3, Figure 4).

    ``test="uniform"``: ``n_test`` random points in the central ``shrink`` (80 %) of each side of
    the box, drawn with seeds ``seed, seed + 1, …`` (``seeds`` draws), the RMSE averaged over
    the draws. ``test="grid"``: the authors' test grid of the panel (:data:`TEST_GRIDS`), where
    they used one; the 3-D panel has none and stays on random draws. The slope is fitted to the
    mean. ``sizes=()`` measures the fit window only (enough for the slope).

    Parameters
    ----------
    curve : SplineCurve
        The curve.
    sizes : sequence of int
        Points per dimension, besides the fit window.
    n_test : int, optional
        Random test points per draw (default 30 000).
    seed : int, optional
        Seed of the first draw (default 0).
    test : str, optional
        ``"uniform"`` (default) or ``"grid"``.
    seeds : int, optional
        Random test draws (default 1).
    shrink : float, optional
        Fraction of each side of the box random test points span (default 0.8).

    Returns
    -------
    CurveResult
        The measured curve.

    Raises
    ------
    ValueError
        If ``test`` is not one of :data:`SPLINE_TESTS` or ``seeds`` is not a positive integer.
    """
    _check_run_curve(test, seeds)
    target = figure4_target(curve.dim)
    lowest = 2 if curve.order == "simplex" else int(curve.order) + 1
    grid = sorted({int(n) for n in sizes if n >= lowest} | set(curve.fit_sizes))
    relative = curve.dim < 3
    if test == "grid" and curve.dim in TEST_GRIDS:
        per_side, shrink = TEST_GRIDS[curve.dim]
        test_sets = [test_grid(target, per_side, shrink)]
    else:
        test = "uniform"
        test_sets = [test_points(target, n_test, s, shrink) for s in range(seed, seed + seeds)]
    labels = [np.asarray(target(x), dtype=np.float64) for x in test_sets]
    scales = [float(np.sqrt(np.mean(y**2))) if relative else 1.0 for y in labels]
    runs = np.empty((len(test_sets), len(grid)))
    for j, n in enumerate(grid):  # one fit per grid, evaluated on every test set
        fit = fit_grid(target, n, curve.order)
        for i, (x, y, scale) in enumerate(zip(test_sets, labels, scales)):
            runs[i, j] = float(np.sqrt(np.mean((fit(x) - y) ** 2))) / scale
    D = np.array([n**curve.dim for n in grid], dtype=np.float64)
    rmse = runs[0] if len(runs) == 1 else runs.mean(axis=0)
    in_fit = np.isin(grid, curve.fit_sizes)
    slope = loglog_slope([(d, r) for d, r, keep in zip(D, rmse, in_fit) if keep], curve.fit_floor)
    return CurveResult(curve, D, rmse, in_fit, slope, relative, float(np.sqrt(np.mean(labels[0] ** 2))),
                       runs=runs, test=test, n_test=len(test_sets[0]), shrink=shrink)


@dataclass(frozen=True)
class ConventionRow:
    """The slope of one Figure 4 curve under three test sets: ``uniform``, random points in the
    central 80 % box (SPEC); ``grid``, the authors' test grid (:data:`TEST_GRIDS`); ``same_box``,
    random points on the authors' grid's box — which separates the box from the spacing."""

    curve: SplineCurve
    uniform: float
    grid: float
    same_box: float


def compare_conventions(n_test: int = 30_000, seeds: int = 1) -> list[ConventionRow]:
    """:class:`ConventionRow` for every Figure 4 curve of a panel the authors tested on a grid,
    each slope measured over the curve's fit window only.

    Parameters
    ----------
    n_test : int, optional
        Random test points per draw (default 30 000).
    seeds : int, optional
        Random test draws (default 1).

    Returns
    -------
    list of ConventionRow
        One row per curve of the 1-D and 2-D panels.
    """
    rows = []
    for curve in FIGURE4:
        if curve.dim in TEST_GRIDS:
            slopes = [run_curve(curve, (), n_test, seeds=seeds, **kw).slope
                      for kw in ({}, dict(test="grid"), dict(shrink=TEST_GRIDS[curve.dim][1]))]
            rows.append(ConventionRow(curve, *slopes))
    return rows


_PANEL = {1: "1-D", 2: "2-D", 3: "3-D"}


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"


def _count(n: int) -> str:
    return f"{n:,}".replace(",", "\u2009")  # 30 000, thin space, as in the prose


def test_set_words(result: CurveResult) -> str:
    """The test set of a measured Figure 4 curve, in words, from the result itself.

    Parameters
    ----------
    result : CurveResult
        The measured curve.

    Returns
    -------
    str
        A phrase such as "30 000 uniform random points in the central 80 % ...".
    """
    where = f"the central {_percent(result.shrink)} of each side of the box"
    if result.test == "grid":
        per_side = round(result.n_test ** (1 / result.curve.dim))
        points = " × ".join([_count(per_side)] * result.curve.dim)
        return f"{points} evenly spaced points spanning {where}"
    words = f"{_count(result.n_test)} uniform random points in {where}"
    return words + (f", RMSE averaged over {result.draws} draws (band: ± one standard deviation)"
                    if result.draws > 1 else "")


test_set_words.__test__ = False  # not a pytest test despite its name


def test_sets_sentence(results: Sequence[CurveResult]) -> str:
    """One sentence naming the test points of every panel (panels with the same test set together).

    Parameters
    ----------
    results : sequence of CurveResult
        The measured curves.

    Returns
    -------
    str
        The sentence, ending with a full stop.
    """
    words: dict[str, list[int]] = {}
    for r in sorted(results, key=lambda r: r.curve.dim):
        dims = words.setdefault(test_set_words(r), [])
        if r.curve.dim not in dims:
            dims.append(r.curve.dim)
    parts = []
    for text, dims in words.items():
        names = [_PANEL[d] for d in dims]
        parts.append((" and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]) + ": " + text)
    return "; ".join(parts) + "."


def convention_summary(rows: Sequence[ConventionRow], tolerance: float = 0.3, same: float = 0.05) -> str:
    """What the authors' test grids change, chosen by the measured slopes of :func:`compare_conventions`.

    The spacing matters where evenly spaced and random points on the same box differ by more
    than ``same``; a curve moves where the authors' grid and the SPEC convention differ by more
    than ``tolerance`` (degree 7, pre-asymptotic under any convention, is not judged).

    Parameters
    ----------
    rows : sequence of ConventionRow
        The slopes, from :func:`compare_conventions`.
    tolerance : float, optional
        Slope difference that counts as a moved curve (default 0.3).
    same : float, optional
        Slope difference below which the spacing does not matter (default 0.05).

    Returns
    -------
    str
        A few sentences.

    Raises
    ------
    ValueError
        If ``rows`` is empty.
    """
    if not rows:
        raise ValueError("rows must hold at least one ConventionRow (see compare_conventions)")
    widest = max(rows, key=lambda r: abs(r.grid - r.same_box))
    spacing = abs(widest.grid - widest.same_box)
    if spacing <= same:
        text = [f"The spacing of the test points does not matter: evenly spaced and random points on the same box "
                f"give slopes within {spacing:.2f} of each other."]
    else:
        text = [f"The spacing of the test points matters somewhat: evenly spaced and random points on the same box "
                f"give slopes up to {spacing:.2f} apart (the {_PANEL[widest.curve.dim]} {widest.curve.label} "
                f"spline, {widest.grid:.2f} against {widest.same_box:.2f})."]
    judged = [r for r in rows if r.curve.order != 7]
    moved = [r for r in judged if abs(r.grid - r.uniform) > tolerance]
    if not moved:
        largest = max((abs(r.grid - r.uniform) for r in judged), default=0.0)
        text.append(f"No slope (degree 7 aside) moves by more than {tolerance} between the two conventions (largest "
                    f"change {largest:.2f}), so the conclusions above hold under either.")
        return " ".join(text)
    by_box = all(abs(r.grid - r.same_box) <= same for r in moved)
    text.append(("The box does matter" if by_box else "The convention matters") + " for " + ", ".join(
        f"the {_PANEL[r.curve.dim]} {r.curve.label} spline ({r.grid:.2f} on the authors' grid against "
        f"{r.uniform:.2f} on the central {_percent(RANDOM_TEST_SHRINK)}, theory {r.curve.theory:.2f})"
        for r in moved) + ".")
    wider = all(TEST_GRIDS[r.curve.dim][1] > RANDOM_TEST_SHRINK for r in moved)
    if by_box and wider and all(r.grid < r.uniform for r in moved):
        text.append("A box that reaches closer to the ends keeps the boundary layer of the not-a-knot ends inside "
                    "the test set over the whole fitted window, so the slope measured there is pre-asymptotic, "
                    "steeper than the interior rate.")
    return " ".join(text)


@dataclass(frozen=True)
class SolverTrapRow:
    """Relative RMSE on e^(xy) of scipy's ``RegularGridInterpolator`` with its default
    (iterative) solver, with ``spsolve``, and of :class:`precision.splines.GridInterpolator`.

    Attributes
    ----------
    points_per_dim : int
        Grid points per side.
    method : str
        ``"cubic"`` or ``"quintic"``.
    scipy_default : float
        Relative RMSE with scipy's default solver.
    scipy_spsolve : float
        Relative RMSE with ``spsolve``.
    ours : float
        Relative RMSE of :func:`precision.splines.fit_grid`.
    """

    points_per_dim: int
    method: str
    scipy_default: float
    scipy_spsolve: float
    ours: float


def solver_trap(sizes: Sequence[int] = (16, 32, 64), n_test: int = 5000, seed: int = 0) -> list[SolverTrapRow]:
    """The scipy trap of SPEC §3: cubic/quintic ``RegularGridInterpolator`` with the default
    iterative solver stalls near 1e-6; a direct solver follows the spline's true error.

    Parameters
    ----------
    sizes : sequence of int, optional
        Grid points per side (default 16, 32, 64).
    n_test : int, optional
        Random test points (default 5000).
    seed : int, optional
        Seed of the test points (default 0).

    Returns
    -------
    list of SolverTrapRow
        One row per size and method.
    """
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
                 n_test: int, optimizer: str = "adam", standardize: bool = True) -> list:
    """Dense tanh nets of Figures 5, 6a and A3: one :class:`~precision.chapters.nets.NetRun` per
    equation, depth, parameter count (width closest to it) and seed; Adam with the tanh batch cap
    (30 000), or BFGS with ``steps`` as its maximum. Same arguments → same configs → one cache entry.

    Parameters
    ----------
    equations : sequence of str
        Equation ids.
    depths : sequence of int
        Numbers of Linear layers.
    sizes : sequence of int
        Parameter counts.
    seeds : int
        Seeds per size.
    steps : int
        Adam's steps, or BFGS's maximum.
    n_test : int
        Test points.
    optimizer : str, optional
        ``"adam"`` (default) or ``"bfgs"``.
    standardize : bool, optional
        Train on standardised inputs (default; the authors' BFGS sweeps did not).

    Returns
    -------
    list of NetRun
        The runs.
    """
    return [NetRun(eq, depth, width_for(eq, depth, n), seed, activation="tanh", optimizer=optimizer, steps=steps,
                   batch_cap=TANH_BATCH_CAP, n_test=n_test, standardize=standardize)
            for eq in equations for depth in depths for n in sizes for seed in range(seeds)]


def relu_configs(equations: Sequence[str], profile: str) -> tuple[list, list]:
    """Chapter 2's simplex and ReLU runs (:func:`precision.chapters.piecewise_linear.figure2_configs` at
    ``profile``) restricted to ``equations``: the very configs Chapter 2 trained, so a sweep over
    them is answered from Chapter 2's cache.

    Parameters
    ----------
    equations : sequence of str
        Equation ids kept.
    profile : str
        The profile of Chapter 2's config.

    Returns
    -------
    tuple of (list of SimplexRun, list of NetRun)
        The simplex runs and the ReLU nets.
    """
    from .registry import get

    simplex, nets = figure2_configs(get("piecewise-linear").resolve(profile))
    return [c for c in simplex if c.target in equations], [c for c in nets if c.target in equations]


# --------------------------------------------------------------------------- the chapter
def _check_spline_test(name: str, value) -> str:
    return check_choice(name, value, SPLINE_TESTS)


@dataclass(frozen=True)
class NonlinearConfig:
    """Chapter 3's sizes: Figure 4 (spline scaling), Figure 5 (tanh vs ReLU vs simplex), Figure 6
    (I.11.19 and the multiplication gadget).

    ``spline_test`` is Figure 4's test set, one of :data:`SPLINE_TESTS`: ``"uniform"``,
    ``spline_n_test`` random points in the central 80 % of each box (SPEC conventions), or
    ``"grid"``, the authors' evenly spaced test grids in 1-D and 2-D (:data:`TEST_GRIDS`; 3-D
    stays on random points, as theirs did). ``spline_seeds`` random test draws are averaged
    for every curve tested on random points.

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    spline_n_test : int
        Random test points of Figure 4 (fixed).
    spline_test : str
        Figure 4's test set.
    spline_seeds : int
        Random test draws of Figure 4 (fixed).
    sizes_1d, sizes_2d, sizes_3d : tuple of int
        Figure 4's grid sizes, points per side.
    equations : tuple of str
        Equations of Figure 5.
    net_sizes : tuple of int
        Parameter counts of the nets.
    depths : tuple of int
        Numbers of Linear layers.
    seeds : int
        Seeds per net size.
    steps : int
        Adam's steps.
    n_test : int
        Test points of the nets and simplex runs (fixed).
    simplex_sizes : tuple of int
        Training points of Figure 6a's simplex runs.
    simplex_seeds : int
        Seeds per simplex size (fixed).
    gadget_points : int
        Points of the multiplication gadget's check (fixed).
    """

    profile: str = "book"
    spline_n_test: int = knob(check_positive_int, 30_000, fixed=True)
    spline_test: str = knob(_check_spline_test, "uniform")
    spline_seeds: int = knob(check_positive_int, 1, fixed=True)
    sizes_1d: tuple[int, ...] = knob(check_sizes, (4, 6, 8, 11, 16, 23, 32, 45, 64, 90, 128, 256, 512, 1024, 2048))
    sizes_2d: tuple[int, ...] = knob(check_sizes, (6, 8, 11, 16, 23, 32, 45, 64, 90, 128, 181, 256))
    sizes_3d: tuple[int, ...] = knob(check_sizes, (6, 8, 10, 14, 20, 28, 40, 48, 64, 80, 96))
    equations: tuple[str, ...] = knob(check_equations, ("I.30.5", "I.8.14", "I.44.4", "II.6.15a"))
    net_sizes: tuple[int, ...] = knob(check_sizes, (256, 1024, 4096))
    depths: tuple[int, ...] = knob(check_sizes, (2, 3, 4))
    seeds: int = knob(check_positive_int, 1)
    steps: int = knob(check_positive_int, 4000)
    n_test: int = knob(check_positive_int, 5000, fixed=True)
    simplex_sizes: tuple[int, ...] = knob(check_sizes, (256, 1024))
    simplex_seeds: int = knob(check_positive_int, 1, fixed=True)
    gadget_points: int = knob(check_positive_int, 10_000, fixed=True)


SMOKE = dict(spline_n_test=5000, net_sizes=(128, 512), steps=300, n_test=2000, simplex_sizes=(64,), gadget_points=2000)
#: The paper's network sizes (Figures 5, 6a; Appendix C's BFGS sweep stops one short).
PAPER_NET_SIZES = (256, 1024, 4096, 16_384, 65_536, 262_144)
# Figure 4 as the authors ran it: their grids (precision.chapters.authors: D = ⌊1.5^i⌋ points,
# i = 6…36 in 1-D; ⌊√⌊1.5^i⌋⌋ points per side, i = 9…35, in 2-D; ⌊N^(1/3)⌋ per side for N = 256 … 262 144
# in 3-D), their test grids, 4 test draws in 3-D
PAPER = dict(spline_test="grid", spline_seeds=4, sizes_1d=tuple(int(1.5**i) for i in range(6, 37)),
             sizes_2d=tuple(int(int(1.5**i) ** 0.5) for i in range(9, 36)), sizes_3d=(6, 10, 15, 25, 40, 63),
             net_sizes=PAPER_NET_SIZES, seeds=4,
             steps=20_000, n_test=30_000, simplex_sizes=(64, 256, 1024, 4096, 16_384, 65_536, 262_144),
             simplex_seeds=4, gadget_points=30_000)


def _spline_work(cfg: NonlinearConfig) -> list[costs.Work]:
    grids = {1: cfg.sizes_1d, 2: cfg.sizes_2d, 3: cfg.sizes_3d}
    out = []
    for curve in FIGURE4:
        lowest = 2 if curve.order == "simplex" else int(curve.order) + 1
        sizes = sorted({int(n) for n in grids[curve.dim] if n >= lowest} | set(curve.fit_sizes))
        # simplex on a grid: the Kuhn triangulation, located arithmetically (no Delaunay): d + 1 values a point
        k = curve.dim + 1 if curve.order == "simplex" else (int(curve.order) + 1) ** curve.dim
        ops = costs.ops({"spline": sum(float(n) ** curve.dim * k + cfg.spline_n_test * k for n in sizes)})
        biggest = max(sizes) ** curve.dim
        mem = [(f"grid of {biggest:,} points", 8.0 * biggest * 8 + 4.0 * cfg.spline_n_test * k * 8)]
        out.append(costs.Work(f"Figure 4 {curve.dim}D {curve.label} ({len(sizes)} grids, up to {biggest:,} points)",
                              "spline", ops, tuple(mem), None, True))
    return out


def fig6_simplex(cfg: NonlinearConfig) -> list:
    """Figure 6a's simplex runs on I.11.19."""
    from .nets import SimplexRun

    return [SimplexRun("I.11.19", n, s, n_test=cfg.n_test) for n in cfg.simplex_sizes for s in range(cfg.simplex_seeds)]


def batches(cfg: NonlinearConfig) -> list[costs.Batch]:
    """The notebook's work at ``cfg``, one batch per ``run_jobs`` call (or inline work), in its order.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        The solver trap and Figure 4's splines (inline), Figure 5's simplex and ReLU runs
        (Chapter 2's, from its cache) and tanh nets, Figure 6a's tanh nets and simplex runs.
    """
    simplex, relu = relu_configs(cfg.equations, cfg.profile)
    tanh = tanh_configs(cfg.equations, cfg.depths, cfg.net_sizes, cfg.seeds, cfg.steps, cfg.n_test)
    fig6 = tanh_configs(("I.11.19",), cfg.depths, cfg.net_sizes, cfg.seeds, cfg.steps, cfg.n_test)
    trap = costs.inline("scipy solver trap (2D cubic/quintic, 16–64 per side)", "spline",
                        {"spline": 3 * sum(float(n) ** 2 * 36 + 5000 * 36 for n in (16, 32, 64))})
    return [costs.Batch("solver trap", (trap,), True), costs.Batch("Figure 4 splines", tuple(_spline_work(cfg)), True),
            costs.Batch("Figure 5: simplex (Chapter 2)", tuple(simplex)),
            costs.Batch("Figure 5: ReLU (Chapter 2)", tuple(relu)), costs.Batch("Figure 5: tanh nets", tuple(tanh)),
            costs.Batch("Figure 6a: tanh nets", tuple(fig6)), costs.Batch("Figure 6a: simplex", tuple(fig6_simplex(cfg)))]


CHAPTER = register(Chapter("nonlinear", "3", "Nonlinear methods", NonlinearConfig, SMOKE, PAPER, batches))
