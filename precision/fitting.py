"""One entry point for fitting a target with a named method (used by the CLI and the book).

Each method takes a :class:`~precision.targets.Dataset` and returns a :class:`FitResult`.
This module holds the registry; chapters add their methods to ``METHODS``.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from .interpolation import SimplexInterpolator
from .targets import Dataset

__all__ = ["FitResult", "METHODS", "fit", "fit_simplex"]


@dataclass
class FitResult:
    """Outcome of one fit. RMSEs are over the points the method could predict;
    ``n_outside`` counts test points it could not (outside a simplex hull)."""

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rmse(pred: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(pred)
    return float(np.sqrt(np.mean((pred[ok] - y[ok]) ** 2))) if ok.any() else float("nan")


def fit_simplex(data: Dataset) -> FitResult:
    """Linear simplex interpolation of the training set (paper §2, Figure 2)."""
    start = time.perf_counter()
    interp = SimplexInterpolator(data.x_train, data.y_train)
    test = interp(data.x_test)
    train = interp(data.x_train)
    seconds = time.perf_counter() - start
    return FitResult("simplex", data.target.name, data.target.d, _rmse(train.values, data.y_train),
                     _rmse(test.values, data.y_test), interp.n_params, len(data.y_train), len(data.y_test),
                     seconds, test.n_outside)


METHODS: dict[str, Callable[..., FitResult]] = {"simplex": fit_simplex}


def fit(data: Dataset, method: str, **options: Any) -> FitResult:
    """Fit ``data`` with ``method`` (a key of :data:`METHODS`)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    return METHODS[method](data, **options)
