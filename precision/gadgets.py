"""The four-neuron multiplication gadget (paper §3, Figure 6b; Lin, Tegmark & Rolnick 2017).

With g(u) = σ(b+u) + σ(b−u) = 2 Σ_k σ⁽²ᵏ⁾(b) u²ᵏ/(2k)! (odd terms cancel) and
(x+y)² − (x−y)² = 4xy, the gadget [g(λ(x+y)) − g(λ(x−y))] / (4λ²σ''(b)) equals

    xy + Σ_{k≥2} λ^(2k−2) σ⁽²ᵏ⁾(b) / ((2k)! σ''(b)) · [(x+y)²ᵏ − (x−y)²ᵏ] / 2
    = xy + λ² σ''''(b)/(6σ''(b)) · xy(x²+y²)
         + λ⁴ σ⁽⁶⁾(b)/(120σ''(b)) · xy(x⁴ + 10x²y²/3 + y⁴) + …

so truncation falls like λ² (like λ⁴ where σ''''(b) = 0). In float64 the four O(1) values cancel
to O(λ²), each carrying about one ulp of rounding, so the rounding RMSE is c·ε/(λ²|σ''(b)|), c from
:func:`rounding_constant` (≈ 0.13 for tanh). With truncation Aλ² (A: RMS over the box of the λ²
coefficient), the optimum is λ* = (cε/(|σ''|A))^(1/4) with floor √(2A·cε/|σ''|) ~ ε^(1/2).

Bias: tanh''(0) = 0, so b must move. With t = tanh(b), tanh'' = −2t(1−t²) is extremal at 1 = 3t²,
b = atanh(1/√3) = asinh(1/√2) ≈ 0.6585, |σ''| = 4/(3√3) ≈ 0.770 (least rounding): rule
``"curvature"``, default of the gadget functions. tanh'''' = 8t(2−3t²)(1−t²) vanishes at
b = atanh(√(2/3)) ≈ 1.1462 where |σ''| is still 0.544: rule ``"quartic"`` removes the λ² term,
so the floor drops to ~ε^(2/3); :func:`product_network` uses it by default.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from numpy.polynomial import Polynomial

__all__ = ["derivative", "gadget_bias", "multiply", "gadget_error", "error_curve", "rounding_constant",
           "predicted_error", "optimal_lambda", "product_network", "ProductFit", "best_product_network",
           "gadget_diagram", "ArchitectureError", "architecture_error", "float64_floor"]

EPS = float(np.finfo(np.float64).eps)
# σ' as a polynomial in σ, the function, its inverse and the range of σ.
_ACTS = {"tanh": (Polynomial([1.0, 0.0, -1.0]), np.tanh, np.arctanh, (-1.0, 1.0), torch.nn.Tanh),
         "sigmoid": (Polynomial([0.0, 1.0, -1.0]), lambda z: 1 / (1 + np.exp(-z)),
                     lambda s: np.log(s / (1 - s)), (0.0, 1.0), torch.nn.Sigmoid)}


def _act(activation: str) -> tuple:
    if activation in ("relu", "identity", "linear"):
        raise ValueError(f"activation '{activation}' has σ''(b) = 0 for every bias b; the gadget needs a "
                         f"smooth activation: one of {', '.join(_ACTS)}")
    if activation not in _ACTS:
        raise ValueError(f"activation must be one of {', '.join(_ACTS)}; got {activation!r}")
    return _ACTS[activation]


def _poly(activation: str, k: int) -> Polynomial:
    q, p = _act(activation)[0], Polynomial([0.0, 1.0])
    for _ in range(k):
        p = p.deriv() * q
    return p


def derivative(activation: str, b: float, k: int) -> float:
    """The k-th derivative σ⁽ᵏ⁾(b), exact via σ' = Q(σ) (tanh: 1 − σ², sigmoid: σ − σ²).

    Parameters
    ----------
    activation : {"tanh", "sigmoid"}
        The activation σ.
    b : float
        Where to evaluate.
    k : int
        Order of the derivative (0 gives σ(b)).

    Returns
    -------
    float
        σ⁽ᵏ⁾(b), as a polynomial in σ(b) evaluated in float64.

    Raises
    ------
    ValueError
        If ``activation`` is not ``"tanh"`` or ``"sigmoid"``.

    Examples
    --------
    >>> derivative("tanh", 0.0, 1)
    1.0
    """
    return float(_poly(activation, k)(_act(activation)[1](b)))


def gadget_bias(activation: str = "tanh", rule: str = "curvature") -> float:
    """The gadget's bias: the smallest positive root of σ''' or of σ'''' (with σ''(b) ≠ 0).

    Parameters
    ----------
    activation : {"tanh", "sigmoid"}, default "tanh"
        The activation σ.
    rule : {"curvature", "quartic"}, default "curvature"
        ``"curvature"``: σ'''(b) = 0, where |σ''| is extremal (least rounding);
        ``"quartic"``: σ''''(b) = 0 and σ''(b) ≠ 0 (no λ² truncation term).

    Returns
    -------
    float
        The bias b (tanh: ≈ 0.6585 for ``"curvature"``, ≈ 1.1462 for ``"quartic"``).

    Raises
    ------
    ValueError
        If ``rule`` or ``activation`` is unknown or the activation is not smooth.
    """
    if rule not in ("curvature", "quartic"):
        raise ValueError(f"bias rule must be 'curvature' or 'quartic' (or a number); got {rule!r}")
    _, f, finv, (lo, hi), _ = _act(activation)
    roots = _poly(activation, 3 if rule == "curvature" else 4).roots()
    bs = [float(finv(r.real)) for r in roots if abs(r.imag) < 1e-12 and lo < r.real < hi]
    return min(b for b in bs if b > 1e-12 and abs(derivative(activation, b, 2)) > 1e-8)


def _check(lam: float, activation: str, bias: float | str | None) -> tuple[float, float]:
    """Validate (λ, activation, bias); return (b, σ''(b))."""
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.floating)) or not 0 < lam < np.inf:
        raise ValueError(f"lam must be a positive finite number, got {lam!r}")
    b = gadget_bias(activation, bias or "curvature") if bias is None or isinstance(bias, str) else float(bias)
    s2 = derivative(activation, b, 2)
    if not np.isfinite(b) or abs(s2) < 1e-8:
        raise ValueError(f"bias must give σ''(bias) ≠ 0 for {activation}; σ''({b}) = {s2:.3g} "
                         "(e.g. tanh''(0) = 0: use bias='curvature' or 'quartic')")
    return b, s2


def multiply(x: np.ndarray, y: np.ndarray, lam: float, activation: str = "tanh",
             bias: float | str | None = None) -> np.ndarray:
    """x·y from four neurons: [σ(b+λs)+σ(b−λs) − σ(b+λd)−σ(b−λd)] / (4λ²σ''(b)), s = x+y, d = x−y.

    Parameters
    ----------
    x, y : array_like
        Factors (broadcast together), evaluated in float64.
    lam : float
        Input weight λ > 0.
    activation : str
        ``"tanh"`` or ``"sigmoid"``.
    bias : float or {"curvature", "quartic"}, optional
        Pre-activation shift b (see module notes); default ``"curvature"``.

    Returns
    -------
    numpy.ndarray
        The gadget's estimate of x·y (float64, the broadcast shape).

    Raises
    ------
    ValueError
        If ``lam`` is not a positive finite number, the activation is not smooth or unknown,
        or the bias gives σ''(b) = 0.

    Examples
    --------
    >>> round(float(multiply(0.5, 0.5, 1e-3)), 6)
    0.25
    """
    b, s2 = _check(lam, activation, bias)
    f, x, y = _act(activation)[1], np.asarray(x, np.float64), np.asarray(y, np.float64)
    s, d = lam * (x + y), lam * (x - y)
    return ((f(b + s) + f(b - s)) - (f(b + d) + f(b - d))) / (4 * lam**2 * s2)


def _points(n: int, box: tuple[float, float], seed: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    a, c = map(float, box)
    if not (np.isfinite(a) and np.isfinite(c) and a < c):
        raise ValueError(f"box must be (low, high) with low < high, got {box!r}")
    return tuple(np.random.default_rng(seed).uniform(a, c, size=(2, n)))


def gadget_error(lam: float, n: int = 10_000, box: tuple[float, float] = (-1.0, 1.0), activation: str = "tanh",
                 bias: float | str | None = None, seed: int = 0) -> float:
    """RMSE of :func:`multiply` against x·y on ``n`` uniform points of box × box.

    Parameters
    ----------
    lam : float
        Input weight λ > 0.
    n : int, default 10000
        Number of uniform points ``(x, y)`` in box × box.
    box : (float, float), default (-1.0, 1.0)
        Range ``(low, high)`` of each factor.
    activation : {"tanh", "sigmoid"}, default "tanh"
        The gadget's activation σ.
    bias : float or {"curvature", "quartic"}, optional
        Pre-activation shift b (see module notes); default ``"curvature"``.
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the points.

    Returns
    -------
    float
        The RMSE, in float64.

    Raises
    ------
    ValueError
        If ``lam`` is not positive and finite, the activation is not smooth or unknown, the bias
        gives σ''(b) = 0, ``n`` is not a positive integer or ``box`` is not ``(low, high)`` with
        ``low < high``.
    """
    x, y = _points(n, box, seed)
    return float(np.sqrt(np.mean((multiply(x, y, lam, activation, bias) - x * y) ** 2)))


def error_curve(lams: Sequence[float], n: int = 10_000, box: tuple[float, float] = (-1.0, 1.0),
                activation: str = "tanh", bias: float | str | None = None, seed: int = 0) -> np.ndarray:
    """Measured :func:`gadget_error` at each λ in ``lams`` (same points for all).

    Parameters
    ----------
    lams : sequence of float
        Input weights λ > 0.
    n : int, default 10000
        Number of uniform points ``(x, y)`` in box × box.
    box : (float, float), default (-1.0, 1.0)
        Range ``(low, high)`` of each factor.
    activation : {"tanh", "sigmoid"}, default "tanh"
        The gadget's activation σ.
    bias : float or {"curvature", "quartic"}, optional
        Pre-activation shift b (see module notes); default ``"curvature"``.
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the points.

    Returns
    -------
    numpy.ndarray
        ``(len(lams),)`` float64 RMSEs.

    Raises
    ------
    ValueError
        If a λ is not positive and finite, the activation is not smooth or unknown, the bias
        gives σ''(b) = 0, ``n`` is not a positive integer or ``box`` is not ``(low, high)`` with
        ``low < high``.
    """
    return np.array([gadget_error(float(lam), n, box, activation, bias, seed) for lam in lams])


def rounding_constant(activation: str = "tanh", bias: float | str | None = None) -> float:
    """c in rounding RMSE ≈ c·ε/(λ²|σ''(b)|), from a one-rounding-per-operation model.

    Each of the four neurons contributes the rounding of its argument ≈ b (propagated by
    σ'(b)) and of its value σ(b); the two pair sums ≈ 2σ(b) round once each (their difference
    is exact, Sterbenz). Errors are uniform in ±ulp/2 (variance ulp²/12) and independent.

    Parameters
    ----------
    activation : {"tanh", "sigmoid"}, default "tanh"
        The activation σ.
    bias : float or {"curvature", "quartic"}, optional
        Pre-activation shift b; default ``"curvature"``.

    Returns
    -------
    float
        The constant c (≈ 0.13 for tanh).

    Raises
    ------
    ValueError
        If the activation is not smooth or unknown, or the bias gives σ''(b) = 0.
    """
    (b, _), f, u = _check(1.0, activation, bias), _act(activation)[1], np.spacing
    var = 4 * ((derivative(activation, b, 1) * u(abs(b))) ** 2 + u(abs(f(b))) ** 2) + 2 * u(abs(2 * f(b))) ** 2
    return float(np.sqrt(var / 12) / (4 * EPS))


def predicted_error(lam: float | np.ndarray, n: int = 10_000, box: tuple[float, float] = (-1.0, 1.0),
                    activation: str = "tanh", bias: float | str | None = None, seed: int = 0) -> np.ndarray:
    """Model RMSE √(truncation² + rounding²) at each λ (see module notes).

    Truncation is the RMS over the box (same points as :func:`gadget_error`) of the λ², λ⁴ and
    λ⁶ Taylor terms; rounding is c·ε/(λ²|σ''(b)|) with c from :func:`rounding_constant`.

    Parameters
    ----------
    lam : float or numpy.ndarray
        Input weight(s) λ > 0.
    n : int, default 10000
        Number of uniform points ``(x, y)`` in box × box.
    box : (float, float), default (-1.0, 1.0)
        Range ``(low, high)`` of each factor.
    activation : {"tanh", "sigmoid"}, default "tanh"
        The gadget's activation σ.
    bias : float or {"curvature", "quartic"}, optional
        Pre-activation shift b (see module notes); default ``"curvature"``.
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the points.

    Returns
    -------
    numpy.ndarray
        Predicted RMSE, float64, shape of ``lam`` (0-d for a scalar).

    Raises
    ------
    ValueError
        If ``lam`` is empty or not all positive and finite, the activation is not smooth or
        unknown, the bias gives σ''(b) = 0, ``n`` is not a positive integer or ``box`` is not
        ``(low, high)`` with ``low < high``.
    """
    lam = np.asarray(lam, np.float64)
    if lam.size == 0 or not np.all(np.isfinite(lam) & (lam > 0)):
        raise ValueError(f"lam must be positive finite number(s), got {lam!r}")
    (b, s2), (x, y) = _check(1.0, activation, bias), _points(n, box, seed)
    terms = [derivative(activation, b, 2 * k) / (np.prod(np.arange(1.0, 2 * k + 1)) * s2)
             * ((x + y) ** (2 * k) - (x - y) ** (2 * k)) / 2 for k in (2, 3, 4)]
    gram = np.array([[np.mean(p * q) for q in terms] for p in terms])
    powers = np.stack([lam**2, lam**4, lam**6], axis=-1)
    trunc2 = np.einsum("...i,ij,...j->...", powers, gram, powers)
    return np.sqrt(trunc2 + (rounding_constant(activation, b) * EPS / (abs(s2) * lam**2)) ** 2)


def optimal_lambda(n: int = 10_000, box: tuple[float, float] = (-1.0, 1.0), activation: str = "tanh",
                   bias: float | str | None = None, seed: int = 0) -> tuple[float, float]:
    """(λ*, floor): the λ minimising :func:`predicted_error` and the predicted RMSE there.

    The minimum is taken over 1601 values of λ log-spaced in ``[1e-8, 1]``.

    Parameters
    ----------
    n : int, default 10000
        Number of uniform points ``(x, y)`` in box × box.
    box : (float, float), default (-1.0, 1.0)
        Range ``(low, high)`` of each factor.
    activation : {"tanh", "sigmoid"}, default "tanh"
        The gadget's activation σ.
    bias : float or {"curvature", "quartic"}, optional
        Pre-activation shift b (see module notes); default ``"curvature"``.
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the points.

    Returns
    -------
    lam : float
        The best λ on the grid.
    floor : float
        The predicted RMSE there.

    Raises
    ------
    ValueError
        If the activation is not smooth or unknown, the bias gives σ''(b) = 0, ``n`` is not a
        positive integer or ``box`` is not ``(low, high)`` with ``low < high``.
    """
    lams = np.logspace(-8, 0, 1601)
    i = int(np.argmin(err := predicted_error(lams, n, box, activation, bias, seed)))
    return float(lams[i]), float(err[i])


def product_network(lam: float, bias: float | str | None = "quartic", activation: str = "tanh",
                    pairs: Sequence[tuple[int, int]] = ((0, 3), (1, 4), (2, 5)),
                    d_in: int = 6) -> torch.nn.Sequential:
    """Σ x_i·x_j over ``pairs`` as a hand-built depth-2 MLP, one gadget (4 neurons) per pair.

    Default: I.11.19, inputs (x1, x2, x3, y1, y2, y3), a float64 6-12-1 Linear-Tanh-Linear net
    (97 parameters). Hidden neuron rows are ±λ(x ± y) + b; output weights ±1/(4λ²σ''(b)); the
    constants 2σ(b) cancel within each gadget, so the output bias is 0.

    Parameters
    ----------
    lam : float
        Input weight λ > 0.
    bias : float or {"curvature", "quartic"} or None, default "quartic"
        Hidden bias b (``None``: ``"curvature"``).
    activation : {"tanh", "sigmoid"}, default "tanh"
        Hidden activation.
    pairs : sequence of (int, int), default ((0, 3), (1, 4), (2, 5))
        Input indices ``(i, j)`` of each product.
    d_in : int, default 6
        Number of inputs.

    Returns
    -------
    torch.nn.Sequential
        ``Linear(d_in, 4·len(pairs)), σ, Linear(4·len(pairs), 1)``, float64.

    Raises
    ------
    ValueError
        If ``lam`` is not a positive finite number, the activation is not smooth or unknown,
        or the bias gives σ''(b) = 0.
    """
    b, s2 = _check(lam, activation, bias)
    k, m = 1 / (4 * lam**2 * s2), 4 * len(pairs)
    w1, w2 = torch.zeros(m, d_in, dtype=torch.float64), torch.zeros(1, m, dtype=torch.float64)
    for g, (i, j) in enumerate(pairs):
        for r, (wi, wj, out) in enumerate(((1, 1, k), (-1, -1, k), (1, -1, -k), (-1, 1, -k))):
            w1[4 * g + r, i], w1[4 * g + r, j], w2[0, 4 * g + r] = wi * lam, wj * lam, out
    hidden, output = torch.nn.Linear(d_in, m, dtype=torch.float64), torch.nn.Linear(m, 1, dtype=torch.float64)
    with torch.no_grad():
        hidden.weight.copy_(w1), hidden.bias.fill_(b), output.weight.copy_(w2), output.bias.zero_()
    return torch.nn.Sequential(hidden, _act(activation)[4](), output)


@dataclass(frozen=True)
class ProductFit:
    """The chosen gadget network for I.11.19 and its RMSE on the test set.

    Attributes
    ----------
    network : torch.nn.Sequential
        The :func:`product_network`.
    lam : float
        Its input weight λ.
    bias : float
        Its hidden bias b.
    test_rmse : float
        RMSE on the test set.
    """

    network: torch.nn.Sequential
    lam: float
    bias: float
    test_rmse: float


def _rmse(net: torch.nn.Sequential, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float(np.sqrt(np.mean((net(torch.from_numpy(x)).squeeze(-1).numpy() - y) ** 2)))


def best_product_network(lams: Sequence[float] | None = None, bias: float | str | None = "quartic",
                         n_test: int = 10_000, seed: int = 0) -> ProductFit:
    """λ for I.11.19 chosen on a validation draw of the test box (seed + 1), scored on the test set.

    Default candidates: 41 values within ±½ decade of :func:`optimal_lambda` for one gadget on
    the test box. Input scaling needs no knob of its own (scaling inputs by s is λ → sλ), and
    centring them would need linear terms that the even gadget pairs cannot make.

    Parameters
    ----------
    lams : sequence of float, optional
        Candidate λ values; default as above.
    bias : float or {"curvature", "quartic"} or None, default "quartic"
        Hidden bias b.
    n_test : int, default 10000
        Points in the validation and in the test set.
    seed : int, default 0
        Seed of the test set (the validation set uses ``seed + 1``).

    Returns
    -------
    ProductFit
        The network with the lowest validation RMSE, its λ and b, and its test RMSE.
    """
    from .targets import get_target, sample

    target = get_target("I.11.19")
    val, test = sample(target, 10, n_test, seed=seed + 1), sample(target, 10, n_test, seed=seed)
    if lams is None:
        lams = optimal_lambda(box=(val.x_test.min(), val.x_test.max()), bias=bias)[0] * np.logspace(-0.5, 0.5, 41)
    lam = min(lams, key=lambda v: _rmse(product_network(float(v), bias), val.x_test, val.y_test))
    net = product_network(float(lam), bias)
    return ProductFit(net, float(lam), _check(1.0, "tanh", bias)[0], _rmse(net, test.x_test, test.y_test))


def gadget_diagram(ax, activation: str = "tanh", bias: float | str | None = None) -> None:
    """Draw the gadget on ``ax``: x, y → four σ neurons (weights ±λ, bias b) → xy (weights ±μ).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on (axis lines are turned off).
    activation : {"tanh", "sigmoid"}, default "tanh"
        Activation named in the hidden neurons.
    bias : float or {"curvature", "quartic"}, optional
        The bias b printed under the diagram; default ``"curvature"``.

    Raises
    ------
    ValueError
        If the activation is not smooth or unknown, or the bias gives σ''(b) = 0.
    """
    from matplotlib.patches import Circle

    b, _ = _check(1.0, activation, bias)
    inputs, out = {"x": (0.0, 0.72), "y": (0.0, 0.28)}, (1.0, 0.5)
    hidden = [(0.5, v) for v in (0.92, 0.64, 0.36, 0.08)]
    signs = [("+", "+", "+μ"), ("−", "−", "+μ"), ("+", "−", "−μ"), ("−", "+", "−μ")]
    arrow = dict(arrowstyle="->", color="0.35", lw=1.0, shrinkA=18, shrinkB=18)
    for (hx, hy), (sx, sy, so) in zip(hidden, signs):
        for (ix, iy), s in zip(inputs.values(), (sx, sy)):
            ax.annotate("", (hx, hy), (ix, iy), arrowprops=arrow)
            ax.text(ix + 0.3 * (hx - ix), iy + 0.3 * (hy - iy), f"{s}λ", fontsize=8, ha="center",
                    va="center", color="tab:blue", bbox=dict(fc="white", ec="none", pad=0.5))
        ax.annotate("", out, (hx, hy), arrowprops=arrow)
        ax.text(hx + 0.4 * (out[0] - hx), hy + 0.4 * (out[1] - hy) + 0.035, so, fontsize=8, color="tab:red")
    for (px, py), label in [*((p, k) for k, p in inputs.items()), *((h, activation) for h in hidden), (out, "xy")]:
        ax.add_patch(Circle((px, py), 0.07, fc="white", ec="black", lw=1.2, zorder=3))
        ax.text(px, py, label, ha="center", va="center", fontsize=8, zorder=4)
    ax.text(0.5, -0.08, f"bias b = {b:.4f} on each hidden neuron;  μ = 1/(4λ²σ''(b))", ha="center", fontsize=8)
    ax.set_xlim(-0.12, 1.12), ax.set_ylim(-0.14, 1.02), ax.set_aspect("equal"), ax.axis("off")


@dataclass(frozen=True)
class ArchitectureError:
    """The hand-built I.11.19 net at one λ: its error in exact arithmetic and in float64.

    Attributes
    ----------
    lam : float
        Input weight λ.
    exact_rmse : float
        RMSE against Σ xᵢyᵢ of the net with the same λ and b, every operation (its output weight
        1/(4λ²σ''(b)) included) in ``dps``-digit arithmetic: the architecture error alone.
    float64_rmse : float
        RMSE of the same net evaluated in float64 on the same points: architecture plus rounding.
    dps : int
        Decimal digits of the extended-precision evaluation.
    n : int
        Test points.
    """

    lam: float
    exact_rmse: float
    float64_rmse: float
    dps: int
    n: int


def architecture_error(lams: Sequence[float], bias: float | str | None = "quartic", n: int = 200,
                       dps: int = 50, seed: int = 0) -> list[ArchitectureError]:
    """The error of the hand-built I.11.19 net (:func:`product_network`) apart from rounding.

    The net with input weight λ and hidden bias b is evaluated in ``dps``-digit arithmetic
    (mpmath), so what is left against the exact Σ xᵢyᵢ is the architecture's error, which
    shrinks as λ⁴ (quartic bias) as λ → 0; the same net in float64 adds the rounding error
    ~ε/λ², which grows. The paper's claim that a width-12 net is exact to machine precision is
    one about the first.

    Parameters
    ----------
    lams : sequence of float
        Input weights λ > 0 to evaluate.
    bias : float or {"curvature", "quartic"} or None, default "quartic"
        Hidden bias b.
    n : int, default 200
        Test points of I.11.19's test box (:func:`precision.targets.sample`, ``seed``).
    dps : int, default 50
        Decimal digits of the extended-precision evaluation.
    seed : int, default 0
        Seed of the test points.

    Returns
    -------
    list of ArchitectureError
        One per λ, in the order given.

    Raises
    ------
    ValueError
        If a λ is not a positive finite number, ``n`` or ``dps`` is not a positive integer.
    """
    import mpmath

    from .targets import get_target, sample

    for name, value in (("n", n), ("dps", dps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    data = sample(get_target("I.11.19"), 10, n, seed=seed)
    x = data.x_test
    out = []
    b = _check(1.0, "tanh", bias)[0]
    for lam in lams:
        net = product_network(float(lam), bias)  # also checks λ
        with mpmath.workdps(dps):
            mb, ml = mpmath.mpf(b), mpmath.mpf(float(lam))
            t = mpmath.tanh(mb)
            k = 1 / (4 * ml**2 * 2 * t * (t**2 - 1))  # 1/(4λ²·tanh''(b))
            sq = mpmath.mpf(0)
            for row in x:
                xs = [mpmath.mpf(float(v)) for v in row]
                value = exact = mpmath.mpf(0)
                for i, j in ((0, 3), (1, 4), (2, 5)):
                    su, di = ml * (xs[i] + xs[j]), ml * (xs[i] - xs[j])
                    value += k * (mpmath.tanh(mb + su) + mpmath.tanh(mb - su) - mpmath.tanh(mb + di)
                                  - mpmath.tanh(mb - di))
                    exact += xs[i] * xs[j]
                sq += (value - exact) ** 2
            exact_rmse = float(mpmath.sqrt(sq / len(x)))
        out.append(ArchitectureError(float(lam), exact_rmse, _rmse(net, x, data.y_test), dps, len(x)))
    return out


def float64_floor(rms_f: float, activation: str = "tanh") -> float:
    """ε^(2/3)·RMS(f): the order of the lowest float64 RMSE a product gadget with the quartic
    bias can reach. Its truncation error grows as λ⁴ and its rounding error as ε/λ²; the sum
    is least where both are of order ε^(2/3) (relative to the size of the product).

    Parameters
    ----------
    rms_f : float
        RMS of the function the gadgets compute.
    activation : str, default "tanh"
        Kept for symmetry with the other functions; the order does not depend on it.

    Returns
    -------
    float
    """
    _act(activation)
    return EPS ** (2 / 3) * float(rms_f)
