"""The paper's "User's Guide for Precision" (§5, Figure 10) as a decision tree held as data.

The tree (:data:`TREE`, rooted at :data:`ROOT`) asks yes/no questions about a fitting
problem — the precision wanted, the input dimension ``d``, smoothness, data on a grid,
modularity, the data budget — and ends in a leaf naming a method with its expected
scaling. :func:`recommend` walks it; :func:`draw_guide` draws the same tree, so the
diagram and the recommendations cannot disagree.

What the leaves encode (the paper's Conclusions, measured in Chapters 2–4):

* linear simplex interpolation: RMSE ∝ D^(−2/d), exact at the training points, no
  optimisation error — the safe choice in low dimension and for any data;
* splines of order n: RMSE ∝ D^(−(n+1)/d), best in low dimension with data on a grid;
* ReLU nets: RMSE ∝ D^(−2/d*) with d* the largest arity of the target's computational
  graph (usually 2), so they win for d > 2 on modular targets, but stall near 1e-3
  from optimisation error;
* smooth (tanh) nets: no architecture error on symbolic targets and no clean power law;
  with BFGS, low-curvature subspace steps and boosting (Chapter 4) they got within 2–4
  orders of magnitude of 1e-16 in 1-D, less close in higher dimension.

Whether a power law reaches the precision wanted within the data budget is decided by
the points it needs, ``precision ** (−1/α)`` (taking the relative RMSE to be 1 at D = 1:
an order-of-magnitude estimate).
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Question", "Leaf", "Exponent", "Recommendation", "TREE", "ROOT", "EPS64", "DEFAULT_DATA_BUDGET",
           "RELU_PLATEAU", "SMOOTH_NET_REACH", "recommend", "leaves", "questions", "node_label", "layout",
           "draw_guide", "points_needed", "TESTS", "EXPONENTS", "SPLINE_ORDERS"]

EPS64 = float(np.finfo(np.float64).eps)
DEFAULT_DATA_BUDGET = 10**6  # points, when none is given: what a laptop interpolates in seconds
RELU_PLATEAU = 1e-3  # ReLU nets in d ≥ 3 stall near here (Figures 2–3: ~1e-2 dense, ~1e-3 modular)
# Lowest RMSE the paper's full pipeline (BFGS → low-curvature steps → boosting) reached, by d.
SMOOTH_NET_REACH: dict[int, tuple[float, str]] = {
    1: (3.2e-13, "Figure 8: teacher–student, boosted (y = x² reached ≈1e-14)"),
    2: (3e-8, "Figure 9: z = xy, boosted"),
    3: (5e-5, "Figure 9: I.11.19 (d = 6), boosted; no measurement for 3 ≤ d ≤ 5"),
}
SPLINE_ORDERS = (3, 5, 7)


# --------------------------------------------------------------------------- the tree as data
@dataclass(frozen=True)
class Question:
    """An inner node of the guide: a yes/no question about the problem.

    Attributes
    ----------
    key : str
        The node's key in :data:`TREE`.
    text : str
        The question, as drawn and reported.
    test : str
        Name in :data:`TESTS` of the function that answers it for a problem.
    yes, no : str
        Keys of the nodes the two answers lead to.
    """

    key: str
    text: str
    test: str
    yes: str
    no: str

    @property
    def branches(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """``(label, child key)`` for each answer, yes first.

        Returns
        -------
        tuple of (str, str)
            ``(("yes", self.yes), ("no", self.no))``.
        """
        return (("yes", self.yes), ("no", self.no))


@dataclass(frozen=True)
class Leaf:
    """A leaf of the guide: a recommended method.

    Attributes
    ----------
    key : str
        The node's key in :data:`TREE`.
    label : str
        Text drawn in the diagram.
    method : str
        The method, as reported.
    why : str
        Why the method, as reported.
    exponent : str or None
        Name of a scaling law in :data:`EXPONENTS` (``None``: no power law).
    reach : str or None
        How low the method gets in practice (see :func:`_reach`): ``"float64"``, ``"relu"``,
        ``"smooth-net"`` or ``None``.
    """

    key: str
    label: str
    method: str
    why: str
    exponent: str | None
    reach: str | None


ROOT = "float64"

_NODES: tuple[Question | Leaf, ...] = (
    Question("float64", "Precision wanted ≥ float64 ε ≈ 2.2e-16?", "float64", yes="low-d", no="extended-precision"),
    Question("low-d", "Input dimension d ≤ 2?", "low_dim", yes="smooth-grid", no="modular"),
    # ---- d ≤ 2
    Question("smooth-grid", "Smooth target with data on a regular grid?", "smooth_grid", yes="spline",
             no="simplex-low-d"),
    Question("simplex-low-d", "Does simplex D^(−2/d) reach the precision within the data budget?",
             "simplex_reaches", yes="simplex", no="smooth-low-d"),
    Question("smooth-low-d", "Is the target smooth?", "smooth", yes="smooth-net", no="simplex-more-data"),
    # ---- d ≥ 3
    Question("modular", "Modular target (every node has d* < d inputs)?", "modular", yes="relu-reaches",
             no="simplex-high-d"),
    Question("relu-reaches", "Does ReLU D^(−2/d*) reach the precision within the budget, above the nets' "
             "~1e-3 plateau?", "relu_reaches", yes="relu-net", no="smooth-modular"),
    Question("smooth-modular", "Is the target smooth?", "smooth", yes="smooth-net-modular", no="relu-net-limited"),
    Question("simplex-high-d", "Does simplex D^(−2/d) reach the precision within the data budget?",
             "simplex_reaches", yes="simplex-high", no="smooth-high-d"),
    Question("smooth-high-d", "Is the target smooth?", "smooth", yes="smooth-net-high", no="out-of-reach"),
    # ---- leaves
    Leaf("extended-precision", "Extended precision (float128, mpmath)",
         "extended-precision arithmetic (float128 or mpmath), with labels computed in it",
         "float64 labels already carry a relative rounding error of order ε, so no float64 fit can be shown "
         "to reach below ε; every method of this guide stops there", None, None),
    Leaf("spline", "Spline of order n on the grid", "spline interpolation of order n on the grid",
         "a spline of order n errs by O(h^(n+1)) on a smooth target, so its RMSE falls as D^(−(n+1)/d); in 1-D "
         "and 2-D the high orders reach the float64 floor with hundreds to thousands of grid points (Figure 4)",
         "(n+1)/d", "float64"),
    Leaf("simplex", "Linear simplex interpolation", "linear simplex interpolation (Delaunay; 1-D: linear)",
         "it fits every training point exactly, so its error is architecture error and generalisation only, "
         "with no optimisation error, and it follows D^(−2/d) reliably; in d ≤ 2 ReLU nets have the same "
         "exponent but stall, so simplex interpolation wins (Figures 1–2)", "2/d", "float64"),
    Leaf("smooth-net", "Tanh net + BFGS + boosting",
         "a tanh network trained with BFGS, then low-curvature subspace steps, then boosted (Chapter 4)",
         "D^(−2/d) would need more points than the budget; a smooth net has no architecture error on a "
         "symbolic target and follows no power law, and with second-order training and boosting it gets "
         "within 2–4 orders of magnitude of 1e-16 in 1-D (Figures 8–9)", None, "smooth-net"),
    Leaf("simplex-more-data", "Simplex interpolation, more data",
         "linear simplex interpolation, with the data it needs",
         "kinks cap every higher-order method and every smooth net at the piecewise-linear rate, so "
         "D^(−2/d) is the best rate available: the precision needs more points than the budget", "2/d", "float64"),
    Leaf("relu-net", "ReLU net (modular if possible)",
         "a ReLU network on standardised inputs, modular if the computational graph is known (Adam)",
         "on a modular target ReLU nets scale as D^(−2/d*) instead of D^(−2/d), so for d > 2 they beat "
         "simplex interpolation at the sizes where they train well (Figures 2–3)", "2/d*", "relu"),
    Leaf("smooth-net-modular", "Tanh net + BFGS + boosting",
         "a tanh network trained with BFGS, then low-curvature subspace steps, then boosted (Chapter 4)",
         "the precision is beyond ReLU nets' optimisation plateau; a smooth net can represent a symbolic "
         "modular target exactly (Figure 6), but the training tricks help less as d grows (Figure 9)",
         None, "smooth-net"),
    Leaf("relu-net-limited", "ReLU net, beyond its reach",
         "a ReLU network (modular if the graph is known), expecting it to stop short",
         "on a non-smooth modular target D^(−2/d*) is the best rate any method here offers, but ReLU nets stall "
         "near 1e-3 (optimisation error) or the budget is short: the precision wanted is beyond what the paper "
         "reached; relax it or add structure", "2/d*", "relu"),
    Leaf("simplex-high", "Linear simplex interpolation", "linear simplex interpolation (Delaunay)",
         "a non-modular target gives ReLU nets no better exponent than D^(−2/d), and simplex interpolation has "
         "no optimisation error; the budget is enough for the precision", "2/d", "float64"),
    Leaf("smooth-net-high", "Tanh net + BFGS + boosting",
         "a tanh network trained with BFGS, then low-curvature subspace steps, then boosted (Chapter 4)",
         "D^(−2/d) needs more points than the budget (the curse of dimensionality); a smooth net has no "
         "architecture error on a symbolic target, though training reaches less as d grows (Figure 9)",
         None, "smooth-net"),
    Leaf("out-of-reach", "Out of reach: simplex, all the data",
         "linear simplex interpolation with all the data, expecting it to stop short",
         "a non-smooth, non-modular target in d ≥ 3 leaves D^(−2/d) as the only rate, and the budget does not "
         "reach the precision: relax the precision or find structure (smoothness, modularity)", "2/d", "float64"),
)
TREE: dict[str, Question | Leaf] = {node.key: node for node in _NODES}

# Scaling laws named by leaves: (formula, α as a function of the problem). RMSE ∝ D^(−α).
EXPONENTS: dict[str, tuple[str, Callable[["_Problem"], Fraction]]] = {
    "2/d": ("RMSE ∝ D^(−2/d)", lambda p: Fraction(2, p.d)),
    "(n+1)/d": ("RMSE ∝ D^(−(n+1)/d)", lambda p: Fraction(_spline_order(p) + 1, p.d)),
    "2/d*": ("RMSE ∝ D^(−2/d*)", lambda p: Fraction(2, p.arity)),
}
_NO_POWER_LAW = "no clean power law"


def leaves() -> list[Leaf]:
    """Every leaf of the tree, top to bottom as drawn.

    Returns
    -------
    list of Leaf
        The leaves in depth-first (yes before no) order.
    """
    return [TREE[k] for k in _dfs() if isinstance(TREE[k], Leaf)]


def questions() -> list[Question]:
    """Every question of the tree, in depth-first order.

    Returns
    -------
    list of Question
        The inner nodes, root first, yes branch before no branch.
    """
    return [TREE[k] for k in _dfs() if isinstance(TREE[k], Question)]


def _dfs(key: str = ROOT) -> list[str]:
    node = TREE[key]
    if isinstance(node, Leaf):
        return [key]
    return [key] + _dfs(node.yes) + _dfs(node.no)


# --------------------------------------------------------------------------- the problem
@dataclass(frozen=True)
class _Problem:
    d: int
    grid: bool
    modular: bool
    arity: int
    smooth: bool
    precision: float
    budget: float
    budget_given: bool


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _problem(d: Any, grid: Any, modular: Any, max_arity: Any, smooth: Any, precision: Any,
             data_budget: Any) -> _Problem:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be a positive integer (the input dimension), got {d!r}")
    d = int(d)
    grid, modular, smooth = (_check_bool(n, v) for n, v in (("grid", grid), ("modular", modular), ("smooth", smooth)))
    if max_arity is not None:
        if isinstance(max_arity, bool) or not isinstance(max_arity, (int, np.integer)) or not 1 <= max_arity <= d:
            raise ValueError(f"max_arity must be None or an integer from 1 to d = {d}, got {max_arity!r}")
        if not modular:
            raise ValueError(f"max_arity is the most inputs one node of a modular target takes: pass modular=True "
                             f"with it (got max_arity={max_arity}, modular=False)")
    arity = (int(max_arity) if max_arity is not None else min(2, d)) if modular else d
    if isinstance(precision, bool) or not isinstance(precision, (int, float, np.floating)) or not 0 < precision < 1:
        raise ValueError(f"precision must be the relative RMSE wanted, a number between 0 and 1 (e.g. 1e-8), "
                         f"got {precision!r}")
    if data_budget is not None and (isinstance(data_budget, bool) or not isinstance(data_budget, (int, float, np.number))
                                    or not math.isfinite(data_budget) or data_budget < 1):
        raise ValueError(f"data_budget must be None or a number of training points ≥ 1, got {data_budget!r}")
    budget = float(DEFAULT_DATA_BUDGET if data_budget is None else data_budget)
    return _Problem(d, grid, modular, arity, smooth, float(precision), budget, data_budget is not None)


def points_needed(alpha: float, precision: float) -> float:
    """Points D at which RMSE ≈ D^(−alpha) (relative to the target's RMS) reaches ``precision``.

    Parameters
    ----------
    alpha : float
        The scaling exponent, RMSE ∝ D^(−alpha), ``alpha > 0``.
    precision : float
        The relative RMSE wanted.

    Returns
    -------
    float
        ``precision ** (−1/alpha)``, rounded to six significant digits so that exact powers
        of ten compare equal; ``inf`` when that is beyond float64.

    Examples
    --------
    >>> points_needed(2, 1e-8)
    10000.0
    """
    try:
        return float(f"{precision ** (-1.0 / float(alpha)):.6g}")
    except OverflowError:  # e.g. D^(-2/d) for d = 10**6: more points than float64 counts
        return math.inf


def _spline_order(p: _Problem) -> int:
    """The lowest order in SPLINE_ORDERS whose D^(−(n+1)/d) reaches the precision within the budget."""
    for n in SPLINE_ORDERS:
        if points_needed((n + 1) / p.d, p.precision) <= p.budget:
            return n
    return SPLINE_ORDERS[-1]


def _smooth_net_reach(d: int) -> tuple[float, str]:
    return SMOOTH_NET_REACH[min(d, max(SMOOTH_NET_REACH))]


def _reach(name: str | None, p: _Problem) -> float | None:
    """How low a method gets in practice: the float64 floor, ReLU nets' plateau, or the
    best the paper's smooth-net pipeline reached at this d."""
    return {None: None, "float64": EPS64, "relu": RELU_PLATEAU, "smooth-net": _smooth_net_reach(p.d)[0]}[name]


# --------------------------------------------------------------------------- the tests asked by questions
def _budget_text(p: _Problem) -> str:
    return f"budget {p.budget:.0e} points" + ("" if p.budget_given else " (none given: the default)")


def _test_float64(p: _Problem) -> tuple[bool, str]:
    ok = p.precision >= EPS64
    return ok, f"precision {p.precision:.1e} {'≥' if ok else '<'} ε = {EPS64:.1e}"


def _test_low_dim(p: _Problem) -> tuple[bool, str]:
    return p.d <= 2, f"d = {p.d}"


def _test_smooth_grid(p: _Problem) -> tuple[bool, str]:
    return p.smooth and p.grid, f"smooth: {'yes' if p.smooth else 'no'}, on a grid: {'yes' if p.grid else 'no'}"


def _test_smooth(p: _Problem) -> tuple[bool, str]:
    return p.smooth, "smooth" if p.smooth else "not smooth (kinks or discontinuities)"


def _test_simplex_reaches(p: _Problem) -> tuple[bool, str]:
    need = points_needed(2 / p.d, p.precision)
    return need <= p.budget, f"D^(−2/{p.d}) needs D ≈ {need:.0e} points for {p.precision:.0e}; {_budget_text(p)}"


def _test_modular(p: _Problem) -> tuple[bool, str]:
    if not p.modular:
        return False, "not modular: one node sees all d inputs (d* = d)"
    return p.arity < p.d, f"modular with d* = {p.arity}, d = {p.d}"


def _test_relu_reaches(p: _Problem) -> tuple[bool, str]:
    need = points_needed(2 / p.arity, p.precision)
    above = p.precision >= RELU_PLATEAU
    return above and need <= p.budget, (f"precision {p.precision:.0e} {'≥' if above else '<'} plateau "
                                         f"{RELU_PLATEAU:.0e}; D^(−2/{p.arity}) needs D ≈ {need:.0e}; "
                                         f"{_budget_text(p)}")


TESTS: dict[str, Callable[[_Problem], tuple[bool, str]]] = {
    "float64": _test_float64, "low_dim": _test_low_dim, "smooth_grid": _test_smooth_grid, "smooth": _test_smooth,
    "simplex_reaches": _test_simplex_reaches, "modular": _test_modular, "relu_reaches": _test_relu_reaches,
}


# --------------------------------------------------------------------------- recommend
@dataclass(frozen=True)
class Exponent:
    """The leaf's scaling law.

    Attributes
    ----------
    formula : str
        The law in symbols, e.g. ``"RMSE ∝ D^(−2/d)"``.
    text : str
        The law with this problem's numbers, e.g. ``"RMSE ∝ D^(−2/3)"``.
    value : float or None
        The power of D (e.g. −0.667 for D^(−2/3)); ``None`` where there is no power law.
    """

    formula: str
    text: str
    value: float | None


@dataclass(frozen=True)
class Recommendation:
    """What :func:`recommend` found.

    Attributes
    ----------
    method : str
        The recommended method.
    leaf : str
        Key of the leaf reached.
    reasoning : tuple of str
        One line per decision, then why the method (and, where relevant, a caveat).
    exponent : Exponent
        The method's scaling law.
    points_needed : float or None
        Points D for the precision, where the method has a power law.
    expected_floor : float or None
        The lowest RMSE the method reached in practice (float64 ε, ReLU plateau, or the
        smooth-net pipeline's best at this ``d``).
    reachable : bool
        Whether the method is expected to reach the precision within the data budget.
    path : tuple of str
        Node keys from the root to the leaf.
    inputs : dict
        The problem as normalised (``d``, ``grid``, ``modular``, ``max_arity``, ``smooth``,
        ``precision``, ``data_budget``).
    order : int or None
        The spline order where the method is a spline.
    """

    method: str
    leaf: str
    reasoning: tuple[str, ...]
    exponent: Exponent
    points_needed: float | None
    expected_floor: float | None
    reachable: bool
    path: tuple[str, ...]
    inputs: dict[str, Any] = field(default_factory=dict)
    order: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (what ``python -m precision guide`` prints).

        Returns
        -------
        dict
            The fields, with the exponent flattened to ``exponent`` (text),
            ``exponent_formula`` and ``exponent_value``, and tuples as lists.
        """
        return {"method": self.method, "leaf": self.leaf, "exponent": self.exponent.text,
                "exponent_formula": self.exponent.formula, "exponent_value": self.exponent.value,
                "points_needed": self.points_needed, "expected_floor": self.expected_floor,
                "reachable": self.reachable, "order": self.order, "reasoning": list(self.reasoning),
                "path": list(self.path), "inputs": dict(self.inputs)}


def _power(alpha: Fraction) -> str:
    return f"D^(−{alpha})" if alpha.denominator == 1 else f"D^(−{alpha.numerator}/{alpha.denominator})"


def recommend(d: int, grid: bool = False, modular: bool = False, max_arity: int | None = None, smooth: bool = True,
              precision: float = 1e-8, data_budget: float | None = None) -> Recommendation:
    """Walk the user's guide (paper §5, Figure 10) for a problem and return its recommendation.

    Parameters
    ----------
    d : int
        Input dimension.
    grid : bool, default False
        The data lie on a regular grid (or you can choose where to sample).
    modular : bool, default False
        The target is a composition of functions of fewer inputs (a computational graph).
    max_arity : int, optional
        The most inputs one node of that graph takes, d* (default ``min(2, d)``; needs ``modular``).
    smooth : bool, default True
        The target is smooth (e.g. a symbolic formula); ``False`` for kinks.
    precision : float, default 1e-8
        The relative RMSE wanted (RMSE / RMS of the target), between 0 and 1.
    data_budget : float, optional
        Training points available; ``None`` assumes :data:`DEFAULT_DATA_BUDGET`.

    Returns
    -------
    Recommendation
        The method, its scaling law, the points it needs, the reasoning and the path taken.

    Raises
    ------
    ValueError
        If ``d`` is not a positive integer, ``grid``/``modular``/``smooth`` is not a bool,
        ``max_arity`` is not an integer in ``1 … d`` or is given without ``modular=True``,
        ``precision`` is not in ``(0, 1)``, or ``data_budget`` is not a finite number ≥ 1.

    Examples
    --------
    >>> recommend(1, grid=True, precision=1e-8).method
    'spline interpolation of order 3 on the grid'
    """
    p = _problem(d, grid, modular, max_arity, smooth, precision, data_budget)
    path, reasoning = [], []
    key = ROOT
    while isinstance(TREE[key], Question):
        q = TREE[key]
        answer, why = TESTS[q.test](p)
        path.append(key)
        reasoning.append(f"{q.text} {'yes' if answer else 'no'}: {why}")
        key = q.yes if answer else q.no
    leaf = TREE[key]
    path.append(key)
    floor = _reach(leaf.reach, p)
    method, order = leaf.method, None
    if leaf.exponent is None:
        formula = "—" if leaf.reach is None else _NO_POWER_LAW
        exponent, need = Exponent(formula, formula, None), None
    else:
        formula, alpha_of = EXPONENTS[leaf.exponent]
        alpha = alpha_of(p)
        text = f"RMSE ∝ {_power(alpha)}"
        exponent, need = Exponent(formula, text, -float(alpha)), points_needed(float(alpha), p.precision)
        if leaf.exponent == "(n+1)/d":
            order = _spline_order(p)
            method = method.replace("order n", f"order {order}")
    reachable = (floor is None or p.precision >= floor) and (need is None or need <= p.budget)
    reasoning.append(f"→ {method}: {leaf.why}.")
    if leaf.reach == "smooth-net":
        value, source = _smooth_net_reach(p.d)
        reasoning.append(f"The paper's pipeline reached {value:.1g} at this dimension ({source}); the precision "
                         f"wanted, {p.precision:.0e}, is {'within' if reachable else 'beyond'} that.")
    elif need is not None and not reachable:
        reasoning.append(f"Expect to fall short: {exponent.text} needs D ≈ {need:.0e} points"
                         + (f" and the method stalls near {floor:.0e}" if floor and p.precision < floor else "")
                         + f"; {_budget_text(p)}.")
    inputs = dict(d=p.d, grid=p.grid, modular=p.modular, max_arity=p.arity if p.modular else None, smooth=p.smooth,
                  precision=p.precision, data_budget=p.budget)
    return Recommendation(method, leaf.key, tuple(reasoning), exponent, need, floor, bool(reachable), tuple(path),
                          inputs, order)


# --------------------------------------------------------------------------- the diagram
def node_label(key: str, width: int = 23) -> str:
    """The text drawn for a node: a question, or a leaf's method and scaling law.

    Parameters
    ----------
    key : str
        A key of :data:`TREE`.
    width : int, default 23
        Line width for wrapping.

    Returns
    -------
    str
        The wrapped question, or the wrapped leaf label followed by a line with its scaling
        law (or "no clean power law").

    Raises
    ------
    KeyError
        If ``key`` is not in :data:`TREE`.
    """
    node = TREE[key]
    if isinstance(node, Question):
        return textwrap.fill(node.text, width)
    law = EXPONENTS[node.exponent][0] if node.exponent else (_NO_POWER_LAW if node.reach else "")
    return textwrap.fill(node.label, width) + (f"\n{law}" if law else "")


def layout() -> dict[str, tuple[float, float]]:
    """(column, row) of every node of the diagram.

    Columns are by depth, leaves take one row each in drawing order, and a question sits
    midway between its two children.

    Returns
    -------
    dict of str to (float, float)
        ``key -> (x, y)`` with ``x`` the depth and ``y`` the row, ``0`` at the top and
        negative below.
    """
    pos: dict[str, tuple[float, float]] = {}
    row = [0]

    def place(key: str, depth: int) -> float:
        node = TREE[key]
        if isinstance(node, Leaf):
            y = -float(row[0])
            row[0] += 1
        else:
            y = (place(node.yes, depth + 1) + place(node.no, depth + 1)) / 2
        pos[key] = (float(depth), y)
        return y

    place(ROOT, 0)
    return pos


def draw_guide(ax: Any = None, highlight: Recommendation | Sequence[str] | None = None) -> Any:
    """Draw the user's guide (paper's Figure 10) from :data:`TREE`; returns the Axes.

    ``highlight`` (a :class:`Recommendation` or a sequence of node keys) draws its path in
    red. Each node's text carries the node key as its ``gid``, each branch label
    ``"<question>-><child>"``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; ``None`` makes a new figure sized to the tree.
    highlight : Recommendation or sequence of str, optional
        The path to draw in red.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (axis lines off).
    """
    import matplotlib.pyplot as plt

    pos = layout()
    n_rows = sum(isinstance(n, Leaf) for n in TREE.values())
    n_cols = int(max(x for x, _ in pos.values())) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(2.5 * n_cols, 0.8 * n_rows + 0.6))
    path = tuple(highlight.path if isinstance(highlight, Recommendation) else (highlight or ()))
    on_path = set(path)
    edges_on_path = set(zip(path, path[1:]))
    for key, node in TREE.items():
        if not isinstance(node, Question):
            continue
        x0, y0 = pos[key]
        for label, child in node.branches:
            x1, y1 = pos[child]
            hot = (key, child) in edges_on_path
            xm = x0 + 0.55
            ax.plot([x0, xm, xm, x1], [y0, y0, y1, y1], color="tab:red" if hot else "0.55",
                    lw=2.6 if hot else 1.0, zorder=1 if not hot else 2, solid_joinstyle="round")
            ax.text(xm - 0.03, (y0 + y1) / 2, label, fontsize=8, color="tab:red" if hot else "0.3", ha="right",
                    va="center", gid=f"{key}->{child}", zorder=3)
    for key, node in TREE.items():
        x, y = pos[key]
        leaf = isinstance(node, Leaf)
        face = "#e3f2e1" if leaf else "#e6eef8"
        edge = "tab:red" if key in on_path else ("#3b7a35" if leaf else "#3a5f8f")
        ax.text(x, y, node_label(key), ha="center", va="center", fontsize=8, gid=key, zorder=4,
                fontweight="bold" if leaf else "normal",
                bbox=dict(boxstyle="round,pad=0.35" if leaf else "round4,pad=0.35", fc=face, ec=edge,
                          lw=2.2 if key in on_path else 0.9))
    ax.set_xlim(-0.55, n_cols - 0.45)
    ax.set_ylim(-n_rows + 0.4, 0.6)
    ax.axis("off")
    return ax
