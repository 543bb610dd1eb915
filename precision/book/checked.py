"""Lines for the regression tests' checked cells that hold on any processor.

A cell tagged ``nbval-check-output`` is compared, line by line, with the golden notebook
executed on another machine. Floating point differs between processors, thread counts and
SIMD levels, and a long optimisation amplifies the difference (a test RMSE of 1.889e-6 on one
machine is 1.818e-6 on another), so a checked line never prints a measured number: it states
a bound and whether it holds. Each line ends with the factor by which the measured value
clears (or misses) its threshold, in brackets::

    boosted test RMSE < 1e-4: True  [margin ×38]

The regression tests strip the bracket before comparing (``tests/nbval-sanitize.cfg``), and
``tests/book/test_goldens.py`` fails when any golden's margin is under 3: a line that close to its
threshold could flip on a machine that rounds differently. A statement that involves no
measured float (a count, a set of names, every value finite) ends in ``[exact]``.
"""
from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["below", "above", "between", "near", "exact", "MARGIN", "margins"]

#: How a margin is written at the end of a checked line (and read back by :func:`margins`).
MARGIN = re.compile(r"\[margin ×([0-9.e+]+|inf)\]")


def _tag(factor: float) -> str:
    if not math.isfinite(factor):
        return "[margin ×inf]"
    return f"[margin ×{factor:.3g}]" if factor < 1e4 else f"[margin ×{factor:.0e}]"


def _line(label: str, ok: bool, factor: float) -> str:
    line = f"{label}: {bool(ok)}  {_tag(factor)}"
    print(line)
    return line


def _ratio_margin(values: np.ndarray, thresholds: np.ndarray) -> float:
    """The smallest factor between a value and its threshold (both positive), on either side."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.abs(np.log(values) - np.log(thresholds))
    return float(np.exp(np.min(r))) if r.size else math.inf


def _positive(name: str, values) -> np.ndarray:
    a = np.asarray(values, dtype=float).ravel()
    if a.size == 0 or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must be finite, non-negative numbers; got {a.tolist()}")
    return a


def below(label: str, value, threshold) -> str:
    """Print ``label: True  [margin ×F]`` when every ``value`` lies below its ``threshold``.

    Parameters
    ----------
    label : str
        What is claimed, in words (``"boosted test RMSE < 1e-4"``).
    value, threshold : float or array_like
        Non-negative measurements and bounds, broadcast together; a bound may itself be
        measured (``below("BFGS below Adam", bfgs, adam)``).

    Returns
    -------
    str
        The printed line. Its margin is the smallest factor, over all pairs, between a value
        and its threshold: a True line with margin 10 has every value at least 10× below.
    """
    v, t = np.broadcast_arrays(_positive("value", value), _positive("threshold", threshold))
    return _line(label, bool(np.all(v < t)), _ratio_margin(v, t))


def above(label: str, value, threshold) -> str:
    """Print ``label: True  [margin ×F]`` when every ``value`` lies above its ``threshold``
    (the mirror of :func:`below`)."""
    v, t = np.broadcast_arrays(_positive("value", value), _positive("threshold", threshold))
    return _line(label, bool(np.all(v > t)), _ratio_margin(v, t))


def between(label: str, value, low: float, high: float) -> str:
    """Print ``label: True  [margin ×F]`` when every ``value`` lies strictly between ``low``
    and ``high`` (all positive); the margin is the factor to the nearer end."""
    v = _positive("value", value)
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high; got low={low}, high={high}")
    inside = bool(np.all((v > low) & (v < high)))
    to_ends = np.minimum(np.abs(np.log(v / low)), np.abs(np.log(high / v))) if v.size else np.array([np.inf])
    return _line(label, inside, float(np.exp(np.min(to_ends))))


def near(label: str, value, target, tol: float) -> str:
    """Print ``label: True  [margin ×F]`` when every ``value`` is within ``tol`` of ``target``
    (a fitted exponent against theory, say).

    The margin is ``tol / |value − target|`` for the worst value when the claim holds, and
    ``|value − target| / tol`` when it does not.
    """
    v, t = np.broadcast_arrays(np.asarray(value, dtype=float).ravel(), np.asarray(target, dtype=float).ravel())
    if not (np.all(np.isfinite(v)) and tol > 0):
        raise ValueError(f"value must be finite and tol positive; got {v.tolist()}, tol={tol}")
    dev = np.abs(v - t)
    ok = bool(np.all(dev <= tol))
    worst = float(np.max(dev)) if dev.size else 0.0
    factor = (tol / worst if worst else math.inf) if ok else worst / tol
    return _line(label, ok, factor)


def exact(label: str, statement) -> str:
    """Print ``label: <statement>  [exact]`` for a statement with no measured float in it: a
    count, a set of names, whether every value is finite."""
    line = f"{label}: {statement}  [exact]"
    print(line)
    return line


def margins(text: str) -> list[tuple[str, float]]:
    """Every ``(line, margin)`` in a checked cell's printed ``text``; an ``[exact]`` line is
    not listed. Used by the goldens' margin test."""
    out = []
    for line in text.splitlines():
        m = MARGIN.search(line)
        if m:
            out.append((line, math.inf if m.group(1) == "inf" else float(m.group(1))))
    return out
