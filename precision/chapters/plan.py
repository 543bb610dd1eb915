"""A cost plan before any compute: what every chapter will run at a profile, how long it
should take and how much memory its largest run needs.

Every chapter's runs are enumerated from its resolved config with the chapters' own job-list
functions (:func:`~precision.chapters.piecewise_linear.figure2_configs`,
:func:`~precision.chapters.optimization.figure_jobs`, …), one :class:`Batch` per
``run_jobs`` call of the notebook, in the order the build executes the notebooks. A run
that an earlier chapter already computed is answered from the cache, so it is counted once,
where it first runs. Work a notebook does inline, without a :class:`~precision.chapters.runs.Job`
(precision floors, the loss decomposition, the splines of Figure 4, Chebyshev curves), is
estimated with the same operation counts and is marked ``inline`` in the plan.

**Time** of a run = Σ coefficient × operation count, per kind of work:

* Adam: ``steps × (adam_step + adam_flop × min(n_train, batch_cap) × P)``;
* BFGS (dense inverse Hessian): ``steps × (bfgs_step + bfgs_flop × n × P + bfgs_pp × P²)``,
  ``steps`` being the budget (BFGS often stalls earlier: an upper bound);
* exact Hessian + eigendecomposition: ``hess × n × P² + eigh × P³`` per Hessian, and a
  low-curvature step costs a logarithmic line search (:data:`LINE_SEARCH_EVALS` losses);
* Levenberg–Marquardt: ``steps × (lm_step + lm × n × P²)`` (a thin SVD of the n×P Jacobian);
* Delaunay (simplex interpolation): ``delaunay × n × s(d) × (d + 1)`` with s(d) the simplices
  per point of :mod:`precision.memory` (about 1, 2, 7, 31, 173, 1100 for d = 1 … 6);
* mpmath references: ``mp_point`` per point and float format; splines: ``spline`` per
  grid coefficient × (order + 1)^dim.

The coefficients are fitted (non-negative least squares) to timings of a few small runs on
this machine (:func:`calibrate`, seconds), cached per code hash in the precision cache dir.

**Memory** of a run = the process's baseline (Python, NumPy, torch) + the data + the large
arrays of its kind: a dense BFGS inverse Hessian or an exact Hessian (8·P² bytes each),
an LM Jacobian (8·n·P, three copies for the SVD), activations, a Delaunay triangulation
(:func:`precision.memory.fit_memory`). :func:`check_memory_model` measures a few small runs'
peak resident memory in a subprocess to check the model's order of magnitude.
:func:`refuse_if_too_big` raises before a run starts if its estimate exceeds this machine.
"""
from __future__ import annotations

import dataclasses
import heapq
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..cache import atomic_write_bytes, cache_dir, code_hash
from ..memory import fit_memory, format_bytes
from .runs import PREFLIGHT, Job

__all__ = ["CHAPTERS", "DEVICES", "COEFFICIENTS", "LINE_SEARCH_EVALS", "BASE_BYTES", "NOTEBOOK_SECONDS",
           "GPU_ASSUMPTION", "Work", "Batch", "chapter_batches", "work_of", "estimate_seconds", "gpu_seconds",
           "total_memory", "peak_bytes", "refuse_if_too_big", "calibrate", "check_memory_model", "ChapterPlan",
           "Plan", "make_plan", "check_device", "lpt_makespan"]

#: The chapters with compute, in the order the build executes their notebooks (the
#: Conclusions only read what these recorded).
CHAPTERS = ("introduction", "piecewise", "nonlinear", "optimization", "beyond", "appendix-a", "appendix-b",
            "appendix-c", "appendix-d")
DEVICES = ("cpu", "cuda")

#: Coefficient names (seconds per unit of their operation count). ``*_step`` / ``*_call``
#: are fixed overheads per step (Python, kernel launches); the others scale with arithmetic.
COEFFICIENTS = ("adam_step", "adam_flop", "adam_act", "bfgs_step", "bfgs_flop", "bfgs_act", "bfgs_pp", "hess_call", "hess", "eigh",
                "lm_step", "lm", "interp1d", "delaunay", "delaunay_query", "mp_point", "spline")
_OVERHEAD = ("adam_step", "bfgs_step", "hess_call", "lm_step")
_CPU_ONLY = ("interp1d", "delaunay", "delaunay_query", "mp_point", "spline")  # scipy / mpmath: no GPU path

#: Loss evaluations of one low-curvature step's logarithmic line search (15 points, 4 zooms;
#: :func:`precision.lowcurv.log_line_search`).
LINE_SEARCH_EVALS = 15 * 5
#: Seconds of a notebook outside its runs (kernel start, imports, figures, small cells): an
#: assumption, from the build's reused-cache notebooks (2–9 s).
NOTEBOOK_SECONDS = 6.0
#: Resident memory of a worker before its run (Python + NumPy + SciPy + torch), bytes;
#: checked by :func:`check_memory_model`.
BASE_BYTES = 350 * 2 ** 20
#: Share of its budgets a run from an already converged point uses (Appendix A's rescaled
#: net: BFGS and the low-curvature steps stall at once; measured at the book profile).
RESCALE_FRACTION = 0.05
#: ``--device cuda`` is not calibrated (the package trains on CPU today). The assumption:
GPU_ASSUMPTION = dict(overhead_factor=3.0, flop_speedup=50.0)
_GPU_NOTE = ("GPU-hours are NOT calibrated: assumed per-step overheads x{overhead_factor:g} one core's (kernel "
             "launches) and float64 arithmetic {flop_speedup:g}x one core; Delaunay, mpmath and splines stay on "
             "the CPU (counted as they are)")

_F64 = 8
_CHUNK = 256  # rows per jacfwd(jacrev) call of precision.landscape.hessian


def check_device(device: Any) -> str:
    """``device`` if it is one of :data:`DEVICES`, else ``ValueError`` naming the parameter."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(repr(d) for d in DEVICES)}; got {device!r}")
    return device


def total_memory() -> int:
    """This machine's RAM in bytes (``MemTotal`` of ``/proc/meminfo``; else 8 GiB)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 * 2 ** 30


# --------------------------------------------------------------------------- work items
@dataclass(frozen=True)
class Work:
    """One run (``job``) or one piece of inline notebook work, as operation counts.

    ``ops`` maps coefficient names to counts; ``memory`` lists ``(what, bytes)`` of the
    large allocations (the baseline process is added by :func:`peak_bytes`)."""

    label: str
    kind: str
    ops: tuple[tuple[str, float], ...]
    memory: tuple[tuple[str, float], ...]
    job: Job | None = None
    inline: bool = False

    @property
    def ops_dict(self) -> dict[str, float]:
        return dict(self.ops)


def _ops(*parts: dict[str, float]) -> tuple[tuple[str, float], ...]:
    out: dict[str, float] = {}
    for p in parts:
        for k, v in p.items():
            out[k] = out.get(k, 0.0) + float(v)
    return tuple(sorted(out.items()))


def _mlp_params(d: int, width: int, depth: int) -> int:
    from ..modular import node_params

    return node_params(d, width, depth)


def _units(job: Any) -> int:
    """Hidden units a sample passes through: ``width × (depth − 1)``; for a modular net the
    sum over its nodes of their hidden widths × (node depth − 1)."""
    if getattr(job, "architecture", "dense") == "modular":
        from ..modular import GRAPHS, _node_width, stages
        from ..targets import get_target

        graph = GRAPHS[job.target]
        node_depth = job.depth // max(stages(get_target(job.target).variables, graph).values())
        return sum(_node_width(job.width, n) for n in graph) * max(node_depth - 1, 1)
    return job.width * max(job.depth - 1, 1)


def _adam(steps: int, batch: int, P: int, units: int) -> dict[str, float]:
    """Adam: per step a fixed overhead, ``batch × P`` multiply-adds and ``batch × units``
    hidden activations (elementwise work that dominates wide shallow nets)."""
    return {"adam_step": steps, "adam_flop": float(steps) * batch * P, "adam_act": float(steps) * batch * units}


def _bfgs(steps: int, n: int, P: int, units: int) -> dict[str, float]:
    return {"bfgs_step": steps, "bfgs_flop": float(steps) * n * P, "bfgs_act": float(steps) * n * units,
            "bfgs_pp": float(steps) * P * P}


def _hessians(count: float, n: int, P: int) -> dict[str, float]:
    return {"hess_call": count * math.ceil(n / _CHUNK), "hess": count * n * float(P) ** 2, "eigh": count * float(P) ** 3}


def _lowcurv(steps: int, every: int, n: int, P: int, units: int) -> dict[str, float]:
    k = LINE_SEARCH_EVALS / 3  # a loss alone is about a third of a loss and its gradient
    searches = {"bfgs_step": steps * k, "bfgs_flop": float(steps) * n * P * k, "bfgs_act": float(steps) * n * units * k}
    return dict(_ops(_hessians(math.ceil(steps / max(every, 1)), n, P), searches))


def _lm(steps: int, n: int, P: int) -> dict[str, float]:
    return {"lm_step": steps, "lm": float(steps) * n * float(P) ** 2}


def _delaunay(d: int, n: int, n_test: int = 0) -> dict[str, float]:
    """Simplex interpolation: in 1D a sort and a binary search; else the Delaunay
    triangulation (simplices × vertices) and the point location of the train and test points."""
    from ..memory import _SIMPLICES_PER_POINT

    if d == 1:
        return {"interp1d": float(n + n_test)}
    per = _SIMPLICES_PER_POINT.get(d, 1100 * 6.0 ** (d - 6))
    return {"delaunay": float(n) * per * (d + 1), "delaunay_query": float(n + n_test) * (d + 1) ** 2}


def _data_mem(n_train: int, n_test: int, d: int) -> tuple[str, float]:
    return ("data", 2.0 * (n_train + n_test) * (d + 1) * _F64)


def _net_mem(batch: int, width: int, depth: int, P: int, dense_curvature: bool = False) -> list[tuple[str, float]]:
    # four batch × units arrays (pre-activations, activations and their gradients; measured: 3–4)
    out = [("activations", 4.0 * batch * width * max(depth - 1, 1) * _F64 + 6.0 * P * _F64)]
    if dense_curvature:
        out.append((f"dense BFGS inverse Hessian at P={P:,}", float(P) * P * _F64))
    return out


def _hess_mem(n: int, width: int, depth: int, P: int) -> list[tuple[str, float]]:
    rows = min(n, _CHUNK)
    return [(f"exact Hessian and its eigenvectors at P={P:,}", 3.0 * float(P) ** 2 * _F64),
            ("Hessian tangents (jacfwd over a chunk)", 4.0 * rows * P * width * max(depth - 1, 1) * _F64)]


def _lm_mem(n: int, P: int) -> list[tuple[str, float]]:
    return [(f"LM Jacobian {n:,}×{P:,} and its SVD", 3.0 * n * P * _F64 + 2.0 * float(P) ** 2 * _F64)]


def _simplex_mem(d: int, n: int, n_test: int) -> list[tuple[str, float]]:
    return [(what if what != "the Delaunay triangulation" else f"Delaunay triangulation of {n:,} points in {d}D", b)
            for _, b, what in fit_memory("simplex", d, n, n_test, {})]


def work_of(job: Job) -> Work:
    """The operation counts and large allocations of one chapter run."""
    from ..targets import get_target, target_by_name
    from .beyond import BeyondRun, DimsRun
    from .nets import NetRun, SimplexRun, net_params
    from .optimization import CurveRun, PipelineRun, RescaleRun, SpectrumRun, TauRun
    from .optimization_speed import BfgsTiming, HessianTiming, ProjectionTiming
    from .piecewise_linear import ToyRun

    name = type(job).__name__
    if isinstance(job, NetRun):
        d = get_target(job.target).d
        P = net_params(job.target, job.depth, job.width, job.architecture)
        n = job.n_train or max(1, P // (d + 1))
        label = (f"{job.activation} {job.architecture} net {job.target} depth {job.depth} P={P:,} {job.optimizer} "
                 f"seed {job.seed}")
        u = _units(job)
        if job.optimizer == "adam":
            batch = min(n, job.batch_cap)
            evals = 100 * (n + job.n_test) if n > job.batch_cap else n + job.n_test
            ops = _ops(_adam(job.steps, batch, P, u), {"adam_flop": evals * P / 3, "adam_act": evals * u / 3})
            mem = [_data_mem(n, job.n_test, d), *_net_mem(batch, u, 2, P)]
        else:
            ops = _ops(_bfgs(job.steps, n, P, u))
            mem = [_data_mem(n, job.n_test, d), *_net_mem(n, u, 2, P, dense_curvature=True)]
        return Work(label, f"{job.optimizer}", ops, tuple(mem), job)
    if isinstance(job, SimplexRun):
        d = get_target(job.target).d
        return Work(f"simplex {job.target} (d={d}) |D|={job.n_train:,} seed {job.seed}", "delaunay",
                    _ops(_delaunay(d, job.n_train, job.n_test)), tuple(_simplex_mem(d, job.n_train, job.n_test)), job)
    if isinstance(job, ToyRun):
        d = len(job.domain)
        P = _mlp_params(d, job.width, job.depth)
        return Work(f"toy net {job.expr} P={P}", "adam",
                    _ops(_adam(job.steps, job.n_train, P, _units(job)),
                         {"adam_flop": job.steps / 100 * job.n_test * P / 3}),
                    (_data_mem(job.n_train, job.n_test, d), *_net_mem(job.n_test, job.width, job.depth, P)), job)
    if isinstance(job, CurveRun):
        d = target_by_name(job.target).d
        P = _mlp_params(d, job.width, job.depth)
        record = job.steps / job.record_every * (job.n_train + job.n_test) * P / 3
        if job.optimizer == "adam":
            ops = _ops(_adam(job.steps, job.n_train, P, _units(job)), {"adam_flop": record})
            mem = [_data_mem(job.n_train, job.n_test, d), *_net_mem(job.n_train, job.width, job.depth, P)]
        else:
            ops = _ops(_bfgs(job.steps, job.n_train, P, _units(job)), {"bfgs_flop": record})
            mem = [_data_mem(job.n_train, job.n_test, d), *_net_mem(job.n_train, job.width, job.depth, P, True)]
        if job.spectrum:
            ops = _ops(dict(ops), _hessians(1, job.n_train, P))
            mem += _hess_mem(job.n_train, job.width, job.depth, P)
        return Work(f"{job.target} width {job.width} {job.optimizer}" + (f" lr {job.lr:g}" if job.optimizer == "adam"
                                                                          else ""), job.optimizer, ops, tuple(mem), job)
    if isinstance(job, PipelineRun):
        d = target_by_name(job.target).d
        P = _mlp_params(d, job.width, job.depth)
        u = _units(job)
        stage = _ops(_bfgs(job.bfgs_steps, job.n_train, P, u),
                     _lowcurv(job.lowcurv_steps, job.hessian_every, job.n_train, P, u) if job.lowcurv_steps else {})
        ops = tuple((k, v * job.stages) for k, v in stage)
        mem = [_data_mem(job.n_train, job.n_test, d), *_net_mem(job.n_train, job.width, job.depth, P, True)]
        if job.lowcurv_steps:
            mem += _hess_mem(job.n_train, job.width, job.depth, P)
        return Work(f"pipeline {job.target} n={job.n_train:,} P={P} ×{job.stages}", "pipeline", ops, tuple(mem), job)
    if isinstance(job, (RescaleRun, TauRun, SpectrumRun)):
        p = job.pipeline
        d = target_by_name(p.target).d
        P = _mlp_params(d, p.width, p.depth)
        mem = [_data_mem(p.n_train, p.n_test, d), *_hess_mem(p.n_train, p.width, p.depth, P)]
        if isinstance(job, RescaleRun):
            # from the converged stage-1 point BFGS and the low-curvature steps stop early: counted
            # as RESCALE_FRACTION of their budgets (measured at the book profile: 1.6 s of 76 s)
            ops = tuple((k, v * RESCALE_FRACTION) for k, v in _ops(
                _bfgs(p.bfgs_steps, p.n_train, P, _units(p)),
                _lowcurv(p.lowcurv_steps, p.hessian_every, p.n_train, P, _units(p)) if p.lowcurv_steps else {}))
            mem += _net_mem(p.n_train, p.width, p.depth, P, True)
            label = f"rescaled single net {p.target}"
        elif isinstance(job, TauRun):
            ops = _ops(_lowcurv(job.steps, job.hessian_every, p.n_train, P, _units(p)))
            label = f"low-curvature steps {p.target} tau={job.tau:g}"
        else:
            ops = _ops(_hessians(1, p.n_train, P))
            label = f"Hessian spectrum {p.target} P={P}"
        return Work(label, "lowcurv" if isinstance(job, TauRun) else name, ops, tuple(mem), job)
    if isinstance(job, BeyondRun):
        return _beyond_work(job)
    if isinstance(job, DimsRun):
        return _dims_work(job)
    if isinstance(job, HessianTiming):
        P = _mlp_params(1, job.width, 3)
        return Work(f"Hessian timing width {job.width} P={P}", "hessian", _ops(_hessians(1.2, job.n, P)),
                    tuple(_hess_mem(job.n, job.width, 3, P)), job)
    if isinstance(job, ProjectionTiming):
        return Work(f"projection timing P={job.P}", "eigh",
                    _ops({"eigh": 0.5 * float(job.P) ** 3}),  # a QR of a P×P matrix, about half an eigh
                    ((f"{job.P}×{job.P} basis", 3.0 * job.P ** 2 * _F64),), job)
    if isinstance(job, BfgsTiming):
        P = _mlp_params(1, job.width, 3)
        steps = 2 * job.max_steps  # ours and scipy's, both to the same target or max_steps
        return Work(f"BFGS timing (ours vs scipy) n={job.n:,}", "bfgs", _ops(_bfgs(steps, job.n, P, 2 * job.width)),
                    (_data_mem(job.n, 1000, 1), *_net_mem(job.n, job.width, 3, P, True)), job)
    return Work(f"{name} (no cost model: counted as 1 s)", name, (("adam_step", 1e4),), (), job)


def _beyond_work(run: Any) -> Work:
    from ..targets import target_by_name

    d = target_by_name(run.target).d
    P = _mlp_params(d, run.width, run.depth)
    n = run.n_train
    label = f"{run.method} on {run.target}"
    u = _units(run)
    mem = [_data_mem(n, run.n_test, d)]
    if run.method == "adam":
        ops = _ops(_adam(run.steps, n, P, u))
        mem += _net_mem(n, run.width, run.depth, P)
    elif run.method == "bfgs":
        ops = _ops(_bfgs(run.steps, n, P, u))
        mem += _net_mem(n, run.width, run.depth, P, True)
    elif run.method == "pipeline":
        stage = _ops(_bfgs(run.steps, n, P, u), _lowcurv(run.lowcurv_steps, 10, n, P, u) if run.lowcurv_steps else {})
        ops = tuple((k, v * run.stages) for k, v in stage)
        mem += _net_mem(n, run.width, run.depth, P, True) + _hess_mem(n, run.width, run.depth, P)
    elif run.method in ("lm", "lm-boost", "multistage"):
        stages = 1 if run.method == "lm" else run.stages
        per = []
        for k in range(stages):
            nk = n * (run.data_growth ** k if run.method == "multistage" else 1)
            per.append(_ops(_adam(run.adam_steps, nk, P, u), _lm(run.steps, nk, P)))
        ops = _ops(*(dict(p) for p in per))
        n_last = n * (run.data_growth ** (stages - 1) if run.method == "multistage" else 1)
        mem += _lm_mem(n_last, P)
    else:  # Chebyshev: a small least-squares or interpolation problem
        coef = float(run.steps + 1) ** d
        ops = _ops({"lm": n * coef * coef / max(P, 1) ** 2, "lm_step": 1})
        mem += [(f"Chebyshev basis {n:,}×{coef:,.0f}", 2.0 * n * coef * _F64)]
    return Work(label, run.method, ops, tuple(mem), run)


def _dims_work(run: Any) -> Work:
    """The adaptive multi-stage fit of "Beyond one dimension": budgets left to the schedule are
    counted at :data:`precision.multistage.AUTO`'s typical use (3 stages, Adam in stage 1, 1000 LM
    steps each, later stages on 4 points per parameter)."""
    from ..multistage import AUTO
    from ..targets import target_by_name

    d = target_by_name(run.target).d
    stages = run.stages or 3
    per = []
    for k in range(stages):
        width = run.width if k == 0 else run.later_width
        P = _mlp_params(d, width, 3)
        n = run.n_train if k == 0 else max(run.n_train, AUTO["points_per_param"] * P)
        adam = run.adam_steps or (AUTO["adam_first"] if k == 0 else 0)
        per.append(_ops(_adam(adam, n, P, 2 * width), _lm(run.steps or 1000, n, P)))
    P = _mlp_params(d, run.later_width, 3)
    n = max(run.n_train, AUTO["points_per_param"] * P)
    return Work(f"adaptive multi-stage on {run.target}", "multistage", _ops(*(dict(p) for p in per)),
                (_data_mem(n, run.n_test, d), *_lm_mem(n, P)), run)


# --------------------------------------------------------------------------- inline work
def _inline(label: str, kind: str, ops: dict[str, float], memory: Sequence[tuple[str, float]] = ()) -> Work:
    return Work(label, kind, _ops(ops), tuple(memory), None, True)


def _floors_work(label: str, n_targets: int, points: int, formats: int) -> Work:
    return _inline(label, "mpmath", {"mp_point": float(n_targets) * points * formats})


def _decomposition_work(cfg: Any) -> Work:
    from ..targets import get_target

    d = get_target(cfg.example_target).d
    P = _mlp_params(d, cfg.example_width, 2)
    u = cfg.example_width
    ops = _ops(_bfgs(cfg.bfgs_steps * cfg.restarts, cfg.example_n_large, P, u),
               _adam(cfg.adam_steps, cfg.example_n_large, P, u), _bfgs(cfg.bfgs_steps, cfg.example_n_small, P, u),
               {"mp_point": min(cfg.n_test, 2000) + 500})
    return Work(f"loss decomposition (BFGS ×{cfg.restarts}, Adam, mpmath) on {cfg.example_target}", "inline", ops,
                (_data_mem(cfg.example_n_large, cfg.n_test, d),
                 *_net_mem(cfg.example_n_large, cfg.example_width, 2, P, True)), None, True)


def _spline_work(cfg: Any) -> list[Work]:
    from .nonlinear import FIGURE4

    grids = {1: cfg.sizes_1d, 2: cfg.sizes_2d, 3: cfg.sizes_3d}
    out = []
    for curve in FIGURE4:
        lowest = 2 if curve.order == "simplex" else int(curve.order) + 1
        sizes = sorted({int(n) for n in grids[curve.dim] if n >= lowest} | set(curve.fit_sizes))
        # simplex on a grid: the Kuhn triangulation, located arithmetically (no Delaunay): d + 1 values a point
        k = curve.dim + 1 if curve.order == "simplex" else (int(curve.order) + 1) ** curve.dim
        ops = _ops({"spline": sum(float(n) ** curve.dim * k + cfg.spline_n_test * k for n in sizes)})
        biggest = max(sizes) ** curve.dim
        mem = [(f"grid of {biggest:,} points", 8.0 * biggest * _F64 + 4.0 * cfg.spline_n_test * k * _F64)]
        out.append(Work(f"Figure 4 {curve.dim}D {curve.label} ({len(sizes)} grids, up to {biggest:,} points)",
                        "spline", ops, tuple(mem), None, True))
    return out


# --------------------------------------------------------------------------- chapters
@dataclass(frozen=True)
class Batch:
    """One ``run_jobs`` call of a notebook (its runs in parallel on the workers), or inline
    work (``serial``: in the notebook's own process, one after another)."""

    label: str
    items: tuple[Any, ...]  # Jobs, or Work for inline items
    serial: bool = False


def chapter_batches(chapter: str, profile: str, **overrides: Any) -> list[Batch]:
    """What ``chapter``'s notebook computes at ``profile``, in its order, from the resolved config
    (``overrides``: the notebook's parameters, as :func:`~precision.chapters.profiles.resolve` takes them)."""
    from .nets import SimplexRun
    from .nonlinear import relu_configs, tanh_configs
    from .optimization import RescaleRun, SpectrumRun, TauRun, adam_twin, figure_jobs, pipeline_for
    from .optimization_speed import BfgsTiming, HessianTiming, ProjectionTiming
    from .piecewise_linear import figure1_configs, figure2_configs, figure3_configs
    from .beyond import beyond_configs, dims_configs
    from .profiles import check_profile, resolve

    check_profile(profile)
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {', '.join(CHAPTERS)}; got {chapter!r}")
    cfg = resolve(chapter, profile, **overrides)
    if chapter == "introduction":
        from ..floors import FORMATS

        scaling = [SimplexRun(name, n, cfg.seed + s, n_test=cfg.n_test) for name in cfg.scaling_targets
                   for n in cfg.scaling_sizes for s in range(cfg.seeds)]
        return [Batch("precision floors", (_floors_work(f"mpmath floors of {len(cfg.floor_targets)} targets × "
                                                        f"{cfg.floor_points:,} points", len(cfg.floor_targets),
                                                        cfg.floor_points, len(FORMATS)),), True),
                Batch("worked example", (_decomposition_work(cfg),), True),
                Batch("simplex scaling (§1.3)", tuple(dataclasses.replace(work_of(j), inline=True) for j in scaling),
                      True)]
    if chapter == "piecewise":
        simplex, dense = figure2_configs(cfg)
        fig3 = figure3_configs(cfg)
        out = [Batch("Figure 1", tuple(figure1_configs(cfg.fig1_steps).values())),
               Batch("Figure 2: simplex", tuple(simplex)), Batch("Figure 2: ReLU nets", tuple(dense)),
               Batch("Figure 3: modular vs dense", tuple(fig3))]
        extra = [SimplexRun(eq, n, s, n_test=cfg.n_test) for eq in cfg.modular_targets if eq not in cfg.equations
                 for n in cfg.simplex_sizes[:3] for s in range(cfg.simplex_seeds)]
        return out + ([Batch("Figure 3: simplex reference", tuple(extra))] if extra else [])
    if chapter == "nonlinear":
        simplex, relu = relu_configs(cfg.equations, profile)
        tanh = tanh_configs(cfg.equations, cfg.depths, cfg.net_sizes, cfg.seeds, cfg.steps, cfg.n_test)
        fig6 = tanh_configs(("I.11.19",), cfg.depths, cfg.net_sizes, cfg.seeds, cfg.steps, cfg.n_test)
        fig6_simplex = [SimplexRun("I.11.19", n, s, n_test=cfg.n_test) for n in cfg.simplex_sizes
                        for s in range(cfg.simplex_seeds)]
        trap = _inline("scipy solver trap (2D cubic/quintic, 16–64 per side)", "spline",
                       {"spline": 3 * sum(float(n) ** 2 * 36 + 5000 * 36 for n in (16, 32, 64))})
        return [Batch("solver trap", (trap,), True), Batch("Figure 4 splines", tuple(_spline_work(cfg)), True),
                Batch("Figure 5: simplex (Chapter 2)", tuple(simplex)), Batch("Figure 5: ReLU (Chapter 2)", tuple(relu)),
                Batch("Figure 5: tanh nets", tuple(tanh)), Batch("Figure 6a: tanh nets", tuple(fig6)),
                Batch("Figure 6a: simplex", tuple(fig6_simplex))]
    if chapter == "optimization":
        jobs = [j for figure in (8, 9) for per in figure_jobs(cfg, figure).values()
                for j in (*per["adam"], per["bfgs"], per["pipeline"])]
        return [Batch("Chapter 4 runs", tuple(jobs)),
                Batch("Hessian timings", tuple(HessianTiming(w, cfg.hessian_n) for w in cfg.hessian_widths), True),
                Batch("speed benchmarks", (BfgsTiming(20, cfg.fig8_n_train, cfg.speed_rmse, cfg.speed_max_steps),
                                           ProjectionTiming(1761, 1500)), True)]
    if chapter == "beyond":
        from ..targets import target_by_name

        floors = _floors_work(f"float64 label floors of {len(cfg.targets)} targets (mpmath, 2000 points)",
                              len(cfg.targets), 2000, 1)
        cheb = []
        for name in cfg.targets:
            two_d = target_by_name(name).d > 1
            top = cfg.cheb_degree_2d + 8 if two_d else cfg.cheb_degree + 10
            n = cfg.n_train_2d if two_d else cfg.n_train
            cheb.append(sum(n * float(k + 1) ** (2 if two_d else 1) * (k + 1) ** (2 if two_d else 1)
                            for k in range(1, top + 1)))
        return [Batch("label floors", (floors,), True),
                Batch("Chapter 6: every method on every target", tuple(beyond_configs(cfg))),
                Batch("Chapter 6: beyond one dimension",
                      tuple(job for runs in dims_configs(cfg).values() for job in runs.values())),
                Batch("Chebyshev curves", (_inline("Chebyshev curves (least squares per degree)", "chebyshev",
                                                   {"lm": sum(cheb) / 400.0}),), True)]
    chapter4 = resolve("optimization", profile)
    if chapter == "appendix-a":
        pipes = [pipeline_for(chapter4, t) for t in cfg.targets]
        return [Batch("Pipelines (Chapter 4)", tuple(pipes)),
                Batch("Rescaled single net", tuple(RescaleRun(p) for p in pipes))]
    if chapter == "appendix-b":
        pipe = pipeline_for(chapter4, cfg.target)
        return [Batch("Pipeline (Chapter 4)", (pipe,)),
                Batch("low-curvature steps per tau", tuple(TauRun(pipe, tau, cfg.steps, cfg.hessian_every)
                                                           for tau in cfg.taus))]
    if chapter == "appendix-c":
        return [Batch(f"Figure A3: {optimizer}", tuple(tanh_configs(
                    cfg.equations, cfg.depths, cfg.net_sizes, cfg.seeds, steps, cfg.n_test, optimizer=optimizer)))
                for optimizer, steps in (("adam", cfg.adam_steps), ("bfgs", cfg.bfgs_steps))]
    pipes = [pipeline_for(chapter4, t) for t in cfg.targets]
    return [Batch("Pipelines (Chapter 4)", tuple(pipes)),
            Batch("Hessian spectra", tuple(SpectrumRun(p) for p in pipes)),
            Batch("The same nets trained by Adam", tuple(adam_twin(chapter4, p) for p in pipes))]


# --------------------------------------------------------------------------- estimates
def estimate_seconds(work: Work, coefficients: dict[str, float]) -> float:
    """Seconds of ``work`` on one core of this machine."""
    return float(sum(coefficients.get(k, 0.0) * v for k, v in work.ops))


def gpu_seconds(work: Work, coefficients: dict[str, float], assumption: dict[str, float] = GPU_ASSUMPTION) -> float:
    """Seconds of ``work`` on one GPU under :data:`GPU_ASSUMPTION` (not calibrated)."""
    total = 0.0
    for k, v in work.ops:
        t = coefficients.get(k, 0.0) * v
        total += t if k in _CPU_ONLY else (t * assumption["overhead_factor"] if k in _OVERHEAD
                                           else t / assumption["flop_speedup"])
    return total


def peak_bytes(work: Work) -> float:
    """Estimated peak resident memory of the process that runs ``work``."""
    return BASE_BYTES + sum(b for _, b in work.memory)


def refuse_if_too_big(job: Job | Work, limit: float | None = None, where: str = "") -> None:
    """Raise ``MemoryError`` before ``job`` starts if its estimated peak memory exceeds
    ``limit`` bytes (default: this machine's RAM), with one sentence saying what needs it."""
    work = job if isinstance(job, Work) else work_of(job)
    limit = total_memory() if limit is None else limit
    peak = peak_bytes(work)
    if peak > limit:
        what, size = max(work.memory, key=lambda m: m[1]) if work.memory else ("the run", peak)
        raise MemoryError(f"{where + ': ' if where else ''}{work.label}: {what} needs {format_bytes(size)} "
                          f"(about {format_bytes(peak)} in all); this machine has {format_bytes(limit)}. "
                          f"Lower the sizes, or run it on a machine with more memory.")


def lpt_makespan(seconds: Sequence[float], workers: int) -> float:
    """Wall time of runs started longest first on ``workers`` processes (the sweep's order)."""
    loads = [0.0] * max(1, workers)
    for s in sorted(seconds, reverse=True):
        heapq.heapreplace(loads, loads[0] + s)
    return max(loads)


# --------------------------------------------------------------------------- calibration
def _calibration_path() -> Path:
    return cache_dir() / "plan" / f"calibration-{code_hash()}.json"


def _timed(fn: Callable[[], Any]) -> float:
    """CPU seconds of ``fn()`` (one thread): robust to other processes sharing the cores."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def _calibration_runs() -> list[tuple[str, dict[str, float], Callable[[], float]]]:
    """Small runs (about 0.05–0.5 s each): (group, operation counts, run → CPU seconds)."""
    import numpy as np
    import torch

    from ..fitting import fit_simplex
    from ..floors import precision_floors
    from ..landscape import hessian
    from ..lm import train_lm
    from ..models import mlp, n_params
    from ..optimizers import train_adam, train_bfgs
    from ..splines import grid_scaling
    from ..targets import get_target, sample
    from .nonlinear import figure4_target

    def data(n: int, d: int = 1):
        g = np.random.default_rng(0)
        x = g.uniform(-1, 1, (n, d))
        return x, np.sin(3 * x).sum(axis=1)

    runs = []
    # (width, depth, n, steps): overhead-bound, matmul-bound, activation-bound (wide and shallow)
    for width, depth, n, steps in ((8, 3, 64, 400), (64, 3, 3000, 30), (200, 3, 2000, 6), (1500, 2, 1500, 15)):
        P = n_params(mlp(1, width, depth, "tanh"))
        x, y = data(n)
        runs.append(("adam", _adam(steps, n, P, width * (depth - 1)),
                     lambda w=width, dp=depth, x=x, y=y, s=steps: _timed(
                         lambda: train_adam(mlp(1, w, dp, "tanh", seed=0), x, y, s))))
    for width, depth, n, steps in ((8, 3, 64, 300), (10, 3, 8000, 150), (25, 4, 16, 150), (1000, 2, 1000, 40)):
        P = n_params(mlp(1, width, depth, "tanh"))
        x, y = data(n)

        def bfgs(w=width, x=x, y=y, s=steps, depth=depth) -> float:
            start = time.process_time()
            res = train_bfgs(mlp(1, w, depth, "tanh", seed=0), x, y, s, record_every=s)
            return (time.process_time() - start) * s / max(res.steps, 1)

        runs.append(("bfgs", _bfgs(steps, n, P, width * (depth - 1)), bfgs))
    hessian(mlp(1, 2, 3, "tanh"), *data(4))  # warm-up: torch.func's first call is slow
    for width, n in ((10, 256), (20, 512), (30, 256), (10, 2048)):
        P = n_params(mlp(1, width, 3, "tanh"))
        x, y = data(n)
        model = mlp(1, width, 3, "tanh", seed=0)

        def hess(model=model, x=x, y=y) -> float:
            return _timed(lambda: torch.linalg.eigh(hessian(model, x, y)))

        runs.append(("hessian", _hessians(1, n, P), hess))
    for p in (400, 900):
        a = torch.randn(p, p, dtype=torch.float64)
        a = a + a.T
        runs.append(("hessian", {"eigh": float(p) ** 3}, lambda a=a: _timed(lambda: torch.linalg.eigh(a))))
    for width, n, steps in ((5, 200, 30), (20, 1500, 8)):
        P = n_params(mlp(1, width, 3, "tanh"))
        x, y = data(n)

        def lm(w=width, x=x, y=y, s=steps) -> float:
            return _timed(lambda: train_lm(mlp(1, w, 3, "tanh", seed=0), x, y, s, record_every=s, patience=10 * s))

        runs.append(("lm", _lm(steps, n, P), lm))
    fit_simplex(sample(get_target("Z.008"), 50, 50, seed=0))  # warm-up: scipy.spatial
    for eq, n, n_test in (("Z.001", 50_000, 30_000), ("Z.008", 8000, 1000), ("Z.008", 1000, 20_000),
                          ("I.30.5", 4000, 1000), ("I.8.14", 1024, 1000)):
        t = get_target(eq)
        ds = sample(t, n, n_test, seed=0)
        group = "interp1d" if t.d == 1 else "delaunay"
        runs.append((group, _delaunay(t.d, n, n_test), lambda ds=ds: _timed(lambda: fit_simplex(ds))))
    z = get_target("Z.002")
    runs.append(("mpmath", {"mp_point": 40.0}, lambda: _timed(lambda: precision_floors(z, 40, 0, 40, ("float64",)))))
    for dim, sizes, order in ((1, (256, 1024), 3), (2, (24, 48), 3)):
        k = (order + 1) ** dim
        target = figure4_target(dim)
        ops = {"spline": sum(float(n) ** dim * k + 2000 * k for n in sizes)}
        runs.append(("spline", ops, lambda t=target, s=sizes, o=order: _timed(
            lambda: grid_scaling(t, list(s), o, n_test=2000))))
    return runs


def _nnls(rows: list[tuple[dict[str, float], float]]) -> dict[str, float]:
    import numpy as np
    from scipy.optimize import nnls

    names = sorted({k for ops, _ in rows for k in ops})
    # relative least squares: each run weighs the same whatever its length
    A = np.array([[ops.get(k, 0.0) / t for k in names] for ops, t in rows])
    scale = A.max(axis=0)
    scale[scale == 0] = 1.0
    coef, _ = nnls(A / scale, np.ones(len(rows)))
    return {k: float(c / s) for k, c, s in zip(names, coef, scale)}


def _memory_runs() -> list[tuple[str, str, float, Callable[[], Any]]]:
    """Small runs whose peak memory checks the model: (key, what, model bytes, run)."""
    import numpy as np

    from ..fitting import fit_simplex
    from ..landscape import hessian
    from ..models import mlp, n_params
    from ..optimizers import train_adam, train_bfgs
    from ..targets import get_target, sample

    x = np.random.default_rng(0).uniform(-1, 1, (2000, 1))
    y = np.sin(3 * x[:, 0])
    P_b, P_h = n_params(mlp(1, 70, 3, "tanh")), n_params(mlp(1, 40, 3, "tanh"))
    ds = sample(get_target("I.30.5"), 20_000, 2000, seed=0)
    # smallest first: memory freed by one run stays in the process and would hide a smaller one
    return [("delaunay", "Delaunay of 20,000 points in 3D", sum(b for _, b in _simplex_mem(3, 20_000, 2000)),
             lambda: fit_simplex(ds)),
            ("bfgs", f"BFGS, P={P_b:,}, n=2000 (dense inverse Hessian)",
             sum(b for _, b in [_data_mem(2000, 0, 1), *_net_mem(2000, 70, 3, P_b, True)]),
             lambda: train_bfgs(mlp(1, 70, 3, "tanh"), x, y, 3)),
            ("adam", "Adam, 1 hidden layer of 10,000 units, batch 1000 (activations)",
             sum(b for _, b in [_data_mem(1000, 0, 1), *_net_mem(1000, 10_000, 2, n_params(mlp(1, 10_000, 2, "relu")))]),
             lambda: train_adam(mlp(1, 10_000, 2, "relu"), x[:1000], y[:1000], 3)),
            ("hessian", f"exact Hessian + chunk tangents, P={P_h:,}, n=512",
             sum(b for _, b in _hess_mem(512, 40, 3, P_h)), lambda: hessian(mlp(1, 40, 3, "tanh"), x[:512], y[:512]))]


def _measure_main() -> None:
    """In a fresh one-thread process (what a sweep worker is): time the calibration runs and
    measure the memory runs' peak resident memory (``VmHWM``, reset before each); print JSON."""
    from ..flat import torch_threads
    from .optimization_speed import peak_memory, peak_memory_reset

    out: dict[str, Any] = {"base_bytes": peak_memory(), "timings": [], "memory": []}
    start = time.process_time()
    with torch_threads(1):
        for key, what, model, run in _memory_runs():  # first: memory the timings free stays in the process
            resettable = peak_memory_reset()
            before = peak_memory()
            run()
            after = peak_memory()
            out["memory"].append({"key": key, "what": what, "model_bytes": float(model),
                                  "measured_bytes": float(after - before) if resettable and after and before else None})
        runs = _calibration_runs()
        runs[0][2]()  # warm-up (first torch calls)
        for group, ops, run in runs:
            out["timings"].append({"group": group, "ops": ops, "seconds": max(run(), 1e-6)})
    out["cpu_seconds"] = time.process_time() - start
    print(json.dumps(out))


def calibrate(recalibrate: bool = False) -> dict[str, Any]:
    """The cost coefficients of this machine: from the cache (keyed by the code hash), or
    measured now (:func:`_measure_main` in a subprocess with one BLAS and one torch thread,
    like a sweep's worker: about 10 s of CPU) and stored. Timings are CPU seconds, so other
    processes sharing the cores inflate them little."""
    path = _calibration_path()
    if path.exists() and not recalibrate:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                                     os.environ.get("PYTHONPATH")])))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from precision.chapters.plan import _measure_main; _measure_main()"],
                          capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"calibration failed: {done.stderr.strip()[-800:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    groups: dict[str, list[tuple[dict[str, float], float]]] = {}
    for t in measured["timings"]:
        groups.setdefault(t["group"], []).append((t["ops"], t["seconds"]))
    coefficients: dict[str, float] = {}
    for group, rows in groups.items():
        for k, v in _nnls(rows).items():
            coefficients.setdefault(k, v)
    fit = [{"group": t["group"], "measured_s": t["seconds"],
            "model_s": sum(coefficients[k] * v for k, v in t["ops"].items())} for t in measured["timings"]]
    memory = [{"what": "worker baseline (Python, NumPy, SciPy, torch)", "model_bytes": float(BASE_BYTES),
               "measured_bytes": measured["base_bytes"]}] + [
        {k: m[k] for k in ("what", "model_bytes", "measured_bytes")} for m in measured["memory"]]
    out = {"code_hash": code_hash(), "coefficients": coefficients, "fit": fit, "memory_check": memory,
           "cpu_seconds": measured["cpu_seconds"], "wall_seconds": time.perf_counter() - start,
           "cpu_count": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    atomic_write_bytes(path, json.dumps(out, indent=1).encode())
    return out


def check_memory_model(recalibrate: bool = False) -> list[dict[str, Any]]:
    """Peak resident memory of a few small runs, measured in the calibration's subprocess
    (``VmHWM``), against this module's model: ``[{what, model_bytes, measured_bytes}]``."""
    return calibrate(recalibrate)["memory_check"]


# --------------------------------------------------------------------------- the plan
@dataclass
class ChapterPlan:
    """One chapter's row: its new runs (``works``), the runs it shares with earlier chapters
    (cache hits in a build), core-seconds, wall seconds on ``workers`` processes, and peaks."""

    chapter: str
    works: list[Work]
    shared: int
    seconds: list[float]
    wall_s: float
    peak: float
    peak_label: str
    too_big: list[tuple[Work, float]]
    inline_s: float
    alone_wall_s: float = 0.0  # the chapter run by itself: its shared runs computed too

    @property
    def runs(self) -> int:
        return sum(1 for w in self.works if not w.inline)

    @property
    def core_seconds(self) -> float:
        return float(sum(self.seconds))


@dataclass
class Plan:
    profile: str
    device: str
    workers: int
    memory_limit: float
    coefficients: dict[str, float]
    chapters: list[ChapterPlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def core_seconds(self) -> float:
        return sum(c.core_seconds for c in self.chapters)

    @property
    def wall_s(self) -> float:
        return sum(c.wall_s for c in self.chapters)


def _chapter_cost(batches: list[Batch], seen: set, cost: Callable[[Work], float], workers: int,
                  device: str) -> tuple[list[Work], list[float], int, float, float]:
    """The new runs of ``batches`` (those not in ``seen``, which it extends), their seconds,
    how many were shared, the wall time and the inline seconds."""
    works, seconds, shared, wall, inline_s = [], [], 0, NOTEBOOK_SECONDS, 0.0
    for batch in batches:
        batch_s = []
        for item in batch.items:
            if isinstance(item, Work):
                work = item
            else:
                if item in seen:
                    shared += 1
                    continue
                seen.add(item)
                work = work_of(item)
            s = cost(work)
            works.append(work)
            seconds.append(s)
            batch_s.append(s)
        if batch.serial:
            wall += sum(batch_s)
            inline_s += sum(batch_s) if all(isinstance(i, Work) for i in batch.items) else 0.0
        else:
            wall += lpt_makespan(batch_s, workers) if device == "cpu" else sum(batch_s)
    return works, seconds, shared, wall, inline_s


def make_plan(profile: str, device: str = "cpu", workers: int | None = None, memory_limit: float | None = None,
              coefficients: dict[str, float] | None = None, chapters: Iterable[str] = CHAPTERS) -> Plan:
    """The plan of a build at ``profile``: every chapter's new runs in build order (a run an
    earlier chapter computed is a cache hit), their cost on ``device`` and their memory."""
    from .profiles import check_profile

    check_profile(profile)
    check_device(device)
    chapters = list(chapters)
    for c in chapters:
        if c not in CHAPTERS:
            raise ValueError(f"chapter must be one of {', '.join(CHAPTERS)}; got {c!r}")
    workers = workers or os.cpu_count() or 1
    limit = float(memory_limit) if memory_limit is not None else float(total_memory())
    coef = coefficients if coefficients is not None else calibrate()["coefficients"]
    cost = (lambda w: gpu_seconds(w, coef)) if device == "cuda" else (lambda w: estimate_seconds(w, coef))
    plan = Plan(profile, device, workers, limit, coef)
    seen: set = set()
    for chapter in CHAPTERS:
        batches = chapter_batches(chapter, profile)
        works, seconds, shared, wall, inline_s = _chapter_cost(batches, seen, cost, workers, device)
        if chapter not in chapters:
            continue
        alone_wall = _chapter_cost(batches, set(), cost, workers, device)[3]
        peaks = [peak_bytes(w) for w in works] or [BASE_BYTES]
        i = max(range(len(peaks)), key=peaks.__getitem__)
        too_big = [(w, p) for w, p in zip(works, peaks) if p > limit]
        plan.chapters.append(ChapterPlan(chapter, works, shared, seconds, wall, peaks[i],
                                         works[i].label if works else "", too_big, inline_s, alone_wall))
    if device == "cuda":
        plan.notes.append(_GPU_NOTE.format(**GPU_ASSUMPTION) + "; runs of a batch counted one after another on one GPU")
    return plan


def device_memory(device: str = "cpu") -> int:
    """Bytes a run may use on ``device``: this machine's RAM for ``cpu``, the GPU's memory
    for ``cuda``/``cuda:N``."""
    if device == "cpu":
        return total_memory()
    import torch

    from ..device import resolve_device

    return int(torch.cuda.get_device_properties(resolve_device(device)).total_memory)


def refuse_what_cannot_fit(jobs: Sequence[Job], desc: str | None = None, scheduler: str | None = None,
                           device: str = "cpu") -> None:
    """:func:`refuse_if_too_big` for each of ``jobs`` still to be computed on this machine
    (a Dask cluster's workers have their own memory), against the memory of ``device``: the
    check :func:`~precision.chapters.runs.run_jobs` makes before any run starts."""
    if scheduler is not None:
        return
    from ..sweep import sweep_status
    from .runs import on, run_job

    limit = device_memory(device)
    for job, cached in zip(jobs, sweep_status(run_job, on(device, jobs))):
        if not cached:
            refuse_if_too_big(job, limit=limit, where=desc or "")


PREFLIGHT.append(refuse_what_cannot_fit)
