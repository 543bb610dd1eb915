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

__all__ = ["FitResult", "METHODS", "fit", "fit_simplex", "fit_mlp"]


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


def fit_mlp(data: Dataset, activation: str = "relu", depth: int = 3, width: int = 20, optimizer: str = "adam",
            steps: int = 20_000, lr: float = 1e-3, batch_cap: int = 10_000, seed: int = 0) -> FitResult:
    """Train a dense MLP (paper §2–§3 conventions) with Adam or BFGS on ``data``."""
    from .experiments import OPTIMIZERS
    from .models import mlp, n_params
    from .optimizers import train_adam, train_bfgs
    from .profiles import check_nonnegative_int, check_positive_float, check_positive_int

    for name, value in (("depth", depth), ("width", width), ("steps", steps), ("batch_cap", batch_cap)):
        check_positive_int(name, value)
    check_nonnegative_int("seed", seed)
    check_positive_float("lr", lr)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {optimizer!r}")
    model = mlp(data.target.d, width, depth, activation, seed=seed)
    if optimizer == "adam":
        res = train_adam(model, data.x_train, data.y_train, steps, lr=lr, x_test=data.x_test, y_test=data.y_test,
                         batch_cap=batch_cap, record_every=max(1, steps // 100))
    else:
        res = train_bfgs(model, data.x_train, data.y_train, max_steps=steps, x_test=data.x_test, y_test=data.y_test)
    return FitResult("mlp", data.target.name, data.target.d, res.rmse_train, res.rmse_test, n_params(model),
                     len(data.y_train), len(data.y_test), res.seconds,
                     extra={"activation": activation, "depth": depth, "width": width, "optimizer": optimizer,
                            "steps": steps, "best_step": res.steps, "stopped": res.stopped})


METHODS: dict[str, Callable[..., FitResult]] = {"simplex": fit_simplex, "mlp": fit_mlp}


def fit(data: Dataset, method: str, **options: Any) -> FitResult:
    """Fit ``data`` with ``method`` (a key of :data:`METHODS`); ``options`` go to the method."""
    import inspect

    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    allowed = list(inspect.signature(METHODS[method]).parameters)[1:]
    unknown = [k for k in options if k not in allowed]
    if unknown:
        flags = ", ".join("--" + k.replace("_", "-") for k in unknown)
        takes = ", ".join("--" + k.replace("_", "-") for k in allowed) or "no options"
        raise ValueError(f"method '{method}' does not take {flags}; it takes {takes}")
    return METHODS[method](data, **options)
