"""One entry point for fitting a target with a named method (used by the CLI and the book).

Each method takes a :class:`~precision.targets.Dataset` and returns a
:class:`~precision.results.FitResult`. This module registers the package's methods in the
registry :data:`METHODS` (:mod:`precision.methods`): each is a thin function here that checks
its options and runs an algorithm of its own module, registered with its description, its
options (documented once, in its numpydoc ``Parameters`` section) and its memory estimate,
written next to it. :func:`fit` is the public entry: it checks the request (method,
options, data, device, memory) once, and the method then trusts what it is given.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from .device import on_device, resolve_device
from .interpolation import SimplexInterpolator
from .memory import (Estimate, activation_memory, data_memory, jacobian_memory, net_memory, option_int,
                     require_fits, simplices_per_point)
from .models import mlp_param_count
from .methods import METHODS, Method, register
from .results import STOP_REASONS, FitResult, check_floor_factor, rmse
from .targets import Dataset

__all__ = ["FitResult", "STOP_REASONS", "Method", "METHODS", "register", "fit", "fit_simplex", "fit_mlp", "fit_boost",
           "fit_spline", "fit_lm", "fit_multistage", "fit_chebyshev", "fit_memory", "check_fit_memory",
           "check_method_options", "check_fit_resources", "fit_checked"]

_F64 = 8
_TIME_LIMIT = 120.0  # seconds: the default of --time-limit


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


def _net_estimate(method: str, d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data, a net and its curvature matrices, its activations and (``lm``,
    ``multistage``) the LM Jacobian, on the data a multi-stage fit grows to."""
    n = n_train
    out = [data_memory(d, n_train, n_test)]
    growth = option_int(options, "data_growth", 0) if method == "multistage" else 1  # multistage 0: adaptive
    grown = "--data-growth" if growth > 1 else "--n-train"
    width = option_int(options, "width", 20)
    depth = option_int(options, "depth", 3)
    stages = option_int(options, "stages", (2 if method in ("boost", "multistage") else 1))
    params = mlp_param_count(d, width, depth)
    out.append(net_memory(params, width, method in ("boost", "lm", "multistage") or options.get("optimizer") == "bfgs"))
    if method == "multistage":
        if growth > 1:
            n = n_train * growth ** max((stages or 8) - 1, 0)
        elif growth == 0:  # adaptive: 4 points per parameter from stage 2 on (precision.multistage.AUTO)
            n = max(n_train, 4 * params)
        out.append(("--data-growth", 4.0 * n * (d + 1) * _F64, f"{n:,} training points in the last stage"))
    batch = min(n, option_int(options, "batch_cap", n)) if method == "mlp" else n
    out.append(activation_memory(grown, batch, width, depth))
    if method in ("lm", "multistage"):
        out.append(jacobian_memory(grown, n, params))
    return out


def _simplex_memory(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data and the Delaunay triangulation."""
    per = simplices_per_point(d)
    return [data_memory(d, n_train, n_test),
            ("--n-train", 1.0 * n_train * per * (d + 1) * (8 + (d + 1) * _F64), "the Delaunay triangulation")]


@register("simplex", help="linear simplex interpolation of the training set (paper §2)", memory=_simplex_memory)
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
    return FitResult("simplex", data.target.name, data.target.d, rmse(train.values, data.y_train),
                     rmse(test.values, data.y_test, skip=test.outside), interp.n_params, len(data.y_train),
                     len(data.y_test), seconds, test.n_outside)


def _mlp_memory(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data, the net (with BFGS its inverse Hessian) and its activations on one batch."""
    return _net_estimate("mlp", d, n_train, n_test, options)


@register("mlp", help="a dense MLP trained by Adam or BFGS (paper §2-§3)", memory=_mlp_memory)
def fit_mlp(data: Dataset, activation: str = "relu", depth: int = 3, width: int = 20, optimizer: str = "adam",
            steps: int = 20_000, lr: float = 1e-3, batch_cap: int = 10_000, seed: int = 0) -> FitResult:
    """Train a dense MLP (paper §2–§3 conventions) with Adam or BFGS on ``data``.

    Parameters
    ----------
    data
        Training and test sets.
    activation
        relu, tanh, sigmoid or silu.
    depth
        number of Linear layers.
    width
        hidden width.
    optimizer
        adam or bfgs.
    steps
        Adam steps / BFGS maximum steps.
    lr
        Adam learning rate.
    batch_cap
        Adam full batch up to this size, else a sliding window.
    seed
        weight-initialisation seed.

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


def _boost_memory(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data, one stage's net and its BFGS inverse Hessian, and its activations."""
    return _net_estimate("boost", d, n_train, n_test, options)


@register("boost", help="boosted MLPs, each stage BFGS then low-curvature steps on the rescaled residual "
          "(paper §4.2)", memory=_boost_memory)
def fit_boost(data: Dataset, stages: int = 2, width: int = 20, depth: int = 3, activation: str = "tanh",
              steps: int = 25_000, lowcurv_steps: int = 100, seed: int = 0) -> FitResult:
    """Boosted MLPs (paper §4.2): ``stages`` fresh nets, each trained by BFGS (at most
    ``steps`` steps) then ``lowcurv_steps`` low-curvature subspace steps on the rescaled
    residual of the previous stages. Every stage's net has the architecture of :func:`fit_mlp`.

    Parameters
    ----------
    data
        Training and test sets.
    stages
        number of boosted nets.
    width
        hidden width.
    depth
        number of Linear layers.
    activation
        relu, tanh, sigmoid or silu.
    steps
        BFGS maximum steps per stage.
    lowcurv_steps
        low-curvature subspace steps after BFGS in each stage.
    seed
        weight-initialisation seed (stage k: seed + k - 1).

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


def _spline_memory(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data, the grid and its spline coefficients."""
    return [data_memory(d, n_train, n_test), ("--n-train", 8.0 * n_train * _F64, "the grid and its spline coefficients")]


@register("spline", help="spline interpolation on a regular grid; --n-train is then the total number of grid "
          "points, rounded to the nearest points_per_dim**d (paper §3)", memory=_spline_memory)
def fit_spline(data: Dataset, order: int | str = 3) -> FitResult:
    """Spline interpolation of order ``order`` on a regular grid (paper §3, Figure 4).

    The training set's *size* sets the grid: points_per_dim = round(len(y_train) ** (1/d)),
    equally spaced over the target's box, ends included, so D = points_per_dim**d grid values
    of the exact formula are used (the random training inputs themselves are not).
    Test inputs must be in the target's own coordinates (not standardised). The order is a
    degree of :class:`precision.splines.GridInterpolator`; digit strings (from the command
    line) are read as integers.

    Parameters
    ----------
    data
        Training and test sets, not standardised; only the training set's size is used.
    order
        spline degree 1-7 or 'simplex'.

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
    return FitResult("spline", target.name, target.d, rmse(interp(nodes), interp.values.ravel()),
                     rmse(test, data.y_test), D * (target.d + 1), D, len(data.y_test), seconds,
                     extra={"order": order, "points_per_dim": n})


def _lm_memory(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data, the net and LM's normal matrix, its activations and the LM Jacobian."""
    return _net_estimate("lm", d, n_train, n_test, options)


@register("lm", help="a tanh MLP trained by Levenberg-Marquardt until the float64 floor, a stall or the time "
          "limit; --stages > 1 boosts (beyond the paper)", memory=_lm_memory)
def fit_lm(data: Dataset, stages: int = 1, width: int = 20, depth: int = 3, activation: str = "tanh",
           steps: int = 0, adam_steps: int = 0, lr: float = 1e-3, solver: str = "cholesky",
           seed: int = 0, time_limit: float = _TIME_LIMIT, floor_factor: float = 3.0,
           progress: bool = True) -> FitResult:
    """Tanh MLP trained by Levenberg–Marquardt (beyond the paper, :mod:`precision.lm`) after
    ``adam_steps`` Adam steps (a warm-up that keeps the weights O(1)); with ``stages > 1``,
    boosting (paper §4.2.2) with every stage trained that way on the residual rescaled by
    ``c = 2/max|r|`` (fewer stages when the floor or the time limit comes first). It trains
    until the training RMSE is within ``floor_factor`` (at least 1) of the float64 floor of
    the labels, LM stops making progress, ``time_limit`` runs out (the whole fit's
    wall-clock seconds), or (when given) ``steps`` steps per stage. The checks are here; the
    algorithm is :func:`precision.boosting.lm_fit`.

    Parameters
    ----------
    data
        Training and test sets.
    stages
        number of boosted nets.
    width
        hidden width.
    depth
        number of Linear layers.
    activation
        relu, tanh, sigmoid or silu.
    steps
        LM maximum steps per stage (0: until the floor, a stall or the time limit).
    adam_steps
        Adam steps before LM in each stage.
    lr
        Adam learning rate.
    solver
        LM step solver: cholesky or svd.
    seed
        weight-initialisation seed (stage k: seed + k - 1).
    time_limit
        stop after this many seconds.
    floor_factor
        stop when the training RMSE is within this factor of the float64 floor.
    progress
        progress bar on stderr (shown only when it is a terminal).

    Returns
    -------
    FitResult
        ``stop_reason``, ``floor`` and ``rmse_over_floor`` say why it stopped and how close
        it came; ``extra["stages"]`` holds each stage's scale, RMSEs, LM steps and why it
        stopped; ``extra["floor_source"]`` how the floor was obtained.
    """
    from .boosting import lm_fit
    from .lm import SOLVERS, check_label_scale
    from .models import mlp
    from .checks import check_nonnegative_int, check_positive_float, check_positive_int

    for name, value in (("stages", stages), ("width", width), ("depth", depth)):
        check_positive_int(name, value)
    check_nonnegative_int("steps", steps)
    check_nonnegative_int("seed", seed)
    check_nonnegative_int("adam_steps", adam_steps)
    check_positive_float("lr", lr)
    time_limit = check_positive_float("time_limit", time_limit)
    floor_factor = check_floor_factor(floor_factor)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}")
    mlp(data.target.d, width, depth, activation)  # reject a bad activation before any training
    check_label_scale(data.y_train, data.y_test)
    return lm_fit(data, stages, width, depth, activation, steps, adam_steps, lr, solver, seed, time_limit,
                  floor_factor, progress)


def _multistage_memory(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data, a stage's net and LM's normal matrix, the data the last stage trains on,
    and the activations and LM Jacobian on it."""
    return _net_estimate("multistage", d, n_train, n_test, options)


@register("multistage", help="Wang & Lai multi-stage nets, Adam then LM per stage, until the float64 floor, "
          "a stall or the time limit (beyond the paper)", memory=_multistage_memory)
def fit_multistage(data: Dataset, stages: int = 0, width: int = 20, depth: int = 3, adam_steps: int = -1,
                   lr: float = 1e-3, steps: int = 0, data_growth: int = 0, solver: str = "cholesky",
                   seed: int = 0, time_limit: float = _TIME_LIMIT, floor_factor: float = 3.0,
                   progress: bool = True) -> FitResult:
    """Multi-stage nets (Wang & Lai 2024, :mod:`precision.multistage`): a tanh net, then nets with a
    sin first layer tuned to the residual's zero crossings, each trained by Adam then
    Levenberg–Marquardt, until the training RMSE is within ``floor_factor`` of the float64
    floor of the labels, a stage stops helping, or ``time_limit`` (the whole fit's wall-clock
    seconds) runs out. Budgets left at their defaults (0, or -1 for ``adam_steps``) adapt
    (:data:`precision.multistage.AUTO`); budgets given are obeyed. Extra points for later
    stages are drawn from the target with ``seed``. The checks are here; the algorithm is
    :func:`precision.multistage.multistage_fit`.

    Parameters
    ----------
    data
        Training and test sets.
    stages
        number of stages (0: until the floor, a stall or the time limit).
    width
        hidden width.
    depth
        number of Linear layers.
    adam_steps
        Adam steps before LM in each stage (-1: 500 in stage 1, none after).
    lr
        Adam learning rate.
    steps
        LM maximum steps per stage (0: until its progress slows).
    data_growth
        stage k trains on n*growth^(k-1) points (0: 4 points per parameter from stage 2).
    solver
        LM step solver: cholesky or svd.
    seed
        weight-initialisation seed.
    time_limit
        stop after this many seconds.
    floor_factor
        stop when the training RMSE is within this factor of the float64 floor.
    progress
        progress bar on stderr (shown only when it is a terminal).

    Returns
    -------
    FitResult
        ``n_train`` is the last stage's; ``stop_reason``, ``floor`` and ``rmse_over_floor``
        say why it stopped and how close it came; ``extra["stages"]`` holds each stage's
        RMSEs, scale, frequency scale ``kappa``, training points, LM steps and seconds.
    """
    from .lm import SOLVERS
    from .multistage import multistage_fit
    from .checks import check_nonnegative_int, check_positive_float

    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}")
    for name, value in (("stages", stages), ("steps", steps), ("data_growth", data_growth)):
        check_nonnegative_int(name, value)
    if isinstance(adam_steps, bool) or not isinstance(adam_steps, int) or adam_steps < -1:
        raise ValueError(f"adam_steps must be a non-negative integer, or -1 (adaptive), got {adam_steps!r}")
    time_limit = check_positive_float("time_limit", time_limit)
    floor_factor = check_floor_factor(floor_factor)
    return multistage_fit(data, stages, width, depth, adam_steps, lr, steps, data_growth, solver, seed, time_limit,
                          floor_factor, progress)


def _chebyshev_memory(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The data and the Vandermonde (lstsq) or collocation (interpolate) matrix."""
    out = [data_memory(d, n_train, n_test)]
    degree = option_int(options, "degree", 30)
    if options.get("kind") == "interpolate":
        out.append(("--degree", 2.0 * (degree + 1) ** 2 * _F64, "the interpolation matrix"))
    else:
        coef = float(degree + 1) ** d
        out.append(("--degree", 2.0 * n_train * coef * _F64 + coef * coef * _F64, f"{coef:,.0f} coefficients"))
    return out


@register("chebyshev", help="a Chebyshev series on the target's box (beyond the paper)", memory=_chebyshev_memory)
def fit_chebyshev(data: Dataset, degree: int = 30, kind: str = "lstsq") -> FitResult:
    """Chebyshev series of degree ``degree`` per axis on the target's box (:mod:`precision.chebyshev`).

    ``kind="lstsq"`` is a least-squares fit of the training data (any dimension, tensor
    product); ``"interpolate"`` interpolates the target at Chebyshev points (1D). A degree
    given as a digit string (from the command line) is read as an integer.

    Parameters
    ----------
    data
        Training and test sets, not standardised (inputs in the target's own coordinates).
    degree
        Chebyshev degree per axis.
    kind
        Chebyshev coefficients: lstsq (fit the training data) or interpolate (the target
        at Chebyshev points, 1D).

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


def fit_memory(method: str, d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The large allocations of a fit with a registered method, before any is made.

    Parameters
    ----------
    method
        A key of :data:`METHODS`.
    d, n_train, n_test
        Input dimension and the sizes of the training and test sets.
    options
        The method's options as given (absent ones take the estimate's defaults).

    Returns
    -------
    list
        ``(option, bytes, what)`` for each allocation, the data first: the method's own
        estimate (``register(..., memory=...)``), or the data alone for a method registered
        without one (:func:`precision.memory.data_only`).
    """
    return METHODS[method].estimate(d, n_train, n_test, options)


def check_fit_memory(method: str, d: int, n_train: int, n_test: int, options: dict[str, Any]) -> None:
    """Refuse, before anything is allocated, a fit whose arrays cannot fit in this machine's
    memory: one sentence naming the option and the estimate (:func:`fit_memory`)."""
    for option, estimate, what in fit_memory(method, d, n_train, n_test, options):
        require_fits(option, estimate, what)


def check_method_options(method: Any, options: dict[str, Any]) -> None:
    """Check a request's method and options before its data exist.

    Parameters
    ----------
    method
        Must be a key of :data:`METHODS`.
    options
        Must be options the method takes; a ``seed`` among them must lie in ``0 … 2**63 - 1``.
        The method checks the values of its other options itself.

    Raises
    ------
    ValueError
        For an unknown method, an option the method does not take (one line naming the
        options it takes, as command-line flags), or a seed out of range.
    """
    from .checks import check_seed

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


def check_fit_resources(method: str, d: int, n_train: int, n_test: int, options: dict[str, Any], device: Any):
    """The device a fit runs on, checked, after its memory estimate was checked.

    Parameters
    ----------
    method, options
        A checked request (:func:`check_method_options`).
    d, n_train, n_test
        Input dimension and the sizes of the training and test sets.
    device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (:func:`precision.device.resolve_device`).

    Returns
    -------
    torch.device
        Where the fit's tensors will live.

    Raises
    ------
    ValueError
        For a device this machine does not have, or a fit that cannot fit in memory.
    """
    where = resolve_device(device)
    check_fit_memory(method, d, n_train, n_test, options)
    return where


def fit_checked(data: Dataset, method: str, device: Any, options: dict[str, Any]) -> FitResult:
    """Run a registered method on a request already checked: ``data`` by
    :func:`precision.inputs.fit_data`, ``method`` and ``options`` by :func:`check_method_options`,
    ``device`` (a ``torch.device``) and memory by :func:`check_fit_resources`. Nothing is checked
    again; :func:`fit` is the entry that checks.

    Parameters
    ----------
    data
        The checked training and test sets.
    method
        A key of :data:`METHODS`.
    device
        The ``torch.device`` :func:`check_fit_resources` returned.
    options
        The method's options.

    Returns
    -------
    FitResult
        What the method returns.
    """
    with on_device(device):
        return METHODS[method](data, **options)


def fit(data: Any, y_train: Any = None, method: str | None = None, *, x_test: Any = None, y_test: Any = None,
        device: str = "cpu", **options: Any) -> FitResult:
    """Fit data with a registered method: ``fit(dataset, "mlp")`` or ``fit(x, y, method="mlp")``.

    The request is checked here, once, before the method runs: the method and its options
    (:func:`check_method_options`), the data (:func:`precision.inputs.fit_data`: every method
    receives inputs ``(n, d)`` and labels ``(n,)``, float64), the device and the memory the
    fit needs (:func:`check_fit_resources`).

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
        this machine does not have, a fit too large for this machine's memory, or data of
        the wrong shape, length or dimension, with NaN or inf, or too few (distinct) points
        (:func:`precision.inputs.fit_data`).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 50)
    >>> fit(x, x**2, method="simplex").rmse_train
    0.0
    """
    from .inputs import fit_data

    if isinstance(data, Dataset) and method is None and isinstance(y_train, str):
        y_train, method = None, y_train  # fit(dataset, "simplex")
    check_method_options(method, options)
    data = fit_data(data, y_train, x_test, y_test, method, options)
    where = check_fit_resources(method, data.target.d, len(data.y_train), len(data.y_test), options, device)
    return fit_checked(data, method, where, options)
