"""Target functions: the paper's equation table, user expressions and teacher networks.

Paper §1.1 (problem setting) and the sampling conventions of every experiment: inputs
uniform in each variable's box, test points in the box shrunk to its central 80 %,
labels from the exact formula with no noise, everything in float64.
"""
from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable, Mapping, Sequence

import mpmath
import numpy as np
import sympy

from .formula import parse_formula

__all__ = [
    "Target",
    "Dataset",
    "get_target",
    "list_equations",
    "broken_equations",
    "from_expression",
    "teacher",
    "random_polynomial",
    "NAMED_TARGETS",
    "sample",
    "target_by_name",
    "to_unit_box",
    "check_equations",
    "check_equation",
    "check_targets",
    "check_target",
]

_FUNCTION_NAMES = ("exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan")


# --------------------------------------------------------------------------- evaluation
class _Backend:
    """How to evaluate a SymPy tree with one numeric library: constants and functions."""

    def __init__(self, constant: Callable[[sympy.Expr], Any], functions: Mapping[str, Callable]):
        self._make_constant = constant
        self._constants: dict[sympy.Expr, Any] = {}
        self.functions = functions

    def constant(self, expr: sympy.Expr) -> Any:
        if expr not in self._constants:
            self._constants[expr] = self._make_constant(expr)
        return self._constants[expr]


def _numpy_backend(dtype: type) -> _Backend:
    funcs = {name: getattr(np, name) for name in _FUNCTION_NAMES if name[0] != "a"}
    funcs.update(asin=np.arcsin, acos=np.arccos, atan=np.arctan, Abs=np.abs, sqrt=np.sqrt)
    from scipy import special

    funcs.update(j0=special.j0, j1=special.j1)
    return _Backend(lambda c: dtype(float(c.evalf(30))), funcs)


def _torch_backend() -> _Backend:
    import torch

    funcs = {name: getattr(torch, name) for name in _FUNCTION_NAMES}
    funcs.update(Abs=torch.abs, sqrt=torch.sqrt, j0=_torch_bessel(0), j1=_torch_bessel(1))
    return _Backend(lambda c: float(c.evalf(30)), funcs)


def _torch_bessel(order: int) -> Callable:
    """``J_order`` on a torch tensor, differentiable once. Values from SciPy (Cephes, about
    1e-16): ``torch.special.bessel_j0``/``j1`` are only good to about 1e-7 in float64."""
    import torch
    from scipy import special

    value = special.j0 if order == 0 else special.j1

    class BesselJ(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.from_numpy(np.asarray(value(x.detach().cpu().numpy()))).to(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            u = x.detach().cpu().numpy()
            slope = -special.j1(u) if order == 0 else (special.j0(u) - special.jv(2, u)) / 2  # J₁' = (J₀ − J₂)/2
            return grad * torch.from_numpy(np.asarray(slope)).to(x)

    return BesselJ.apply


def _mpmath_backend() -> _Backend:
    funcs = {name: getattr(mpmath, name) for name in _FUNCTION_NAMES}
    funcs.update(Abs=abs, sqrt=mpmath.sqrt, j0=mpmath.j0, j1=mpmath.j1)
    return _Backend(lambda c: mpmath.mpf(str(c.evalf(mpmath.mp.dps + 10))), funcs)


def _evaluate(expr: sympy.Expr, env: Mapping[str, Any], backend: _Backend) -> Any:
    """Evaluate a SymPy tree node by node; constant subtrees are folded once, exactly."""
    if not expr.free_symbols:
        return backend.constant(expr)
    if expr.is_Symbol:
        return env[expr.name]
    if expr.is_Add:
        parts = [_evaluate(a, env, backend) for a in expr.args]
        return functools.reduce(lambda a, b: a + b, parts)
    if expr.is_Mul:
        parts = [_evaluate(a, env, backend) for a in expr.args]
        return functools.reduce(lambda a, b: a * b, parts)
    if expr.is_Pow:
        base, power = expr.args
        b = _evaluate(base, env, backend)
        if power == sympy.Rational(1, 2):
            return backend.functions["sqrt"](b)
        if power == sympy.Rational(-1, 2):
            return 1 / backend.functions["sqrt"](b)
        if power.is_Integer:
            return b ** int(power)
        return b ** _evaluate(power, env, backend)
    name = type(expr).__name__
    if name == "besselj" and expr.args[0] in (0, 1) and f"j{expr.args[0]}" in backend.functions:
        return backend.functions[f"j{expr.args[0]}"](_evaluate(expr.args[1], env, backend))
    if name in backend.functions and len(expr.args) == 1:
        return backend.functions[name](_evaluate(expr.args[0], env, backend))
    raise ValueError(f"cannot evaluate '{name}' in {expr}; supported functions: {', '.join(sorted(backend.functions))}")


# --------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    """A function to fit, with its input box.

    ``expr`` is the SymPy formula (``None`` for a teacher network, whose values come
    from ``network``). Call the target on an ``(n, d)`` float64 array to get ``(n,)``
    exact float64 labels. With neither, the target is known only through its samples
    (:func:`precision.inputs.data_target`) and cannot be evaluated.
    """

    name: str
    formula: str
    variables: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    expr: sympy.Expr | None = None
    network: Any = field(default=None, repr=False, compare=False)

    @property
    def d(self) -> int:
        """Input dimension."""
        return len(self.variables)

    @property
    def can_evaluate(self) -> bool:
        """Whether the target labels new inputs (False when known only through its samples)."""
        return self.expr is not None or self.network is not None

    def _require_evaluable(self) -> None:
        if not self.can_evaluate:
            raise ValueError(f"target '{self.name}' is known only through its samples; it cannot label new inputs")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.evaluate(x, np.float64)

    def evaluate(self, x: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        """Evaluate with every operation rounded to ``dtype`` (float16/32/64)."""
        self._require_evaluable()
        x = self._check_x(np.asarray(x)).astype(dtype)
        if self.expr is None:
            if dtype is not np.float64:
                raise ValueError(f"target '{self.name}' is a network; it evaluates in float64 only")
            return self._network_numpy(x)
        env = {v: x[:, i] for i, v in enumerate(self.variables)}
        out = _evaluate(self.expr, env, _numpy_backend(dtype))
        return np.broadcast_to(np.asarray(out, dtype=dtype), (x.shape[0],)).copy()

    def torch(self, x: "torch.Tensor") -> "torch.Tensor":  # noqa: F821
        """Evaluate on a ``(n, d)`` torch tensor (keeps its dtype and autograd graph)."""
        self._require_evaluable()
        if self.expr is None:
            return self.network(x).squeeze(-1)
        env = {v: x[:, i] for i, v in enumerate(self.variables)}
        return _evaluate(self.expr, env, _torch_backend())

    def reference(self, x: np.ndarray, dps: int = 50) -> list:
        """The exact value at each float64 input, as mpmath numbers with ``dps`` digits."""
        self._require_evaluable()
        x = self._check_x(np.asarray(x, dtype=np.float64))
        with mpmath.workdps(dps):
            if self.expr is None:
                from .models import forward_mpmath

                return list(forward_mpmath(self.network, x, dps))
            backend = _mpmath_backend()
            out = []
            for row in x:
                env = {v: mpmath.mpf(float(row[i])) for i, v in enumerate(self.variables)}
                out.append(+_evaluate(self.expr, env, backend))
            return out

    def _check_x(self, x: np.ndarray) -> np.ndarray:
        if x.ndim == 1 and self.d == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"x must have shape (n, {self.d}) for target '{self.name}', got {x.shape}")
        return x

    def _network_numpy(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():  # the net may have been made on a GPU (precision.device.on_device)
            x = torch.from_numpy(x).to(next(self.network.parameters()).device)
            return self.network(x).squeeze(-1).cpu().numpy()


@functools.lru_cache(maxsize=1)
def _table() -> tuple[dict[str, dict], dict[str, str]]:
    """Parse the shipped equation table once: (usable rows by id, broken rows by id → reason)."""
    text = resources.files("precision").joinpath("data/feynman_equations.csv").read_text(encoding="utf-8-sig")
    good, broken = {}, {}
    for row in csv.DictReader(text.splitlines()):
        eq = row["Equation"].strip()
        formula = row["Formula"].strip()
        n_vars = int(row["# variables"])
        names = [row[f"v{i}_name"].strip() for i in range(1, 11) if row.get(f"v{i}_name", "").strip()]
        if formula.startswith("#"):
            broken[eq] = f"its formula is '{formula}' in the source table (a spreadsheet error)"
            continue
        if len(names) < n_vars:
            broken[eq] = f"it claims {n_vars} variables but lists only {len(names)} ({', '.join(names)})"
            continue
        # Some rows undercount (I.18.12 says 2 but lists and uses 3): the listed names win.
        bounds = [(float(row[f"v{i}_low"]), float(row[f"v{i}_high"])) for i in range(1, len(names) + 1)]
        good[eq] = {"formula": formula, "variables": tuple(names), "bounds": bounds, "output": row["Output"].strip()}
    return good, broken


def list_equations() -> list[str]:
    """Ids of the usable equations in the shipped table (AI Feynman + the paper's Z.*)."""
    return list(_table()[0])


def broken_equations() -> dict[str, str]:
    """Rows of the source table that cannot be used, with the reason."""
    return dict(_table()[1])


def _parse(formula: str, variables: Sequence[str]) -> sympy.Expr:
    return parse_formula(formula, variables)


def get_target(name: str) -> Target:
    """The equation ``name`` from the paper's table (e.g. ``"I.8.14"``, ``"Z.001"``)."""
    good, broken = _table()
    if name in broken:
        raise ValueError(f"equation '{name}' cannot be used: {broken[name]}")
    if name not in good:
        raise KeyError(f"unknown equation '{name}'; see precision.targets.list_equations()")
    row = good[name]
    expr = _parse(row["formula"], row["variables"])
    low, high = zip(*row["bounds"])
    return Target(name, f"{row['output']} = {row['formula']}", row["variables"], low, high, expr)


def from_expression(expression: str, domains: Mapping[str, tuple[float, float]], name: str | None = None) -> Target:
    """A target from a user formula, e.g. ``from_expression("sin(x)*y", {"x": (-1, 1), "y": (0, 2)})``.

    Variables are ordered as in ``domains``; every free symbol needs a domain. The formula is
    parsed by :func:`precision.formula.parse_formula`, which runs no code: numbers, the
    variables, ``pi``, ``E``, ``+ - * / **`` and a whitelist of functions only.
    """
    if not domains:
        raise ValueError("domains must give each variable a (low, high) range, e.g. {'x': (-1, 1)}")
    for var, (lo, hi) in domains.items():
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"domain of '{var}' must satisfy low < high (finite), got {lo}:{hi}")
        if not math.isfinite(hi - lo) or max(abs(lo), abs(hi)) > 1e150:
            raise ValueError(f"domain of '{var}' is too wide for float64 arithmetic ({lo:g}:{hi:g}); "
                             "keep |low|, |high| ≤ 1e150")
    expr = parse_formula(expression, list(domains), unknown="symbol")  # data, never code
    missing = sorted(s.name for s in expr.free_symbols if s.name not in domains)
    if missing:
        raise ValueError(f"expression uses {', '.join(missing)} with no domain; give --domain NAME=LOW:HIGH for each")
    low, high = zip(*(domains[v] for v in domains))
    return Target(name or expression, expression, tuple(domains), tuple(map(float, low)), tuple(map(float, high)), expr)


def teacher(widths: Sequence[int] = (1, 3, 3, 1), seed: int = 0, activation: str = "tanh",
            low: float = -1.0, high: float = 1.0) -> Target:
    """A random MLP as the target (paper §4.1: a 1-3-3-1 tanh teacher, seed 0, x ∈ [−1, 1])."""
    from .models import mlp

    if len(widths) < 2 or widths[-1] != 1:
        raise ValueError(f"widths must run from the input size to 1 output, got {tuple(widths)}")
    depth = len(widths) - 1
    net = mlp(widths[0], widths[1] if depth > 1 else 1, depth, activation=activation, seed=seed)
    for p in net.parameters():
        p.requires_grad_(False)
    variables = tuple(f"x{i + 1}" for i in range(widths[0])) if widths[0] > 1 else ("x",)
    name = f"teacher-{'-'.join(map(str, widths))}-{activation}-seed{seed}"
    return Target(name, name, variables, (low,) * widths[0], (high,) * widths[0], None, net)


def random_polynomial(degree: int = 5, seed: int = 0, scale: float = 1.5, low: float = -1.0,
                      high: float = 1.0) -> Target:
    """A polynomial ``Σ_k c_k x^k`` (k = 0 … ``degree``) with coefficients drawn uniformly
    from ``[−scale, scale]`` by ``numpy.random.default_rng(seed)``, on ``x ∈ [low, high]``.

    Appendix B's target: the authors fitted a random quintic with coefficients uniform in
    [−1.5, 1.5] on x ∈ [−1, 1] (their notebook ``low-curvature-subspace-training-mse.ipynb``
    drew it unseeded; this one is seeded). The coefficients are float64 numbers, kept
    exactly in the SymPy formula, so the labels and :meth:`Target.reference` agree.
    """
    from .checks import check_nonnegative_int, check_positive_float

    check_nonnegative_int("degree", degree)
    check_nonnegative_int("seed", seed)
    check_positive_float("scale", scale)
    if not low < high:
        raise ValueError(f"need low < high, got low={low}, high={high}")
    coefficients = np.random.default_rng(seed).uniform(-scale, scale, degree + 1)
    x = sympy.Symbol("x")
    expr = sympy.Add(*(sympy.Float(float(c), precision=53) * x ** k for k, c in enumerate(coefficients)))
    name = f"{'quintic' if degree == 5 else f'degree-{degree} polynomial'} (seed {seed})"
    return Target(name, str(expr), ("x",), (float(low),), (float(high),), expr)


#: Targets known by a name rather than an equation id: the paper's 1-3-3-1 tanh teacher
#: (§4.1) and the random quintic of Appendix B (seed 0).
NAMED_TARGETS: dict[str, Callable[[], Target]] = {"teacher": lambda: teacher(),
                                                   "quintic": lambda: random_polynomial(5, seed=0)}


# --------------------------------------------------------------------------- sampling
@dataclass(frozen=True)
class Dataset:
    """Train and test sets for one target (float64 numpy arrays; ``x`` is ``(n, d)``)."""

    target: Target
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def standardized(self) -> "Dataset":
        """Inputs shifted and scaled by the *training* mean and std (paper's sweeps)."""
        mean = self.x_train.mean(axis=0)
        std = self.x_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return Dataset(self.target, (self.x_train - mean) / std, self.y_train, (self.x_test - mean) / std, self.y_test)


def sample(target: Target, n_train: int, n_test: int = 30_000, seed: int = 0, test_shrink: float = 0.8) -> Dataset:
    """Uniform training inputs in the target's box; test inputs in the box shrunk about its
    centre to ``test_shrink`` of each side (paper: 0.8, so interpolation never extrapolates)."""
    from .checks import check_nonnegative_int, check_positive_int

    check_positive_int("n_train", n_train)
    check_nonnegative_int("seed", seed)
    check_positive_int("n_test", n_test)
    if not 0 < test_shrink <= 1:
        raise ValueError(f"test_shrink must lie in (0, 1], got {test_shrink}")
    rng = np.random.default_rng(seed)
    low, high = np.array(target.low), np.array(target.high)
    centre, half = (low + high) / 2, (high - low) / 2 * test_shrink
    x_train = rng.uniform(low, high, size=(n_train, target.d))
    x_test = rng.uniform(centre - half, centre + half, size=(n_test, target.d))
    with np.errstate(all="ignore"):  # undefined labels are reported below, in one sentence
        y_train, y_test = target(x_train), target(x_test)
    _require_finite(target, y_train, y_test)
    return Dataset(target, x_train, y_train, x_test, y_test)


def _require_finite(target: Target, y_train: np.ndarray, y_test: np.ndarray) -> None:
    """Refuse labels that are NaN or infinite: the formula is undefined on part of its box."""
    bad_train, bad_test = int(np.count_nonzero(~np.isfinite(y_train))), int(np.count_nonzero(~np.isfinite(y_test)))
    if bad_train or bad_test:
        box = ", ".join(f"{v} in [{lo:g}, {hi:g}]" for v, lo, hi in zip(target.variables, target.low, target.high))
        raise ValueError(f"target '{target.name}' is undefined (NaN or infinite) on part of its box {box}: "
                         f"{bad_train} of {len(y_train)} training and {bad_test} of {len(y_test)} test labels "
                         "are not finite; choose a box where the formula is defined")


def to_unit_box(x: np.ndarray, low: Sequence[float], high: Sequence[float]) -> np.ndarray:
    """Map the box ``[low, high]`` (per column of ``x``) affinely onto ``[−1, 1]^d``."""
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    return (2 * np.asarray(x, dtype=np.float64) - (low + high)) / (high - low)


def target_by_name(name: str) -> Target:
    """A name of :data:`NAMED_TARGETS` (``"teacher"``: the paper's 1-3-3-1 tanh teacher, seed 0,
    on [−1, 1]; ``"quintic"``: Appendix B's random quintic, seed 0) or an equation id."""
    return NAMED_TARGETS[name]() if name in NAMED_TARGETS else get_target(name)


# --------------------------------------------------------------------------- checks
_NAMES = " or ".join(repr(n) for n in NAMED_TARGETS)

def check_equations(name: str, values: Any) -> tuple[str, ...]:
    """A non-empty list of usable equation ids (one id is taken as a list of one)."""
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, Sequence) or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list of equation ids, got {values!r}")
    known, broken = set(list_equations()), broken_equations()
    for v in values:
        if v in broken:
            raise ValueError(f"{name}: equation '{v}' cannot be used: {broken[v]}")
        if v not in known:
            raise ValueError(f"{name}: unknown equation {v!r}; see precision.targets.list_equations()")
    return tuple(values)


def check_equation(name: str, value: Any) -> str:
    """One usable equation id."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be one equation id (a string), got {value!r}")
    return check_equations(name, (value,))[0]


def check_targets(name: str, values: Any) -> tuple[str, ...]:
    """Equation ids, or names of :data:`NAMED_TARGETS` (``"teacher"``, ``"quintic"``)."""
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, Sequence) or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list of equation ids or {_NAMES}, got {values!r}")
    rest = [v for v in values if v not in NAMED_TARGETS]
    if rest:
        check_equations(name, rest)
    return tuple(values)


def check_target(name: str, value: Any) -> str:
    """One equation id or a name of :data:`NAMED_TARGETS`."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be one equation id or {_NAMES} (a string), got {value!r}")
    return check_targets(name, (value,))[0]
