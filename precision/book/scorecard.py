"""The reproduction scorecard: every figure and quantitative claim of the paper, what this
build measured for it, and the rule that decides the verdict.

:data:`CLAIMS` lists the claims in the paper's order, each with a stable key, the figure,
the chapter that tests it, the authors' value (a citation of the paper) and its verdict
rule: a plain function of named measurements (numbers, booleans, small dicts and lists)
that returns "reproduced", "partly" or "differs", with its thresholds written next to the
claim's wording. A chapter notebook reports measurements only: it calls :func:`record` with
the value as it displays it and the measurements the rule takes, and the scorecard decides;
:func:`verdict` applies a rule without recording (for a chapter's own table). The record
lands in ``cache_dir()/scorecard/<profile>/<key>.json``. :func:`load` joins the records of a
profile with :data:`CLAIMS` for the Conclusions chapter, which the build executes after
every other notebook.
"""
from __future__ import annotations

import datetime as dt
import inspect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .. import reference
from ..cache import atomic_write_bytes, cache_dir, code_hash
from ..chapters.profiles import check_profile
from .text import markdown_table, plain

__all__ = ["Claim", "Row", "CLAIMS", "VERDICTS", "NOT_RUN", "record", "verdict", "measurements", "load", "summary",
           "claim", "keys", "record_path", "combine", "bfgs_vs_adam", "recorded", "EPS64", "FIG10_BRANCHES",
           "ORDER_ONE", "verdict_text", "chapter_table", "table", "Ref", "LEVEL_TOLERANCE", "NOT_IN_TABLE",
           "at_n", "PIPELINE_TAU", "RELU_HIGH_D_BAND", "EARLY_N"]

VERDICTS = ("reproduced", "partly", "differs")
NOT_RUN = "not run in this build"


def combine(*results: str | bool) -> str:
    """One verdict from several checks, each ``True``/``False`` (reproduced or not) or a verdict:
    all reproduced → "reproduced"; none reproduced or partly → "differs"; else "partly"."""
    if not results:
        raise ValueError("combine needs at least one check")
    verdicts = []
    for r in results:
        if isinstance(r, (bool, np.bool_)):
            verdicts.append("reproduced" if r else "differs")
        elif r in VERDICTS:
            verdicts.append(r)
        else:
            raise ValueError(f"each check must be True, False or one of {', '.join(repr(v) for v in VERDICTS)}; "
                             f"got {r!r}")
    if all(v == "reproduced" for v in verdicts):
        return "reproduced"
    return "differs" if all(v == "differs" for v in verdicts) else "partly"


def _graded(ok: bool, partly: bool = False) -> str:
    """"reproduced" if ``ok``, else "partly" if ``partly``, else "differs"."""
    return "reproduced" if ok else ("partly" if partly else "differs")


def _orders(a: float, b: float) -> float:
    """How many orders of magnitude ``a`` lies above ``b``."""
    return float(np.log10(a / b))


def _same_keys(**dicts: Mapping) -> list:
    """The common keys of several measurement dicts; ``ValueError`` if they differ or are empty."""
    names = list(dicts)
    first = list(dicts[names[0]])
    for name in names[1:]:
        if set(dicts[name]) != set(first):
            raise ValueError(f"measurements {names[0]} and {name} must have the same keys; "
                             f"got {sorted(map(str, first))} and {sorted(map(str, dicts[name]))}")
    if not first:
        raise ValueError(f"measurements {', '.join(names)} are empty")
    return first


def _same_length(**lists: Sequence) -> int:
    """The common length of several measurement lists; ``ValueError`` if they differ or are empty."""
    lengths = {name: len(v) for name, v in lists.items()}
    if len(set(lengths.values())) != 1 or not next(iter(lengths.values())):
        raise ValueError(f"measurements {', '.join(lengths)} must be non-empty lists of one length; got lengths "
                         + ", ".join(f"{k}={n}" for k, n in lengths.items()))
    return next(iter(lengths.values()))


# ---------------------------------------------------------------------------------------------
# The paper's numbers (precision/data/paper_values.csv, read through precision.reference).

#: The tolerance, in decades, beyond a reference row's own uncertainty within which a level
#: (an RMSE) counts as the paper's: one decade reproduced, two partly. Our runs are other seeds,
#: other hardware and (below the paper profile) other sizes; a decade is what a referee would
#: still call "the same level" for a training outcome.
LEVEL_TOLERANCE = 1.0

#: What a claim's paper cell says where the table of the paper's figures has no row for it.
NOT_IN_TABLE = "not in the paper's figures' table"


@dataclass(frozen=True)
class Ref:
    """A selector of one row of the paper's table (figure, panel, series, quantity, exactly as
    :func:`precision.reference.one` takes them), with a short ``label`` for tables."""

    figure: str
    panel: str
    series: str
    quantity: str
    label: str = ""

    def row(self) -> reference.PaperValue:
        """The row; ``KeyError`` naming the near matches where the selector matches none."""
        return reference.one(self.figure, self.panel, self.series, self.quantity)


def at_n(N: Sequence[float], values: Sequence[float], n: float) -> float:
    """A curve (sizes ``N``, positive ``values``) read at ``n``: interpolated in log–log, clamped
    at its first and last size (never extrapolated)."""
    N, values = np.asarray(N, float), np.asarray(values, float)
    order = np.argsort(N)
    return float(10 ** np.interp(np.log10(n), np.log10(N[order]), np.log10(values[order])))


def _level(value: float, row: reference.PaperValue, tolerance: float = LEVEL_TOLERANCE) -> str:
    """A level against a reference row: within the row's uncertainty (decades) plus
    ``tolerance`` decades → reproduced, plus twice that → partly, else differs."""
    if not value > 0:
        return "differs"
    off = abs(_orders(value, row.value))
    return _graded(off <= row.uncertainty + tolerance, off <= row.uncertainty + 2 * tolerance)


_FIG8 = {"teacher": "top: teacher-student 1-3-3-1", "Z.001": "bottom: y=x^2"}
_FIG9 = {"Z.008": "top: f(x,y)=xy (2D)", "I.11.19": "bottom: I.11.19 (6D)"}
_FIG6A = "I.11.19 A=x1y1+x2y2+x3y3 (d=6)"
_FIG6A_DEPTHS = (2, 3, 4)


def _panel(panels: Mapping[str, str], target: str, figure: str) -> str:
    try:
        return panels[target]
    except KeyError:
        raise ValueError(f"Figure {figure} of the paper has no panel for target {target!r}; it has "
                         f"{', '.join(panels)}") from None


def _authors_tanh_6a(n: float) -> tuple[float, float]:
    """The authors' best Figure 6a tanh median (over depths 2–4) at ``n`` parameters, read off
    their curves at matched N (:func:`at_n`), and its uncertainty in decades."""
    best, unc = math.inf, 0.0
    for depth in _FIG6A_DEPTHS:
        pts = reference.series_points("6a", _FIG6A, f"tanh (median of 4 seeds) depth {depth}")
        v = at_n([p for p, _ in pts], [r.value for _, r in pts], n)
        if v < best:
            best, unc = v, max(r.uncertainty for _, r in pts)
    return best, unc


# ---------------------------------------------------------------------------------------------
# Verdict rules, one per claim family. Each is a plain function of named measurements; its
# parameters are the measurements a chapter must give to record() or verdict().

def _float64_precision(labels: Sequence[tuple[float, float]]) -> str:
    """On every target the float64 rounding RMSE of the labels is at most ε·RMS(y), ε = 2⁻⁵²
    (``labels``: (RMS of y, rounding RMSE) per target); partly on some. Rounding to nearest errs
    by at most ε/2 of |y|, so the error scales with the size of the labels; the paper's ~2e-17 …
    1.5e-16 is its size for labels of order one (:data:`ORDER_ONE`). A smaller error — labels
    that float64 holds exactly — is no failure."""
    if not labels:
        raise ValueError("measurement labels is empty: give (RMS of y, rounding RMSE) for at least one target")
    return combine(*(rmse <= EPS64 * rms_y for rms_y, rmse in labels))


#: Labels "of order one": an RMS of y within a factor of about 3 of 1 (Chapter 1 quotes the
#: float64 rounding error of these targets beside the paper's band).
ORDER_ONE = (0.3, 3.0)


def _simplex_exponents(exponents: Mapping[str, float], dims: Mapping[str, int]) -> str:
    """Each fitted exponent within 0.1 of −2/d (``exponents`` and ``dims`` keyed by equation)."""
    return combine(*(abs(exponents[k] - (-2 / dims[k])) < 0.1 for k in _same_keys(exponents=exponents, dims=dims)))


def _each_holds(name: str, doc: str) -> Callable[..., str]:
    """A rule that is reproduced where every item of the one dict measurement ``name``
    (item → bool) holds, differs where none does, and is partly reproduced otherwise."""
    def rule(**given: Mapping[str, bool]) -> str:
        items = given[name]
        if not items:
            raise ValueError(f"measurement {name} is empty")
        return combine(*(bool(v) for v in items.values()))
    rule.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY)])
    rule.__doc__ = doc
    rule.__name__ = rule.__qualname__ = f"each_{name}"
    return rule


def _standardize(cos_raw: float, cos_standardised: float, xy_raw: float, xy_standardised: float) -> str:
    """The standardised net's test RMSE below the raw net's on both cos 2x and xy."""
    return _graded(cos_standardised < cos_raw and xy_standardised < xy_raw)


def _simplex_vs_relu(simplex_cos: float, net_cos: float, simplex_xy: float, net_xy: float) -> str:
    """Simplex vs the standardised net: "about equal" on cos 2x read as within a factor 2,
    strictly below on xy."""
    return combine(simplex_cos < 2 * net_cos, simplex_xy < net_xy)


#: The band around −2/d* = −1 within which a ReLU exponent on a d ≥ 3 equation counts as
#: "scaling like N^(−2/d*)": the authors' own exponents there (N < 2e4) are −0.57 … −0.85.
RELU_HIGH_D_BAND = 0.5

#: The sizes below which a ReLU curve's exponent is fitted (its early regime, before training
#: plateaus): the authors' table fits "points with N < 2e4".
EARLY_N = 2e4


def _relu_high_d(relu_exponents: Mapping[str, float], relu_below_simplex: Mapping[str, bool]) -> str:
    """On the d ≥ 3 equations: each ReLU exponent, fitted over the sizes below :data:`EARLY_N`
    (equation and depth → exponent), within ±:data:`RELU_HIGH_D_BAND` of −2/d* = −1 (d* = 2);
    and on each equation a ReLU median below simplex at matched N, at the smallest net size
    inside simplex's measured range (equation → bool; simplex's medians interpolated in log–log,
    never extrapolated). All checks → reproduced, none → differs, else partly."""
    if not relu_exponents or not relu_below_simplex:
        raise ValueError("measurements relu_exponents and relu_below_simplex must be non-empty")
    return combine(*(abs(e + 1.0) <= RELU_HIGH_D_BAND for e in relu_exponents.values()),
                   *(bool(v) for v in relu_below_simplex.values()))


def _relu_loses(relu_exponents_2d: Mapping[str, float], simplex_exponents_2d: Mapping[str, float],
                relu_loses_large_n: Mapping[str, bool]) -> str:
    """"Scale worse" is a statement about slopes: on each d = 2 equation every ReLU exponent
    (fitted over all its sizes; ``relu_exponents_2d`` keyed "<equation> depth <n>") shallower
    than simplex's (``simplex_exponents_2d``, keyed by equation); and on each 3-D equation every
    ReLU median above simplex at matched N at the largest net size (``relu_loses_large_n``;
    simplex interpolated in log–log, never extrapolated). On the authors' curves depth-2 ReLU
    is *below* simplex in 2-D for N ≲ 2e4, and beats it at every N on d ≥ 4, so levels are
    compared only where the paper's figure shows ReLU losing: large N in 3-D."""
    if not relu_exponents_2d and not relu_loses_large_n:
        raise ValueError("measurements relu_exponents_2d and relu_loses_large_n are both empty")
    checks = []
    for k, e in relu_exponents_2d.items():
        eq = str(k).rsplit(" depth ", 1)[0]
        if eq not in simplex_exponents_2d:
            raise ValueError(f"relu_exponents_2d names {k!r} but simplex_exponents_2d has no {eq!r}")
        checks.append(e > simplex_exponents_2d[eq])
    return combine(*checks, *(bool(v) for v in relu_loses_large_n.values()))


def _simplex_exact(train_relative: Mapping[str, float]) -> str:
    """Simplex interpolation's training RMSE at most 1e-12 × RMS of the labels
    (``train_relative``: equation → worst train RMSE / RMS over its runs) on every equation."""
    if not train_relative:
        raise ValueError("measurement train_relative is empty")
    return _graded(all(v <= 1e-12 for v in train_relative.values()))


def _modular(modular_exponents: Mapping[str, float], dense_exponents: Mapping[str, float],
             modular_better: Mapping[str, bool], keep_improving: Mapping[str, bool]) -> str:
    """Per equation and depth: the modular net's fitted exponent at most the dense net's + 0.1
    ("scales at least as well"); its median below the dense net's at matched N — the largest N
    both curves reach, read in log–log (``modular_better``); and, where the dense net plateaus
    (last local slope shallower than −0.1), the modular net's last local slope steeper than
    −0.1 (``keep_improving``; empty where no dense net plateaus: not judged)."""
    pairs = _same_keys(modular_exponents=modular_exponents, dense_exponents=dense_exponents,
                       modular_better=modular_better)
    return combine(*(modular_exponents[k] <= dense_exponents[k] + 0.1 for k in pairs),
                   *(bool(modular_better[k]) for k in pairs), *(bool(v) for v in keep_improving.values()))


def _dense_early(dense_early: Mapping[str, float], modular_early: Mapping[str, float]) -> str:
    """The dense net's exponent at its smallest sizes within ±0.4 of the modular net's over the
    same sizes, per equation and depth; partly within ±0.6. (The chapter: the two smallest sizes
    it trains; the authors' curves, whose smallest nets scatter: the first decade from N = 1e3
    that both curves cover, where they differ by 0.04 … 0.36.)"""
    pairs = _same_keys(dense_early=dense_early, modular_early=modular_early)
    return combine(*(_graded(abs(dense_early[k] - modular_early[k]) <= 0.4,
                             abs(dense_early[k] - modular_early[k]) <= 0.6) for k in pairs))


def _spline_exponents(slopes: Sequence[float], theory: Sequence[float], dims: Sequence[int]) -> str:
    """Each measured slope at least as steep as −(n+1)/d less 0.3 (0.15 in 3-D): the theory's
    rate bounds the error from above, and a steeper fit is the approach to it (the authors' own
    quintic fits are −8.0 and −4.0 against −6 and −3). A shallower slope fails."""
    n = _same_length(slopes=slopes, theory=theory, dims=dims)
    return combine(*(slopes[i] <= theory[i] + (0.15 if dims[i] == 3 else 0.3) for i in range(n)))


def _float64_floor(best: Mapping[int, float]) -> str:
    """The best RMSE of every high-order 1-D spline (degree → RMSE) at or below 1e-14."""
    if not best:
        raise ValueError("measurement best is empty")
    return _graded(all(v <= 1e-14 for v in best.values()))


EPS64 = 2.0**-52  # float64 machine epsilon: the precision limit ε of Figure 6's claims


def _tanh_vs_relu(wins: int, pairs: int, tanh_slope_spread: float | None, relu_slope_spread: float | None) -> str:
    """"Often": tanh below ReLU of the same depth at the middle size in more than half of the
    ``pairs`` equation–depth pairs (``wins``); partly in at least a quarter. "No clean power
    law": the median spread (standard deviation) of tanh's local log–log slopes above ReLU's;
    ``None`` where a curve has fewer than three sizes, and then that part is not judged."""
    if pairs <= 0 or not 0 <= wins <= pairs:
        raise ValueError(f"need 0 ≤ wins ≤ pairs and pairs > 0; got wins={wins}, pairs={pairs}")
    often = _graded(wins > pairs / 2, wins >= pairs / 4)
    if tanh_slope_spread is None or relu_slope_spread is None:
        return often
    return combine(often, tanh_slope_spread > relu_slope_spread)


def _trained_tanh(best_trained: float, n_params: float) -> str:
    """The best trained tanh net on I.11.19 (test RMSE ``best_trained``, reached with
    ``n_params`` parameters) at the level of the authors' Figure 6a at matched N — their best
    median over depths 2–4 read at ``n_params`` (log–log, never extrapolated) — within its
    uncertainty plus :data:`LEVEL_TOLERANCE` decades; partly within twice that. Worse *or*
    better than the authors' training fails."""
    ref, unc = _authors_tanh_6a(n_params)
    off = abs(_orders(best_trained, ref)) if best_trained > 0 else math.inf
    return _graded(off <= unc + LEVEL_TOLERANCE, off <= unc + 2 * LEVEL_TOLERANCE)


def _gadget_net(architecture_rmse: float, rms_f: float) -> str:
    """The hand-built width-12 net's architecture error — its RMSE evaluated in extended precision
    (:func:`precision.gadgets.architecture_error`), so rounding plays no part — at the precision
    limit ε·RMS(f) (ε = 2⁻⁵², ``rms_f`` the RMS of I.11.19's test labels): at most ε·RMS(f);
    partly at most 100·ε·RMS(f)."""
    return _graded(architecture_rmse <= EPS64 * rms_f, architecture_rmse <= 100 * EPS64 * rms_f)


def _training_gap(best_trained: float, n_params: float, rms_f: float) -> str:
    """The best trained tanh net at least 10 orders of magnitude above the precision limit
    ε·RMS(f) (ε = 2⁻⁵², ``rms_f`` the RMS of I.11.19's test labels) *and* at the authors'
    training level at matched N (as :func:`_trained_tanh`: within its uncertainty plus
    :data:`LEVEL_TOLERANCE` decades), so that worse training cannot widen the gap into a pass;
    partly at least 9 orders and within twice the tolerance."""
    gap = _orders(best_trained, EPS64 * rms_f) if best_trained > 0 else -math.inf
    level = _trained_tanh(best_trained, n_params)
    return _graded(gap >= 10 and level == "reproduced", gap >= 9 and level != "differs")


def _spectrum(big: int, n_eigenvalues: int, top10: float) -> str:
    """Fewer than a tenth of the eigenvalues within 1e-3 of the top (``big`` of
    ``n_eigenvalues``), and the top 10 directions hold more than half of |g|²."""
    return _graded(big < 0.1 * n_eigenvalues and top10 > 0.5)


def _adam_plateau(adam_best: Mapping[str, float]) -> str:
    """Adam's best RMSE over its learning rates (target → RMSE; targets "teacher" and "Z.001")
    at the level of the bottom of the paper's Adam band in Figure 8 (3.6e-5 teacher, 3.7e-4
    y = x²) within its uncertainty plus :data:`LEVEL_TOLERANCE` decades; partly within twice
    that. Much lower than the paper's is no plateau; much higher is a worse one."""
    if not adam_best:
        raise ValueError("measurement adam_best is empty")
    return combine(*(_level(v, reference.one("8", _panel(_FIG8, t, "8"), "Adam, width 40, 9 learning rates",
                                             "lowest RMSE reached by any lr")) for t, v in adam_best.items()))


def _bfgs_alone(bfgs: Mapping[str, float]) -> str:
    """BFGS alone, width 40 (target → RMSE; "teacher", "Z.001"), at the level where the
    paper's Figure 8 red curve ends (6.0e-8 teacher, 4.1e-7 y = x²) within its uncertainty plus
    :data:`LEVEL_TOLERANCE` decades on every target; partly within twice that."""
    if not bfgs:
        raise ValueError("measurement bfgs is empty")
    return combine(*(_level(v, reference.one("8", _panel(_FIG8, t, "8"), "BFGS width 40 (red)", "end value"))
                     for t, v in bfgs.items()))


_PIPELINE_END = "end value (= end of the whole pipeline)"


def _boosted_level(figure: str, panel: str) -> Callable[..., str]:
    def rule(final: float) -> str:
        return _level(final, reference.one(figure, panel, "final low-curvature (orange)", _PIPELINE_END))
    rule.__doc__ = (f"The pipeline's final RMSE at the level where the paper's Figure {figure} ({panel}) ends, "
                    f"within its uncertainty plus {LEVEL_TOLERANCE:g} decade(s); partly within twice that.")
    return rule


def _boosting_gain(target: str) -> Callable[..., str]:
    def rule(final: float, gain: float, gains_1d: Sequence[float]) -> str:
        if not gains_1d:
            raise ValueError("measurement gains_1d is empty")
        better = gain < min(gains_1d)
        row = reference.one("9", _FIG9[target], "final low-curvature (orange)", _PIPELINE_END)
        return _graded(_level(final, row) == "reproduced" and better, better)
    rule.__doc__ = (f"The boosting gain (orders of magnitude from stage-1 BFGS to the end) smaller than every 1-D "
                    f"gain ``gains_1d``, and the final RMSE at the level where the paper's Figure 9 {target} "
                    f"pipeline ends, within its uncertainty plus {LEVEL_TOLERANCE:g} decade(s); partly if only "
                    "the gain is smaller.")
    return rule


#: The branches of the paper's Figure 10 (its Conclusions, SPEC §5): a problem, as the
#: arguments of :func:`precision.guide.recommend`, and the leaves of ``precision.guide.TREE``
#: that give the method the paper recommends for it.
FIG10_BRANCHES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "low d, smooth, on a grid → spline": (dict(d=1, grid=True, precision=1e-8), ("spline",)),
    "low d, scattered data → simplex": (dict(d=2, precision=1e-3, data_budget=1e6), ("simplex",)),
    "d > 2, modular → ReLU net": (dict(d=4, modular=True, max_arity=2, precision=1e-2, data_budget=1e6),
                                   ("relu-net",)),
    "d > 2, not modular → simplex, not ReLU": (dict(d=3, precision=1e-2, data_budget=1e6), ("simplex-high",)),
    "high precision, smooth → tanh + BFGS + boosting": (dict(d=1, precision=1e-12, data_budget=1e5),
                                                         ("smooth-net",)),
    "d > 2, modular, smooth, beyond ReLU → tanh + BFGS + boosting": (
        dict(d=6, modular=True, max_arity=2, precision=1e-8, data_budget=1e6), ("smooth-net-modular",)),
}


def _guide(recommended: Mapping[str, str]) -> str:
    """Asked the problem of each branch of Figure 10 (:data:`FIG10_BRANCHES`), the guide's
    recommended leaf (``recommended``: branch → leaf key) is the paper's on every branch;
    partly on some."""
    unknown = set(recommended) - set(FIG10_BRANCHES)
    missing = set(FIG10_BRANCHES) - set(recommended)
    if unknown or missing:
        raise ValueError(f"recommended must name exactly the branches of FIG10_BRANCHES; missing {sorted(missing)}, "
                         f"unknown {sorted(unknown)}")
    return combine(*(recommended[k] in FIG10_BRANCHES[k][1] for k in FIG10_BRANCHES))


def _boost_vs_rescale(advantage: Mapping[str, float]) -> str:
    """Boosting's advantage over the rescaled single net (orders of magnitude, per target)
    above 0.5 on every target; partly on some."""
    if not advantage:
        raise ValueError("measurement advantage is empty")
    return _graded(all(a > 0.5 for a in advantage.values()), any(a > 0.5 for a in advantage.values()))


#: The threshold τ the paper's pipeline uses for its low-curvature steps.
PIPELINE_TAU = 1e-15


def _tau(gains: Mapping[float, float]) -> str:
    """Gains (orders of magnitude of train RMSE, per threshold τ). Two checks: (1) the best
    gain with PIPELINE_TAU < τ ≤ 1e-10 above the best with τ > 1e-10 and above 0.1 (small
    thresholds help, large ones barely move); (2) the pipeline's own τ = 1e-15, judged apart:
    its gain within 0.1 order (plus the reading's uncertainty) of the paper's candidate Figure
    A2 at τ = 1e-15, where it barely moves (≈ 0.08). Thresholds below 1e-15 are not judged."""
    small = [g for tau, g in gains.items() if PIPELINE_TAU < tau <= 1e-10]
    large = [g for tau, g in gains.items() if tau > 1e-10]
    own = [g for tau, g in gains.items() if math.isclose(tau, PIPELINE_TAU, rel_tol=1e-9)]
    if not own:
        raise ValueError(f"gains must include the pipeline's threshold τ = {PIPELINE_TAU:g}")
    start = reference.one("A2", "candidate", "all thresholds", "MSE at step 0")
    end = reference.one("A2", "candidate", f"tau={PIPELINE_TAU:.0e}", "MSE at step 199")
    paper_own = _orders(start.value, end.value) / 2  # MSE to RMSE
    unc = math.hypot(start.uncertainty, end.uncertainty) / 2
    helps = bool(small and large and max(small) > max(large) and max(small) > 0.1)
    return combine(helps, abs(own[0] - paper_own) <= unc + 0.1)


def bfgs_vs_adam(ratio: float) -> str:
    """How a BFGS/Adam RMSE ratio reads: "BFGS better" below 0.5, "Adam better" above 2,
    else "similar" (within ×2)."""
    return "BFGS better" if ratio < 0.5 else ("Adam better" if ratio > 2 else "similar")


def _bfgs_vs_adam(ratios: Mapping[str, float], dims: Mapping[str, int]) -> str:
    """BFGS/Adam ratio per equation (geometric mean): "BFGS better" on the 3-D equation,
    "similar" on the others (see :func:`bfgs_vs_adam`)."""
    return combine(*(bfgs_vs_adam(ratios[k]) == ("BFGS better" if dims[k] == 3 else "similar")
                     for k in _same_keys(ratios=ratios, dims=dims)))


def _canyon(big: int, n_eigenvalues: int, bulk: float) -> str:
    """Fewer than a tenth of the eigenvalues within 1e-3 of the top, and more than half of
    them more than 1e-9 below it (``bulk``, a fraction)."""
    return _graded(big < n_eigenvalues / 10 and bulk > 0.5)


def _canyon_vs_adam(bfgs_rmse: Mapping[str, float], adam_rmse: Mapping[str, float], bfgs_big: Mapping[str, int],
                    adam_big: Mapping[str, int], bfgs_bulk: Mapping[str, float],
                    adam_bulk: Mapping[str, float]) -> str:
    """The same net (Appendix D: per target, one width-20 depth-3 tanh net, same data and
    initial weights) after BFGS and after Adam. Per target: BFGS ends at a lower training RMSE
    and its canyon is clearer there — a larger share of the eigenvalues more than 1e-9 below
    the largest (``*_bulk``) and no more of them within 1e-3 of it (``*_big``). Reproduced
    when both hold on every target; partly when one holds on some target; differs when BFGS's
    loss is not lower or neither holds anywhere."""
    per_target = []
    for t in _same_keys(bfgs_rmse=bfgs_rmse, adam_rmse=adam_rmse, bfgs_big=bfgs_big, adam_big=adam_big,
                        bfgs_bulk=bfgs_bulk, adam_bulk=adam_bulk):
        if not bfgs_rmse[t] < adam_rmse[t]:
            per_target.append("differs")
            continue
        clearer = (bfgs_bulk[t] > adam_bulk[t], bfgs_big[t] <= adam_big[t])
        per_target.append(_graded(all(clearer), any(clearer)))
    return combine(*per_target)


def _value_text(v: reference.PaperValue) -> str:
    """A row's value as a table shows it; a printed (exact) value without "± 0"."""
    if v.is_number and v.uncertainty == 0:
        return f"{v.value:.2g} (printed)" if v.in_decades else f"{v.value:g} (printed)"
    return v.text()


@dataclass(frozen=True)
class Claim:
    """One figure or quantitative claim: ``figure`` is "1" … "10", "A1" … "A4" or ``None``
    (a claim of the text), ``chapter`` the docname of the notebook that measures it, ``rule``
    the verdict rule: a function of named measurements returning one of :data:`VERDICTS`.

    ``refs`` cite the rows of the paper's table (:mod:`precision.reference`) that hold the
    paper's numbers for the claim; ``paper`` holds only words (and numbers those rows hold, to
    their rounding). :attr:`paper_text` is what tables show: the rows' values ± uncertainty and
    the words, or the words and :data:`NOT_IN_TABLE` where the claim has no rows."""

    key: str
    figure: str | None
    chapter: str
    claim: str
    paper: str
    rule: Callable[..., str]
    refs: tuple[Ref, ...] = ()

    def measurements(self) -> tuple[str, ...]:
        """The names of the measurements the verdict rule takes."""
        return tuple(inspect.signature(self.rule).parameters)

    def references(self) -> tuple[reference.PaperValue, ...]:
        """The cited rows (``KeyError`` if a selector matches no row)."""
        return tuple(r.row() for r in self.refs)

    @property
    def paper_text(self) -> str:
        """The paper's value as tables show it: "label 6.0e-08 ± 0.16 dex; …" from the cited
        rows (a range "lo … hi" where more than four rows are cited), then the words."""
        if not self.refs:
            return f"{self.paper} ({NOT_IN_TABLE})" if self.paper else NOT_IN_TABLE
        rows = self.references()
        if len(rows) <= 4:
            cited = ""
            for r, v in zip(self.refs, rows):
                text = f"{r.label} {_value_text(v)}".strip()
                cited += (" " if r.label.startswith(("→", "vs")) else "; ") + text if cited else text
        else:
            lo, hi = min(rows, key=lambda v: v.value), max(rows, key=lambda v: v.value)
            cited = f"{_value_text(lo)} … {_value_text(hi)} ({len(rows)} rows)"
        return f"{cited} — {self.paper}" if self.paper else cited


def _doc(chapter: str) -> str:
    """The docname of a chapter, from its record (so a misspelt chapter fails at import)."""
    from ..chapters.registry import get

    return get(chapter).docname


_I, _P, _N, _O, _C = (_doc(c) for c in ("introduction", "piecewise-linear", "nonlinear", "optimization", "conclusions"))
_A, _B, _AC, _D = (_doc(c) for c in ("appendix-a", "appendix-b", "appendix-c", "appendix-d"))
_F2 = {"Z.001": "Z.001 y=x^2 (d=1)", "II.8.31": "II.8.31 (d=2)", "I.30.5": "I.30.5 (d=3)", "I.8.14": "I.8.14 (d=4)",
       "I.44.4": "I.44.4 (d=5)", "II.6.15a": "II.6.15a (d=6)"}
_SIMPLEX = "linear simplex (mean of 4 seeds)"
_ALL_SLOPE = "slope d(log RMSE)/d(log N), all plotted points"
_EARLY_SLOPE = "slope, early regime (points with N<2e4)"
_SIMPLEX_SLOPES = tuple(Ref("2", p, _SIMPLEX, _ALL_SLOPE, eq) for eq, p in _F2.items())
_RELU_EARLY_HIGH_D = tuple(Ref("2", _F2[eq], f"ReLU (median of 4 seeds) depth {dp}", _EARLY_SLOPE, f"{eq} depth {dp}")
                           for eq in ("I.30.5", "I.8.14", "I.44.4", "II.6.15a") for dp in (2, 3, 4))
_LOW = "lowest plotted RMSE"
_F4L, _F4M, _F4R = "left: y=e^x (d=1)", "middle: z=e^(xy) (d=2)", "right: I.30.5 (d=3), regular grids"
_F8T, _F8B = _FIG8["teacher"], _FIG8["Z.001"]
_F9T, _F9B = _FIG9["Z.008"], _FIG9["I.11.19"]
_ADAM = "Adam, width 40, 9 learning rates"
_ADAM_LOW = "lowest RMSE reached by any lr"
_LC_END = "final low-curvature (orange)"
_TANH6A = tuple(Ref("6a", _FIG6A, f"tanh (median of 4 seeds) depth {dp}", "rmse near N=4e3", f"depth {dp}, N≈4e3")
                for dp in _FIG6A_DEPTHS)
CLAIMS: tuple[Claim, ...] = (
    Claim("sec1-float64-precision", None, _I, "float64 sets the precision limit: the rounding error of the labels "
          "is of order ε·RMS(y), ε = 2⁻⁵² (rule: at most ε·RMS(y) on every target; partly on some)",
          "ε₀ ≈ 1e-16 (2⁻⁵² ≈ 2.2e-16); labels ~2e-17 … 1.5e-16 RMSE",
          _float64_precision),
    Claim("sec1-simplex-exponent", None, _I, "linear simplex interpolation scales as N^(−2/d), so a 10× gain "
          "costs 10^(d/2)× more parameters (rule: each exponent within 0.1 of −2/d)", "Figure 2's simplex slopes, "
          "d = 1 … 6, against −2/d",
          _simplex_exponents, _SIMPLEX_SLOPES),
    Claim("fig1-standardize", "1", _P, "standardising the inputs improves a ReLU net's fit (cos 2x; xy)",
          "",
          _standardize, (Ref("1", "a: y=cos(2x)", "ReLU 1-5-5-1, raw x", "min test RMSE", "cos 2x raw"),
                         Ref("1", "a: y=cos(2x)", "ReLU 1-5-5-1, normalized x", "min test RMSE", "→"),
                         Ref("1", "b: z=xy", "ReLU 2-20-20-1, raw inputs", "min test RMSE", "xy raw"),
                         Ref("1", "b: z=xy", "ReLU 2-20-20-1, normalized inputs", "min test RMSE", "→"))),
    Claim("fig1-simplex-vs-relu", "1", _P, "linear simplex interpolation of the same points does at least as well "
          "as the standardised net in low dimension (rule: within ×2 on cos 2x, below on xy)", "",
          _simplex_vs_relu, (Ref("1", "a: y=cos(2x)", "linear simplex interpolation", "test RMSE", "cos 2x simplex"),
                             Ref("1", "a: y=cos(2x)", "ReLU 1-5-5-1, normalized x", "min test RMSE", "vs net"),
                             Ref("1", "b: z=xy", "linear simplex interpolation", "test RMSE", "xy simplex"),
                             Ref("1", "b: z=xy", "ReLU 2-20-20-1, normalized inputs", "min test RMSE", "vs net"))),
    Claim("fig2-simplex-exponents", "2", _P, "simplex interpolation follows N^(−2/d) on six equations, d = 1 … 6 "
          "(rule: each exponent within 0.1 of −2/d)", "slope −2/d",
          _simplex_exponents, _SIMPLEX_SLOPES),
    Claim("fig2-relu-high-d", "2", _P, "for d ≥ 3 ReLU nets scale like N^(−2/d*), d* = 2, and beat simplex "
          "interpolation at small N (rule: each ReLU exponent, fitted below N = 2e4, within ±0.5 of −1; a ReLU "
          "median below simplex at matched N at the smallest net size simplex's curve covers)",
          "ReLU early-regime slopes on the d ≥ 3 panels",
          _relu_high_d, _RELU_EARLY_HIGH_D),
    Claim("fig2-simplex-low-d", "2", _P, "in low dimension simplex interpolation beats ReLU nets, which plateau "
          "(optimisation error) (rule: simplex below every ReLU median at matched N at the largest net size, "
          "d = 1 and 2)", "ReLU's lowest medians on the d = 1, 2 panels",
          _each_holds("simplex_wins", "Simplex (measured curve, interpolated in log–log, clamped at its measured "
                      "sizes) below every ReLU median at the largest net size (equation → bool) on every equation "
                      "with d ≤ 2."),
          tuple(Ref("2", _F2[eq], f"ReLU (median of 4 seeds) depth {dp}", _LOW, f"{eq} depth {dp}")
                for eq in ("Z.001", "II.8.31") for dp in (2, 3, 4))),
    Claim("fig2-simplex-exact", "2", _P, "simplex interpolation fits its training points exactly (rule: train "
          "RMSE ≤ 1e-12 × RMS of the labels)", "exact on the training points",
          _simplex_exact),
    Claim("fig2-relu-loses", "2", _P, "ReLU nets scale worse than simplex interpolation in 2-D, and lose to it at "
          "large N in 3-D (rule: every ReLU exponent shallower than simplex's on d = 2; every ReLU median above "
          "simplex at matched N at the largest net size on d = 3)", "",
          _relu_loses, (Ref("2", _F2["II.8.31"], _SIMPLEX, _ALL_SLOPE, "II.8.31 simplex slope"),
                        Ref("2", _F2["II.8.31"], "ReLU (median of 4 seeds) depth 2", _ALL_SLOPE, "vs ReLU depth 2"),
                        Ref("2", _F2["I.30.5"], _SIMPLEX, _LOW, "I.30.5 simplex at N≈1e6"),
                        Ref("2", _F2["I.30.5"], "ReLU (median of 4 seeds) depth 4", _LOW, "vs best ReLU at N≈2.6e5"))),
    Claim("fig3-modular", "3", _P, "modular ReLU nets scale at least as well as dense nets of the same depth and "
          "keep improving where dense nets plateau (rule: modular exponent ≤ dense + 0.1; modular below dense at "
          "matched N; last local slope steeper than −0.1 where the dense one is shallower)",
          "",
          _modular, (Ref("3", "I.8.14", "dense ReLU depth 4", "rmse interpolated at N=1e+05", "I.8.14 at N=1e5: dense depth 4"),
                     Ref("3", "I.8.14", "dense ReLU depth 6", "rmse interpolated at N=1e+05", "dense depth 6"),
                     Ref("3", "I.8.14", "modular ReLU depth 6", "rmse interpolated at N=1e+05", "vs modular depth 6"))),
    Claim("fig3-dense-early", "3", _P, "dense nets initially scale as if they were modular (rule: exponent over "
          "the smallest sizes within ±0.4 of the modular net's; partly ±0.6)",
          "",
          _dense_early, (Ref("3", "I.8.14", "dense ReLU depth 4", "rmse interpolated at N=1e+03", "I.8.14 at N=1e3: dense depth 4"),
                         Ref("3", "I.8.14", "modular ReLU depth 4", "rmse interpolated at N=1e+03", "vs modular depth 4"),
                         Ref("3", "I.8.14", "dense ReLU depth 4", "rmse interpolated at N=1e+04", "at N=1e4: dense"),
                         Ref("3", "I.8.14", "modular ReLU depth 4", "rmse interpolated at N=1e+04", "vs modular"))),
    Claim("fig4-spline-exponents", "4", _N, "splines of order n scale as D^(−(n+1)/d) (1-D eˣ, 2-D e^(xy), "
          "3-D I.30.5) (rule: each slope at least as steep as −(n+1)/d less 0.3, 0.15 in 3-D)", "slope −(n+1)/d",
          _spline_exponents,
          tuple(Ref("4", _F4L, f"spline order {n}", q, f"1-D order {n}") for n, q in (
              (1, "slope, last 5 points of the power-law regime (|D|=11..2184164)"),
              (2, "slope, last 5 points of the power-law regime (|D|=11222..56815)"),
              (3, "slope, last 5 points of the power-law regime (|D|=656..3325)"),
              (5, "slope, last 5 points of the power-law regime (|D|=25..129)")))
          + tuple(Ref("4", _F4M, s, q, f"2-D {s}") for s, q in (
              ("linear", "slope, last 7 points of the power-law regime (|D|=127834..1456109)"),
              ("cubic", "slope, last 7 points of the power-law regime (|D|=127834..1456109)"),
              ("quintic", "slope, last 7 points of the power-law regime (|D|=656..7481)")))
          + tuple(Ref("4", _F4R, s, "slope from 3rd point on", f"3-D {s}") for s in ("simplex (regular grid)", "tricubic"))),
    Claim("fig4-float64-floor", "4", _N, "in 1-D the high-order splines reach the float64 floor (rule: best RMSE "
          "≤ 1e-14 for degrees 3, 5, 7)", "",
          _float64_floor, tuple(Ref("4", _F4L, f"spline order {n}", "lowest relative RMSE over the sweep", f"order {n}")
                                for n in (3, 5, 7))),
    Claim("fig5-tanh-vs-relu", "5", _N, "tanh nets are often better than ReLU nets at moderate N, but follow no "
          "clean power law (rule: tanh below ReLU in more than half of the equation–depth pairs, partly in a "
          "quarter; tanh's local slopes spread more than ReLU's, where three sizes allow it)",
          "tanh's lowest medians, Figure 5 (ReLU's: Figure 2)",
          _tanh_vs_relu, tuple(Ref(f, _F2[eq], f"{a} (median of 4 seeds) depth {dp}", _LOW, f"{eq} {a} depth {dp}")
                               for eq in ("I.30.5", "I.8.14", "I.44.4", "II.6.15a") for dp in (2, 3, 4)
                               for f, a in (("5", "tanh"),))),
    Claim("fig6-trained-tanh", "6", _N, "trained tanh nets on I.11.19 stall far above the precision limit (rule: "
          "the best trained net at the level of the authors' Figure 6a at matched N, within its uncertainty + 1 "
          "decade; partly + 2)", "",
          _trained_tanh, _TANH6A + (Ref("6a", _FIG6A, "tanh (median of 4 seeds) depth 3", _LOW, "best (depth 3, N≈6.6e4)"),)),
    Claim("fig6-gadget-net", "6", _N, "a depth-2 tanh net of width 12 (three multiplication gadgets) has "
          "architecture error at the precision limit (rule: its RMSE in 50-digit arithmetic ≤ ε·RMS(f); partly "
          "≤ 100·ε·RMS(f))",
          "at the machine-precision limit",
          _gadget_net),
    Claim("fig6-gap", "6", _N, "training does not get within 10 orders of magnitude of what the architecture "
          "allows (rule: best trained tanh RMSE ≥ 10 orders above ε·RMS(f), and at the authors' Figure 6a level at "
          "matched N within its uncertainty + 1 decade; partly ≥ 9 orders and + 2 decades)", "≥ 10 orders of magnitude",
          _training_gap, (Ref("6a", _FIG6A, "tanh (median of 4 seeds) depth 3", _LOW, "authors' best"),)),
    Claim("fig7-spectrum", "7", _O, "after Adam: a few large Hessian eigenvalues and a bulk near zero; the "
          "gradient lies mostly in the top directions", "few large eigenvalues, bulk near zero",
          _spectrum, (Ref("7", "teacher-student 1-40-40-1 tanh after Adam", "Hessian eigenvalues", "largest eigenvalue",
                          "largest"),
                      Ref("7", "teacher-student 1-40-40-1 tanh after Adam", "Hessian eigenvalues (P=1761)",
                          "number of positive eigenvalues (x of lambda=0 line)", "positive eigenvalues (of 1761)"))),
    Claim("fig8-adam", "8", _O, "Adam plateaus, whatever its learning rate (rule: its best RMSE over learning rates "
          "at the bottom of the paper's Adam band within its uncertainty + 1 decade; partly + 2)", "",
          _adam_plateau, (Ref("8", _F8T, _ADAM, _ADAM_LOW, "teacher"), Ref("8", _F8B, _ADAM, _ADAM_LOW, "y = x²"))),
    Claim("fig8-bfgs", "8", _O, "BFGS alone gets much lower than Adam (rule: width-40 BFGS at the paper's end value "
          "within its uncertainty + 1 decade; partly + 2)", "",
          _bfgs_alone, (Ref("8", _F8T, "BFGS width 40 (red)", "end value", "teacher"),
                        Ref("8", _F8B, "BFGS width 40 (red)", "end value", "y = x²"))),
    Claim("fig8-teacher-boosted", "8", _O, "teacher–student: BFGS, then low-curvature steps and boosting (rule: the "
          "pipeline's end within its uncertainty + 1 decade; partly + 2)", "",
          _boosted_level("8", _F8T), (Ref("8", _F8T, "BFGS width 20 (blue)", "end value", "BFGS"),
                                      Ref("8", _F8T, _LC_END, _PIPELINE_END, "→ end"))),
    Claim("fig8-square-boosted", "8", _O, "y = x²: the full pipeline with boosting (rule: its end within its "
          "uncertainty + 1 decade; partly + 2)", "",
          _boosted_level("8", _F8B), (Ref("8", _F8B, "BFGS width 20 (blue)", "end value", "BFGS"),
                                      Ref("8", _F8B, "boosted f1+c f2 (green)", "end value", "→ boosted"),
                                      Ref("8", _F8B, _LC_END, _PIPELINE_END, "→ end"))),
    Claim("fig9-xy", "9", _O, "2-D xy: the tricks still help, less than in 1-D (rule: gain below every 1-D gain; end "
          "within its uncertainty + 1 decade)", "",
          _boosting_gain("Z.008"), (Ref("9", _F9T, "BFGS width 20 (blue)", "end value", "BFGS"),
                                    Ref("9", _F9T, _LC_END, _PIPELINE_END, "→ end"))),
    Claim("fig9-i1119", "9", _O, "6-D I.11.19: the tricks help less as the dimension grows (rule: gain below every "
          "1-D gain; end within its uncertainty + 1 decade)", "",
          _boosting_gain("I.11.19"), (Ref("9", _F9B, "BFGS width 20 (blue)", "end value", "BFGS"),
                                      Ref("9", _F9B, _LC_END, _PIPELINE_END, "→ end"))),
    Claim("fig10-guide", "10", _C, "a user's guide: which method to use by dimension, smoothness, grid and "
          "modularity (rule: recommend() gives the paper's method on each branch of Figure 10)",
          "the flowchart of Figure 10",
          _guide),
    Claim("figA1-boost-vs-rescale", "A1", _A, "boosting's advantage is not just a rescaled loss",
          "boosting beats training one net on a loss rescaled by the same factor",
          _boost_vs_rescale),
    Claim("figA2-tau", "A2", _B, "low-curvature subspace steps: small thresholds τ help, large τ barely move the "
          "loss, and the pipeline's own τ = 1e-15 barely moves it either (rule: best gain for 1e-15 < τ ≤ 1e-10 "
          "above every larger τ's and above 0.1 order; τ = 1e-15 within 0.1 order of the paper's gain there)",
          "MSE after 200 steps (candidate figure)",
          _tau, tuple(Ref("A2", "candidate", s, q, lab) for s, q, lab in (
              ("all thresholds", "MSE at step 0", "start"), ("tau=1e-06", "MSE at step 199", "τ=1e-6"),
              ("tau=1e-10", "MSE at step 199", "τ=1e-10"), ("tau=1e-15", "MSE at step 199", "τ=1e-15")))),
    Claim("figA3-bfgs-vs-adam", "A3", _AC, "tanh nets: BFGS beats Adam on the 3-D equation and is "
          "roughly similar on the others", "BFGS better on I.30.5, similar elsewhere",
          _bfgs_vs_adam),
    Claim("figA4-canyon", "A4", _D, "after BFGS on y = x², a few top Hessian eigenvalues far above "
          "the bulk (the canyon is clearer at low loss)", "a clear set of top eigenvalues",
          _canyon),
    Claim("figA4-canyon-vs-adam", "A4", _D, "the canyon is clearer after BFGS (lower loss) than "
          "after Adam (rule, on the same net per target: BFGS's train RMSE lower, a larger share of eigenvalues "
          "more than 1e-9 below the top and no more within 1e-3 of it)",
          "clearer at lower loss",
          _canyon_vs_adam),
)
_BY_KEY = {c.key: c for c in CLAIMS}


def keys() -> list[str]:
    """Every claim key, in the paper's order."""
    return [c.key for c in CLAIMS]


def claim(key: str) -> Claim:
    """The claim with this key; ``ValueError`` listing the keys if unknown."""
    try:
        return _BY_KEY[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown scorecard key {key!r}; known keys: {', '.join(keys())}") from None


def record_path(key: str, profile: str) -> Path:
    """Where the record of ``key`` at ``profile`` lives: ``cache_dir()/scorecard/<profile>/<key>.json``."""
    return cache_dir() / "scorecard" / check_profile(profile) / f"{claim(key).key}.json"


def measurements(key: str) -> tuple[str, ...]:
    """The names of the measurements the verdict rule of claim ``key`` takes."""
    return claim(key).measurements()


def _decide(c: Claim, given: dict[str, Any]) -> str:
    """Check that ``given`` names exactly the measurements of ``c``'s rule, then apply it."""
    needed = c.measurements()
    missing = [n for n in needed if n not in given]
    unknown = [n for n in given if n not in needed]
    if missing or unknown:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + \
                   ([f"unknown {', '.join(unknown)}"] if unknown else [])
        raise ValueError(f"scorecard claim {c.key!r} takes the measurements "
                         f"{', '.join(needed) if needed else '(none)'}; {'; '.join(problems)}")
    result = c.rule(**given)
    if result not in VERDICTS:  # a rule's own bug, not the chapter's
        raise RuntimeError(f"the rule of {c.key!r} returned {result!r}, not one of {', '.join(VERDICTS)}")
    return result


def verdict(key: str, **measurements: Any) -> str:
    """The verdict of claim ``key``'s rule for these measurements, without recording it (for a
    chapter's own table; a dict measurement may hold a single item to judge that item alone).
    ``ValueError`` if a measurement the rule takes is missing or one it does not take is given."""
    return _decide(claim(key), measurements)


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it: numpy scalars and arrays to Python, dict keys to strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def record(key: str, ours: str, note: str = "", *, profile: str, **measurements: Any) -> None:
    """Store this build's value for a claim, with the verdict its rule gives for ``measurements``.

    Parameters
    ----------
    key : a key of :data:`CLAIMS`.
    ours : the measured value as the chapter displays it, e.g. ``"−1.98 ± 0.02"``.
    note : one optional sentence (e.g. why a value differs).
    profile : the profile the notebook ran at ("smoke", "book" or "paper").
    **measurements : exactly the named measurements the claim's rule takes
        (:func:`measurements` lists them); ``ValueError`` naming any missing or unknown one.

    The record (the measurements included) lands at :func:`record_path`; nothing is returned,
    so that a notebook's last line shows nothing.
    """
    c = claim(key)
    check_profile(profile)
    if not isinstance(ours, str) or not ours.strip():
        raise ValueError(f"ours must be a non-empty string (the value as displayed), got {ours!r}")
    if not isinstance(note, str):
        raise ValueError(f"note must be a string, got {note!r}")
    result = _decide(c, measurements)
    entry = {"key": c.key, "figure": c.figure, "chapter": c.chapter, "ours": ours, "verdict": result,
             "note": note, "profile": profile, "measurements": _plain(measurements),
             "recorded_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
             "code_hash": code_hash()}
    atomic_write_bytes(record_path(key, profile), (json.dumps(entry, indent=1, ensure_ascii=False) + "\n").encode())


@dataclass(frozen=True)
class Row:
    """A claim joined with this build's record; ``verdict`` is ``"not run"`` where there is
    none, and ``current`` says whether the record was made by the present package code."""

    claim: Claim
    ours: str
    verdict: str
    note: str = ""
    recorded_at: str | None = None
    current: bool = False

    @property
    def key(self) -> str:
        return self.claim.key


def load(profile: str) -> list[Row]:
    """Every claim of :data:`CLAIMS`, in order, with this profile's record (or "not run")."""
    check_profile(profile)
    rows = []
    for c in CLAIMS:
        path = record_path(c.key, profile)
        try:
            entry: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            rows.append(Row(c, NOT_RUN, "not run"))
            continue
        rows.append(Row(c, str(entry.get("ours", "")), str(entry.get("verdict", "not run")),
                        str(entry.get("note", "")), entry.get("recorded_at"), entry.get("code_hash") == code_hash()))
    return rows


def recorded(key: str, profile: str) -> dict[str, Any] | None:
    """The measurements of claim ``key``'s record at ``profile``, or ``None`` where there is none
    (for a chapter that compares its numbers with another chapter's)."""
    try:
        entry = json.loads(record_path(key, profile).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return entry.get("measurements")


def summary(rows: list[Row]) -> dict[str, int]:
    """How many rows have each verdict: reproduced, partly, differs, not run."""
    counts = dict.fromkeys((*VERDICTS, "not run"), 0)
    for row in rows:
        counts[row.verdict if row.verdict in counts else "not run"] += 1
    return counts


def verdict_text(verdict: str) -> str:
    """A verdict as a table shows it: "differs" in bold, the others as they are."""
    return f"**{verdict}**" if verdict == "differs" else verdict


def chapter_table(rows: Sequence[tuple[str, str, str, str]]) -> str:
    """A chapter's "What we reproduced" table (Markdown): one row per (claim, the paper's value,
    this build's, verdict). The paper's cell may be a claim key: it shows that claim's
    :attr:`Claim.paper_text`, the cited rows' values ± uncertainty. The cells are Markdown as
    given (wrap plain words that may hold ``*`` or ``_`` in :func:`precision.book.text.plain`);
    the verdict is one of :data:`VERDICTS`."""
    rows = [tuple(r) for r in rows]
    for r in rows:
        if len(r) != 4 or r[3] not in VERDICTS:
            raise ValueError(f"each row is (claim, paper, this build, verdict) with a verdict in {VERDICTS}; got {r!r}")
    return markdown_table(("claim", "paper ± uncertainty", "this build", "verdict"),
                          [(c, plain(_BY_KEY[p].paper_text) if p in _BY_KEY else p, o, verdict_text(v))
                           for c, p, o, v in rows], align="llll")


def table(rows: Sequence[Row]) -> str:
    """The scorecard (Markdown), one row per claim: the paper's figure (or §1 for a claim of the
    text), the claim, the paper's value, this build's with its note, and the verdict; a record
    made by other package code says so."""
    cells = []
    for r in rows:
        ours = plain(r.ours) + (" — " + plain(r.note) if r.note else "")
        if r.verdict != "not run" and not r.current:
            ours += " (earlier code)"
        cells.append((f"Figure {r.claim.figure}" if r.claim.figure else "§1", plain(r.claim.claim),
                      plain(r.claim.paper_text), ours, verdict_text(r.verdict)))
    return markdown_table(("figure", "claim", "paper ± uncertainty", "this build", "verdict"), cells, align="lllll")
