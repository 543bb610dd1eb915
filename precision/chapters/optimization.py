"""Chapter 4's runs: learning curves, the combined pipeline and the appendices' variations
(paper §4, Figures 7–9; Appendices A, B and D).

Every run is a :class:`~precision.chapters.runs.Job` (a frozen dataclass of plain values), so
:func:`precision.chapters.runs.run_jobs` caches it (config + code hash) and runs many in parallel:

* :class:`CurveRun` — one net trained by Adam (at one learning rate) or by BFGS, with its
  learning curve; optionally the Hessian spectrum at the end (Figure 7);
* :class:`PipelineRun` — the paper's combined method (§4.2): BFGS until it stalls, then
  low-curvature subspace steps, then boosting stages trained the same way (Figures 8, 9);
  a configuration of the one staged loop, :func:`precision.boosting.fit_stages`;
* :class:`RescaleRun` — Appendix A's control: the stage-1 net trained further on targets
  rescaled by the factor boosting would use, instead of a fresh net on the residual;
* :class:`TauRun` — Appendix B: low-curvature steps from the stage-1 BFGS point at one τ;
* :class:`SpectrumRun` — Appendix D: the Hessian spectrum at the stage-1 BFGS point, to
  compare with a :class:`CurveRun` of the same net trained by Adam (:func:`adam_twin`).

The appendix runs start from a pipeline's stored parameters; they fetch the pipeline from
the cache (computing it first if needed), so they cost no second BFGS run.

The low-curvature steps follow one of two conventions (:data:`LOWCURV_MODES`). The book's
takes a step only when the line search lowers the training loss and stops when none does;
the authors' (``always_step``) takes every step the search returns and runs them all. The
search itself is :func:`precision.lowcurv.log_line_search` over ``[search_low, 1e12]``
with ``search_points`` per grid and ``search_zooms`` zoom rounds; a pipeline holds one
``search_low`` per stage (the authors used 1e-30 then 1e-50 on I.11.19).

Test points are drawn from the *whole* box (``test_shrink = 1.0``, :data:`AUTHORS_TEST_SHRINK`),
as in the authors' learning-curve scripts for Figures 7–9 and Appendices A, B and D
(``scripts/combined-techniques-*.py``, ``scripts/compare-adam-lrs-*.py`` in
ejmichaud/precision-ml: ``ws = (hs - ls) * 1.0``; the teacher's test inputs are uniform on
[-1, 1] like its training inputs). Chapters 2 and 3 keep the central 80 % box of the paper's
sweeps (:func:`precision.targets.sample`'s default). The box is a field of :class:`CurveRun`
and :class:`PipelineRun`, so it is part of the cache key.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..boosting import fit_stages, residual_scale, stage_trainer
from ..flat import flat_parameters, set_flat_parameters, torch_threads
from ..landscape import spectrum
from ..lowcurv import train_lowcurv
from ..models import mlp, n_params
from ..optimizers import OPTIMIZERS, TrainResult, train_adam, train_bfgs
from ..checks import check_bool, check_positive_float, check_positive_floats, check_positive_int
from ..targets import Dataset, sample, target_by_name
from ..checks import check_nonnegative_int, check_sizes
from ..targets import check_target, check_targets
from . import costs
from .registry import Chapter, knob, register
from .runs import Job, run_jobs

__all__ = ["AUTHORS_TEST_SHRINK", "CurveRun", "PipelineRun", "RescaleRun", "TauRun", "SpectrumRun", "get_data", "pipeline_for",
           "figure_jobs", "pipeline_stages", "PHASES", "LOWCURV_MODES", "SEARCH_HIGH", "tau_start", "adam_twin", "canyon_stats", "OptimizationConfig", "check_lowcurv_mode", "chapter4", "batches", "CHAPTER",
           "lowcurv_convention", "gradient_share", "figure7_run"]

#: The two conventions of the low-curvature steps: "book" takes a step only when it lowers the
#: training loss and stops when none does; "authors" takes every step the line search returns
#: and runs all of them.
LOWCURV_MODES = ("book", "authors")

PHASES = ("BFGS", "low-curvature")

#: The test box of the authors' Chapter 4 scripts: the whole training box (``ws = (hs - ls) * 1.0``).
AUTHORS_TEST_SHRINK = 1.0

#: The upper end of every line search (the authors' default, never changed in their scripts).
SEARCH_HIGH = 1e12


def get_data(target: str, n_train: int, n_test: int, seed: int = 0,
             test_shrink: float = AUTHORS_TEST_SHRINK) -> Dataset:
    """The chapter's data: uniform inputs, no standardisation (SPEC, Figures 8 and 9); test
    points uniform in the box shrunk about its centre to ``test_shrink`` of each side (the
    authors' scripts: 1.0, the whole box).

    Parameters
    ----------
    target : str
        The target's name.
    n_train : int
        Training points.
    n_test : int
        Test points.
    seed : int, optional
        Seed of the points (default 0).
    test_shrink : float, optional
        Fraction of each side of the box the test points span (default 1.0).

    Returns
    -------
    Dataset
        The training and test sets.
    """
    return sample(target_by_name(target), n_train, n_test, seed=seed, test_shrink=test_shrink)


def _net_sizes(p: Any) -> tuple[int, int, int]:
    """Inputs, parameters and hidden units of the net of a :class:`CurveRun` or :class:`PipelineRun`
    (its ``target``, ``width`` and ``depth``), for :meth:`Job.work`."""
    d = target_by_name(p.target).d
    return d, costs.mlp_params(d, p.width, p.depth), costs.units(p)


@dataclass(frozen=True)
class CurveRun(Job):
    """One ``width``-wide tanh net of ``depth`` layers trained by ``optimizer`` ("adam" at
    learning rate ``lr`` for ``steps`` full-batch steps, or "bfgs" for at most ``steps``);
    test points in the box shrunk to ``test_shrink`` of each side (1.0: the whole box).

    Attributes
    ----------
    target : str
        The target's name.
    n_train : int
        Training points.
    n_test : int
        Test points.
    seed : int
        Seed of the data and the weights.
    record_every : int
        Steps between two points of the learning curve.
    spectrum : bool
        Also compute the Hessian spectrum at the end.
    """

    target: str
    optimizer: str
    steps: int
    n_train: int
    n_test: int
    width: int = 40
    depth: int = 3
    lr: float = 1e-3
    seed: int = 0
    record_every: int = 50
    spectrum: bool = False
    test_shrink: float = AUTHORS_TEST_SHRINK

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        d, P, u = _net_sizes(self)
        record = self.steps / self.record_every * (self.n_train + self.n_test) * P / 3
        mem = [costs.data_mem(self.n_train, self.n_test, d)]
        if self.optimizer == "adam":
            ops = costs.ops(costs.adam(self.steps, self.n_train, P, u), {"adam_flop": record})
            mem += costs.net_mem(self.n_train, self.width, self.depth, P)
        else:
            ops = costs.ops(costs.bfgs(self.steps, self.n_train, P, u), {"bfgs_flop": record})
            mem += costs.net_mem(self.n_train, self.width, self.depth, P, True)
        if self.spectrum:
            ops = costs.ops(dict(ops), costs.hessians(1, self.n_train, P))
            mem += costs.hess_mem(self.n_train, self.width, self.depth, P)
        label = f"{self.target} width {self.width} {self.optimizer}" + (f" lr {self.lr:g}" if self.optimizer == "adam"
                                                                         else "")
        return costs.Work(label, self.optimizer, ops, tuple(mem), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`precision.chapters.optimization.run_curve`).

        Returns
        -------
        dict of str to Any
            The learning curve and final RMSEs.
        """
        return _one_thread(run_curve, self)

    def cost(self) -> float:
        """Relative cost, for the sweep's order: steps × training points × width², BFGS 4 times Adam, tripled with a spectrum.

        Returns
        -------
        float
            The relative cost.
        """
        per_step = self.n_train * self.width ** 2 * (1 if self.optimizer == "adam" else 4)
        return self.steps * per_step * (3 if self.spectrum else 1)


@dataclass(frozen=True)
class PipelineRun(Job):
    """The combined method of §4.2 on a ``width``-wide tanh net: for each of ``stages``
    stages, BFGS (at most ``bfgs_steps``) then ``lowcurv_steps`` low-curvature steps
    (threshold ``tau``, Hessian recomputed every ``hessian_every`` steps); stage k > 1
    fits the residual rescaled by ``scale`` (:func:`precision.boosting.residual_scale`);
    test points in the box shrunk to ``test_shrink`` of each side (1.0: the whole box). The
    appendix runs built on a pipeline use its data, test box included. The line search of
    the low-curvature steps spans ``[search_low[k], 1e12]`` at stage ``k`` (the last value
    serves later stages) with ``search_points`` per grid and ``search_zooms`` zoom rounds;
    ``always_step`` is the authors' loop (every step taken, all of them run).

    Attributes
    ----------
    target : str
        The target's name.
    n_train : int
        Training points.
    n_test : int
        Test points.
    depth : int
        Number of Linear layers.
    seed : int
        Seed of the data and the weights.
    record_every : int
        Steps between two points of the learning curves.
    """

    target: str
    n_train: int
    n_test: int
    bfgs_steps: int
    lowcurv_steps: int
    stages: int = 2
    width: int = 20
    depth: int = 3
    tau: float = 1e-15
    hessian_every: int = 1
    scale: str = "mean"
    seed: int = 0
    record_every: int = 50
    test_shrink: float = AUTHORS_TEST_SHRINK
    search_low: tuple[float, ...] = (1e-12,)
    search_points: int = 15
    search_zooms: int = 4
    always_step: bool = False

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        d, P, u = _net_sizes(self)
        stage = costs.ops(costs.bfgs(self.bfgs_steps, self.n_train, P, u),
                          costs.lowcurv(self.lowcurv_steps, self.hessian_every, self.n_train, P, u)
                          if self.lowcurv_steps else {})
        ops = tuple((k, v * self.stages) for k, v in stage)
        mem = [costs.data_mem(self.n_train, self.n_test, d), *costs.net_mem(self.n_train, self.width, self.depth, P, True)]
        if self.lowcurv_steps:
            mem += costs.hess_mem(self.n_train, self.width, self.depth, P)
        return costs.Work(f"pipeline {self.target} n={self.n_train:,} P={P} ×{self.stages}", "pipeline", ops,
                          tuple(mem), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_pipeline`).

        Returns
        -------
        dict of str to Any
            Each stage's learning curves and the final RMSEs.
        """
        return _one_thread(run_pipeline, self)

    def lowcurv_options(self, stage: int) -> dict[str, Any]:
        """Keyword arguments of :func:`precision.lowcurv.train_lowcurv` for ``stage`` (0-based;
        the last ``search_low`` serves every later stage).

        Parameters
        ----------
        stage : int
            The stage, counted from 0.

        Returns
        -------
        dict of str to Any
            ``low``, ``high``, ``points``, ``zooms`` and ``always_step``.
        """
        return dict(low=self.search_low[min(stage, len(self.search_low) - 1)], high=SEARCH_HIGH,
                    points=self.search_points, zooms=self.search_zooms, always_step=self.always_step)

    def cost(self) -> float:
        """Relative cost, for the sweep's order: per stage, BFGS steps × training points × width² plus the Hessians of the low-curvature steps.

        Returns
        -------
        float
            The relative cost.
        """
        return self.stages * (self.bfgs_steps * self.n_train * self.width ** 2 * 3
                              + self.lowcurv_steps / self.hessian_every * self.n_train * self.width ** 4 / 10)


class _FromPipeline:
    """A run that starts from a :class:`PipelineRun`'s stored parameters (field ``pipeline``)."""

    def needs(self) -> tuple[Job, ...]:
        """The pipeline whose stored parameters the run starts from.

        Returns
        -------
        tuple of Job
            The runs read from the cache.
        """
        return (self.pipeline,)


@dataclass(frozen=True)
class RescaleRun(_FromPipeline, Job):
    """Appendix A: the pipeline's stage-1 net, trained further (BFGS ≤ ``pipeline.bfgs_steps``
    then ``pipeline.lowcurv_steps`` low-curvature steps) on the targets multiplied by the
    factor c that stage 2 would use — the rescaling of boosting without a fresh net."""

    pipeline: PipelineRun

    def work(self) -> costs.Work:
        """From the converged stage-1 point BFGS and the low-curvature steps stop early: counted as
        :data:`~precision.chapters.costs.RESCALE_FRACTION` of their budgets (measured at the book
        profile: 1.6 s of 76 s).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        p = self.pipeline
        d, P, u = _net_sizes(p)
        ops = tuple((k, v * costs.RESCALE_FRACTION) for k, v in costs.ops(
            costs.bfgs(p.bfgs_steps, p.n_train, P, u),
            costs.lowcurv(p.lowcurv_steps, p.hessian_every, p.n_train, P, u) if p.lowcurv_steps else {}))
        mem = [costs.data_mem(p.n_train, p.n_test, d), *costs.hess_mem(p.n_train, p.width, p.depth, P),
               *costs.net_mem(p.n_train, p.width, p.depth, P, True)]
        return costs.Work(f"rescaled single net {p.target}", "RescaleRun", ops, tuple(mem), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_rescale`).

        Returns
        -------
        dict of str to Any
            The run's results.
        """
        return _one_thread(run_rescale, self)


@dataclass(frozen=True)
class TauRun(_FromPipeline, Job):
    """Appendix B: ``steps`` low-curvature steps at threshold ``tau`` from the pipeline's
    stage-1 BFGS point, with the pipeline's stage-1 line search; ``always_step`` is the
    authors' loop (every step taken, all of them run).

    Attributes
    ----------
    hessian_every : int
        Steps between Hessian recomputations.
    """

    pipeline: PipelineRun
    tau: float
    steps: int
    hessian_every: int = 1
    always_step: bool = False

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        p = self.pipeline
        d, P, u = _net_sizes(p)
        mem = [costs.data_mem(p.n_train, p.n_test, d), *costs.hess_mem(p.n_train, p.width, p.depth, P)]
        return costs.Work(f"low-curvature steps {p.target} tau={self.tau:g}", "lowcurv",
                          costs.ops(costs.lowcurv(self.steps, self.hessian_every, p.n_train, P, u)), tuple(mem), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_tau`).

        Returns
        -------
        dict of str to Any
            The run's results.
        """
        return _one_thread(run_tau, self)


@dataclass(frozen=True)
class SpectrumRun(_FromPipeline, Job):
    """Appendix D: the Hessian spectrum at the pipeline's stage-1 BFGS point."""

    pipeline: PipelineRun

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        p = self.pipeline
        d, P, _ = _net_sizes(p)
        mem = [costs.data_mem(p.n_train, p.n_test, d), *costs.hess_mem(p.n_train, p.width, p.depth, P)]
        return costs.Work(f"Hessian spectrum {p.target} P={P}", "SpectrumRun", costs.ops(costs.hessians(1, p.n_train, P)),
                          tuple(mem), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_spectrum`).

        Returns
        -------
        dict of str to Any
            The eigenvalues and the gradient's projections.
        """
        return _one_thread(run_spectrum, self)


# --------------------------------------------------------------------------- helpers
def _check_curve(c: CurveRun) -> None:
    if c.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {c.optimizer!r}")
    for name in ("steps", "n_train", "n_test", "width", "depth", "record_every"):
        check_positive_int(name, getattr(c, name))
    check_positive_float("lr", c.lr)
    _check_shrink(c.test_shrink)


def _check_shrink(test_shrink: float) -> None:
    if not (isinstance(test_shrink, (int, float)) and not isinstance(test_shrink, bool) and 0 < test_shrink <= 1):
        raise ValueError(f"test_shrink must be a number in (0, 1], got {test_shrink!r}")


def _train_dict(res: TrainResult, scale: float = 1.0) -> dict[str, Any]:
    """A TrainResult as plain numbers, RMSEs divided by ``scale`` (a stage's own RMSE on the
    rescaled target is ``scale`` times the combined predictor's)."""
    h = np.array(res.history, dtype=np.float64).copy()
    h[:, 1:] /= scale
    return {"history": h, "rmse_train": res.rmse_train / scale, "rmse_test": res.rmse_test / scale,
            "steps": res.steps, "seconds": res.seconds, "stopped": res.stopped}


def _spectrum_dict(model: torch.nn.Module, data: Dataset) -> dict[str, Any]:
    s = spectrum(model, data.x_train, data.y_train)
    return {"eigenvalues": s.eigenvalues.cpu().numpy(), "projections": s.projections.cpu().numpy(), "loss": s.loss,
            "gradient_norm": float(s.gradient.norm())}


def _model(d: int, width: int, depth: int, seed: int, params: np.ndarray | None = None) -> torch.nn.Module:
    model = mlp(d, width, depth, "tanh", seed=seed)
    if params is not None:
        set_flat_parameters(model, torch.as_tensor(params, dtype=torch.float64))
    return model


def _cached(job: Job) -> dict:
    return run_jobs([job], workers=1, progress=False)[0]


def _one_thread(fn, job: Job) -> dict[str, Any]:
    with torch_threads(1):  # one thread; the sweep supplies the parallelism
        return fn(job)


# --------------------------------------------------------------------------- runs
def run_curve(c: CurveRun) -> dict[str, Any]:
    _check_curve(c)
    data = get_data(c.target, c.n_train, c.n_test, test_shrink=c.test_shrink)
    model = _model(data.target.d, c.width, c.depth, c.seed)
    if c.optimizer == "adam":
        res = train_adam(model, data.x_train, data.y_train, c.steps, lr=c.lr, x_test=data.x_test,
                         y_test=data.y_test, record_every=c.record_every)
    else:
        res = train_bfgs(model, data.x_train, data.y_train, c.steps, data.x_test, data.y_test,
                         record_every=c.record_every)
    out = _train_dict(res)
    out["n_params"] = n_params(model)
    out["best_test"] = float(np.nanmin(out["history"][:, 2]))
    if c.spectrum:
        out["spectrum"] = _spectrum_dict(model, data)
    return out


def _check_search(c: PipelineRun) -> None:
    check_positive_floats("search_low", c.search_low)
    if not max(c.search_low) < SEARCH_HIGH:
        raise ValueError(f"search_low must lie below the search's upper end {SEARCH_HIGH:g}, got {c.search_low!r}")
    if not (isinstance(c.search_points, int) and not isinstance(c.search_points, bool) and c.search_points >= 2):
        raise ValueError(f"search_points must be an integer >= 2, got {c.search_points!r}")
    if not (isinstance(c.search_zooms, int) and not isinstance(c.search_zooms, bool) and c.search_zooms >= 0):
        raise ValueError(f"search_zooms must be an integer >= 0, got {c.search_zooms!r}")
    check_bool("always_step", c.always_step)


def run_pipeline(c: PipelineRun) -> dict[str, Any]:
    """The pipeline as a configuration of :func:`precision.boosting.fit_stages`: BFGS then
    low-curvature steps per stage, stage ``k`` seeded ``seed + k``; the parameters after
    BFGS and after each stage are kept for the appendices."""
    for name in ("n_train", "n_test", "bfgs_steps", "stages", "width", "depth", "hessian_every", "record_every"):
        check_positive_int(name, getattr(c, name))
    if c.lowcurv_steps < 0:
        raise ValueError(f"lowcurv_steps must be >= 0, got {c.lowcurv_steps}")
    _check_search(c)
    residual_scale(torch.ones(1), c.scale)
    _check_shrink(c.test_shrink)
    data = get_data(c.target, c.n_train, c.n_test, test_shrink=c.test_shrink)
    x, y = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    xt, yt = torch.as_tensor(data.x_test), torch.as_tensor(data.y_test)
    params_bfgs: list[np.ndarray] = []

    def keep_bfgs_point(phase: str, model: torch.nn.Module) -> None:
        if phase == "bfgs":
            params_bfgs.append(flat_parameters(model).cpu().numpy())

    train = stage_trainer("bfgs", c.bfgs_steps, lowcurv_steps=c.lowcurv_steps, tau=c.tau,
                          hessian_every=c.hessian_every, record_every=c.record_every, after=keep_bfgs_point,
                          lowcurv_options=[c.lowcurv_options(k) for k in range(c.stages)])
    start = time.perf_counter()
    done = fit_stages(lambda k, x_k, r: _model(data.target.d, c.width, c.depth, c.seed + k), train, x, y, c.stages,
                      xt, yt, c.scale)
    stages = []
    for s, after_bfgs in zip(done, params_bfgs):
        stage = {"scale": s.scale, "bfgs": _train_dict(s.main, s.scale), "params_bfgs": after_bfgs}
        if s.lowcurv is not None:
            stage["lowcurv"] = _train_dict(s.lowcurv, s.scale)
        stage.update(params=flat_parameters(s.model).cpu().numpy(), rmse_train=s.rmse_train, rmse_test=s.rmse_test)
        stages.append(stage)
    return {"stages": stages, "rmse_train": stages[-1]["rmse_train"], "rmse_test": stages[-1]["rmse_test"],
            "n_params": n_params(done[-1].model) * c.stages, "seconds": time.perf_counter() - start}


def pipeline_stages(result: dict) -> list[tuple[int, str, np.ndarray]]:
    """A pipeline's learning curve as (stage, phase, history) pieces drawn one after another:
    step counts run on from piece to piece (Figure 8's x axis), RMSEs are the combined
    predictor's (at a later stage's step 0 that includes the fresh net's untrained output/c).

    Parameters
    ----------
    result : dict
        A :class:`PipelineRun`'s result.

    Returns
    -------
    list of (int, str, numpy.ndarray)
        Stage (from 1), phase (one of :data:`PHASES`) and history rows (step, ...).
    """
    pieces, offset = [], 0
    for k, stage in enumerate(result["stages"]):
        for phase, key in zip(PHASES, ("bfgs", "lowcurv")):
            if key not in stage:
                continue
            h = stage[key]["history"].copy()
            h[:, 0] += offset
            offset = h[-1, 0]
            pieces.append((k + 1, phase, h))
    return pieces


def run_rescale(c: RescaleRun) -> dict[str, Any]:
    p = c.pipeline
    if p.stages < 2:
        raise ValueError("Appendix A compares with boosting: the pipeline needs stages >= 2")
    stage1 = _cached(p)["stages"][0]
    data = get_data(p.target, p.n_train, p.n_test, test_shrink=p.test_shrink)
    model = _model(data.target.d, p.width, p.depth, p.seed, stage1["params"])
    x, y = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    xt, yt = torch.as_tensor(data.x_test), torch.as_tensor(data.y_test)
    with torch.no_grad():
        c_k = residual_scale(y - model(x).squeeze(-1), p.scale)
        last = model[-1]  # the net now predicts c·f, so its targets are c·y
        last.weight.mul_(c_k), last.bias.mul_(c_k)
    bfgs = train_bfgs(model, x, c_k * y, p.bfgs_steps, xt, c_k * yt, record_every=p.record_every)
    out = {"scale": c_k, "bfgs": _train_dict(bfgs, c_k)}
    if p.lowcurv_steps:
        lc = train_lowcurv(model, x, c_k * y, p.lowcurv_steps, p.tau, xt, c_k * yt,
                           record_every=max(1, p.record_every // 10), hessian_every=p.hessian_every,
                           **p.lowcurv_options(1))  # the targets are rescaled as stage 2's are
        out["lowcurv"] = _train_dict(lc, c_k)
    last_phase = out.get("lowcurv", out["bfgs"])
    out.update(rmse_train=last_phase["rmse_train"], rmse_test=last_phase["rmse_test"])
    return out


def run_tau(c: TauRun) -> dict[str, Any]:
    check_positive_float("tau", c.tau)
    check_positive_int("steps", c.steps)
    check_positive_int("hessian_every", c.hessian_every)
    check_bool("always_step", c.always_step)
    p = c.pipeline
    start = _cached(p)["stages"][0]["params_bfgs"]
    data = get_data(p.target, p.n_train, p.n_test, test_shrink=p.test_shrink)
    model = _model(data.target.d, p.width, p.depth, p.seed, start)
    options = dict(p.lowcurv_options(0), always_step=c.always_step)
    res = train_lowcurv(model, data.x_train, data.y_train, c.steps, c.tau, data.x_test, data.y_test,
                        record_every=1, hessian_every=c.hessian_every, **options)
    return _train_dict(res)


def run_spectrum(c: SpectrumRun) -> dict[str, Any]:
    p = c.pipeline
    stage1 = _cached(p)["stages"][0]
    data = get_data(p.target, p.n_train, p.n_test, test_shrink=p.test_shrink)
    model = _model(data.target.d, p.width, p.depth, p.seed, stage1["params_bfgs"])
    out = _spectrum_dict(model, data)
    out["rmse_train"] = stage1["bfgs"]["rmse_train"]
    return out


def canyon_stats(eigenvalues: np.ndarray) -> dict[str, Any]:
    """How sharp the canyon of a Hessian spectrum is (Figure 7, Appendix D), from ``|λ|``:
    ``top`` the largest, ``big`` how many lie within 1e-3 of it (three orders of magnitude),
    ``ratio10`` the 10th largest over the largest, ``bulk`` the share more than 1e-9 below it.

    Parameters
    ----------
    eigenvalues : numpy.ndarray
        The Hessian's eigenvalues.

    Returns
    -------
    dict of str to Any
        ``top``, ``big``, ``ratio10``, ``bulk`` and ``n`` (the number of eigenvalues).

    Raises
    ------
    ValueError
        If ``eigenvalues`` is empty or all zero.
    """
    lam = np.sort(np.abs(np.asarray(eigenvalues, dtype=np.float64)))[::-1]
    if lam.size == 0 or not lam[0] > 0:
        raise ValueError(f"eigenvalues must hold at least one non-zero value, got {lam.size} values")
    return dict(top=float(lam[0]), big=int(np.sum(lam > 1e-3 * lam[0])),
                ratio10=float(lam[min(9, lam.size - 1)] / lam[0]), bulk=float(np.mean(lam < 1e-9 * lam[0])),
                n=int(lam.size))


def gradient_share(projections: np.ndarray) -> dict[str, Any]:
    """How concentrated the gradient is on the Hessian's eigenvectors (Figure 7), from the
    projections ``g·v_i``: ``top10`` the share of ``|g|²`` on the 10 largest, ``k90`` the fewest
    directions that hold 90 % of it.

    Parameters
    ----------
    projections : numpy.ndarray
        The gradient's components along the eigenvectors.

    Returns
    -------
    dict of str to Any
        ``top10`` and ``k90``.

    Raises
    ------
    ValueError
        If ``projections`` is empty or all zero.
    """
    g2 = np.sort(np.asarray(projections, dtype=np.float64) ** 2)[::-1]
    if g2.size == 0 or not g2[0] > 0:
        raise ValueError(f"projections must hold at least one non-zero value, got {g2.size} values")
    share = np.cumsum(g2) / np.sum(g2)
    return dict(top10=float(share[min(9, share.size - 1)]), k90=int(np.searchsorted(share, 0.9) + 1))


# --------------------------------------------------------------------------- the chapter's jobs
def figure7_run(cfg: Any) -> CurveRun:
    """The Adam run whose final Hessian spectrum is Figure 7: the first of Figure 8's Adam
    runs of the first target that records a spectrum.

    Parameters
    ----------
    cfg : OptimizationConfig
        The resolved config.

    Returns
    -------
    CurveRun
        The run.
    """
    return next(j for j in figure_jobs(cfg, 8)[cfg.fig8_targets[0]]["adam"] if j.spectrum)


def _search(cfg: Any, target: str) -> dict[str, Any]:
    """The line search of ``target``'s low-curvature steps: Figure 9's per-target lower ends
    and points where ``cfg.fig9_search_low`` names the target, else the chapter's."""
    lows = dict(cfg.fig9_search_low).get(target) if target in cfg.fig9_targets else None
    if lows is None:
        return dict(search_low=(cfg.search_low,), search_points=cfg.search_points)
    return dict(search_low=tuple(lows), search_points=cfg.fig9_search_points)


def pipeline_for(cfg: Any, target: str) -> PipelineRun:
    """The pipeline of Figures 8 and 9 for ``target`` at the sizes of ``cfg`` (a resolved
    ``"optimization"`` config); the appendices use the same one, so it is cached once.

    Parameters
    ----------
    cfg : OptimizationConfig
        The resolved config.
    target : str
        The target's name.

    Returns
    -------
    PipelineRun
        The pipeline.
    """
    n_train = cfg.fig8_n_train if target in cfg.fig8_targets else cfg.fig9_n_train
    return PipelineRun(target, n_train, cfg.n_test, cfg.pipeline_bfgs_steps, cfg.lowcurv_steps, cfg.stages,
                       cfg.pipeline_width, 3, cfg.tau, cfg.hessian_every, record_every=50,
                       test_shrink=AUTHORS_TEST_SHRINK, search_zooms=cfg.search_zooms,
                       always_step=cfg.lowcurv_mode == "authors", **_search(cfg, target))


def lowcurv_convention(cfg: Any) -> str:
    """One paragraph saying how the low-curvature steps of ``cfg`` (a resolved ``"optimization"``
    config) are taken: the convention and each target's line search, from the pipelines' fields.

    Parameters
    ----------
    cfg : OptimizationConfig
        The resolved config.

    Returns
    -------
    str
        The paragraph, in Markdown.
    """
    mode = ("the authors' convention: every step the line search returns is taken, even one that raises "
            f"the loss, and all {cfg.lowcurv_steps} steps of a stage are run" if cfg.lowcurv_mode == "authors" else
            "the book's convention: a step is taken only if it lowers the training loss, and a stage's "
            f"low-curvature phase stops before {cfg.lowcurv_steps} steps once none does")
    searches = []
    for t in dict.fromkeys((*cfg.fig8_targets, *cfg.fig9_targets)):
        p = pipeline_for(cfg, t)
        lows = p.search_low[:cfg.stages]
        lows = f"{lows[0]:g}" if len(lows) == 1 else ", ".join(f"{low:g} (stage {k + 1})" for k, low in enumerate(lows))
        searches.append(f"{t}: α from {lows} to {SEARCH_HIGH:g}, {p.search_points} step sizes per grid")
    return (f"This build (profile `{cfg.profile}`) follows {mode}. Its line searches zoom {cfg.search_zooms} times "
            "after the first grid; " + "; ".join(searches) + ".")


def tau_start(cfg: Any, target: str, n_train: int) -> PipelineRun:
    """Appendix B's starting point: the pipeline whose stage-1 BFGS point the τ runs start
    from. Chapter 4's own pipeline when it has ``target`` at ``n_train`` points (so it comes
    from the cache), else a one-stage BFGS-only run of the same net, BFGS budget and line
    search on ``n_train`` points (the authors' Appendix B: a random quintic, 50 000 points).

    Parameters
    ----------
    cfg : OptimizationConfig
        The resolved config.
    target : str
        The target's name.
    n_train : int
        Training points.

    Returns
    -------
    PipelineRun
        The starting pipeline.

    Raises
    ------
    ValueError
        If ``n_train`` is not a positive integer.
    """
    check_positive_int("n_train", n_train)
    chapter = pipeline_for(cfg, target)
    if target in (*cfg.fig8_targets, *cfg.fig9_targets) and chapter.n_train == n_train:
        return chapter
    return dataclasses.replace(chapter, n_train=n_train, lowcurv_steps=0, stages=1)


def adam_twin(cfg: Any, pipeline: PipelineRun) -> CurveRun:
    """Appendix D's comparison: the pipeline's stage-1 net — same target, data, width, depth
    and initial weights — trained by Adam instead of BFGS, at Figure 7's learning rate (1e-3,
    or the nearest of ``cfg.adam_lrs``) for ``cfg.adam_steps_fig8`` steps, with its Hessian
    spectrum at the end.

    Parameters
    ----------
    cfg : OptimizationConfig
        The resolved config.
    pipeline : PipelineRun
        The pipeline whose stage-1 net is trained again.

    Returns
    -------
    CurveRun
        The Adam run, with ``spectrum=True``.
    """
    lr = min(cfg.adam_lrs, key=lambda v: abs(np.log10(v) + 3))
    return CurveRun(pipeline.target, "adam", cfg.adam_steps_fig8, pipeline.n_train, pipeline.n_test, pipeline.width,
                    pipeline.depth, lr, seed=pipeline.seed, record_every=max(1, cfg.adam_steps_fig8 // 200),
                    spectrum=True, test_shrink=pipeline.test_shrink)


def figure_jobs(cfg: Any, figure: int) -> dict[str, list]:
    """Figure 8's or 9's jobs per target: Adam at every learning rate (width ``adam_width``;
    the lr-1e-3 run of Figure 8's first target also takes the Hessian spectrum, Figure 7),
    BFGS on the same width, and the pipeline; all tested on the whole box, as the authors did.

    Parameters
    ----------
    cfg : OptimizationConfig
        The resolved config.
    figure : int
        8 or 9.

    Returns
    -------
    dict of str to dict
        Per target: ``"adam"`` (list of CurveRun), ``"bfgs"`` (CurveRun) and ``"pipeline"``
        (PipelineRun).

    Raises
    ------
    ValueError
        If ``figure`` is not 8 or 9.
    """
    if figure not in (8, 9):
        raise ValueError(f"figure must be 8 or 9, got {figure!r}")
    names = cfg.fig8_targets if figure == 8 else cfg.fig9_targets
    n_train = cfg.fig8_n_train if figure == 8 else cfg.fig9_n_train
    steps = cfg.adam_steps_fig8 if figure == 8 else cfg.adam_steps_fig9
    every = max(1, steps // 200)
    spectrum_lr = min(cfg.adam_lrs, key=lambda lr: abs(np.log10(lr) + 3))  # the paper's 1e-3, or nearest
    jobs = {}
    for i, t in enumerate(names):
        adam = [CurveRun(t, "adam", steps, n_train, cfg.n_test, cfg.adam_width, 3, lr, record_every=every,
                         spectrum=(figure == 8 and i == 0 and lr == spectrum_lr), test_shrink=AUTHORS_TEST_SHRINK)
                for lr in cfg.adam_lrs]
        bfgs = CurveRun(t, "bfgs", cfg.bfgs_steps, n_train, cfg.n_test, cfg.adam_width, 3,
                        record_every=max(1, cfg.bfgs_steps // 200), test_shrink=AUTHORS_TEST_SHRINK)
        jobs[t] = {"adam": adam, "bfgs": bfgs, "pipeline": pipeline_for(cfg, t)}
    return jobs


# --------------------------------------------------------------------------- the chapter
def check_lowcurv_mode(name: str, value: Any) -> str:
    """One of :data:`LOWCURV_MODES`.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : Any
        The value to check.

    Returns
    -------
    str
        ``value``, unchanged.

    Raises
    ------
    ValueError
        If ``value`` is not one of :data:`LOWCURV_MODES`.
    """
    if value not in LOWCURV_MODES:
        raise ValueError(f"{name} must be one of {', '.join(repr(m) for m in LOWCURV_MODES)}; got {value!r}")
    return value


def check_search_points(name: str, value: Any) -> int:
    """Step sizes per grid of a logarithmic line search: an int >= 2."""
    if not (isinstance(value, int) and not isinstance(value, bool)) or value < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {value!r}")
    return value


def check_search_lows(name: str, value: Any) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """Per-target lower ends of the line search: a mapping (or pairs) target → one lower end
    per boosting stage (the last serves later stages), each a positive number below
    :data:`SEARCH_HIGH`. Returned as a tuple of ``(target, lows)`` pairs."""
    pairs = value.items() if isinstance(value, dict) else value
    try:
        pairs = [(k, v) for k, v in pairs]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must map targets to lists of lower ends, e.g. {{'Z.008': [1e-25]}}; "
                         f"got {value!r}") from None
    out = []
    for target, lows in pairs:
        check_target(name, target)
        lows = check_positive_floats(f"{name}[{target!r}]", (lows,) if isinstance(lows, (int, float)) else lows)
        if max(lows) >= SEARCH_HIGH:
            raise ValueError(f"{name}[{target!r}] must lie below the line search's upper end {SEARCH_HIGH:g}, "
                             f"got {lows!r}")
        out.append((target, lows))
    if len({t for t, _ in out}) != len(out):
        raise ValueError(f"{name} names a target twice: {value!r}")
    return tuple(out)


@dataclass(frozen=True)
class OptimizationConfig:
    """Chapter 4's sizes: Figure 7 (Hessian spectrum after Adam), Figures 8 and 9 (learning
    curves of Adam at every rate of ``adam_lrs``, BFGS and the combined pipeline), §4.3 (cost
    of a Hessian eigen-step, ``hessian_*``; speed benchmarks, ``speed_*``). The pipeline's
    low-curvature steps follow ``lowcurv_mode`` with the line search ``search_*`` (Figure 9's
    targets: ``fig9_search_*``).

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    fig8_targets, fig9_targets : tuple of str
        Targets of Figures 8 and 9.
    fig8_n_train, fig9_n_train : int
        Training points of Figures 8 and 9.
    n_test : int
        Test points (fixed).
    adam_lrs : tuple of float
        Adam's learning rates.
    adam_steps_fig8, adam_steps_fig9 : int
        Adam's steps in Figures 8 and 9.
    adam_width : int
        Width of the Adam and BFGS nets (fixed).
    bfgs_steps : int
        BFGS's maximum steps.
    pipeline_width : int
        Width of the pipeline's nets (fixed).
    pipeline_bfgs_steps : int
        BFGS's maximum steps per pipeline stage.
    lowcurv_steps : int
        Low-curvature steps per pipeline stage.
    hessian_every : int
        Steps between Hessian recomputations.
    tau : float
        Eigenvalue threshold of the low-curvature steps (fixed).
    stages : int
        Pipeline stages.
    lowcurv_mode : str
        One of :data:`LOWCURV_MODES`.
    search_low : float
        Lower end of the line search (fixed).
    search_points : int
        Step sizes per grid of the line search (fixed).
    search_zooms : int
        Zoom rounds of the line search (fixed).
    fig9_search_low : tuple of (str, tuple of float)
        Per Figure 9 target, lower ends per stage.
    fig9_search_points : int
        Step sizes per grid for those targets (fixed).
    hessian_widths : tuple of int
        Widths of the Hessian timings (fixed).
    hessian_n : int
        Training points of the Hessian timings (fixed).
    speed_rmse : float
        Train RMSE the BFGS benchmark stops at (fixed).
    speed_max_steps : int
        Most steps of the BFGS benchmark (fixed).
    """

    profile: str = "book"
    fig8_targets: tuple[str, ...] = knob(check_targets, ("teacher", "Z.001"))
    fig9_targets: tuple[str, ...] = knob(check_targets, ("Z.008", "I.11.19"))
    fig8_n_train: int = knob(check_positive_int, 1000)
    fig9_n_train: int = knob(check_positive_int, 1000)
    n_test: int = knob(check_positive_int, 5000, fixed=True)
    adam_lrs: tuple[float, ...] = knob(check_positive_floats, (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5))
    adam_steps_fig8: int = knob(check_positive_int, 6000)
    adam_steps_fig9: int = knob(check_positive_int, 5000)
    adam_width: int = knob(check_positive_int, 40, fixed=True)
    bfgs_steps: int = knob(check_positive_int, 5000)
    pipeline_width: int = knob(check_positive_int, 20, fixed=True)
    pipeline_bfgs_steps: int = knob(check_positive_int, 25_000)
    lowcurv_steps: int = knob(check_positive_int, 100)
    hessian_every: int = knob(check_positive_int, 10)
    tau: float = knob(check_positive_float, 1e-15, fixed=True)
    stages: int = knob(check_positive_int, 2)
    lowcurv_mode: str = knob(check_lowcurv_mode, "book")
    search_low: float = knob(check_positive_float, 1e-12, fixed=True)
    search_points: int = knob(check_search_points, 15, fixed=True)
    search_zooms: int = knob(check_nonnegative_int, 4, fixed=True)
    fig9_search_low: tuple[tuple[str, tuple[float, ...]], ...] = knob(check_search_lows, ())
    fig9_search_points: int = knob(check_search_points, 15, fixed=True)
    hessian_widths: tuple[int, ...] = knob(check_sizes, (10, 20, 40, 60), fixed=True)
    hessian_n: int = knob(check_positive_int, 500, fixed=True)
    speed_rmse: float = knob(check_positive_float, 1e-6, fixed=True)
    speed_max_steps: int = knob(check_positive_int, 25_000, fixed=True)


SMOKE = dict(fig8_n_train=200, fig9_n_train=300, n_test=1000, adam_steps_fig8=300, adam_steps_fig9=300, bfgs_steps=300,
             pipeline_bfgs_steps=300, lowcurv_steps=10, hessian_every=5, hessian_widths=(5, 10, 20), hessian_n=200,
             speed_rmse=1e-3, speed_max_steps=500)
# The authors' low-curvature steps (precision.chapters.authors): every step taken, all run; their
# search has depth=4 grids (three zooms), and Figure 9's scripts search from 1e-25 (xy) and 1e-30,
# then 1e-50 (I.11.19), 70 points
PAPER = dict(fig8_n_train=100_000, fig9_n_train=100_000, n_test=10_000, adam_steps_fig8=30_000, adam_steps_fig9=50_000,
             bfgs_steps=25_000, lowcurv_steps=500, hessian_every=1, hessian_widths=(10, 20, 40, 80, 120),
             hessian_n=2000, speed_rmse=1e-8, lowcurv_mode="authors", search_zooms=3,
             fig9_search_low=(("Z.008", (1e-25,)), ("I.11.19", (1e-30, 1e-50))), fig9_search_points=70)


def chapter4(profile: str) -> OptimizationConfig:
    """Chapter 4's config at ``profile``: the appendices start from its pipelines, so a build
    answers them from its cache.

    Parameters
    ----------
    profile : str
        ``"smoke"``, ``"book"`` or ``"paper"``.

    Returns
    -------
    OptimizationConfig
        The config.

    Raises
    ------
    ValueError
        If ``profile`` is unknown.
    """
    return CHAPTER.resolve(profile)


def batches(cfg: OptimizationConfig) -> list[costs.Batch]:
    """The notebook's runs at ``cfg``, one batch per ``run_jobs`` call, in its order.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        Figures 7–9's runs (Adam at every rate, BFGS, the pipeline per target), the Hessian
        timings and the speed benchmarks (each on one worker).
    """
    from .optimization_speed import BfgsTiming, HessianTiming, ProjectionTiming

    jobs = [j for figure in (8, 9) for per in figure_jobs(cfg, figure).values()
            for j in (*per["adam"], per["bfgs"], per["pipeline"])]
    return [costs.Batch("Chapter 4 runs", tuple(jobs)),
            costs.Batch("Hessian cost", tuple(HessianTiming(w, cfg.hessian_n) for w in cfg.hessian_widths), True),
            costs.Batch("Speed benchmarks", (BfgsTiming(20, cfg.fig8_n_train, cfg.speed_rmse, cfg.speed_max_steps),
                                             ProjectionTiming(1761, 1500)), True)]


CHAPTER = register(Chapter("optimization", "4", "Optimization", OptimizationConfig, SMOKE, PAPER, batches))
