"""Boosting: staged training of neural networks (paper §4.2.2, Appendix A).

Stage 1 fits ``f₁`` to ``y`` (BFGS until it stalls, then low-curvature subspace steps,
§4.2.1; or, beyond the paper, Levenberg–Marquardt, :mod:`precision.lm`). Its training residual ``r = y − f₁(x)`` is tiny, so stage 2 fits a *fresh* net
``f₂`` to the rescaled residual ``c·r``, which is O(1): ``c = 1/mean|r|`` (the paper) or
``c = 2/max|r|`` (Wang & Lai 2024, who divide by max|r|/2). The combined predictor is
``f₁ + f₂/c₂ (+ f₃/c₃ + …)``, each later stage fitting what all earlier stages left over.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .landscape import _as_data
from .lowcurv import train_lowcurv
from .optimizers import TrainResult, train_bfgs

__all__ = ["Stage", "BoostResult", "residual_scale", "boost"]

SCALES = ("mean", "max", "none")
STAGE_TRAINERS = ("bfgs", "lm")


def residual_scale(r: torch.Tensor, scale: str = "mean") -> float:
    """The factor ``c`` that makes ``c·r`` O(1): ``1/mean|r|`` ("mean", the paper),
    ``2/max|r|`` ("max", Wang & Lai) or ``1`` ("none", for ablations such as Appendix A)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}; got '{scale}'")
    if scale == "none":
        return 1.0
    size = float(r.abs().mean()) if scale == "mean" else float(r.abs().max()) / 2
    if not size > 0 or not np.isfinite(size):
        raise ValueError(f"cannot rescale a residual of size {size:g}: the previous stage fits the data exactly")
    return 1.0 / size


@dataclass
class Stage:
    """One boosting stage: its net, its scale ``c`` (1 for stage 1), the two training runs
    (on the scaled target) and its history in the *combined* predictor's RMSE: rows
    (step within the stage, train RMSE, test RMSE), BFGS steps first, then low-curvature.
    ``bfgs`` holds the stage's main run, made by ``optimizer`` ("bfgs" or "lm")."""

    model: torch.nn.Module = field(repr=False)
    scale: float
    bfgs: TrainResult = field(repr=False)
    lowcurv: TrainResult | None = field(repr=False)
    history: np.ndarray = field(repr=False)
    rmse_train: float
    rmse_test: float
    optimizer: str = "bfgs"
    adam: TrainResult | None = field(default=None, repr=False)


@dataclass
class BoostResult:
    """Outcome of :func:`boost` (paper §4.2.2). ``predict(x) = Σₖ fₖ(x)/cₖ``."""

    stages: list[Stage]
    rmse_train: float
    rmse_test: float
    seconds: float

    @property
    def models(self) -> list[torch.nn.Module]:
        return [s.model for s in self.stages]

    @property
    def scales(self) -> list[float]:
        return [s.scale for s in self.stages]

    @property
    def histories(self) -> list[np.ndarray]:
        return [s.history for s in self.stages]

    def history(self) -> np.ndarray:
        """All stages' histories one after another, steps counted from the start of stage 1
        (the way Figure 8 draws the pipeline)."""
        rows, offset = [], 0
        for s in self.stages:
            h = s.history.copy()
            h[:, 0] += offset
            rows.append(h)
            offset = h[-1, 0]
        return np.concatenate(rows)

    def predict(self, x, stages: int | None = None) -> torch.Tensor:
        """The combined prediction of the first ``stages`` stages (default: all)."""
        return _combined(self.models[:stages], self.scales[:stages], x)


def _combined(models: list[torch.nn.Module], scales: list[float], x) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=torch.float64, device=next(iter(models[0].parameters())).device)
    x = x[:, None] if x.ndim == 1 else x
    out = torch.zeros(x.shape[0], dtype=torch.float64, device=x.device)
    with torch.no_grad():
        for model, c in zip(models, scales):
            out = out + model(x).squeeze(-1) / c
    return out


def _rmse(pred: torch.Tensor, y: torch.Tensor) -> float:
    return float(torch.sqrt(torch.mean((pred - y) ** 2)))


def _stage_history(bfgs: TrainResult, lowcurv: TrainResult | None, c: float) -> np.ndarray:
    """Stage history in the combined predictor's RMSE: the stage's own RMSE on ``c·r`` is
    ``c`` times the combined predictor's."""
    h = bfgs.history.copy()
    if lowcurv is not None and len(lowcurv.history) > 1:
        extra = lowcurv.history[1:].copy()
        extra[:, 0] += h[-1, 0]
        h = np.concatenate([h, extra])
    h[:, 1:] /= c
    return h


def boost(make_model: Callable[[int], torch.nn.Module], x, y, stages: int = 2, x_test=None, y_test=None,
          bfgs_steps: int = 10_000, lowcurv_steps: int = 0, tau: float = 1e-15, scale: str = "mean",
          record_every: int = 10, hessian_every: int = 1, optimizer: str = "bfgs",
          lm_options: dict | None = None, adam_steps: int = 0, lr: float = 1e-3) -> BoostResult:
    """Boosted training (paper §4.2.2): ``stages`` fresh nets, each fitting the rescaled
    training residual of all earlier ones by BFGS then ``lowcurv_steps`` low-curvature steps.

    ``make_model(k)`` returns a fresh float64 net for stage ``k`` (0-based), e.g.
    ``lambda k: mlp(1, 20, 3, seed=k)``. ``scale`` picks ``c`` (:func:`residual_scale`).
    ``tau`` and ``hessian_every`` go to :func:`precision.lowcurv.train_lowcurv`.
    ``optimizer="lm"`` trains each stage by Levenberg–Marquardt
    (:func:`precision.lm.train_lm`, at most ``bfgs_steps`` steps, ``lm_options`` passed on)
    instead of BFGS. ``adam_steps > 0`` warms every stage up with that many full-batch Adam
    steps (learning rate ``lr``) first; the stage histories start after the warm-up.
    """
    from .checks import check_positive_int

    check_positive_int("stages", stages)
    check_positive_int("bfgs_steps", bfgs_steps)
    if lowcurv_steps < 0:
        raise ValueError(f"lowcurv_steps must be >= 0, got {lowcurv_steps}")
    residual_scale(torch.ones(1), scale)  # validate the option before any training
    if optimizer not in STAGE_TRAINERS:
        raise ValueError(f"optimizer must be one of {', '.join(STAGE_TRAINERS)}; got {optimizer!r}")
    if lm_options is not None and optimizer != "lm":
        raise ValueError("lm_options go with optimizer='lm'")
    if isinstance(adam_steps, bool) or not isinstance(adam_steps, int) or adam_steps < 0:
        raise ValueError(f"adam_steps must be a non-negative integer, got {adam_steps!r}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    first = make_model(0)
    x, y = _as_data(x, y, next(iter(first.parameters())))
    has_test = x_test is not None and y_test is not None
    if has_test:
        x_test, y_test = _as_data(x_test, y_test, x)
    start = time.perf_counter()
    done: list[Stage] = []
    pred_train, pred_test = torch.zeros_like(y), None if not has_test else torch.zeros_like(y_test)
    for k in range(stages):
        model = first if k == 0 else make_model(k)
        r = y - pred_train
        c = 1.0 if k == 0 else residual_scale(r, scale)
        target_test = c * (y_test - pred_test) if has_test else None
        adam = None
        if adam_steps:
            from .optimizers import train_adam

            adam = train_adam(model, x, c * r, adam_steps, lr=lr, x_test=x_test, y_test=target_test,
                              record_every=max(record_every, adam_steps // 50))
        if optimizer == "lm":
            from .lm import train_lm

            bfgs = train_lm(model, x, c * r, bfgs_steps, x_test, target_test, record_every=record_every,
                            **(lm_options or {}))
        else:
            bfgs = train_bfgs(model, x, c * r, bfgs_steps, x_test, target_test, record_every=record_every)
        lowcurv = None
        if lowcurv_steps:
            lowcurv = train_lowcurv(model, x, c * r, lowcurv_steps, tau, x_test, target_test,
                                    record_every=max(1, record_every // 10), hessian_every=hessian_every)
        with torch.no_grad():
            pred_train = pred_train + model(x).squeeze(-1) / c
            if has_test:
                pred_test = pred_test + model(x_test).squeeze(-1) / c
        done.append(Stage(model, c, bfgs, lowcurv, _stage_history(bfgs, lowcurv, c), _rmse(pred_train, y),
                          _rmse(pred_test, y_test) if has_test else float("nan"), optimizer, adam))
    return BoostResult(done, done[-1].rmse_train, done[-1].rmse_test, time.perf_counter() - start)
