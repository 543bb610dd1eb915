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
* :class:`SpectrumRun` — Appendix D: the Hessian spectrum at the stage-1 BFGS point.

The appendix runs start from a pipeline's stored parameters; they fetch the pipeline from
the cache (computing it first if needed), so they cost no second BFGS run.

Test points are drawn from the *whole* box (``test_shrink = 1.0``, :data:`AUTHORS_TEST_SHRINK`),
as in the authors' learning-curve scripts for Figures 7–9 and Appendices A, B and D
(``scripts/combined-techniques-*.py``, ``scripts/compare-adam-lrs-*.py`` in
ejmichaud/precision-ml: ``ws = (hs - ls) * 1.0``; the teacher's test inputs are uniform on
[-1, 1] like its training inputs). Chapters 2 and 3 keep the central 80 % box of the paper's
sweeps (:func:`precision.targets.sample`'s default). The box is a field of :class:`CurveRun`
and :class:`PipelineRun`, so it is part of the cache key.
"""
from __future__ import annotations

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
from ..checks import check_positive_float, check_positive_int
from ..targets import Dataset, sample, target_by_name
from .runs import Job, run_jobs

__all__ = ["AUTHORS_TEST_SHRINK", "CurveRun", "PipelineRun", "RescaleRun", "TauRun", "SpectrumRun", "get_data", "pipeline_for",
           "figure_jobs", "pipeline_stages", "PHASES"]

PHASES = ("BFGS", "low-curvature")

#: The test box of the authors' Chapter 4 scripts: the whole training box (``ws = (hs - ls) * 1.0``).
AUTHORS_TEST_SHRINK = 1.0


def get_data(target: str, n_train: int, n_test: int, seed: int = 0,
             test_shrink: float = AUTHORS_TEST_SHRINK) -> Dataset:
    """The chapter's data: uniform inputs, no standardisation (SPEC, Figures 8 and 9); test
    points uniform in the box shrunk about its centre to ``test_shrink`` of each side (the
    authors' scripts: 1.0, the whole box)."""
    return sample(target_by_name(target), n_train, n_test, seed=seed, test_shrink=test_shrink)


@dataclass(frozen=True)
class CurveRun(Job):
    """One ``width``-wide tanh net of ``depth`` layers trained by ``optimizer`` ("adam" at
    learning rate ``lr`` for ``steps`` full-batch steps, or "bfgs" for at most ``steps``);
    test points in the box shrunk to ``test_shrink`` of each side (1.0: the whole box)."""

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

    def run(self) -> dict[str, Any]:
        return _one_thread(run_curve, self)

    def cost(self) -> float:
        per_step = self.n_train * self.width ** 2 * (1 if self.optimizer == "adam" else 4)
        return self.steps * per_step * (3 if self.spectrum else 1)


@dataclass(frozen=True)
class PipelineRun(Job):
    """The combined method of §4.2 on a ``width``-wide tanh net: for each of ``stages``
    stages, BFGS (at most ``bfgs_steps``) then ``lowcurv_steps`` low-curvature steps
    (threshold ``tau``, Hessian recomputed every ``hessian_every`` steps); stage k > 1
    fits the residual rescaled by ``scale`` (:func:`precision.boosting.residual_scale`);
    test points in the box shrunk to ``test_shrink`` of each side (1.0: the whole box). The
    appendix runs built on a pipeline use its data, test box included."""

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

    def run(self) -> dict[str, Any]:
        return _one_thread(run_pipeline, self)

    def cost(self) -> float:
        return self.stages * (self.bfgs_steps * self.n_train * self.width ** 2 * 3
                              + self.lowcurv_steps / self.hessian_every * self.n_train * self.width ** 4 / 10)


@dataclass(frozen=True)
class RescaleRun(Job):
    """Appendix A: the pipeline's stage-1 net, trained further (BFGS ≤ ``pipeline.bfgs_steps``
    then ``pipeline.lowcurv_steps`` low-curvature steps) on the targets multiplied by the
    factor c that stage 2 would use — the rescaling of boosting without a fresh net."""

    pipeline: PipelineRun

    def run(self) -> dict[str, Any]:
        return _one_thread(run_rescale, self)


@dataclass(frozen=True)
class TauRun(Job):
    """Appendix B: ``steps`` low-curvature steps at threshold ``tau`` from the pipeline's
    stage-1 BFGS point."""

    pipeline: PipelineRun
    tau: float
    steps: int
    hessian_every: int = 1

    def run(self) -> dict[str, Any]:
        return _one_thread(run_tau, self)


@dataclass(frozen=True)
class SpectrumRun(Job):
    """Appendix D: the Hessian spectrum at the pipeline's stage-1 BFGS point."""

    pipeline: PipelineRun

    def run(self) -> dict[str, Any]:
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
    return {"eigenvalues": s.eigenvalues.numpy(), "projections": s.projections.numpy(), "loss": s.loss,
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


def run_pipeline(c: PipelineRun) -> dict[str, Any]:
    """The pipeline as a configuration of :func:`precision.boosting.fit_stages`: BFGS then
    low-curvature steps per stage, stage ``k`` seeded ``seed + k``; the parameters after
    BFGS and after each stage are kept for the appendices."""
    for name in ("n_train", "n_test", "bfgs_steps", "stages", "width", "depth", "hessian_every", "record_every"):
        check_positive_int(name, getattr(c, name))
    if c.lowcurv_steps < 0:
        raise ValueError(f"lowcurv_steps must be >= 0, got {c.lowcurv_steps}")
    residual_scale(torch.ones(1), c.scale)
    _check_shrink(c.test_shrink)
    data = get_data(c.target, c.n_train, c.n_test, test_shrink=c.test_shrink)
    x, y = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    xt, yt = torch.as_tensor(data.x_test), torch.as_tensor(data.y_test)
    params_bfgs: list[np.ndarray] = []

    def keep_bfgs_point(phase: str, model: torch.nn.Module) -> None:
        if phase == "bfgs":
            params_bfgs.append(flat_parameters(model).numpy())

    train = stage_trainer("bfgs", c.bfgs_steps, lowcurv_steps=c.lowcurv_steps, tau=c.tau,
                          hessian_every=c.hessian_every, record_every=c.record_every, after=keep_bfgs_point)
    start = time.perf_counter()
    done = fit_stages(lambda k, x_k, r: _model(data.target.d, c.width, c.depth, c.seed + k), train, x, y, c.stages,
                      xt, yt, c.scale)
    stages = []
    for s, after_bfgs in zip(done, params_bfgs):
        stage = {"scale": s.scale, "bfgs": _train_dict(s.main, s.scale), "params_bfgs": after_bfgs}
        if s.lowcurv is not None:
            stage["lowcurv"] = _train_dict(s.lowcurv, s.scale)
        stage.update(params=flat_parameters(s.model).numpy(), rmse_train=s.rmse_train, rmse_test=s.rmse_test)
        stages.append(stage)
    return {"stages": stages, "rmse_train": stages[-1]["rmse_train"], "rmse_test": stages[-1]["rmse_test"],
            "n_params": n_params(done[-1].model) * c.stages, "seconds": time.perf_counter() - start}


def pipeline_stages(result: dict) -> list[tuple[int, str, np.ndarray]]:
    """A pipeline's learning curve as (stage, phase, history) pieces drawn one after another:
    step counts run on from piece to piece (Figure 8's x axis), RMSEs are the combined
    predictor's (at a later stage's step 0 that includes the fresh net's untrained output/c)."""
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
                           record_every=max(1, p.record_every // 10), hessian_every=p.hessian_every)
        out["lowcurv"] = _train_dict(lc, c_k)
    last_phase = out.get("lowcurv", out["bfgs"])
    out.update(rmse_train=last_phase["rmse_train"], rmse_test=last_phase["rmse_test"])
    return out


def run_tau(c: TauRun) -> dict[str, Any]:
    check_positive_float("tau", c.tau)
    check_positive_int("steps", c.steps)
    check_positive_int("hessian_every", c.hessian_every)
    p = c.pipeline
    start = _cached(p)["stages"][0]["params_bfgs"]
    data = get_data(p.target, p.n_train, p.n_test, test_shrink=p.test_shrink)
    model = _model(data.target.d, p.width, p.depth, p.seed, start)
    res = train_lowcurv(model, data.x_train, data.y_train, c.steps, c.tau, data.x_test, data.y_test,
                        record_every=1, hessian_every=c.hessian_every)
    return _train_dict(res)


def run_spectrum(c: SpectrumRun) -> dict[str, Any]:
    p = c.pipeline
    stage1 = _cached(p)["stages"][0]
    data = get_data(p.target, p.n_train, p.n_test, test_shrink=p.test_shrink)
    model = _model(data.target.d, p.width, p.depth, p.seed, stage1["params_bfgs"])
    out = _spectrum_dict(model, data)
    out["rmse_train"] = stage1["bfgs"]["rmse_train"]
    return out


# --------------------------------------------------------------------------- the chapter's jobs
def pipeline_for(cfg: Any, target: str) -> PipelineRun:
    """The pipeline of Figures 8 and 9 for ``target`` at the sizes of ``cfg`` (a resolved
    ``"optimization"`` config); the appendices use the same one, so it is cached once."""
    n_train = cfg.fig8_n_train if target in cfg.fig8_targets else cfg.fig9_n_train
    return PipelineRun(target, n_train, cfg.n_test, cfg.pipeline_bfgs_steps, cfg.lowcurv_steps, cfg.stages,
                       cfg.pipeline_width, 3, cfg.tau, cfg.hessian_every, record_every=50,
                       test_shrink=AUTHORS_TEST_SHRINK)


def figure_jobs(cfg: Any, figure: int) -> dict[str, list]:
    """Figure 8's or 9's jobs per target: Adam at every learning rate (width ``adam_width``;
    the lr-1e-3 run of Figure 8's first target also takes the Hessian spectrum, Figure 7),
    BFGS on the same width, and the pipeline; all tested on the whole box, as the authors did."""
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
