"""KAN's Feynman table on its own terms (beyond the paper).

Liu et al., "KAN: Kolmogorov–Arnold Networks" (arXiv 2404.19756, 2024), Table 2 ("Feynman
dataset"), fit the *dimensionless* forms of Feynman equations with at least two variables
(the AI Feynman ``Feynman_no_units`` set) and report the lowest test RMSE of four model
families: a human-constructed KAN, a pruned KAN, an unpruned KAN (width 5, depth 2–6) and
an MLP (width 5, depth 2–6, tanh/ReLU/SiLU). :data:`KAN_ROWS` holds its 27 rows, each as

* the dimensionless formula of the table's "Dimensionless formula" column, written for
  :func:`precision.targets.from_expression` (a string parsed as data, never evaluated);
* input ranges: the paper does not print them. A variable that the dimensionless form keeps
  from the original formula takes the range that pykan's ``kan/feynman.py``
  (``get_feynman_dataset``, repository KindXiaoming/pykan) gives it; a ratio variable takes
  the range of its numerator there (as if the denominator were 1), or — where that would
  make the formula undefined or singular inside the box — a narrower one said in ``note``;
* the reported test RMSEs: ``kan`` (lowest of the three KAN columns) and ``mlp`` (their MLP).

:func:`run_row` fits one row as KAN did — 1000 training and 1000 test points, uniform over
the same box (test points too: KAN's test set is not shrunk), seeds 0, 1, 2, best of the
seeds by test RMSE (KAN's "lowest test RMSE" is a best over their sweeps too) — with our
best methods (multi-stage nets kept to the 1000 given points, ``fresh=False``; a
Levenberg–Marquardt tanh MLP), and reports train and test RMSE, the float64 floor of the
labels, the stop reason and seconds, with the simplex and (``d ≤ 3``) cubic-spline
baselines. ``benchmarks/feynman_kan.py`` runs the table.

Measured at ``book`` size (seed 0, multi-stage nets, 20 s per fit; 575 s for the 27 rows on a
loaded 2-core machine): 21 of 27 rows ≥ 100× below KAN's lowest test RMSE (median ratio
740). The six others are limited by the 1000 points, not the optimiser — test RMSE ≫ train
(I.26.2, I.29.16, I.30.3, I.30.5 with asin's infinite slope at two corners, II.6.15a with a cone
at a corner) — or, for I.37.4 (ratio 45), by the 20 s (train 3e-8 ≈ test 1e-7).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

METHODS = ("multistage", "multistage-lstsq", "lm")
"""Our methods for a row: multi-stage nets on the given points (``fresh=False``; later stages
LM-trained, zero-crossing initialised), the same with least-squares sin-feature later
stages (``init="spectral-lstsq"``, ``n/6`` features), and one LM-trained tanh MLP."""

__all__ = ["METHODS", "KanRow", "KAN_ROWS", "SOURCE", "kan_row", "row_target", "RowResult", "run_row", "SIZES"]

SOURCE = ("Liu et al., KAN: Kolmogorov-Arnold Networks, arXiv 2404.19756 (2024), Table 2 'Feynman dataset'; "
          "ranges of kept variables from pykan kan/feynman.py get_feynman_dataset (KindXiaoming/pykan)")

TAU = 2 * math.pi


@dataclass(frozen=True)
class KanRow:
    """One row of KAN's Table 2: equation id, dimensionless formula (our syntax), variables and
    ranges, the table's lowest KAN test RMSE (``kan``) and its MLP's (``mlp``), and a ``note``
    on ranges that are ours."""

    eq: str
    formula: str
    variables: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]
    kan: float
    mlp: float
    note: str = ""

    @property
    def d(self) -> int:
        return len(self.variables)

    @property
    def lowest(self) -> float:
        """KAN's reported lowest test RMSE over all four columns (KAN and MLP)."""
        return min(self.kan, self.mlp)


def _row(eq, formula, variables, ranges, kan_columns, mlp, note=""):
    return KanRow(eq, formula, tuple(variables.split()), tuple((float(a), float(b)) for a, b in ranges),
                  float(min(kan_columns)), float(mlp), note)


# kan_columns: (human-constructed KAN, pruned KAN, unpruned KAN) lowest test RMSE, Table 2.
KAN_ROWS: tuple[KanRow, ...] = (
    _row("I.6.2", "exp(-theta**2/(2*sigma**2))/sqrt(2*pi*sigma**2)", "theta sigma", [(-1, 1), (0.5, 2)],
         (7.66e-5, 2.86e-5, 4.60e-5), 1.45e-4),
    _row("I.6.2b", "exp(-(theta-theta1)**2/(2*sigma**2))/sqrt(2*pi*sigma**2)", "theta theta1 sigma",
         [(-1.5, 1.5), (-1.5, 1.5), (0.5, 2)], (1.22e-3, 4.45e-4, 1.25e-3), 7.40e-4),
    _row("I.9.18", "a/((b-1)**2+(c-d)**2+(e-f)**2)", "a b c d e f",
         [(-1, 1), (-1, -0.5), (0.5, 1), (-1, -0.5), (0.5, 1), (-1, -0.5)], (1.48e-3, 8.62e-3, 6.56e-3), 1.59e-3,
         "b, d, f take pykan's x1/y1/z1 range [-1,-0.5] and c, e its y2/z2 range [0.5,1], so no denominator term "
         "vanishes"),
    _row("I.12.11", "1+a*sin(theta)", "a theta", [(-1, 1), (0, TAU)], (2.07e-3, 1.39e-3, 9.13e-4), 6.71e-4),
    _row("I.13.12", "a*(1/b-1)", "a b", [(0, 1), (0.5, 2)], (7.22e-3, 4.81e-3, 2.72e-3), 1.42e-3),
    _row("I.15.3x", "(1-a)/sqrt(1-b**2)", "a b", [(-1, 1), (-0.9, 0.9)], (7.35e-3, 1.58e-3, 1.14e-3), 8.54e-4,
         "b = u/c kept to [-0.9, 0.9] (|b| -> 1 is singular)"),
    _row("I.16.6", "(a+b)/(1+a*b)", "a b", [(-0.8, 0.8), (-0.8, 0.8)], (1.06e-3, 1.19e-3, 1.53e-3), 6.20e-4),
    _row("I.18.4", "(1+a*b)/(1+a)", "a b", [(0.5, 1), (-1, 1)], (3.92e-4, 1.50e-4, 1.32e-3), 3.68e-4),
    _row("I.26.2", "asin(n*sin(theta2))", "n theta2", [(0, 0.99), (0, TAU)], (1.22e-4, 7.90e-4, 8.63e-4), 1.24e-4),
    _row("I.27.6", "1/(1+a*b)", "a b", [(0.5, 2), (0.5, 2)], (2.22e-4, 1.94e-4, 2.14e-4), 2.46e-4),
    _row("I.29.16", "sqrt(1+a**2-2*a*cos(theta1-theta2))", "a theta1 theta2", [(0, 0.9), (0, TAU), (0, TAU)],
         (2.36e-1, 3.99e-3, 3.20e-3), 4.64e-3, "a = x2/x1 kept to [0, 0.9] (a = 1 makes the root vanish: a cone)"),
    _row("I.30.3", "sin(n*theta/2)**2/sin(theta/2)**2", "n theta", [(0, 4), (0.4 * math.pi, 1.6 * math.pi)],
         (3.85e-1, 1.03e-3, 1.11e-2), 1.50e-2),
    _row("I.30.5", "asin(a/n)", "a n", [(-1, 1), (1, 1.5)], (2.23e-4, 3.49e-5, 6.92e-5), 9.45e-5,
         "a/n reaches ±1 at the corners n = 1, a = ±1, where asin has an infinite slope"),
    _row("I.37.4", "1+a+2*sqrt(a)*cos(delta)", "a delta", [(0.1, 1), (0, TAU)], (7.57e-5, 4.91e-6, 3.41e-4), 5.67e-4),
    _row("I.40.1", "n0*exp(-a)", "n0 a", [(0, 1), (-1, 1)], (3.45e-3, 5.01e-4, 3.12e-4), 3.99e-4),
    _row("I.44.4", "n*log(a)", "n a", [(0, 1), (0.5, 2)], (2.30e-5, 2.43e-5, 1.10e-4), 3.99e-4),
    _row("I.50.26", "cos(a)+alpha*cos(a)**2", "a alpha", [(0, TAU), (0, 1)], (1.52e-4, 5.82e-4, 4.90e-4), 1.53e-3),
    _row("II.2.42", "(a-1)*b", "a b", [(0, 1), (0, 1)], (8.54e-4, 7.22e-4, 1.22e-3), 1.81e-4),
    _row("II.6.15a", "c*sqrt(a**2+b**2)/(4*pi)", "a b c", [(0, 1), (0, 1), (0, 1)], (2.61e-3, 3.28e-3, 1.35e-3),
         5.92e-4, "sqrt(a^2+b^2) has a cone at the corner a = b = 0"),
    _row("II.11.7", "n0*(1+a*cos(theta))", "n0 a theta", [(0, 1), (-1, 1), (0, TAU)], (7.10e-3, 8.52e-3, 5.03e-3),
         5.92e-4),
    _row("II.11.27", "n*alpha/(1-n*alpha/3)", "n alpha", [(0, 1), (0, 2)], (2.67e-5, 4.40e-5, 1.43e-5), 7.18e-5),
    _row("II.35.18", "n0/(exp(a)+exp(-a))", "n0 a", [(0, 1), (0, 1)], (4.13e-4, 1.58e-4, 7.71e-5), 7.92e-5),
    _row("II.36.38", "a+alpha*b", "a alpha b", [(0, 1), (0, 1), (0, 1)], (2.85e-3, 1.15e-3, 3.03e-3), 2.15e-3),
    _row("II.38.3", "a/b", "a b", [(0, 1), (0.5, 2)], (1.47e-4, 8.78e-5, 6.43e-4), 5.26e-4),
    _row("III.9.52", "a*sin((b-c)/2)**2/((b-c)/2)**2", "a b c", [(0, 1), (0, math.pi), (0, math.pi)],
         (4.43e-2, 3.90e-3, 2.11e-2), 9.07e-4,
         "0/0 on the plane b = c (removable): the float64 labels lose digits near it"),
    _row("III.10.19", "sqrt(1+a**2+b**2)", "a b", [(0, 1), (0, 1)], (2.54e-3, 1.18e-3, 8.16e-4), 1.67e-4),
    _row("III.17.37", "beta*(1+alpha*cos(theta))", "alpha beta theta", [(0, 1), (0, 1), (0, TAU)],
         (1.10e-3, 5.03e-4, 4.12e-4), 6.80e-4),
)


def kan_row(eq: str) -> KanRow:
    """The row of :data:`KAN_ROWS` with equation id ``eq``."""
    for row in KAN_ROWS:
        if row.eq == eq:
            return row
    raise KeyError(f"no KAN Table 2 row {eq!r}; rows: {', '.join(r.eq for r in KAN_ROWS)}")


def row_target(row: KanRow):
    """The row as a :class:`~precision.targets.Target` (parsed by :func:`precision.formula.parse_formula`)."""
    from .targets import from_expression

    return from_expression(row.formula, dict(zip(row.variables, row.ranges)), name=f"KAN {row.eq}")


SIZES = {
    "smoke": {"rows": ("I.6.2", "I.44.4"), "seeds": (0,), "time_limit": 8.0, "methods": ("multistage",)},
    "book": {"rows": None, "seeds": (0,), "time_limit": 20.0, "methods": ("multistage",)},
    "paper": {"rows": None, "seeds": (0, 1, 2), "time_limit": 120.0, "methods": ("multistage", "lm")},
}
"""Benchmark sizes: which rows (``None``: all), seeds, seconds per fit, our methods."""


@dataclass
class RowResult:
    """One row fitted: our best (by test RMSE over methods and seeds) with its train RMSE,
    method, seed, stop reason and seconds; the floor of the labels; the baselines; KAN's
    numbers and the ratio KAN-lowest / ours; ``why`` says, when the ratio is below 100, what
    the measurements show (train vs test, floor)."""

    eq: str
    d: int
    formula: str
    rmse_train: float
    rmse_test: float
    method: str
    seed: int
    stop_reason: str | None
    seconds: float
    floor: float
    kan: float
    mlp: float
    kan_lowest: float
    ratio: float
    simplex_test: float
    spline_test: float | None
    runs: list[dict] = field(default_factory=list)
    why: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _why(best: dict, floor: float, ratio: float) -> str:
    if ratio >= 100:
        return ""
    train, test = best["rmse_train"], best["rmse_test"]
    parts = []
    if floor > 0 and test < 1e3 * floor:
        parts.append(f"test {test:.2g} is within 1000x of the labels' float64 floor {floor:.2g}")
    if test > 10 * train:
        parts.append(f"sampling-limited: test {test:.2g} >> train {train:.2g} (1000 points do not pin the "
                     "function down between them)")
    elif floor > 0 and train > 1e3 * floor:
        parts.append(f"optimisation-limited: train {train:.2g} ~ test {test:.2g}, far above the floor {floor:.2g} "
                     f"(stop: {best.get('stop_reason')})")
    return "; ".join(parts) or f"train {train:.2g}, test {test:.2g}, floor {floor:.2g}"


def _fit(method: str, data, seed: int, time_limit: float) -> dict:
    start = time.perf_counter()
    if method in ("multistage", "multistage-lstsq"):
        from .multistage import train_multistage

        init = "spectral-lstsq" if method == "multistage-lstsq" else "auto"
        res = train_multistage(data, seed=seed, time_limit=time_limit, fresh=False, init=init,
                               lm_options={"solver": "cholesky"})
        out = {"rmse_train": res.rmse_train, "rmse_test": res.rmse_test, "stop_reason": res.stop_reason,
               "stages": len(res.stages), "remedies": sum(len(s.remedies) for s in res.stages)}
    elif method == "lm":
        from .fitting import fit_lm

        res = fit_lm(data, seed=seed, time_limit=time_limit, progress=False)
        out = {"rmse_train": res.rmse_train, "rmse_test": res.rmse_test, "stop_reason": res.stop_reason}
    else:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    return {"method": method, "seed": seed, "seconds": time.perf_counter() - start, **out}


def run_row(row: KanRow | str, seeds=(0, 1, 2), methods=("multistage",), time_limit: float = 120.0,
            n_train: int = 1000, n_test: int = 1000, baselines: bool = True) -> RowResult:
    """Fit one KAN Table 2 row: ``n_train`` training and ``n_test`` test points uniform over
    the row's box (the test box is not shrunk), for each seed and method; the best run by
    test RMSE is reported, with every run in ``runs``.

    Parameters
    ----------
    row
        A :class:`KanRow` or its equation id.
    seeds, methods
        Sampling and initialisation seeds; our methods (``"multistage"``: multi-stage nets on the
        given points only; ``"lm"``: :func:`precision.fitting.fit_lm`).
    time_limit
        Seconds per fit (the floor measurement comes out of it).
    baselines
        Also fit linear simplex interpolation (seed ``seeds[0]``; ``d ≤ 5``) and, for ``d ≤ 3``, cubic splines
        on a grid of about ``n_train`` target values.
    """
    from .floors import label_floor
    from .targets import sample

    row = kan_row(row) if isinstance(row, str) else row
    target = row_target(row)
    runs = []
    floor = math.inf
    for seed in seeds:
        data = sample(target, n_train, n_test, seed=seed, test_shrink=1.0)
        floor = min(floor, label_floor(target, data.x_train, data.y_train, seed=seed,
                                       time_limit=time_limit / 4).rmse)
        for method in methods:
            runs.append(_fit(method, data, seed, time_limit))
    best = min(runs, key=lambda r: (not math.isfinite(r["rmse_test"]), r["rmse_test"]))
    simplex = spline = None
    if baselines:
        from .fitting import fit_simplex, fit_spline

        data = sample(target, n_train, n_test, seed=seeds[0], test_shrink=1.0)
        if target.d <= 5:  # Delaunay triangulation of 1000 points in 6-D is too slow for a benchmark row
            simplex = fit_simplex(data).rmse_test
        if target.d <= 3:
            try:  # on a grid with ends included: a formula undefined somewhere on it (III.9.52's 0/0) gets none
                spline = fit_spline(data, 3).rmse_test
            except ValueError:
                spline = math.nan
    ratio = row.lowest / best["rmse_test"] if best["rmse_test"] > 0 else math.inf
    return RowResult(row.eq, row.d, row.formula, best["rmse_train"], best["rmse_test"], best["method"], best["seed"],
                     best.get("stop_reason"), sum(r["seconds"] for r in runs), floor, row.kan, row.mlp, row.lowest,
                     ratio, math.nan if simplex is None else simplex, spline, runs, _why(best, floor, ratio))
