"""Precision floors (paper §1.1): how close can any fit get, in each float format?

Two floors per target and format, both measured against an mpmath reference:
``rounding`` — the exact labels rounded once to the format (no method can beat this on
stored data); ``evaluation`` — the formula evaluated operation by operation in the format
(inputs already in the format, so only the arithmetic counts). For a trained network,
:func:`forward_rounding_rmse` measures the float64 forward pass against the same weights
evaluated exactly.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import mpmath
import numpy as np

from .targets import Target

__all__ = ["FORMATS", "Floor", "LabelFloor", "machine_epsilon", "precision_floors", "label_floor",
           "forward_rounding_rmse"]

FORMATS = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
_CHUNK = 16  # points measured at a time by label_floor under a time limit


@dataclass(frozen=True)
class Floor:
    """Measured floors of one target in one format (RMSEs; ``rms_y`` sets the scale).

    Attributes
    ----------
    target : str
        The target's name.
    format : str
        A key of :data:`FORMATS`.
    epsilon : float
        The format's machine epsilon.
    rms_y : float
        RMS of the exact labels.
    rounding_rmse : float
        RMSE of the exact labels rounded once to the format.
    evaluation_rmse : float
        RMSE of the formula evaluated in the format (``inf`` if it overflowed).
    """

    target: str
    format: str
    epsilon: float
    rms_y: float
    rounding_rmse: float
    evaluation_rmse: float


def machine_epsilon(fmt: str) -> float:
    """Gap between 1 and the next representable number in ``fmt``.

    Parameters
    ----------
    fmt : {"float16", "float32", "float64"}
        The float format.

    Returns
    -------
    float
        ``numpy.finfo(fmt).eps``.

    Raises
    ------
    ValueError
        If ``fmt`` is not in :data:`FORMATS`.

    Examples
    --------
    >>> machine_epsilon("float64")
    2.220446049250313e-16
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return float(np.finfo(FORMATS[fmt]).eps)


def _rmse_against(values: np.ndarray, exact: list) -> float:
    if not np.all(np.isfinite(values.astype(np.float64))):
        return math.inf
    total = mpmath.mpf(0)
    for v, e in zip(values, exact):
        total += (mpmath.mpf(float(v)) - e) ** 2
    return float(mpmath.sqrt(total / len(exact)))


def precision_floors(target: Target, n_points: int, seed: int = 0, dps: int = 40,
                     formats: tuple[str, ...] = tuple(FORMATS)) -> list[Floor]:
    """Rounding and evaluation floors of ``target`` on ``n_points`` uniform inputs.

    Parameters
    ----------
    target : precision.targets.Target
        The target; its ``reference`` gives the exact labels and ``evaluate`` the labels in
        a format.
    n_points : int
        Inputs drawn uniformly in the target's box.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    dps : int, default 40
        Decimal digits of the mpmath reference.
    formats : tuple of str, default all of :data:`FORMATS`
        Formats to measure.

    Returns
    -------
    list of Floor
        One per format, in the given order.

    Raises
    ------
    ValueError
        If ``n_points`` is not a positive integer or a format is unknown.
    """
    from .checks import check_positive_int

    check_positive_int("n_points", n_points)
    for fmt in formats:
        machine_epsilon(fmt)
    rng = np.random.default_rng(seed)
    x = rng.uniform(target.low, target.high, size=(n_points, target.d))
    exact = target.reference(x, dps)
    rms_y = float(np.sqrt(np.mean(np.array([float(v) for v in exact]) ** 2)))
    out = []
    for fmt in formats:
        dtype = FORMATS[fmt]
        with mpmath.workdps(dps), np.errstate(all="ignore"):
            rounded = np.array([float(v) for v in exact]).astype(dtype)
            rounding = _rmse_against(rounded, exact)
            x_fmt = x.astype(dtype)
            exact_at_fmt = exact if dtype is np.float64 else target.reference(x_fmt.astype(np.float64), dps)
            evaluation = _rmse_against(target.evaluate(x_fmt, dtype), exact_at_fmt)
        out.append(Floor(target.name, fmt, machine_epsilon(fmt), rms_y, rounding, evaluation))
    return out


@dataclass(frozen=True)
class LabelFloor:
    """The float64 floor of a fit to stored labels: the RMS error of the labels themselves.

    Attributes
    ----------
    rmse : float
        RMS difference between the float64 labels and the exact values (never below
        ``eps·rms_y/10``, so that ``rmse_over_floor`` stays finite for labels that happen
        to be exact).
    rms_y : float
        RMS of the labels.
    n_points : int
        Points it was measured on.
    source : str
        How it was obtained, in words: against an mpmath reference, or the estimate
        ``eps·rms(y)`` when the target has no exact form.
    """

    rmse: float
    rms_y: float
    n_points: int
    source: str

    def to_dict(self) -> dict:
        return {"rmse": self.rmse, "rms_y": self.rms_y, "n_points": self.n_points, "source": self.source}


def label_floor(target: Target | None, x: np.ndarray, y: np.ndarray | None = None, n_points: int = 256,
                seed: int = 0, dps: int = 30, time_limit: float | None = None) -> LabelFloor:
    """Estimate how low a fit's training RMSE can go on float64 labels (paper §1.1).

    A fit to labels ``y = f(x)`` computed in float64 cannot beat the labels' own error: the
    formula evaluated in float64 (rounding of every operation) against its exact value.
    This measures that error on ``n_points`` of the inputs ``x`` (drawn with ``seed``)
    against an mpmath reference with ``dps`` digits. When the target has no exact form
    (``target=None``, or its reference cannot be evaluated) it falls back to
    ``eps·rms(y)`` — an estimate, and ``source`` says so.

    Parameters
    ----------
    target : precision.targets.Target or None
        The labels' formula (its ``reference`` gives exact values, ``evaluate`` float64 ones).
    x : array_like
        Inputs ``(n, d)`` in the target's own coordinates (e.g. the training inputs).
    y : array_like, optional
        The labels (for the fallback and ``rms_y``); default ``target(x)``.
    n_points : int, default 256
        Points of ``x`` measured (all when fewer).
    seed : int, default 0
        Which points (``numpy.random.default_rng(seed)``).
    dps : int, default 30
        Decimal digits of the reference.
    time_limit : float, optional
        Wall-clock seconds for the reference: the points are measured 16 at a time until it
        runs out, and the floor is taken on those measured (on none: the estimate
        ``eps·rms(y)``, and ``source`` says why). ``None``: no limit.

    Returns
    -------
    LabelFloor

    Raises
    ------
    ValueError
        If ``n_points`` or ``dps`` is not a positive integer, ``time_limit`` (when given) is
        not a positive number, or ``x`` is empty.
    """
    from .checks import check_positive_float, check_positive_int

    check_positive_int("n_points", n_points)
    check_positive_int("dps", dps)
    if time_limit is not None:
        check_positive_float("time_limit", time_limit)
    start = time.perf_counter()
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one input")
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(x.shape[0], size=min(n_points, x.shape[0]), replace=False))
    eps = machine_epsilon("float64")
    exact, why = None, "no exact form of the target to measure the labels against"
    if target is not None:
        try:
            with np.errstate(all="ignore"):
                labels = target(x[pick])
                if time_limit is None:
                    exact = target.reference(x[pick], dps)
                else:
                    exact = []
                    while len(exact) < len(pick) and time.perf_counter() - start < time_limit:
                        exact += target.reference(x[pick[len(exact):len(exact) + _CHUNK]], dps)
                    pick, labels = pick[:len(exact)], labels[:len(exact)]
                    if not exact:
                        exact, why = None, f"time_limit={time_limit:g}s ran out before a label was measured"
        except (ValueError, TypeError, ArithmeticError):  # no high-precision form (e.g. an unknown layer)
            exact = None
    if exact is None:
        y = np.asarray(y if y is not None else target(x), dtype=np.float64).reshape(-1)
        rms_y = float(np.sqrt(np.mean(y * y)))
        return LabelFloor(eps * rms_y, rms_y, int(y.shape[0]), f"estimate eps*rms(y): {why}")
    with mpmath.workdps(dps):
        measured = _rmse_against(np.asarray(labels, dtype=np.float64), exact)
        rms_y = float(mpmath.sqrt(sum(e * e for e in exact) / len(exact)))
    return LabelFloor(max(measured, eps * rms_y / 10), rms_y, len(pick),
                      f"float64 labels against a {dps}-digit mpmath reference on {len(pick)} points")


def forward_rounding_rmse(model, x: np.ndarray, dps: int = 40) -> float:
    """RMSE between a torch model's float64 forward pass and the same weights in mpmath.

    Parameters
    ----------
    model : torch.nn.Sequential
        A float64 model accepted by :func:`precision.models.forward_mpmath`.
    x : array_like
        Inputs, shape ``(n, d)`` (or ``(n,)``).
    dps : int, default 40
        Decimal digits of the exact evaluation.

    Returns
    -------
    float
        The RMSE over the ``n`` points (``inf`` if the float64 pass is not finite).

    Raises
    ------
    ValueError
        If the model holds a layer with no high-precision form.
    """
    import torch

    from .models import forward_mpmath

    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    with torch.no_grad():
        fast = model(torch.from_numpy(x)).squeeze(-1).numpy()
    with mpmath.workdps(dps):
        return _rmse_against(fast, list(forward_mpmath(model, x, dps)))
