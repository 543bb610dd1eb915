"""The data a fit is given, checked in one place (:func:`precision.fitting.fit`).

:func:`fit_data` turns what the caller gave — a :class:`~precision.targets.Dataset`, or
arrays ``x_train, y_train[, x_test, y_test]`` — into the one form every method receives: a
``Dataset`` whose inputs are ``(n, d)`` and labels ``(n,)``, float64 and C-contiguous,
finite, non-empty, with matching lengths and dimension. Each refusal is one sentence naming
the argument. Arrays that already have that form are passed on unchanged (the same
objects), so a valid call gives the same numbers as before the checks.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .targets import Dataset, Target

__all__ = ["fit_data", "check_inputs", "check_labels", "data_target", "DISTINCT_POINTS", "NEEDS_FORMULA"]

DISTINCT_POINTS = ("simplex", "lm", "multistage")
"""Methods that need at least two distinct training inputs (and, for ``lm`` and
``multistage``, labels that are not all zero: they stop at the labels' float64 floor)."""

NEEDS_FORMULA = {"spline": "it interpolates the target's formula on a grid"}
"""Methods that evaluate the target itself, so cannot fit bare arrays (why, in words)."""



def _numbers(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array; a ValueError when it holds anything but real numbers."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers, got {type(value).__name__}") from None
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be an array of real numbers, got an array of dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float64)


def _require_finite(name: str, array: np.ndarray) -> None:
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise ValueError(f"{name} holds {bad} NaN or infinite value{'s' if bad > 1 else ''}; every value must be "
                         "finite")


def check_inputs(name: str, x: Any) -> np.ndarray:
    """Inputs ``x`` of shape ``(n, d)`` or ``(n,)`` (then ``d = 1``), as ``(n, d)`` float64.

    Parameters
    ----------
    name
        The argument's name, for the error message (``"x_train"``).
    x
        Array-like of real numbers.

    Returns
    -------
    numpy.ndarray
        ``(n, d)`` float64, C-contiguous; ``x`` itself when it already is.

    Raises
    ------
    ValueError
        When ``x`` is not numeric, has another shape, has no points or holds NaN/inf.
    """
    array = _numbers(name, x)
    if array.ndim == 1:
        array = np.ascontiguousarray(array[:, None])
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{name} has shape {np.shape(x)}; expected (n, d) with d ≥ 1, or (n,)")
    if array.shape[0] == 0:
        raise ValueError(f"{name} holds no points; give at least one")
    _require_finite(name, array)
    return array


def check_labels(name: str, y: Any) -> np.ndarray:
    """Labels ``y`` of shape ``(n,)`` or ``(n, 1)``, as ``(n,)`` float64.

    Parameters
    ----------
    name
        The argument's name, for the error message (``"y_train"``).
    y
        Array-like of real numbers.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float64, C-contiguous; ``y`` itself when it already is.

    Raises
    ------
    ValueError
        When ``y`` is not numeric, has another shape or holds NaN/inf.
    """
    array = _numbers(name, y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = np.ascontiguousarray(array[:, 0])
    if array.ndim != 1:
        raise ValueError(f"{name} has shape {np.shape(y)}; expected (n,) or (n, 1)")
    _require_finite(name, array)
    return array


def _pair(which: str, x: Any, y: Any, d: int | None, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The checked inputs and labels of the training or test set (``which``)."""
    xs = check_inputs(f"x_{which}", x)
    ys = check_labels(f"y_{which}", y)
    if len(ys) != len(xs):
        raise ValueError(f"y_{which} has {len(ys)} values but x_{which} has {len(xs)} points; give one label per point")
    if d is not None and xs.shape[1] != d:
        raise ValueError(f"x_{which} has {xs.shape[1]} column{'s' if xs.shape[1] > 1 else ''} but {where} d={d}")
    return xs, ys


def data_target(x_train: np.ndarray, x_test: np.ndarray) -> Target:
    """The target of a fit to bare arrays: known only through its samples (it cannot label new
    points, :attr:`precision.targets.Target.can_evaluate` is False), on the box spanned by the
    training and test inputs (an axis where they all agree is widened to length 1).

    Parameters
    ----------
    x_train, x_test
        Checked inputs, ``(n, d)`` float64.

    Returns
    -------
    precision.targets.Target
        Named ``"data"``; variables ``x`` (d = 1) or ``x1 … xd``.
    """
    both = np.concatenate([x_train, x_test])
    low, high = both.min(axis=0), both.max(axis=0)
    high = np.where(high > low, high, low + 1.0)
    d = x_train.shape[1]
    variables = ("x",) if d == 1 else tuple(f"x{i + 1}" for i in range(d))
    return Target("data", "data (known only through its samples)", variables, tuple(map(float, low)),
                  tuple(map(float, high)))


def _check_for_method(method: str, data: Dataset) -> None:
    """What a method needs beyond well-formed arrays."""
    if method in NEEDS_FORMULA and not data.target.can_evaluate:
        raise ValueError(f"method '{method}' cannot fit bare arrays: {NEEDS_FORMULA[method]}; give a Dataset "
                         "(precision.targets.sample) instead")
    if method in DISTINCT_POINTS and not np.any(data.x_train != data.x_train[0]):
        n = len(data.x_train)
        held = "holds 1 point" if n == 1 else f"holds {n} copies of one point"
        raise ValueError(f"x_train {held}; method '{method}' needs at least 2 distinct points")


def _check_options_for_arrays(method: str, options: dict[str, Any]) -> None:
    """Options that label new points with the target, refused for bare arrays."""
    if method == "chebyshev" and options.get("kind") == "interpolate":
        raise ValueError("kind 'interpolate' evaluates the target at Chebyshev points, so it cannot fit bare arrays; "
                         "use kind 'lstsq' or give a Dataset (precision.targets.sample)")
    growth = options.get("data_growth", 0)
    if method == "multistage" and isinstance(growth, int) and growth > 1:
        raise ValueError("data_growth > 1 labels new points with the target, so it cannot fit bare arrays; "
                         "leave data_growth at 0 or give a Dataset (precision.targets.sample)")


def fit_data(data: Any, y_train: Any = None, x_test: Any = None, y_test: Any = None, method: str = "",
             options: dict[str, Any] | None = None) -> Dataset:
    """The checked :class:`~precision.targets.Dataset` a method fits, from a Dataset or arrays.

    Parameters
    ----------
    data
        A ``Dataset``, or the training inputs ``x_train``: ``(n, d)`` or ``(n,)``.
    y_train
        With arrays, the training labels: ``(n,)`` or ``(n, 1)``; ``None`` with a Dataset.
    x_test, y_test
        With arrays, the test set (both or neither; neither: the training set is the test set).
    method
        The method that will fit (for what it needs: distinct points, a formula).
    options
        The method's options (some, such as ``data_growth``, need a formula).

    Returns
    -------
    Dataset
        Inputs ``(n, d)`` and labels ``(n,)``, float64, C-contiguous, finite, non-empty; the
        given ``Dataset`` itself when it already was.

    Raises
    ------
    ValueError
        One sentence naming the argument: a wrong shape, length or dimension, NaN or inf, no
        points, a single repeated point or all-zero labels (for the methods that need more),
        or arrays given to a method that needs the target's formula.
    """
    if isinstance(data, Dataset):
        if y_train is not None or x_test is not None or y_test is not None:
            raise ValueError("y_train, x_test and y_test go with arrays; a Dataset holds its own (give the method "
                             "as the second argument or as method=...)")
        target = data.target
        where = f"target '{target.name}' has"
        x_tr, y_tr = _pair("train", data.x_train, data.y_train, target.d, where)
        x_te, y_te = _pair("test", data.x_test, data.y_test, target.d, where)
        same = all(a is b for a, b in zip((x_tr, y_tr, x_te, y_te), (data.x_train, data.y_train, data.x_test,
                                                                     data.y_test)))
        checked = data if same else Dataset(target, x_tr, y_tr, x_te, y_te)
    else:
        if y_train is None:
            raise ValueError("y_train is missing: give fit(x_train, y_train, method=...) or fit(dataset, method)")
        if (x_test is None) != (y_test is None):
            raise ValueError(f"{'y_test' if y_test is None else 'x_test'} is missing: give x_test and y_test "
                             "together, or neither (the training set is then the test set)")
        x_tr, y_tr = _pair("train", data, y_train, None, "")
        if x_test is None:
            x_te, y_te = x_tr, y_tr
        else:
            x_te, y_te = _pair("test", x_test, y_test, x_tr.shape[1], "x_train has")
        _check_options_for_arrays(method, dict(options or {}))
        checked = Dataset(data_target(x_tr, x_te), x_tr, y_tr, x_te, y_te)
    _check_for_method(method, checked)
    return checked
