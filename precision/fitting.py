"""One entry point for fitting a target with a named method (used by the CLI and the book).

Each method takes a :class:`~precision.targets.Dataset` and returns a :class:`FitResult`.
This module holds the method registry, :data:`METHODS`, the one place a method is declared:
:func:`register` records the function, a one-line description and a help text per option,
and both :func:`fit` and the command line (``python -m precision fit``, which builds its
``--method`` choices and its method flags from the registry) read it. Adding a method::

    @register("mine", help="what it does, in one line", options={"width": "hidden width"})
    def fit_mine(data: Dataset, width: int = 20) -> FitResult:
        ...

Every parameter after ``data`` is an option: keyword, with a default, and a help text.
Its annotation (``int``, ``float``, ``str``, ``bool``; anything else is passed on as text)
types the command-line flag ``--width``; ``seed`` follows the command line's ``--seed``.
"""
from __future__ import annotations

import inspect
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from .interpolation import SimplexInterpolator
from .device import on_device, resolve_device
from .memory import fit_memory, require_fits
from .targets import Dataset

__all__ = ["FitResult", "STOP_REASONS", "Method", "METHODS", "register", "fit", "fit_simplex", "fit_mlp", "fit_boost", "fit_spline", "fit_lm",
           "fit_multistage", "fit_chebyshev", "check_fit_memory"]


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


STOP_REASONS = ("floor", "stalled", "time_limit", "budget")
"""Why a self-stopping fit ended: the training RMSE came within ``floor_factor`` of the
floor; it stopped improving; ``time_limit`` ran out; or the steps or stages given were
used up."""

_TIME_LIMIT = 120.0  # seconds: the default of --time-limit


def _rmse(pred: np.ndarray, y: np.ndarray, skip: np.ndarray | None = None) -> float:
    """RMSE over every point except those in the mask ``skip`` (outside a simplex hull, reported
    as ``n_outside``). A prediction that is NaN or infinite anywhere else is a failure, never a
    dropped point: the RMSE is then NaN."""
    pred, y = np.asarray(pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if skip is not None:
        pred, y = pred[~skip], y[~skip]
    if pred.size == 0 or not np.all(np.isfinite(pred)):
        return float("nan")
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def check_fit_memory(method: str, d: int, n_train: int, n_test: int, options: dict[str, Any]) -> None:
    """Refuse, before anything is allocated, a fit whose arrays cannot fit in this machine's
    memory: one sentence naming the option and the estimate (:mod:`precision.memory`)."""
    for option, estimate, what in fit_memory(method, d, n_train, n_test, options):
        require_fits(option, estimate, what)


def _digits_to_int(value: Any) -> Any:
    """``"3"`` → ``3`` (options arrive from the command line as text); anything else unchanged."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _require_inside_box(data: Dataset, x: np.ndarray, why: str) -> None:
    """Raise ``ValueError(why)`` when an input of ``x`` lies outside the target's box (the data
    were standardised, say)."""
    low = np.asarray(data.target.low, dtype=np.float64)
    high = np.asarray(data.target.high, dtype=np.float64)
    if np.any(x < low) or np.any(x > high):
        raise ValueError(why)


_PLAIN_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "None": type(None)}


def _annotation(annotation: Any) -> Any:
    """An option's annotation as a type: ``"int"`` → ``int``; a union such as ``"int | str"``
    → ``int | str``. Read by name from a table (no evaluation); anything else stays as it is."""
    if not isinstance(annotation, str):
        return annotation
    parts = [_PLAIN_TYPES.get(part.strip()) for part in annotation.split("|")]
    if any(part is None for part in parts):
        return annotation
    out = parts[0]
    for part in parts[1:]:
        out = out | part
    return out


@dataclass(frozen=True)
class Method:
    """One registered fitting method (see :func:`register`).

    Calling it calls ``function``, so ``METHODS[name](data, **options)`` fits.
    """

    name: str
    function: Callable[..., FitResult]
    help: str
    options: dict[str, str]

    def __call__(self, data: Dataset, **options: Any) -> FitResult:
        return self.function(data, **options)

    @property
    def parameters(self) -> dict[str, inspect.Parameter]:
        """The options as ``inspect.Parameter`` (name, default, annotation resolved to a type), in order."""
        params = list(inspect.signature(self.function).parameters.values())[1:]
        return {p.name: p.replace(annotation=_annotation(p.annotation)) for p in params}

    @property
    def defaults(self) -> dict[str, Any]:
        """Each option's default."""
        return {name: p.default for name, p in self.parameters.items()}


METHODS: dict[str, Method] = {}
"""The registry: method name → :class:`Method`, in registration order."""


def register(name: str, help: str, options: dict[str, str] | None = None
             ) -> Callable[[Callable[..., FitResult]], Callable[..., FitResult]]:
    """Decorator that registers a fitting function as method ``name`` (for :func:`fit` and the CLI).

    Parameters
    ----------
    name
        The method's name (``--method NAME``); registering a name again replaces it.
    help
        A one-line description (the CLI's ``fit --help`` lists it).
    options
        A help text per option (every parameter after ``data``), e.g. ``{"width": "hidden width"}``.

    Returns
    -------
    callable
        A decorator that registers the function and returns it unchanged.

    Raises
    ------
    TypeError
        When an option lacks a default or a help text, the function takes ``*args`` or
        ``**kwargs``, a help text names no parameter, or an option of the same name in
        another method has another type (the CLI has one flag per name).
    """
    options = dict(options or {})

    def decorate(function: Callable[..., FitResult]) -> Callable[..., FitResult]:
        method = Method(name, function, help, options)
        params = method.parameters
        where = f"register({name!r})"
        for p in params.values():
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise TypeError(f"{where}: option {p.name!r} must be a keyword parameter, not *args/**kwargs")
            if p.default is p.empty:
                raise TypeError(f"{where}: option {p.name!r} needs a default")
        if set(params) != set(options):
            missing, extra = sorted(set(params) - set(options)), sorted(set(options) - set(params))
            raise TypeError(f"{where}: options must give one help text per parameter after data; "
                            f"missing {missing or 'none'}, not parameters {extra or 'none'}")
        for other in METHODS.values():
            if other.name == name:
                continue
            for p_name, p in other.parameters.items():
                if p_name in params and params[p_name].annotation != p.annotation:
                    raise TypeError(f"{where}: option {p_name!r} is {params[p_name].annotation!r} here but "
                                    f"{p.annotation!r} in method {other.name!r}")
        METHODS[name] = method
        return function

    return decorate


@register("simplex", help="linear simplex interpolation of the training set (paper §2)")
def fit_simplex(data: Dataset) -> FitResult:
    """Linear simplex interpolation of the training set (paper §2, Figure 2).

    Parameters
    ----------
    data
        Training and test sets; test points outside the training inputs' convex hull are
        not predicted.

    Returns
    -------
    FitResult
        ``n_params`` counts D·(d+1) numbers for D training points; ``n_outside`` the test
        points outside the hull (left out of ``rmse_test``).
    """
    start = time.perf_counter()
    interp = SimplexInterpolator(data.x_train, data.y_train)
    test = interp(data.x_test)
    train = interp(data.x_train)
    seconds = time.perf_counter() - start
    return FitResult("simplex", data.target.name, data.target.d, _rmse(train.values, data.y_train),
                     _rmse(test.values, data.y_test, skip=test.outside), interp.n_params, len(data.y_train), len(data.y_test),
                     seconds, test.n_outside)


@register("mlp", help="a dense MLP trained by Adam or BFGS (paper §2-§3)",
          options={"activation": "relu, tanh, sigmoid or silu", "depth": "number of Linear layers",
                   "width": "hidden width", "optimizer": "adam or bfgs",
                   "steps": "Adam steps / BFGS maximum steps", "lr": "Adam learning rate",
                   "batch_cap": "Adam full batch up to this size, else a sliding window",
                   "seed": "weight-initialisation seed"})
def fit_mlp(data: Dataset, activation: str = "relu", depth: int = 3, width: int = 20, optimizer: str = "adam",
            steps: int = 20_000, lr: float = 1e-3, batch_cap: int = 10_000, seed: int = 0) -> FitResult:
    """Train a dense MLP (paper §2–§3 conventions) with Adam or BFGS on ``data``.

    Parameters
    ----------
    data
        Training and test sets.
    activation
        ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"silu"``.
    depth
        Number of Linear layers.
    width
        Hidden width.
    optimizer
        ``"adam"`` or ``"bfgs"``.
    steps
        Adam steps, or the most BFGS steps.
    lr
        Adam learning rate.
    batch_cap
        Adam uses the full batch up to this many points, else a sliding window.
    seed
        Weight-initialisation seed.

    Returns
    -------
    FitResult
        ``extra`` holds the architecture, the optimizer, ``steps``, ``best_step`` and why
        training ``stopped``.
    """
    from .models import mlp, n_params
    from .optimizers import OPTIMIZERS, train_adam, train_bfgs
    from .checks import check_nonnegative_int, check_positive_float, check_positive_int

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


@register("boost", help="boosted MLPs, each stage BFGS then low-curvature steps on the rescaled residual "
          "(paper §4.2)",
          options={"stages": "number of boosted nets", "width": "hidden width", "depth": "number of Linear layers",
                   "activation": "relu, tanh, sigmoid or silu", "steps": "BFGS maximum steps per stage",
                   "lowcurv_steps": "low-curvature subspace steps after BFGS in each stage",
                   "seed": "weight-initialisation seed (stage k: seed + k - 1)"})
def fit_boost(data: Dataset, stages: int = 2, width: int = 20, depth: int = 3, activation: str = "tanh",
              steps: int = 25_000, lowcurv_steps: int = 100, seed: int = 0) -> FitResult:
    """Boosted MLPs (paper §4.2): ``stages`` fresh nets, each trained by BFGS (at most
    ``steps`` steps) then ``lowcurv_steps`` low-curvature subspace steps on the rescaled
    residual of the previous stages.

    Parameters
    ----------
    data
        Training and test sets.
    stages
        Number of boosted nets.
    width, depth, activation
        Architecture of every stage's net (see :func:`fit_mlp`).
    steps
        Most BFGS steps per stage.
    lowcurv_steps
        Low-curvature subspace steps after BFGS in each stage (0: none).
    seed
        Weight-initialisation seed of stage 1; stage k uses ``seed + k - 1``.

    Returns
    -------
    FitResult
        The boosted sum's RMSEs; ``n_params`` over all stages; ``extra["stages"]`` holds
        each stage's scale, RMSEs and steps.
    """
    from .boosting import boost
    from .models import mlp, n_params
    from .checks import check_nonnegative_int, check_positive_int

    for name, value in (("stages", stages), ("width", width), ("depth", depth), ("steps", steps)):
        check_positive_int(name, value)
    check_nonnegative_int("lowcurv_steps", lowcurv_steps)
    check_nonnegative_int("seed", seed)
    mlp(data.target.d, width, depth, activation)  # reject a bad activation before any training
    res = boost(lambda k: mlp(data.target.d, width, depth, activation, seed=seed + k), data.x_train, data.y_train,
                stages, data.x_test, data.y_test, bfgs_steps=steps, lowcurv_steps=lowcurv_steps,
                hessian_every=10)
    per_stage = [{"stage": k + 1, "scale": s.scale, "rmse_train": s.rmse_train, "rmse_test": s.rmse_test,
                  "bfgs_steps": s.main.steps, "lowcurv_steps": 0 if s.lowcurv is None else s.lowcurv.steps}
                 for k, s in enumerate(res.stages)]
    return FitResult("boost", data.target.name, data.target.d, res.rmse_train, res.rmse_test,
                     sum(n_params(m) for m in res.models), len(data.y_train), len(data.y_test), res.seconds,
                     extra={"activation": activation, "depth": depth, "width": width, "stages": per_stage})


@register("spline", help="spline interpolation on a regular grid; --n-train is then the total number of grid "
          "points, rounded to the nearest points_per_dim**d (paper §3)",
          options={"order": "spline degree 1-7 or 'simplex'"})
def fit_spline(data: Dataset, order: int | str = 3) -> FitResult:
    """Spline interpolation of order ``order`` on a regular grid (paper §3, Figure 4).

    The training set's *size* sets the grid: points_per_dim = round(len(y_train) ** (1/d)),
    equally spaced over the target's box, ends included, so D = points_per_dim**d grid values
    of the exact formula are used (the random training inputs themselves are not).
    Test inputs must be in the target's own coordinates (not standardised).

    Parameters
    ----------
    data
        Training and test sets, not standardised; only the training set's size is used.
    order
        A spline degree 1…7 or ``"simplex"`` (see :class:`precision.splines.GridInterpolator`);
        digit strings (from the command line) are read as integers.

    Returns
    -------
    FitResult
        ``n_train`` is D; ``n_params`` follows the paper's convention D·(d+1); ``extra``
        holds ``order`` and ``points_per_dim``.
    """
    from .splines import ORDERS, fit_grid

    order = _digits_to_int(order)
    if isinstance(order, bool) or order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(map(str, ORDERS))}; got {order!r}")
    target = data.target
    _require_inside_box(data, data.x_test, "spline interpolation needs test inputs inside the target's box: "
                        "do not standardise the data (--standardize) for method 'spline'")
    n = max(2, int(round(len(data.y_train) ** (1 / target.d))))
    start = time.perf_counter()
    interp = fit_grid(target, n, order)
    test = interp(data.x_test)
    seconds = time.perf_counter() - start
    nodes = np.stack([g.ravel() for g in np.meshgrid(*interp.axes, indexing="ij")], axis=1)
    D = n**target.d
    return FitResult("spline", target.name, target.d, _rmse(interp(nodes), interp.values.ravel()),
                     _rmse(test, data.y_test), D * (target.d + 1), D, len(data.y_test), seconds,
                     extra={"order": order, "points_per_dim": n})


@register("lm", help="a tanh MLP trained by Levenberg-Marquardt until the float64 floor, a stall or the time "
          "limit; --stages > 1 boosts (beyond the paper)",
          options={"stages": "number of boosted nets", "width": "hidden width", "depth": "number of Linear layers",
                   "activation": "relu, tanh, sigmoid or silu",
                   "steps": "LM maximum steps per stage (0: until the floor, a stall or the time limit)",
                   "adam_steps": "Adam steps before LM in each stage", "lr": "Adam learning rate",
                   "solver": "LM step solver: cholesky or svd",
                   "seed": "weight-initialisation seed (stage k: seed + k - 1)",
                   "time_limit": "stop after this many seconds",
                   "floor_factor": "stop when the training RMSE is within this factor of the float64 floor",
                   "progress": "progress bar on stderr (shown only when it is a terminal)"})
def fit_lm(data: Dataset, stages: int = 1, width: int = 20, depth: int = 3, activation: str = "tanh",
           steps: int = 0, adam_steps: int = 0, lr: float = 1e-3, solver: str = "cholesky",
           seed: int = 0, time_limit: float = _TIME_LIMIT, floor_factor: float = 3.0,
           progress: bool = True) -> FitResult:
    """Tanh MLP trained by Levenberg–Marquardt (beyond the paper, :mod:`precision.lm`) after
    ``adam_steps`` Adam steps (a warm-up that keeps the weights O(1)); with ``stages > 1``,
    boosting (paper §4.2.2) with every stage trained that way on the residual rescaled by
    ``c = 2/max|r|``. It trains until the training RMSE is within ``floor_factor`` of the
    float64 floor of the labels, LM stops making progress, ``time_limit`` runs out, or
    (when given) ``steps`` steps per stage.

    Parameters
    ----------
    data
        Training and test sets.
    stages
        Number of boosted nets (1: no boosting); fewer when the floor or the time limit
        comes first.
    width, depth, activation
        Architecture of every stage's net (see :func:`fit_mlp`).
    steps
        Most Levenberg–Marquardt steps per stage (0: no limit but the stopping rules).
    adam_steps
        Full-batch Adam steps before LM in each stage (0: none).
    lr
        Adam learning rate.
    solver
        LM step solver, ``"cholesky"`` or ``"svd"``.
    seed
        Weight-initialisation seed of stage 1; stage k uses ``seed + k - 1``.
    time_limit
        Wall-clock seconds for the whole fit.
    floor_factor
        Stop once the training RMSE is at most this times the floor (at least 1).
    progress
        Show a progress bar on stderr (only when it is a terminal).

    Returns
    -------
    FitResult
        ``stop_reason``, ``floor`` and ``rmse_over_floor`` say why it stopped and how close
        it came; ``extra["stages"]`` holds each stage's scale, RMSEs, LM steps and why it
        stopped; ``extra["floor_source"]`` how the floor was obtained.
    """
    import torch

    from .boosting import fit_stages, residual_scale, stage_trainer
    from .landscape import _as_data
    from .lm import SOLVERS, check_label_scale, stop_kind
    from .models import mlp, n_params
    from .progress import FitProgress
    from .checks import check_nonnegative_int, check_positive_float, check_positive_int

    for name, value in (("stages", stages), ("width", width), ("depth", depth)):
        check_positive_int(name, value)
    check_nonnegative_int("steps", steps)
    check_nonnegative_int("seed", seed)
    check_nonnegative_int("adam_steps", adam_steps)
    check_positive_float("lr", lr)
    time_limit = check_positive_float("time_limit", time_limit)
    floor_factor = _check_floor_factor(floor_factor)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}")
    mlp(data.target.d, width, depth, activation)  # reject a bad activation before any training
    check_label_scale(data.y_train, data.y_test)
    start = time.perf_counter()
    floor = _label_floor(data, seed, time_limit / 4)  # the floor gets at most a quarter of the time
    goal = floor_factor * floor.rmse
    first = mlp(data.target.d, width, depth, activation, seed=seed)
    x, y = _as_data(data.x_train, data.y_train, next(iter(first.parameters())))
    x_test, y_test = _as_data(data.x_test, data.y_test, x)
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
                     stop_reason=reason, floor=floor.rmse, rmse_over_floor=_over_floor(last.rmse_train, floor.rmse))


def _check_floor_factor(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value < float("inf"):
        raise ValueError(f"floor_factor must be a number of at least 1, got {value!r}")
    return float(value)


def _over_floor(rmse: float, floor: float) -> float:
    """The RMSE over the floor; an exact fit (RMSE 0) of labels whose floor is 0 (all 0) gives 0."""
    if floor > 0:
        return rmse / floor
    return 0.0 if rmse == 0 else float("inf")


def _label_floor(data: Dataset, seed: int, time_limit: float | None = None):
    """The float64 floor of the training labels (against the target's exact form when the
    inputs are in its own coordinates; else the estimate eps·rms(y)), measured within
    ``time_limit`` seconds (:func:`precision.floors.label_floor`)."""
    from .floors import label_floor

    low = np.asarray(data.target.low, dtype=np.float64)
    high = np.asarray(data.target.high, dtype=np.float64)
    inside = not (np.any(data.x_train < low) or np.any(data.x_train > high))
    return label_floor(data.target if inside else None, data.x_train, data.y_train, seed=seed,
                       time_limit=None if time_limit is None else max(time_limit, 1e-9))


@register("multistage", help="Wang & Lai multi-stage nets, Adam then LM per stage, until the float64 floor, "
          "a stall or the time limit (beyond the paper)",
          options={"stages": "number of stages (0: until the floor, a stall or the time limit)",
                   "width": "hidden width", "depth": "number of Linear layers",
                   "adam_steps": "Adam steps before LM in each stage (-1: 500 in stage 1, none after)",
                   "lr": "Adam learning rate",
                   "steps": "LM maximum steps per stage (0: until its progress slows)",
                   "data_growth": "stage k trains on n*growth^(k-1) points (0: 4 points per parameter from stage 2)",
                   "solver": "LM step solver: cholesky or svd", "seed": "weight-initialisation seed",
                   "time_limit": "stop after this many seconds",
                   "floor_factor": "stop when the training RMSE is within this factor of the float64 floor",
                   "progress": "progress bar on stderr (shown only when it is a terminal)"})
def fit_multistage(data: Dataset, stages: int = 0, width: int = 20, depth: int = 3, adam_steps: int = -1,
                   lr: float = 1e-3, steps: int = 0, data_growth: int = 0, solver: str = "cholesky",
                   seed: int = 0, time_limit: float = _TIME_LIMIT, floor_factor: float = 3.0,
                   progress: bool = True) -> FitResult:
    """Multi-stage nets (Wang & Lai 2024, :mod:`precision.multistage`): a tanh net, then nets with a
    sin first layer tuned to the residual's zero crossings, each trained by Adam then
    Levenberg–Marquardt, until the training RMSE is within ``floor_factor`` of the float64
    floor of the labels, a stage stops helping, or ``time_limit`` runs out. Budgets left at
    their defaults (0, or -1 for ``adam_steps``) adapt (:data:`precision.multistage.AUTO`);
    budgets given are obeyed.

    Parameters
    ----------
    data
        Training and test sets.
    stages
        Number of stages (0: adaptive).
    width, depth
        Architecture of every stage's net.
    adam_steps
        Full-batch Adam steps before LM in each stage (-1: 500 in stage 1, none after).
    lr
        Adam learning rate.
    steps
        Most Levenberg–Marquardt steps per stage (0: until the stage's progress slows).
    data_growth
        Stage k trains on ``n * data_growth**(k-1)`` points (0: 4 points per parameter from
        stage 2 on, fresh points drawn from the target).
    solver
        LM step solver, ``"cholesky"`` or ``"svd"``.
    seed
        Weight-initialisation (and extra-data sampling) seed.
    time_limit
        Wall-clock seconds for the whole fit.
    floor_factor
        With adaptive stages, stop once the training RMSE is at most this times the floor.
    progress
        Show a progress bar on stderr (only when it is a terminal).

    Returns
    -------
    FitResult
        ``n_train`` is the last stage's; ``stop_reason``, ``floor`` and ``rmse_over_floor``
        say why it stopped and how close it came; ``extra["stages"]`` holds each stage's
        RMSEs, scale, frequency scale ``kappa``, training points, LM steps and seconds.
    """
    from .lm import SOLVERS
    from .multistage import train_multistage
    from .checks import check_nonnegative_int, check_positive_float

    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}")
    for name, value in (("stages", stages), ("steps", steps), ("data_growth", data_growth)):
        check_nonnegative_int(name, value)
    if isinstance(adam_steps, bool) or not isinstance(adam_steps, int) or adam_steps < -1:
        raise ValueError(f"adam_steps must be a non-negative integer, or -1 (adaptive), got {adam_steps!r}")
    time_limit = check_positive_float("time_limit", time_limit)
    floor_factor = _check_floor_factor(floor_factor)
    start = time.perf_counter()
    res = train_multistage(data, stages or None, width, depth, adam_steps=None if adam_steps == -1 else adam_steps,
                           lr=lr, steps=steps or None, data_growth=data_growth or None, seed=seed,
                           record_every=max(1, (steps or 1000) // 50), lm_options={"solver": solver},
                           time_limit=time_limit, floor_factor=floor_factor, progress=progress)
    floor, source = res.floor, res.floor_source
    if floor is None:  # within the time that is left
        found = _label_floor(data, seed, time_limit - (time.perf_counter() - start))
        floor, source = found.rmse, found.source
    per_stage = [{"stage": k + 1, "scale": s.scale, "kappa": s.kappa, "n_train": s.n_train,
                  "rmse_train": s.rmse_train, "rmse_test": s.rmse_test, "lm_steps": s.second.steps,
                  "stopped": s.second.stopped, "seconds": s.seconds} for k, s in enumerate(res.stages)]
    return FitResult("multistage", data.target.name, data.target.d, res.rmse_train, res.rmse_test, res.n_params,
                     res.stages[-1].n_train, len(data.y_test), res.seconds,
                     extra={"depth": depth, "width": width, "adam_steps": adam_steps, "solver": solver,
                            "stages": per_stage, "floor_source": source},
                     stop_reason=res.stop_reason, floor=floor, rmse_over_floor=_over_floor(res.rmse_train, floor))


@register("chebyshev", help="a Chebyshev series on the target's box (beyond the paper)",
          options={"degree": "Chebyshev degree per axis",
                   "kind": "Chebyshev coefficients: lstsq (fit the training data) or interpolate "
                           "(the target at Chebyshev points, 1D)"})
def fit_chebyshev(data: Dataset, degree: int = 30, kind: str = "lstsq") -> FitResult:
    """Chebyshev series of degree ``degree`` per axis on the target's box (:mod:`precision.chebyshev`).

    Parameters
    ----------
    data
        Training and test sets, not standardised (inputs in the target's own coordinates).
    degree
        Degree per axis; digit strings (from the command line) are read as integers.
    kind
        ``"lstsq"``: a least-squares fit of the training data (any dimension, tensor
        product); ``"interpolate"``: interpolation of the target at Chebyshev points (1D).

    Returns
    -------
    FitResult
        ``n_params`` is the number of coefficients; with ``"interpolate"`` ``n_train`` is the
        number of nodes; ``extra`` holds ``degree`` and ``kind``.
    """
    from .chebyshev import KINDS, chebyshev_curve

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    degree = _digits_to_int(degree)
    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    target = data.target
    _require_inside_box(data, data.x_train, "a Chebyshev series lives on the target's box: do not standardise "
                        "the data (--standardize) for method 'chebyshev'")
    if kind == "interpolate" and target.d != 1:
        raise ValueError(f"kind 'interpolate' is 1D only; target '{target.name}' has d={target.d}: use kind 'lstsq'")
    point = chebyshev_curve(data, [degree], kind)[0]
    n_train = degree + 1 if kind == "interpolate" else len(data.y_train)
    return FitResult("chebyshev", target.name, target.d, point.rmse_train, point.rmse_test, point.n_coef, n_train,
                     len(data.y_test), point.seconds, extra={"degree": degree, "kind": kind})


def fit(data: Any, y_train: Any = None, method: str | None = None, *, x_test: Any = None, y_test: Any = None,
        device: str = "cpu", **options: Any) -> FitResult:
    """Fit data with a registered method: ``fit(dataset, "mlp")`` or ``fit(x, y, method="mlp")``.

    The data are checked first, in one place (:func:`precision.inputs.fit_data`), and every
    method receives the same form: inputs ``(n, d)`` and labels ``(n,)``, float64.

    Parameters
    ----------
    data
        A :class:`~precision.targets.Dataset` (training and test sets of a target), or the
        training inputs ``x_train``, shape ``(n, d)`` or ``(n,)``.
    y_train
        With arrays, the training labels, shape ``(n,)`` or ``(n, 1)``. With a Dataset, the
        method may be given here (``fit(dataset, "simplex")``).
    method
        A key of :data:`METHODS` (``"simplex"``, ``"mlp"``, ``"boost"``, …).
    x_test, y_test
        With arrays, the test set (both or neither; neither: the training set is also the
        test set, so ``rmse_test`` is the training error).
    device
        Where the method's tensors live: ``"cpu"`` (default), ``"cuda"``, ``"cuda:N"`` or
        ``"auto"`` (:func:`precision.device.resolve_device`); float64 on every device.
    **options
        The method's options (see its ``fit_*`` function); the method's defaults for the rest.

    Returns
    -------
    FitResult
        What the method returns; with arrays, ``target`` is ``"data"``.

    Raises
    ------
    ValueError
        For an unknown method, an option the method does not take (one line naming the
        options it takes, as command-line flags), a seed outside ``0 … 2**63 - 1``, a device
        this machine does not have, or data of the wrong shape, length or dimension, with
        NaN or inf, or too few (distinct) points (:func:`precision.inputs.fit_data`).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 50)
    >>> fit(x, x**2, method="simplex").rmse_train
    0.0
    """
    from .checks import check_seed
    from .inputs import fit_data

    if isinstance(data, Dataset) and method is None and isinstance(y_train, str):
        y_train, method = None, y_train  # fit(dataset, "simplex")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    allowed = list(METHODS[method].parameters)
    unknown = [k for k in options if k not in allowed]
    if unknown:
        flags = ", ".join("--" + k.replace("_", "-") for k in unknown)
        takes = ", ".join("--" + k.replace("_", "-") for k in allowed) or "no options"
        raise ValueError(f"method '{method}' does not take {flags}; it takes {takes}")
    if "seed" in options:
        check_seed("seed", options["seed"])
    data = fit_data(data, y_train, x_test, y_test, method, options)
    where = resolve_device(device)
    check_fit_memory(method, data.target.d, len(data.y_train), len(data.y_test), options)
    with on_device(where):
        return METHODS[method](data, **options)
