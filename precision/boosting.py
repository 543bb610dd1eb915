"""Boosting: staged training of neural networks (paper §4.2.2, Appendix A).

Stage 1 fits ``f₁`` to ``y`` (BFGS until it stalls, then low-curvature subspace steps,
§4.2.1; or, beyond the paper, Levenberg–Marquardt, :mod:`precision.lm`). Its training residual ``r = y − f₁(x)`` is tiny, so stage 2 fits a *fresh* net
``f₂`` to the rescaled residual ``c·r``, which is O(1): ``c = 1/mean|r|`` (the paper) or
``c = 2/max|r|`` (Wang & Lai 2024, who divide by max|r|/2). The combined predictor is
``f₁ + f₂/c₂ (+ f₃/c₃ + …)``, each later stage fitting what all earlier stages left over.

:func:`fit_stages` is that loop, once. The paper's pipeline (:func:`boost`, and
:class:`precision.chapters.optimization.PipelineRun`), boosting with LM stages
(``boost(optimizer="lm")``) and Wang & Lai's multi-stage nets
(:func:`precision.multistage.train_multistage`) are configurations of it: they differ in
the net each stage gets, how a stage is trained, the scale rule, and whether the data
grow from stage to stage. :func:`lm_fit` is the method ``lm`` of :func:`precision.fit`:
tanh nets trained by LM, boosted, until the float64 floor of the labels.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from .checks import check_nonnegative_int, check_positive_float, check_positive_int
from .flat import as_data
from .lowcurv import train_lowcurv
from .optimizers import TrainResult, train_bfgs

__all__ = ["Stage", "BoostResult", "residual_scale", "fit_stages", "stage_trainer", "boost", "lm_fit"]

SCALES = ("mean", "max", "none")
STAGE_TRAINERS = ("bfgs", "lm")

StageRuns = dict[str, TrainResult]  # phase name -> run, in the order the phases ran


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
    """One stage: its net, its scale ``c``, its training runs on the scaled target
    (``runs``: phase name → run, in the order they ran: ``"adam"``, then ``"bfgs"`` or
    ``"lm"``, then ``"lowcurv"``), its history in the *combined* predictor's RMSE (rows:
    step within the stage, train RMSE, test RMSE), the combined RMSEs after it, the
    training points it saw and its wall and CPU seconds."""

    model: torch.nn.Module = field(repr=False)
    scale: float
    runs: dict[str, TrainResult] = field(repr=False)
    history: np.ndarray = field(repr=False)
    rmse_train: float
    rmse_test: float
    n_train: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def optimizer(self) -> str | None:
        """The second-order method of the stage: "bfgs" or "lm" (``None`` if it had none)."""
        return next((p for p in self.runs if p in STAGE_TRAINERS), None)

    @property
    def main(self) -> TrainResult | None:
        """The stage's second-order run (BFGS or LM, see :attr:`optimizer`)."""
        return self.runs.get(self.optimizer)

    @property
    def lowcurv(self) -> TrainResult | None:
        return self.runs.get("lowcurv")

    @property
    def adam(self) -> TrainResult | None:
        return self.runs.get("adam")


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


def chained_history(runs: StageRuns, c: float) -> np.ndarray:
    """A stage's runs' histories one after another (step counts running on), RMSEs divided
    by ``c``: the stage's own RMSE on ``c·r`` is ``c`` times the combined predictor's."""
    parts, offset = [], 0.0
    for run in runs.values():
        if len(run.history) == 0:
            continue
        h = run.history.copy()
        h[:, 0] += offset
        offset = h[-1, 0]
        parts.append(h)
    h = np.concatenate(parts)
    h[:, 1:] /= c
    return h


def boost_history(runs: StageRuns, c: float) -> np.ndarray:
    """:func:`boost`'s stage history: the BFGS (or LM) run, then the low-curvature run
    without its first row (the point BFGS ended at); an Adam warm-up is left out. RMSEs
    are divided by ``c`` as in :func:`chained_history`."""
    h = runs[next(p for p in runs if p in STAGE_TRAINERS)].history.copy()
    lowcurv = runs.get("lowcurv")
    if lowcurv is not None and len(lowcurv.history) > 1:
        extra = lowcurv.history[1:].copy()
        extra[:, 0] += h[-1, 0]
        h = np.concatenate([h, extra])
    h[:, 1:] /= c
    return h


def stage_trainer(optimizer: str = "bfgs", steps: int = 10_000, adam_steps: int = 0, lr: float = 1e-3,
                  lowcurv_steps: int = 0, tau: float = 1e-15, hessian_every: int = 1, record_every: int = 10,
                  lm_options: dict | None = None, threads: int | None = 1,
                  after: Callable[[str, torch.nn.Module], None] | None = None,
                  lowcurv_options: dict | Sequence[dict] | None = None):
    """A stage trainer for :func:`fit_stages`: optional full-batch Adam (``adam_steps`` at
    learning rate ``lr``), then BFGS or Levenberg–Marquardt (``optimizer``, at most ``steps``),
    then optional low-curvature steps (``lowcurv_steps``, threshold ``tau``).

    Parameters
    ----------
    optimizer
        ``"bfgs"`` (:func:`precision.optimizers.train_bfgs`) or ``"lm"`` (:func:`precision.lm.train_lm`,
        given ``lm_options``).
    steps
        Most steps of the second-order run.
    adam_steps, lr
        Adam warm-up steps (0: none) and its learning rate.
    lowcurv_steps, tau, hessian_every
        Low-curvature steps after it (0: none), see :func:`precision.lowcurv.train_lowcurv`.
    record_every
        History spacing of the second-order run (Adam: at least ``adam_steps // 50``; low
        curvature: ``record_every // 10``).
    threads
        Passed to the second-order and low-curvature trainers (``None``: leave torch's setting).
    after
        Called as ``after(phase, model)`` after each phase (e.g. to store the parameters).
    lowcurv_options
        More keyword arguments of :func:`precision.lowcurv.train_lowcurv` (``low``,
        ``points``, ``zooms``, ``always_step``): one dict for every stage, or one per stage
        (0-based; the last one serves every later stage).

    Returns
    -------
    callable
        ``train(k, model, x, target, x_test, target_test) -> {phase: TrainResult}``.
    """
    per_stage = [dict(lowcurv_options or {})] if isinstance(lowcurv_options, (dict, type(None))) \
        else [dict(o) for o in lowcurv_options]
    if not per_stage:
        raise ValueError("lowcurv_options must be a dict or a non-empty list of dicts, got an empty list")

    def train(k: int, model, x, target, x_test, target_test) -> StageRuns:
        runs: StageRuns = {}
        if adam_steps:
            from .optimizers import train_adam

            runs["adam"] = train_adam(model, x, target, adam_steps, lr=lr, x_test=x_test, y_test=target_test,
                                      record_every=max(record_every, adam_steps // 50))
            if after is not None:
                after("adam", model)
        if optimizer == "lm":
            from .lm import train_lm

            runs["lm"] = train_lm(model, x, target, steps, x_test, target_test, record_every=record_every,
                                  threads=threads, **(lm_options or {}))
        else:
            runs["bfgs"] = train_bfgs(model, x, target, steps, x_test, target_test, record_every=record_every,
                                      threads=threads)
        if after is not None:
            after(optimizer, model)
        if lowcurv_steps:
            options = per_stage[min(k, len(per_stage) - 1)]
            runs["lowcurv"] = train_lowcurv(model, x, target, lowcurv_steps, tau, x_test, target_test,
                                            record_every=max(1, record_every // 10), hessian_every=hessian_every,
                                            threads=threads, **options)
            if after is not None:
                after("lowcurv", model)
        return runs

    return train


def fit_stages(make_model: Callable[[int, torch.Tensor, torch.Tensor], torch.nn.Module],
               train_stage: Callable[..., StageRuns], x: torch.Tensor, y: torch.Tensor, stages: int,
               x_test: torch.Tensor | None = None, y_test: torch.Tensor | None = None, scale: str = "mean",
               scale_first: bool = False, data: Callable[[int], tuple[torch.Tensor, torch.Tensor]] | None = None,
               history: Callable[[StageRuns, float], np.ndarray] = chained_history,
               on_stage: Callable[[int, Stage], None] | None = None,
               stop: Callable[[int, Stage], bool] | None = None) -> list[Stage]:
    """The staged residual fit: stage ``k`` trains a fresh net on ``c_k·r_k``, the training
    residual of stages ``< k`` rescaled to O(1); the predictor is ``Σₖ fₖ/cₖ``.

    Parameters
    ----------
    make_model
        ``make_model(k, x, r)``: a fresh float64 net for stage ``k`` (0-based), given the
        stage's training inputs and its (unscaled) residual ``r``.
    train_stage
        ``train_stage(k, model, x, c·r, x_test, c·r_test)`` trains the net in place and
        returns its runs, phase name → :class:`~precision.optimizers.TrainResult`
        (e.g. :func:`stage_trainer`).
    x, y
        Training data, float64 tensors ``(n, d)`` and ``(n,)``.
    stages
        Number of stages.
    x_test, y_test
        Optional test data (tensors), tracked by every run and in the combined RMSE.
    scale
        The rule for ``c`` (:func:`residual_scale`).
    scale_first
        Rescale stage 1's target ``y`` too (Wang & Lai); otherwise ``c₁ = 1``.
    data
        Optional ``data(k) -> (x, y)``: stage ``k``'s training data (data growth). When
        given, the earlier stages' prediction is recomputed on the new points each stage;
        otherwise it is accumulated stage by stage.
    history
        ``history(runs, c)``: a stage's history in the combined predictor's RMSE.
    on_stage
        Called as ``on_stage(k, stage)`` when stage ``k`` is done.
    stop
        Optional ``stop(k, stage) -> bool``, asked when stage ``k`` is done (after
        ``on_stage``): ``True`` ends the loop there, so ``stages`` is then an upper bound.

    Returns
    -------
    list of Stage
        One :class:`Stage` per stage run, with the combined RMSEs after it.
    """
    has_test = x_test is not None and y_test is not None
    done: list[Stage] = []
    pred = torch.zeros_like(y)
    pred_test = torch.zeros_like(y_test) if has_test else None
    for k in range(stages):
        t0, cpu0 = time.perf_counter(), time.process_time()
        if data is not None:  # this stage's points: the earlier stages' prediction on them, from scratch
            x, y = data(k)
            with torch.no_grad():
                pred = torch.zeros_like(y)
                for s in done:
                    pred = pred + s.model(x).squeeze(-1) / s.scale
        r = y - pred
        c = residual_scale(r, scale) if k or scale_first else 1.0
        model = make_model(k, x, r)
        target_test = c * (y_test - pred_test) if has_test else None
        runs = train_stage(k, model, x, c * r, x_test, target_test)
        with torch.no_grad():
            if has_test:
                pred_test = pred_test + model(x_test).squeeze(-1) / c
            pred = pred + model(x).squeeze(-1) / c
        stage = Stage(model, c, runs, history(runs, c), _rmse(pred, y),
                      _rmse(pred_test, y_test) if has_test else float("nan"), int(y.shape[0]),
                      time.perf_counter() - t0, time.process_time() - cpu0)
        done.append(stage)
        if on_stage is not None:
            on_stage(k, stage)
        if stop is not None and stop(k, stage):
            break
    return done


def boost(make_model: Callable[[int], torch.nn.Module], x, y, stages: int = 2, x_test=None, y_test=None,
          bfgs_steps: int = 10_000, lowcurv_steps: int = 0, tau: float = 1e-15, scale: str = "mean",
          record_every: int = 10, hessian_every: int = 1, optimizer: str = "bfgs",
          lm_options: dict | None = None, adam_steps: int = 0, lr: float = 1e-3) -> BoostResult:
    """Boosted training (paper §4.2.2): ``stages`` fresh nets, each fitting the rescaled
    training residual of all earlier ones by BFGS then low-curvature steps (a configuration
    of :func:`fit_stages`; stage 1 is not rescaled).

    Parameters
    ----------
    make_model
        ``make_model(k)`` returns a fresh float64 net for stage ``k`` (0-based), e.g.
        ``lambda k: mlp(1, 20, 3, seed=k)``.
    x, y
        Training inputs ``(n,)`` or ``(n, d)`` and targets ``(n,)``.
    stages
        Number of stages (nets).
    x_test, y_test
        Optional test data.
    bfgs_steps
        Most BFGS (or LM) steps per stage.
    lowcurv_steps, tau, hessian_every
        Low-curvature steps after BFGS (0: none), threshold and Hessian refresh period
        (:func:`precision.lowcurv.train_lowcurv`).
    scale
        The rule for ``c`` of stages 2, 3, … (:func:`residual_scale`).
    record_every
        History spacing of the BFGS or LM run.
    optimizer
        ``"bfgs"``, or ``"lm"``: Levenberg–Marquardt (:func:`precision.lm.train_lm`) instead.
    lm_options
        Extra keyword arguments for :func:`precision.lm.train_lm` (``optimizer="lm"`` only).
    adam_steps, lr
        Full-batch Adam warm-up steps at the start of every stage (0: none) and its
        learning rate; the stage histories start after the warm-up.

    Returns
    -------
    BoostResult
        The stages (:class:`Stage`, main run in ``stage.main``), final combined RMSEs and
        wall seconds.
    """
    check_positive_int("stages", stages)
    check_positive_int("bfgs_steps", bfgs_steps)
    if lowcurv_steps < 0:
        raise ValueError(f"lowcurv_steps must be >= 0, got {lowcurv_steps}")
    residual_scale(torch.ones(1), scale)  # validate the option before any training
    if optimizer not in STAGE_TRAINERS:
        raise ValueError(f"optimizer must be one of {', '.join(STAGE_TRAINERS)}; got {optimizer!r}")
    if lm_options is not None and optimizer != "lm":
        raise ValueError("lm_options go with optimizer='lm'")
    check_nonnegative_int("adam_steps", adam_steps)
    check_positive_float("lr", lr)
    first = make_model(0)
    x, y = as_data(x, y, next(iter(first.parameters())))
    has_test = x_test is not None and y_test is not None
    if has_test:
        x_test, y_test = as_data(x_test, y_test, x)
    else:
        x_test = y_test = None
    train = stage_trainer(optimizer, bfgs_steps, adam_steps, lr, lowcurv_steps, tau, hessian_every, record_every,
                          lm_options)
    start = time.perf_counter()
    done = fit_stages(lambda k, x_k, r: first if k == 0 else make_model(k), train, x, y, stages, x_test, y_test,
                      scale, history=boost_history)
    return BoostResult(done, done[-1].rmse_train, done[-1].rmse_test, time.perf_counter() - start)


def lm_fit(data, stages: int, width: int, depth: int, activation: str, steps: int, adam_steps: int, lr: float,
           solver: str, seed: int, time_limit: float, floor_factor: float, progress: bool):
    """The method ``lm`` (:func:`precision.fitting.fit_lm`, which checks every argument first):
    ``stages`` tanh MLPs, each trained by ``adam_steps`` Adam steps then Levenberg–Marquardt
    on the residual of the earlier ones rescaled by ``c = 2/max|r|``, until the training RMSE
    is within ``floor_factor`` of the float64 floor of the labels, LM stops making progress,
    ``time_limit`` runs out, or ``steps`` LM steps per stage (0: no limit).

    Parameters
    ----------
    data : precision.targets.Dataset
        Checked training and test sets (:func:`precision.inputs.fit_data`), labels within
        :data:`precision.lm.LABEL_RANGE`.
    stages, width, depth, activation
        Most stages, and the architecture of every stage's net (:func:`precision.models.mlp`).
    steps, adam_steps, lr, solver
        LM steps per stage (0: no limit), Adam warm-up steps and learning rate, LM's step solver.
    seed
        Initialisation seed of stage 1 (stage k: ``seed + k - 1``) and of the floor's points.
    time_limit, floor_factor
        Seconds for the whole fit (the floor gets at most a quarter), and how close to the
        floor is close enough.
    progress
        Show a progress bar on stderr (only when it is a terminal).

    Returns
    -------
    precision.results.FitResult
        Method ``"lm"``, with ``stop_reason``, ``floor`` and ``rmse_over_floor``, and each
        stage in ``extra["stages"]``.
    """
    from .lm import stop_kind
    from .models import mlp, n_params
    from .progress import FitProgress
    from .results import FitResult, over_floor, training_floor

    start = time.perf_counter()
    floor = training_floor(data, seed, time_limit / 4)  # the floor gets at most a quarter of the time
    goal = floor_factor * floor.rmse
    first = mlp(data.target.d, width, depth, activation, seed=seed)
    x, y = as_data(data.x_train, data.y_train, next(iter(first.parameters())))
    x_test, y_test = as_data(data.x_test, data.y_test, x)
    scales: list[float] = []

    def make(k: int, x_k, r):
        scales.append(residual_scale(r, "max") if k else 1.0)
        if k == 0 and not bool((r != 0).any()):  # all labels 0: the zero function fits them exactly
            with torch.no_grad():
                first[-1].weight.zero_()
                first[-1].bias.zero_()
        return first if k == 0 else mlp(data.target.d, width, depth, activation, seed=seed + k)

    bar = FitProgress(time_limit, enabled=progress)

    def train(k: int, model, x_k, target_k, x_test_k, target_test_k):
        from .optimizers import train_adam

        c, every, runs = scales[k], max(1, (steps or 1000) // 50), {}
        if adam_steps:  # first, so that LM gets the time that is left
            runs["adam"] = train_adam(model, x_k, target_k, adam_steps, lr=lr, x_test=x_test_k, y_test=target_test_k,
                                      record_every=max(every, adam_steps // 50),
                                      time_limit=max(time_limit - (time.perf_counter() - start), 1e-3))
        options = {"solver": solver, "stop_rmse": goal * c,
                   "time_limit": max(time_limit - (time.perf_counter() - start), 1e-3)}
        if bar.enabled:
            options["callback"] = lambda step, rmse: bar.update(k + 1, rmse / c, floor.rmse)
        trainer = stage_trainer("lm", steps or 1_000_000, 0, lr, record_every=every, lm_options=options, threads=1)
        return {**runs, **trainer(k, model, x_k, target_k, x_test_k, target_test_k)}

    def stop(k: int, stage) -> bool:
        bar.update(k + 1, stage.rmse_train, floor.rmse, force=True)
        kind = stop_kind(stage.main.stopped)
        return kind in ("stop_rmse", "time_limit") or stage.rmse_train <= goal

    with bar:
        done = fit_stages(make, train, x, y, stages, x_test, y_test, scale="max", stop=stop)
    last = done[-1]
    kind = stop_kind(last.main.stopped)  # the last stage's LM run says why the fit ended
    if kind == "stop_rmse" or last.rmse_train <= goal:
        reason = "floor"
    else:
        reason = {"time_limit": "time_limit", "max_steps": "budget"}.get(kind, "stalled")
    per_stage = [{"stage": k + 1, "scale": s.scale, "rmse_train": s.rmse_train, "rmse_test": s.rmse_test,
                  "lm_steps": s.main.steps, "stopped": s.main.stopped} for k, s in enumerate(done)]
    return FitResult("lm", data.target.name, data.target.d, last.rmse_train, last.rmse_test,
                     sum(n_params(s.model) for s in done), len(data.y_train), len(data.y_test),
                     time.perf_counter() - start,
                     extra={"activation": activation, "depth": depth, "width": width, "solver": solver,
                            "adam_steps": adam_steps, "stages": per_stage, "floor_source": floor.source},
                     stop_reason=reason, floor=floor.rmse, rmse_over_floor=over_floor(last.rmse_train, floor.rmse))
