"""What a fit returns, :class:`FitResult`, and the helpers every method uses to fill it in:
the RMSE over the points a method predicts, the float64 floor of the training labels, and
the training RMSE over that floor.

It sits below the method registry (:mod:`precision.fitting`) and the algorithms that build
a ``FitResult`` themselves (:mod:`precision.boosting`, :mod:`precision.multistage`), so that
all of them can import it.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["FitResult", "STOP_REASONS", "rmse", "over_floor", "check_floor_factor", "training_floor"]


@dataclass
class FitResult:
    """Outcome of one fit. RMSEs are over the points the method could predict;
    ``n_outside`` counts test points it could not (outside a simplex hull; when that is every
    test point, ``rmse_test`` is NaN). Methods that
    stop by themselves (``lm``, ``multistage``) also say why (``stop_reason``, one of
    :data:`STOP_REASONS`), and give the float64 floor of the training labels
    (``floor``, :func:`precision.floors.label_floor`) and the training RMSE over it."""

    method: str
    target: str
    d: int
    rmse_train: float
    rmse_test: float
    n_params: int
    n_train: int
    n_test: int
    seconds: float
    n_outside: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    stop_reason: str | None = None
    floor: float | None = None
    rmse_over_floor: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict; the stop and floor fields only for methods that set them."""
        out = asdict(self)
        if self.stop_reason is None:
            for key in ("stop_reason", "floor", "rmse_over_floor"):
                out.pop(key)
        return out


STOP_REASONS = ("floor", "stalled", "stuck", "time_limit", "budget")
"""Why a self-stopping fit ended: the training RMSE came within ``floor_factor`` of the
floor; it stopped improving; ``time_limit`` ran out; or the steps or stages given were
used up."""


def rmse(pred: np.ndarray, y: np.ndarray, skip: np.ndarray | None = None) -> float:
    """RMSE over every point except those in the mask ``skip``.

    Parameters
    ----------
    pred, y
        Predictions and labels, same length.
    skip
        Points to leave out (outside a simplex hull, reported as ``n_outside``).

    Returns
    -------
    float
        The RMSE; NaN when no point is left, or when a prediction that is not skipped is NaN
        or infinite (a failure, never a dropped point).
    """
    pred, y = np.asarray(pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if skip is not None:
        pred, y = pred[~skip], y[~skip]
    if pred.size == 0 or not np.all(np.isfinite(pred)):
        return float("nan")
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def check_floor_factor(value: Any) -> float:
    """``float(value)`` if it is a finite number of at least 1, else a one-sentence ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value < math.inf:
        raise ValueError(f"floor_factor must be a number of at least 1, got {value!r}")
    return float(value)


def over_floor(value: float, floor: float) -> float:
    """The RMSE ``value`` over the floor; an exact fit (RMSE 0) of labels whose floor is 0
    (all 0) gives 0, any other RMSE over a zero floor infinity."""
    if floor > 0:
        return value / floor
    return 0.0 if value == 0 else math.inf


def training_floor(data: Any, seed: int, time_limit: float | None = None):
    """The float64 floor of the training labels of ``data`` (a :class:`~precision.targets.Dataset`).

    Measured against the target's exact form when the inputs are in its own coordinates,
    else the estimate eps·rms(y) (:func:`precision.floors.label_floor`).

    Parameters
    ----------
    data
        The checked training and test sets.
    seed
        Seed of the points the floor is measured on.
    time_limit
        Seconds the measurement may take (``None``: no limit).

    Returns
    -------
    precision.floors.LabelFloor
        The floor (``rmse``) and how it was obtained (``source``).
    """
    from .floors import label_floor

    low = np.asarray(data.target.low, dtype=np.float64)
    high = np.asarray(data.target.high, dtype=np.float64)
    inside = not (np.any(data.x_train < low) or np.any(data.x_train > high))
    return label_floor(data.target if inside else None, data.x_train, data.y_train, seed=seed,
                       time_limit=None if time_limit is None else max(time_limit, 1e-9))
