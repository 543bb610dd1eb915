"""Chapter 6 (beyond the paper): every method on the same 1D and 2D targets, one run per config.

The comparison chapter (and ``benchmarks/beyond.py``) fits y = x² (Z.001), the paper's
1-3-3-1 teacher, eˣ (Z.009), sin x on [0, 6] (Z.002) and xy on [1, 5]² (Z.008) with

* ``adam`` — full-batch Adam (the paper's Figure 8 baseline);
* ``bfgs`` — BFGS until it stalls (paper §4);
* ``pipeline`` — the paper's pipeline: BFGS → low-curvature steps → one boosting stage (§4.2);
* ``lm`` — a short Adam warm-up (``adam_steps``), then Levenberg–Marquardt (:mod:`precision.lm`);
* ``lm-boost`` — boosting with every stage trained the same way (later stages' last layer
  starts at zero, so a stage can only lower the training RMSE): ``multistage`` without
  its sin first layer;
* ``multistage`` — Wang & Lai's multi-stage nets, Adam then LM per stage (:mod:`precision.multistage`);
* ``chebyshev-interp`` / ``chebyshev-lstsq`` — the classical bar (:mod:`precision.chebyshev`).

``pipeline``, ``lm-boost`` and ``multistage`` are configurations of one staged loop,
:func:`precision.boosting.fit_stages` (the first two through :func:`precision.boosting.boost`).

Every net sees the inputs mapped affinely from the target's box onto ``[−1, 1]^d`` (so
the nets differ only in how they are trained) and runs on one torch thread. A run returns
a small dict of numbers: RMSEs, wall and CPU seconds (CPU seconds of a one-thread run are
its time on one otherwise idle core), a ``trace`` of (CPU seconds, test RMSE) at the end
of each stage, and, for the nets, ``forward_floor``: the float64 forward-pass rounding of
the (first) net, as it enters the prediction, measured against mpmath on ``floor_points``
test inputs.

The section "Beyond one dimension" (:func:`dims_configs`) takes the best net
(:class:`DimsRun`: :func:`precision.multistage.train_multistage` with its adaptive
schedule, optionally wider later stages), the paper's pipeline and a tensor-product
Chebyshev fit to targets of 1, 2, 3 and 6 inputs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..targets import Dataset, Target, get_target, sample, target_by_name, to_unit_box
from ..checks import check_nonnegative_int, check_positive_float, check_positive_int
from ..targets import check_targets
from . import costs
from .registry import Chapter, knob, register
from .runs import Job

__all__ = ["METHODS", "TARGETS", "BeyondRun", "beyond_data", "run_beyond", "label_floor", "beyond_configs",
           "run_cost", "chebyshev_curves", "DimsRun", "run_dims", "dims_configs", "dims_cheb_skip", "BeyondConfig",
           "batches", "CHAPTER"]

METHODS = ("adam", "bfgs", "pipeline", "lm", "lm-boost", "multistage", "chebyshev-interp", "chebyshev-lstsq")
TARGETS = ("Z.001", "teacher", "Z.009", "Z.002", "Z.008")
NEURAL = ("adam", "bfgs", "pipeline", "lm", "lm-boost", "multistage")


@dataclass(frozen=True)
class BeyondRun(Job):
    """One method on one target. ``steps`` is the method's main budget: Adam steps, BFGS
    maximum steps (per stage for ``pipeline``), LM steps (per stage for ``lm-boost`` and
    ``multistage``), or, for Chebyshev, the degree per axis. ``stages`` applies to the
    staged methods; ``adam_steps`` (the warm-up before LM) to ``lm``, ``lm-boost`` and
    ``multistage``, ``lr`` to all Adam runs;
    ``lowcurv_steps`` to ``pipeline``; ``data_growth`` to ``multistage``.

    Attributes
    ----------
    target : str
        The target's name.
    method : str
        One of :data:`METHODS`.
    n_train : int
        Training points (of stage 1 for ``multistage``).
    n_test : int
        Test points.
    steps : int
        The main budget, as above.
    width : int
        Hidden width of the nets.
    depth : int
        Number of Linear layers of the nets.
    stages : int
        Stages of the staged methods.
    adam_steps : int
        Adam warm-up steps before LM.
    lr : float
        Adam's learning rate.
    lowcurv_steps : int
        Low-curvature steps per stage of ``pipeline``.
    data_growth : int
        Factor by which ``multistage`` grows its training set per stage.
    solver : str
        Linear solver of the LM steps.
    floor_points : int
        Points of the float64 label floor reported with the result.
    seed : int
        Seed of the data and of the initial weights.
    """

    target: str
    method: str
    n_train: int
    n_test: int
    steps: int
    width: int = 20
    depth: int = 3
    stages: int = 1
    adam_steps: int = 0
    lr: float = 1e-3
    lowcurv_steps: int = 0
    data_growth: int = 1
    solver: str = "cholesky"
    floor_points: int = 200
    seed: int = 0

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        d = target_by_name(self.target).d
        P = costs.mlp_params(d, self.width, self.depth)
        n = self.n_train
        u = costs.units(self)
        mem = [costs.data_mem(n, self.n_test, d)]
        if self.method == "adam":
            ops = costs.ops(costs.adam(self.steps, n, P, u))
            mem += costs.net_mem(n, self.width, self.depth, P)
        elif self.method == "bfgs":
            ops = costs.ops(costs.bfgs(self.steps, n, P, u))
            mem += costs.net_mem(n, self.width, self.depth, P, True)
        elif self.method == "pipeline":
            stage = costs.ops(costs.bfgs(self.steps, n, P, u),
                              costs.lowcurv(self.lowcurv_steps, 10, n, P, u) if self.lowcurv_steps else {})
            ops = tuple((k, v * self.stages) for k, v in stage)
            mem += costs.net_mem(n, self.width, self.depth, P, True) + costs.hess_mem(n, self.width, self.depth, P)
        elif self.method in ("lm", "lm-boost", "multistage"):
            stages = 1 if self.method == "lm" else self.stages
            grows = self.method == "multistage"
            per = [costs.ops(costs.adam(self.adam_steps, n * (self.data_growth ** k if grows else 1), P, u),
                             costs.lm(self.steps, n * (self.data_growth ** k if grows else 1), P)) for k in range(stages)]
            ops = costs.ops(*(dict(p) for p in per))
            mem += costs.lm_mem(n * (self.data_growth ** (stages - 1) if grows else 1), P)
        else:  # Chebyshev: a small least-squares or interpolation problem
            coef = float(self.steps + 1) ** d
            ops = costs.ops({"lm": n * coef * coef / max(P, 1) ** 2, "lm_step": 1})
            mem += [(f"Chebyshev basis {n:,}×{coef:,.0f}", 2.0 * n * coef * 8)]
        return costs.Work(f"{self.method} on {self.target}", self.method, ops, tuple(mem), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_beyond`).

        Returns
        -------
        dict of str to Any
            The run's results.
        """
        return run_beyond(self)

    def cost(self) -> float:
        """Relative cost, for the sweep's order: :func:`run_cost`.

        Returns
        -------
        float
            The relative cost.
        """
        return run_cost(self)


def beyond_data(run: BeyondRun) -> Dataset:
    """The run's training and test sets, inputs in the target's own coordinates.

    Parameters
    ----------
    run : BeyondRun
        The run.

    Returns
    -------
    Dataset
        ``run.n_train`` training and ``run.n_test`` test points drawn with ``run.seed``.
    """
    return sample(target_by_name(run.target), run.n_train, run.n_test, seed=run.seed)


def label_floor(target: str, n_points: int = 2000, seed: int = 0) -> float:
    """RMSE of the exact labels rounded once to float64 (mpmath reference): no fit to stored
    float64 labels is expected to beat it.

    Parameters
    ----------
    target : str
        The target's name.
    n_points : int, optional
        Points evaluated (default 2000).
    seed : int, optional
        Seed of the points (default 0).

    Returns
    -------
    float
        The RMSE of rounding the exact labels to float64.
    """
    from ..floors import precision_floors

    return precision_floors(target_by_name(target), n_points, seed=seed, formats=("float64",))[0].rounding_rmse


def _check(run: BeyondRun) -> None:
    from ..lm import SOLVERS
    from ..checks import check_nonnegative_int, check_positive_float, check_positive_int

    if run.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {run.method!r}")
    if run.target != "teacher":
        get_target(run.target)
    for name in ("n_train", "n_test", "steps", "width", "depth", "stages", "data_growth", "floor_points"):
        check_positive_int(name, getattr(run, name))
    for name in ("adam_steps", "lowcurv_steps", "seed"):
        check_nonnegative_int(name, getattr(run, name))
    check_positive_float("lr", run.lr)
    if run.solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {run.solver!r}")


def run_beyond(run: BeyondRun) -> dict[str, Any]:
    """Fit one target with one method (see the module docstring); a dict of plain numbers.

    Parameters
    ----------
    run : BeyondRun
        The run.

    Returns
    -------
    dict of str to Any
        RMSEs, the label floor, sizes and seconds; ``{"skipped": reason}`` for Chebyshev
        interpolation of a target with more than one input.

    Raises
    ------
    ValueError
        If a field of ``run`` is not allowed.
    """
    from ..flat import torch_threads

    _check(run)
    data = beyond_data(run)
    target = data.target
    if run.method == "chebyshev-interp" and target.d != 1:
        return {"skipped": "Chebyshev interpolation is 1D only"}
    with torch_threads(1):
        wall, cpu = time.perf_counter(), time.process_time()
        out = _fit(run, data, target)
        out["seconds"] = time.perf_counter() - wall
        out["cpu_seconds"] = time.process_time() - cpu
    floor = out.pop("_floor", None)
    if floor is not None:  # the first net's own float64 rounding, as a share of the prediction
        from ..floors import forward_rounding_rmse

        model, inputs, scale = floor
        out["forward_floor"] = forward_rounding_rmse(model, inputs) / scale
    out.update(target=run.target, method=run.method, d=target.d)
    return out


def _fit(run: BeyondRun, data: Dataset, target: Target) -> dict[str, Any]:
    from ..boosting import boost
    from ..chebyshev import chebyshev_curve
    from ..models import mlp, n_params
    from ..optimizers import train_adam, train_bfgs

    if run.method.startswith("chebyshev"):
        point = chebyshev_curve(data, [run.steps], "interpolate" if run.method == "chebyshev-interp" else "lstsq")[0]
        return {"rmse_train": point.rmse_train, "rmse_test": point.rmse_test, "n_params": point.n_coef,
                "trace": [[point.seconds, point.rmse_test]]}
    unit = Dataset(target, to_unit_box(data.x_train, target.low, target.high), data.y_train,
                   to_unit_box(data.x_test, target.low, target.high), data.y_test)
    x, y, xt, yt = (torch.from_numpy(a) for a in (unit.x_train, unit.y_train, unit.x_test, unit.y_test))
    d = target.d
    cpu0 = time.process_time()
    if run.method in ("adam", "bfgs", "lm"):
        model = mlp(d, run.width, run.depth, "tanh", seed=run.seed)
        if run.method == "adam":
            res = train_adam(model, x, y, run.steps, lr=run.lr, x_test=xt, y_test=yt,
                             record_every=max(1, run.steps // 100))
        elif run.method == "bfgs":
            res = train_bfgs(model, x, y, run.steps, xt, yt, record_every=max(1, run.steps // 100))
        else:
            from ..lm import train_lm

            if run.adam_steps:  # warm-up: keeps the weights O(1) (LM from PyTorch's init can overfit)
                train_adam(model, x, y, run.adam_steps, lr=run.lr)
            res = train_lm(model, x, y, run.steps, xt, yt, record_every=max(1, run.steps // 100), solver=run.solver)
        return {"rmse_train": res.rmse_train, "rmse_test": res.rmse_test, "n_params": n_params(model),
                "steps_done": res.steps, "stopped": res.stopped,
                "trace": [[time.process_time() - cpu0, res.rmse_test]],
                "_floor": (model, unit.x_test[:run.floor_points], 1.0)}
    if run.method in ("pipeline", "lm-boost"):
        marks: list[tuple[float, float]] = []
        models: list[torch.nn.Module] = []

        def make(k: int) -> torch.nn.Module:
            if models:  # a new stage starts: the previous one has finished
                marks.append((time.process_time(), float("nan")))
            net = mlp(d, run.width, run.depth, "tanh", seed=run.seed + k)
            if k and run.method == "lm-boost":  # a later LM stage starts as the zero function: it cannot
                with torch.no_grad():           # end worse than no stage (LM never raises its loss)
                    net[-1].weight.zero_()
                    net[-1].bias.zero_()
            models.append(net)
            return models[-1]

        if run.method == "pipeline":
            res = boost(make, x, y, run.stages, xt, yt, bfgs_steps=run.steps, lowcurv_steps=run.lowcurv_steps,
                        hessian_every=10, record_every=max(1, run.steps // 100))
        else:
            res = boost(make, x, y, run.stages, xt, yt, bfgs_steps=run.steps, scale="max", optimizer="lm",
                        record_every=max(1, run.steps // 100), lm_options={"solver": run.solver},
                        adam_steps=run.adam_steps, lr=run.lr)
        marks.append((time.process_time(), float("nan")))
        trace = [[t - cpu0, s.rmse_test] for (t, _), s in zip(marks, res.stages)]
        stages = [{"scale": s.scale, "rmse_train": s.rmse_train, "rmse_test": s.rmse_test, "steps": s.main.steps,
                   "lowcurv_steps": 0 if s.lowcurv is None else s.lowcurv.steps, "stopped": s.main.stopped}
                  for s in res.stages]
        return {"rmse_train": res.rmse_train, "rmse_test": res.rmse_test,
                "n_params": sum(n_params(m) for m in res.models), "stages": stages, "trace": trace,
                "_floor": (res.models[0], unit.x_test[:run.floor_points], 1.0)}
    # multistage: it maps the data's box onto [-1, 1] itself, and draws new points in the target's box
    from ..multistage import train_multistage

    res = train_multistage(data, run.stages, run.width, run.depth, adam_steps=run.adam_steps, lr=run.lr,
                           steps=run.steps, data_growth=run.data_growth, seed=run.seed, threads=None,
                           record_every=max(1, run.steps // 50), lm_options={"solver": run.solver})
    cum, trace = 0.0, []
    for s in res.stages:
        cum += s.cpu_seconds
        trace.append([cum, s.rmse_test])
    stages = [{"scale": s.scale, "kappa": s.kappa, "n_train": s.n_train, "rmse_train": s.rmse_train,
               "rmse_test": s.rmse_test, "steps": s.second.steps, "stopped": s.second.stopped,
               "sign_change_rate": None if s.kappa is None else _sign_change_rate(s.kappa, s.n_train, d)}
              for s in res.stages]
    u = to_unit_box(data.x_test[:run.floor_points], res.input_low, res.input_high)
    return {"rmse_train": res.rmse_train, "rmse_test": res.rmse_test, "n_params": res.n_params, "stages": stages,
            "trace": trace, "_floor": (res.stages[0].model, u, res.stages[0].scale)}


def beyond_configs(cfg: Any, targets: tuple[str, ...] | None = None) -> list[BeyondRun]:
    """Every (target, method) run of the comparison at the sizes of a ``profiles.resolve("beyond", …)`` config.

    Parameters
    ----------
    cfg : BeyondConfig
        The resolved config.
    targets : tuple of str or None, optional
        The targets; ``None`` means ``cfg.targets``.

    Returns
    -------
    list of BeyondRun
        Per target, one run per method (Chebyshev interpolation for 1-D targets only).
    """
    out = []
    for name in targets or cfg.targets:
        two_d = target_by_name(name).d > 1
        n_train = cfg.n_train_2d if two_d else cfg.n_train
        warmup = cfg.ms_adam_steps_2d if two_d else cfg.ms_adam_steps  # Adam before LM, for all three LM methods
        common = dict(target=name, n_train=n_train, n_test=cfg.n_test, width=cfg.width, seed=cfg.seed,
                      floor_points=cfg.floor_points)
        out += [
            BeyondRun(method="adam", steps=cfg.adam_steps, lr=cfg.adam_lr, **common),
            BeyondRun(method="bfgs", steps=cfg.bfgs_steps, **common),
            BeyondRun(method="pipeline", steps=cfg.pipeline_bfgs_steps, stages=2, lowcurv_steps=cfg.lowcurv_steps,
                      **common),
            BeyondRun(method="lm", steps=cfg.lm_steps, adam_steps=warmup, **common),
            BeyondRun(method="lm-boost", steps=cfg.lm_boost_steps, stages=2, adam_steps=warmup, **common),
            BeyondRun(method="multistage", steps=cfg.ms_steps_2d if two_d else cfg.ms_steps, stages=cfg.ms_stages,
                      adam_steps=warmup, data_growth=cfg.ms_growth_2d if two_d else 1, **common),
            BeyondRun(method="chebyshev-lstsq", steps=cfg.cheb_degree_2d if two_d else cfg.cheb_degree, **common),
        ]
        if not two_d:
            out.append(BeyondRun(method="chebyshev-interp", steps=cfg.cheb_degree, **common))
    return out


def chebyshev_curves(cfg: Any) -> dict[str, dict[str, list]]:
    """Test RMSE against the number of Chebyshev coefficients on each target of a ``beyond``
    config, on the same data as the chapter's runs: ``{target: {"lstsq": [...], "interpolate":
    [...]}}`` (interpolation in 1D only) of :class:`precision.chebyshev.CurvePoint`. Degrees
    per axis 1 … ``cheb_degree + 10`` (1D) or ``cheb_degree_2d + 8`` (2D); milliseconds each.

    Parameters
    ----------
    cfg : BeyondConfig
        The resolved config.

    Returns
    -------
    dict of str to dict of str to list
        Per target, the curve points of each Chebyshev method.
    """
    from ..chebyshev import chebyshev_curve

    out = {}
    for name in cfg.targets:
        two_d = target_by_name(name).d > 1
        data = beyond_data(BeyondRun(name, "chebyshev-lstsq", cfg.n_train_2d if two_d else cfg.n_train, cfg.n_test,
                                     1, seed=cfg.seed))
        top = cfg.cheb_degree_2d + 8 if two_d else cfg.cheb_degree + 10
        degrees = range(1, top + 1) if two_d else range(2, top + 1, 2)
        out[name] = {"lstsq": chebyshev_curve(data, degrees, "lstsq")}
        if not two_d:
            out[name]["interpolate"] = chebyshev_curve(data, degrees, "interpolate")
    return out


def run_cost(run: BeyondRun) -> float:
    """A rough relative cost of ``run`` (forward/backward passes × points), for ordering a
    sweep longest first so that two workers finish together; not a time prediction.

    Parameters
    ----------
    run : BeyondRun
        The run.

    Returns
    -------
    float
        The relative cost; 0 for the Chebyshev methods.
    """
    n = run.n_train * (1 + run.data_growth) / 2
    lm_step = 30 * run.width  # one LM step: a Jacobian and a P×P solve, roughly
    cost = {"adam": run.steps, "bfgs": 2 * run.steps,
            "pipeline": run.stages * (2 * run.steps + 10 * run.width * run.lowcurv_steps),
            "lm": run.adam_steps + lm_step * run.steps,
            "lm-boost": run.stages * (run.adam_steps + lm_step * run.steps),
            "multistage": run.stages * (run.adam_steps + lm_step * run.steps)}.get(run.method, 0.0)
    return float(cost * n)


# --------------------------------------------------------------------------- beyond one dimension
@dataclass(frozen=True)
class DimsRun(Job):
    """The best trained net of Chapter 6 on one target of any dimension:
    :func:`precision.multistage.train_multistage`, stage 1 of width ``width`` and stages 2, 3, …
    of width ``later_width``. ``stages``, ``steps`` (LM steps per stage) and ``adam_steps``
    (per stage) set to 0 are left to the adaptive schedule (:data:`precision.multistage.AUTO`:
    new stages until the float64 floor or a stall, each LM run until it slows down, Adam
    only in stage 1); ``time_limit`` (wall seconds) caps the whole fit. The adaptive rules
    depend only on RMSEs, so a run is reproducible as long as the cap does not bind
    (``stop_reason`` says whether it did).

    Attributes
    ----------
    target : str
        The target's name.
    n_train : int
        Training points of stage 1.
    n_test : int
        Test points.
    width : int
        Hidden width of stage 1.
    later_width : int
        Hidden width of the later stages.
    stages : int
        Stages; 0 for adaptive.
    steps : int
        LM steps per stage; 0 for adaptive.
    adam_steps : int
        Adam steps per stage; 0 for adaptive.
    time_limit : float
        Wall seconds the whole fit may take.
    seed : int
        Seed of the data and of the initial weights.
    """

    target: str
    n_train: int
    n_test: int
    width: int = 20
    later_width: int = 20
    stages: int = 0
    steps: int = 0
    adam_steps: int = 0
    time_limit: float = 600.0
    seed: int = 0

    def work(self) -> costs.Work:
        """Budgets left to the adaptive schedule are counted at :data:`precision.multistage.AUTO`'s
        typical use (3 stages, Adam in stage 1, 1000 LM steps each, later stages on 4 points per
        parameter).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        from ..multistage import AUTO

        d = target_by_name(self.target).d
        per = []
        for k in range(self.stages or 3):
            width = self.width if k == 0 else self.later_width
            P = costs.mlp_params(d, width, 3)
            n = self.n_train if k == 0 else max(self.n_train, AUTO["points_per_param"] * P)
            adam = self.adam_steps or (AUTO["adam_first"] if k == 0 else 0)
            per.append(costs.ops(costs.adam(adam, n, P, 2 * width), costs.lm(self.steps or 1000, n, P)))
        P = costs.mlp_params(d, self.later_width, 3)
        n = max(self.n_train, AUTO["points_per_param"] * P)
        return costs.Work(f"adaptive multi-stage on {self.target}", "multistage", costs.ops(*(dict(p) for p in per)),
                          (costs.data_mem(n, self.n_test, d), *costs.lm_mem(n, P)), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_dims`).

        Returns
        -------
        dict of str to Any
            The run's results.
        """
        return run_dims(self)

    def cost(self) -> float:
        """Relative cost, for the sweep's order: training points × stages × LM steps × later width × inputs, with 3 stages and 1000 steps for adaptive budgets.

        Returns
        -------
        float
            The relative cost.
        """
        d = target_by_name(self.target).d
        return float(self.n_train * (self.stages or 3) * (self.steps or 1000) * self.later_width * d)


def run_dims(run: DimsRun) -> dict[str, Any]:
    """Fit ``run.target`` by the adaptive multi-stage net (see :class:`DimsRun`): RMSEs, the
    float64 floor of the training labels, why it stopped, wall and CPU seconds, and per stage
    its training points, width, first-layer frequency scale ``kappa`` and RMSEs.

    Parameters
    ----------
    run : DimsRun
        The run.

    Returns
    -------
    dict of str to Any
        ``rmse_train``, ``rmse_test``, ``floor``, ``stop_reason``, ``n_params``, ``seconds``,
        ``cpu_seconds`` and ``stages`` (one dict per stage).

    Raises
    ------
    ValueError
        If a size of ``run`` is not a positive (or, for budgets, non-negative) number.
    """
    from ..checks import check_nonnegative_int, check_positive_float, check_positive_int
    from ..flat import torch_threads
    from ..multistage import train_multistage

    for name in ("n_train", "n_test", "width", "later_width"):
        check_positive_int(name, getattr(run, name))
    for name in ("stages", "steps", "adam_steps", "seed"):
        check_nonnegative_int(name, getattr(run, name))
    check_positive_float("time_limit", run.time_limit)
    data = sample(target_by_name(run.target), run.n_train, run.n_test, seed=run.seed)
    n_stages = run.stages or None
    widths = [run.width] + [run.later_width] * ((n_stages or 8) - 1)
    with torch_threads(1):
        wall, cpu = time.perf_counter(), time.process_time()
        res = train_multistage(data, n_stages, widths=widths, steps=run.steps or None,
                               adam_steps=run.adam_steps or None, seed=run.seed, threads=None,
                               time_limit=run.time_limit)
        seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    d = data.target.d
    stages = [{"n_train": s.n_train, "width": w, "kappa": s.kappa, "rmse_train": s.rmse_train,
               "rmse_test": s.rmse_test, "cpu_seconds": s.cpu_seconds, "lm_steps": s.second.steps,
               "sign_change_rate": None if s.kappa is None else _sign_change_rate(s.kappa, s.n_train, d)}
              for s, w in zip(res.stages, widths)]
    return {"target": run.target, "method": "multistage-auto", "d": data.target.d, "rmse_train": res.rmse_train,
            "rmse_test": res.rmse_test, "floor": res.floor, "stop_reason": res.stop_reason, "n_params": res.n_params,
            "stages": stages, "seconds": seconds, "cpu_seconds": cpu_seconds}


def _sign_change_rate(kappa: list[float], n: int, d: int) -> float:
    """About how often the residual changed sign between neighbouring points along an axis,
    as :func:`precision.multistage.zero_crossings` counted it for a stage's ``kappa`` (largest
    axis): ``N/(m − 1)`` with ``N ≈ 2κ/π`` sign changes (inputs on ``[−1, 1]``) among the ``m``
    points of a strip. Independent random signs give 0.5; a smooth oscillation far less."""
    import math

    bins = 1 if d == 1 else max(1, int(round(math.sqrt(n) ** (1 / (d - 1)))))
    m = n / bins ** (d - 1)
    return float(2 * max(kappa) / math.pi / max(m - 1, 1.0))


def dims_cheb_skip(cfg: Any, name: str) -> str | None:
    """Why the tensor-product Chebyshev fit of ``name`` is not run at ``cfg``'s sizes (``None``: it is).

    Parameters
    ----------
    cfg : BeyondConfig
        The resolved config.
    name : str
        The target's name.

    Returns
    -------
    str or None
        The reason, or ``None`` if the fit is run.
    """
    d = target_by_name(name).d
    if d <= 2:
        return None
    n_coef, n = (cfg.dims_cheb_degree + 1) ** d, cfg.dims_n_train
    if n_coef > n:
        return f"degree {cfg.dims_cheb_degree} per axis needs {n_coef} coefficients, more than the {n} training points"
    return None


def dims_configs(cfg: Any) -> dict[str, dict[str, Job]]:
    """The runs of "Beyond one dimension" at a ``profiles.resolve("beyond", …)`` config:
    ``{target: {"net": …, "pipeline": BeyondRun, "chebyshev-lstsq": BeyondRun}}`` (no
    Chebyshev entry where :func:`dims_cheb_skip` gives a reason). 1-D and 2-D targets reuse
    the comparison's runs (same configs: taken from the cache), its budgeted multi-stage run
    as the net — at the book's sizes it beat the adaptive schedule there, which took
    minutes longer; targets of 3 or more inputs get the adaptive multi-stage net
    (:class:`DimsRun`), ``dims_n_train`` points and Chebyshev degree ``dims_cheb_degree`` per axis.

    Parameters
    ----------
    cfg : BeyondConfig
        The resolved config.

    Returns
    -------
    dict of str to dict of str to Job
        Per target of ``cfg.dims_targets``, its runs by role.
    """
    out: dict[str, dict[str, Job]] = {}
    for name in cfg.dims_targets:
        d = target_by_name(name).d
        n_train = cfg.n_train if d == 1 else cfg.n_train_2d if d == 2 else cfg.dims_n_train
        degree = cfg.cheb_degree if d == 1 else cfg.cheb_degree_2d if d == 2 else cfg.dims_cheb_degree
        common = dict(target=name, n_train=n_train, n_test=cfg.n_test, width=cfg.width, seed=cfg.seed,
                      floor_points=cfg.floor_points)
        net: Job = (next(r for r in beyond_configs(cfg, (name,)) if r.method == "multistage") if d <= 2 else
                    DimsRun(name, n_train, cfg.n_test, cfg.width, cfg.dims_later_width, cfg.dims_ms_stages,
                            cfg.dims_ms_steps, cfg.dims_ms_adam_steps, float(cfg.dims_time_limit), cfg.seed))
        runs: dict[str, Job] = {
            "net": net,
            "pipeline": BeyondRun(method="pipeline", steps=cfg.pipeline_bfgs_steps, stages=2,
                                  lowcurv_steps=cfg.lowcurv_steps, **common)}
        if dims_cheb_skip(cfg, name) is None:
            runs["chebyshev-lstsq"] = BeyondRun(method="chebyshev-lstsq", steps=degree, **common)
        out[name] = runs
    return out


# --------------------------------------------------------------------------- the chapter
@dataclass(frozen=True)
class BeyondConfig:
    """Chapter 6's sizes: every method (Adam, BFGS, the paper's pipeline, Levenberg–Marquardt,
    LM + boosting, multi-stage nets, Chebyshev) on 1D targets and xy. ``*_2d`` knobs apply to 2D
    targets. Multi-stage runs ``ms_adam_steps`` Adam then ``ms_steps`` LM steps per stage;
    ``ms_growth_2d`` multiplies the 2D training set per stage.

    ``dims_*`` knobs are the section "Beyond one dimension": its targets (any dimension),
    training points of those with 3 or more inputs (1-D and 2-D ones reuse ``n_train`` /
    ``n_train_2d`` and the comparison's runs, its multi-stage run included); for 3 or more
    inputs the width of multi-stage stages 2, 3, …, the multi-stage budgets (stages, LM steps
    and Adam steps per stage; 0 = adaptive, see :data:`precision.multistage.AUTO`), its
    wall-clock cap per fit, and the Chebyshev degree per axis in 3 or more dimensions.

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    targets : tuple of str
        Targets of the comparison.
    n_train, n_train_2d : int
        Training points of 1-D and 2-D targets.
    n_test : int
        Test points.
    width : int
        Hidden width of the nets.
    adam_steps : int
        Adam's steps.
    adam_lr : float
        Adam's learning rate.
    bfgs_steps : int
        BFGS's maximum steps.
    pipeline_bfgs_steps : int
        BFGS's maximum steps per stage of the pipeline.
    lowcurv_steps : int
        Low-curvature steps per stage of the pipeline.
    lm_steps : int
        LM steps.
    lm_boost_steps : int
        LM steps per stage of LM + boosting.
    ms_stages : int
        Stages of the multi-stage nets.
    ms_steps, ms_steps_2d : int
        LM steps per stage of the multi-stage nets.
    ms_adam_steps, ms_adam_steps_2d : int
        Adam steps before LM (all LM methods).
    ms_growth_2d : int
        Growth of the 2-D training set per stage.
    cheb_degree, cheb_degree_2d : int
        Chebyshev degree per axis.
    floor_points : int
        Points of each run's float64 label floor.
    seed : int
        Seed of data and weights.
    dims_targets : tuple of str
        Targets of "Beyond one dimension".
    dims_n_train : int
        Training points of targets with 3 or more inputs.
    dims_later_width : int
        Width of multi-stage stages 2, 3, ...
    dims_ms_stages, dims_ms_steps, dims_ms_adam_steps : int
        Multi-stage budgets; 0 for adaptive.
    dims_time_limit : float
        Wall seconds per adaptive fit.
    dims_cheb_degree : int
        Chebyshev degree per axis with 3 or more inputs.
    """

    profile: str = "book"
    targets: tuple[str, ...] = knob(check_targets, TARGETS)
    n_train: int = knob(check_positive_int, 2000, fixed=True)
    n_train_2d: int = knob(check_positive_int, 2000, fixed=True)
    n_test: int = knob(check_positive_int, 5000, fixed=True)
    width: int = knob(check_positive_int, 20, fixed=True)
    adam_steps: int = knob(check_positive_int, 5000, fixed=True)
    adam_lr: float = knob(check_positive_float, 1e-3, fixed=True)
    bfgs_steps: int = knob(check_positive_int, 3000, fixed=True)
    pipeline_bfgs_steps: int = knob(check_positive_int, 2000, fixed=True)
    lowcurv_steps: int = knob(check_positive_int, 20, fixed=True)
    lm_steps: int = knob(check_positive_int, 400, fixed=True)
    lm_boost_steps: int = knob(check_positive_int, 200, fixed=True)
    ms_stages: int = knob(check_positive_int, 2, fixed=True)
    ms_steps: int = knob(check_positive_int, 500, fixed=True)
    ms_steps_2d: int = knob(check_positive_int, 1700, fixed=True)
    ms_adam_steps: int = knob(check_positive_int, 500, fixed=True)
    ms_adam_steps_2d: int = knob(check_positive_int, 2000, fixed=True)
    ms_growth_2d: int = knob(check_positive_int, 2, fixed=True)
    cheb_degree: int = knob(check_positive_int, 30, fixed=True)
    cheb_degree_2d: int = knob(check_positive_int, 4, fixed=True)
    floor_points: int = knob(check_positive_int, 200, fixed=True)
    seed: int = knob(check_nonnegative_int, 0, fixed=True)
    dims_targets: tuple[str, ...] = knob(check_targets, ("Z.002", "Z.008", "I.14.3", "I.11.19"))  # d = 1, 2, 3, 6
    dims_n_train: int = knob(check_positive_int, 5000)
    dims_later_width: int = knob(check_positive_int, 30, fixed=True)
    dims_ms_stages: int = knob(check_nonnegative_int, 0, fixed=True)
    dims_ms_steps: int = knob(check_nonnegative_int, 0, fixed=True)
    dims_ms_adam_steps: int = knob(check_nonnegative_int, 0, fixed=True)
    # a safety net: the 3-D and 6-D fits stop by themselves after about 2 CPU min, but a 240 s cap
    # cut the 6-D one on a machine loaded 2× over
    dims_time_limit: float = knob(check_positive_float, 600.0)
    dims_cheb_degree: int = knob(check_positive_int, 6, fixed=True)


# book: every neural method within 5 minutes of one core per target, Chapters 5 and 6 within ~10 min on
# 2 cores; the multi-stage runs keep the budget that reaches the goals (the chapter shows whether it
# did), the baselines get less than there (Adam and BFGS stall long before it runs out anyway)
SMOKE = dict(n_train=150, n_train_2d=200, n_test=500, width=5, adam_steps=200, bfgs_steps=100, pipeline_bfgs_steps=100,
             lowcurv_steps=3, lm_steps=20, lm_boost_steps=15, ms_steps=20, ms_steps_2d=20, ms_adam_steps=50,
             ms_adam_steps_2d=50, cheb_degree_2d=3, floor_points=20, dims_n_train=300, dims_later_width=5,
             dims_ms_stages=2, dims_ms_steps=10, dims_ms_adam_steps=30, dims_time_limit=30.0, dims_cheb_degree=3)
PAPER = dict(n_train=5000, n_train_2d=5000, n_test=30_000, adam_steps=30_000, bfgs_steps=25_000,
             pipeline_bfgs_steps=25_000, lowcurv_steps=100, lm_steps=1500, lm_boost_steps=750, ms_steps=1000,
             ms_steps_2d=1500, ms_adam_steps=2000, ms_adam_steps_2d=3000, floor_points=500, dims_n_train=20_000,
             dims_time_limit=1800.0, dims_cheb_degree=8)


def batches(cfg: BeyondConfig) -> list[costs.Batch]:
    """The notebook's work at ``cfg``, one batch per ``run_jobs`` call (or inline work), in its order.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        The label floors (inline), every method on every target, "Beyond one dimension", and
        the Chebyshev curves (inline).
    """
    floors = costs.floors_work(f"float64 label floors of {len(cfg.targets)} targets (mpmath, 2000 points)",
                               len(cfg.targets), 2000, 1)
    cheb = []
    for name in cfg.targets:
        two_d = target_by_name(name).d > 1
        top = cfg.cheb_degree_2d + 8 if two_d else cfg.cheb_degree + 10
        n = cfg.n_train_2d if two_d else cfg.n_train
        cheb.append(sum(n * float(k + 1) ** (2 if two_d else 1) * (k + 1) ** (2 if two_d else 1)
                        for k in range(1, top + 1)))
    return [costs.Batch("label floors", (floors,), True),
            costs.Batch("Chapter 6: every method on every target", tuple(beyond_configs(cfg))),
            costs.Batch("Chapter 6: beyond one dimension",
                        tuple(job for runs in dims_configs(cfg).values() for job in runs.values())),
            costs.Batch("Chebyshev curves", (costs.inline("Chebyshev curves (least squares per degree)", "chebyshev",
                                                          {"lm": sum(cheb) / 400.0}),), True)]


CHAPTER = register(Chapter("beyond", "6", "Beyond the paper", BeyondConfig, SMOKE, PAPER, batches))
