"""A cost plan before any compute: what every chapter will run at a profile, how long it
should take and how much memory its largest run needs.

Every chapter's runs are what its notebook runs: the ``batches(cfg)`` of its
:class:`~precision.chapters.registry.Chapter` record, one :class:`~precision.chapters.costs.Batch`
per ``run_jobs`` call, in the order the build executes the notebooks. Each run reports its
own operation counts (``job.work()``). A run that an earlier chapter already computed is
answered from the cache, so it is counted once, where it first runs. Work a notebook does
inline, without a :class:`~precision.chapters.runs.Job` (precision floors, the loss
decomposition, the splines of Figure 4, Chebyshev curves), is estimated with the same
operation counts and is marked ``inline`` in the plan.

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
from __future__ import annotations

import heapq
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..cache import atomic_write_bytes, cache_dir, code_hash
from . import costs
from .costs import (BASE_BYTES, LINE_SEARCH_EVALS, Batch, Work, device_memory, peak_bytes, refuse_if_too_big,
                    total_memory)
from .registry import check_profile, compute_chapters, get
from .runs import refuse_what_cannot_fit

__all__ = ["chapter_names", "DEVICES", "COEFFICIENTS", "LINE_SEARCH_EVALS", "BASE_BYTES", "NOTEBOOK_SECONDS",
           "GPU_ASSUMPTION", "Work", "Batch", "chapter_batches", "estimate_seconds", "gpu_seconds",
           "total_memory", "peak_bytes", "refuse_if_too_big", "refuse_what_cannot_fit", "device_memory", "calibrate",
           "check_memory_model", "ChapterPlan", "Plan", "make_plan", "check_device", "lpt_makespan"]


def chapter_names() -> tuple[str, ...]:
    """The chapters with compute, in the order the build executes their notebooks (the
    Conclusions only read what these recorded).

    Returns
    -------
    tuple of str
        The chapters' notebook names.
    """
    return tuple(c.name for c in compute_chapters())


DEVICES = ("cpu", "cuda")

#: Coefficient names (seconds per unit of their operation count). ``*_step`` / ``*_call``
#: are fixed overheads per step (Python, kernel launches); the others scale with arithmetic.
COEFFICIENTS = ("adam_step", "adam_flop", "adam_act", "bfgs_step", "bfgs_flop", "bfgs_act", "bfgs_pp", "hess_call", "hess", "eigh",
                "lm_step", "lm", "interp1d", "delaunay", "delaunay_query", "mp_point", "spline")
_OVERHEAD = ("adam_step", "bfgs_step", "hess_call", "lm_step")
_CPU_ONLY = ("interp1d", "delaunay", "delaunay_query", "mp_point", "spline")  # scipy / mpmath: no GPU path

#: Seconds of a notebook outside its runs (kernel start, imports, figures, small cells): an
#: assumption, from the build's reused-cache notebooks (2–9 s).
NOTEBOOK_SECONDS = 6.0
#: ``--device cuda`` is not calibrated (the package trains on CPU today). The assumption:
GPU_ASSUMPTION = dict(overhead_factor=3.0, flop_speedup=50.0)
_GPU_NOTE = ("GPU-hours are NOT calibrated: assumed per-step overheads x{overhead_factor:g} one core's (kernel "
             "launches) and float64 arithmetic {flop_speedup:g}x one core; Delaunay, mpmath and splines stay on "
             "the CPU (counted as they are)")

def check_device(device: Any) -> str:
    """``device`` if it is one of :data:`DEVICES`, else ``ValueError`` naming the parameter.

    Parameters
    ----------
    device : Any
        The value to check.

    Returns
    -------
    str
        ``device``, unchanged.

    Raises
    ------
    ValueError
        If ``device`` is not ``"cpu"`` or ``"cuda"``.
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(repr(d) for d in DEVICES)}; got {device!r}")
    return device


def chapter_batches(chapter: str, profile: str, **overrides: Any) -> list[Batch]:
    """What ``chapter``'s notebook computes at ``profile``, in its order: its record's
    ``batches`` of the resolved config (``overrides``: the notebook's parameters).

    Parameters
    ----------
    chapter : str
        The chapter's notebook name.
    profile : str
        ``"smoke"``, ``"book"`` or ``"paper"``.
    **overrides
        Values for the chapter's knobs.

    Returns
    -------
    list of Batch
        The notebook's batches, in order.

    Raises
    ------
    ValueError
        If the chapter has no compute, or the profile or a value is not allowed.
    """
    record = get(chapter)
    if record.batches is None:
        raise ValueError(f"chapter must be one of {', '.join(chapter_names())} (the chapters with compute); "
                         f"got {chapter!r}")
    return record.batches(record.resolve(check_profile(profile), **overrides))


# --------------------------------------------------------------------------- estimates
def estimate_seconds(work: Work, coefficients: dict[str, float]) -> float:
    """Seconds of ``work`` on one core of this machine.

    Parameters
    ----------
    work : Work
        The run's operation counts.
    coefficients : dict of str to float
        Seconds per unit of each count (:func:`calibrate`); missing ones count 0.

    Returns
    -------
    float
        The estimated seconds.
    """
    return float(sum(coefficients.get(k, 0.0) * v for k, v in work.ops))


def gpu_seconds(work: Work, coefficients: dict[str, float], assumption: dict[str, float] = GPU_ASSUMPTION) -> float:
    """Seconds of ``work`` on one GPU under :data:`GPU_ASSUMPTION` (not calibrated).

    Parameters
    ----------
    work : Work
        The run's operation counts.
    coefficients : dict of str to float
        Seconds per unit of each count on one core (:func:`calibrate`).
    assumption : dict of str to float, optional
        ``overhead_factor`` (per-step overheads relative to one core) and ``flop_speedup``
        (arithmetic relative to one core).

    Returns
    -------
    float
        The estimated seconds; SciPy and mpmath work counted at CPU speed.
    """
    total = 0.0
    for k, v in work.ops:
        t = coefficients.get(k, 0.0) * v
        total += t if k in _CPU_ONLY else (t * assumption["overhead_factor"] if k in _OVERHEAD
                                           else t / assumption["flop_speedup"])
    return total


def lpt_makespan(seconds: Sequence[float], workers: int) -> float:
    """Wall time of runs started longest first on ``workers`` processes (the sweep's order).

    Parameters
    ----------
    seconds : sequence of float
        Each run's seconds.
    workers : int
        Processes (at least one is used).

    Returns
    -------
    float
        The seconds until the last run ends.
    """
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
        runs.append(("adam", costs.adam(steps, n, P, width * (depth - 1)),
                     lambda w=width, dp=depth, x=x, y=y, s=steps: _timed(
                         lambda: train_adam(mlp(1, w, dp, "tanh", seed=0), x, y, s))))
    for width, depth, n, steps in ((8, 3, 64, 300), (10, 3, 8000, 150), (25, 4, 16, 150), (1000, 2, 1000, 40)):
        P = n_params(mlp(1, width, depth, "tanh"))
        x, y = data(n)

        def bfgs(w=width, x=x, y=y, s=steps, depth=depth) -> float:
            start = time.process_time()
            res = train_bfgs(mlp(1, w, depth, "tanh", seed=0), x, y, s, record_every=s)
            return (time.process_time() - start) * s / max(res.steps, 1)

        runs.append(("bfgs", costs.bfgs(steps, n, P, width * (depth - 1)), bfgs))
    hessian(mlp(1, 2, 3, "tanh"), *data(4))  # warm-up: torch.func's first call is slow
    for width, n in ((10, 256), (20, 512), (30, 256), (10, 2048)):
        P = n_params(mlp(1, width, 3, "tanh"))
        x, y = data(n)
        model = mlp(1, width, 3, "tanh", seed=0)

        def hess(model=model, x=x, y=y) -> float:
            return _timed(lambda: torch.linalg.eigh(hessian(model, x, y)))

        runs.append(("hessian", costs.hessians(1, n, P), hess))
    for p in (400, 900):
        a = torch.randn(p, p, dtype=torch.float64)
        a = a + a.T
        runs.append(("hessian", {"eigh": float(p) ** 3}, lambda a=a: _timed(lambda: torch.linalg.eigh(a))))
    for width, n, steps in ((5, 200, 30), (20, 1500, 8)):
        P = n_params(mlp(1, width, 3, "tanh"))
        x, y = data(n)

        def lm(w=width, x=x, y=y, s=steps) -> float:
            return _timed(lambda: train_lm(mlp(1, w, 3, "tanh", seed=0), x, y, s, record_every=s, patience=10 * s))

        runs.append(("lm", costs.lm(steps, n, P), lm))
    fit_simplex(sample(get_target("Z.008"), 50, 50, seed=0))  # warm-up: scipy.spatial
    for eq, n, n_test in (("Z.001", 50_000, 30_000), ("Z.008", 8000, 1000), ("Z.008", 1000, 20_000),
                          ("I.30.5", 4000, 1000), ("I.8.14", 1024, 1000)):
        t = get_target(eq)
        ds = sample(t, n, n_test, seed=0)
        group = "interp1d" if t.d == 1 else "delaunay"
        runs.append((group, costs.delaunay(t.d, n, n_test), lambda ds=ds: _timed(lambda: fit_simplex(ds))))
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
    return [("delaunay", "Delaunay of 20,000 points in 3D", sum(b for _, b in costs.simplex_mem(3, 20_000, 2000)),
             lambda: fit_simplex(ds)),
            ("bfgs", f"BFGS, P={P_b:,}, n=2000 (dense inverse Hessian)",
             sum(b for _, b in [costs.data_mem(2000, 0, 1), *costs.net_mem(2000, 70, 3, P_b, True)]),
             lambda: train_bfgs(mlp(1, 70, 3, "tanh"), x, y, 3)),
            ("adam", "Adam, 1 hidden layer of 10,000 units, batch 1000 (activations)",
             sum(b for _, b in [costs.data_mem(1000, 0, 1), *costs.net_mem(1000, 10_000, 2, n_params(mlp(1, 10_000, 2, "relu")))]),
             lambda: train_adam(mlp(1, 10_000, 2, "relu"), x[:1000], y[:1000], 3)),
            ("hessian", f"exact Hessian + chunk tangents, P={P_h:,}, n=512",
             sum(b for _, b in costs.hess_mem(512, 40, 3, P_h)), lambda: hessian(mlp(1, 40, 3, "tanh"), x[:512], y[:512]))]


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
    processes sharing the cores inflate them little.

    Parameters
    ----------
    recalibrate : bool, optional
        Measure again even when a stored calibration exists (default ``False``).

    Returns
    -------
    dict of str to Any
        ``coefficients`` (seconds per unit of each count), ``fit`` (measured against
        modelled seconds), ``memory_check``, and when and where it was measured.

    Raises
    ------
    RuntimeError
        If the measuring subprocess fails.
    """
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
    (``VmHWM``), against this module's model: ``[{what, model_bytes, measured_bytes}]``.

    Parameters
    ----------
    recalibrate : bool, optional
        Measure again even when a stored calibration exists (default ``False``).

    Returns
    -------
    list of dict
        One row per run: ``what``, ``model_bytes`` and ``measured_bytes``.
    """
    return calibrate(recalibrate)["memory_check"]


# --------------------------------------------------------------------------- the plan
@dataclass
class ChapterPlan:
    """One chapter's row: its new runs (``works``), the runs it shares with earlier chapters
    (cache hits in a build), core-seconds, wall seconds on ``workers`` processes, and peaks.

    Attributes
    ----------
    chapter : str
        The chapter's notebook name.
    works : list of Work
        Its new runs and inline work, in order.
    shared : int
        Runs an earlier chapter computes.
    seconds : list of float
        Estimated seconds of each of ``works``.
    wall_s : float
        Estimated wall seconds of the notebook, shared runs read from the cache.
    peak : float
        The largest estimated peak memory of a run, in bytes.
    peak_label : str
        The label of that run.
    too_big : list of (Work, float)
        The runs whose peak exceeds the memory limit, with their peaks.
    inline_s : float
        Seconds of the notebook's inline work.
    alone_wall_s : float
        Wall seconds of the chapter built alone, its shared runs computed too.
    """

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
    """The plan of a build: its settings and one :class:`ChapterPlan` per chapter.

    Attributes
    ----------
    profile : str
        The profile planned.
    device : str
        ``"cpu"`` or ``"cuda"``.
    workers : int
        Worker processes assumed.
    memory_limit : float
        Memory a run may use, in bytes.
    coefficients : dict of str to float
        The cost coefficients used.
    chapters : list of ChapterPlan
        One row per planned chapter, in build order.
    notes : list of str
        Caveats to print with the plan.
    """
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


def _with_needs(items: Iterable[Any], needed: bool = False) -> list[tuple[Any, bool]]:
    """``(item, needed)`` for ``items``, each preceded by the runs it reads from the cache
    (``job.needs()``, marked ``needed``)."""
    out = []
    for item in items:
        if not isinstance(item, Work):
            out += _with_needs(item.needs(), True)
        out.append((item, needed))
    return out


def _chapter_cost(batches: list[Batch], seen: set, cost: Callable[[Work], float], workers: int,
                  device: str) -> tuple[list[Work], list[float], int, float, float]:
    """The new runs of ``batches`` (those not in ``seen``, which it extends), their seconds,
    how many were shared, the wall time and the inline seconds."""
    works, seconds, shared, wall, inline_s = [], [], 0, NOTEBOOK_SECONDS, 0.0
    here: set = set()
    for batch in batches:
        batch_s = []
        for item, needed in _with_needs(batch.items):
            if isinstance(item, Work):
                work = item
            else:
                if needed and item in here:  # read by a run of this chapter that already lists it
                    continue
                here.add(item)
                if item in seen:
                    shared += 1
                    continue
                seen.add(item)
                work = item.work()
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
              coefficients: dict[str, float] | None = None, chapters: Iterable[str] | None = None) -> Plan:
    """The plan of a build at ``profile``: every chapter's new runs in build order (a run an
    earlier chapter computed is a cache hit), their cost on ``device`` and their memory.

    Parameters
    ----------
    profile : str
        ``"smoke"``, ``"book"`` or ``"paper"``.
    device : str, optional
        ``"cpu"`` (default) or ``"cuda"``.
    workers : int or None, optional
        Worker processes; ``None`` means this machine's cores.
    memory_limit : float or None, optional
        Memory a run may use, in bytes; ``None`` means this machine's RAM.
    coefficients : dict of str to float or None, optional
        Cost coefficients; ``None`` means :func:`calibrate`'s.
    chapters : iterable of str or None, optional
        The chapters to report; ``None`` means all. The others still count for cache hits.

    Returns
    -------
    Plan
        The plan.

    Raises
    ------
    ValueError
        If the profile, device or a chapter name is not allowed.
    """
    check_profile(profile)
    check_device(device)
    names = chapter_names()
    chapters = list(names if chapters is None else chapters)
    for c in chapters:
        if c not in names:
            raise ValueError(f"chapter must be one of {', '.join(names)}; got {c!r}")
    workers = workers or os.cpu_count() or 1
    limit = float(memory_limit) if memory_limit is not None else float(total_memory())
    coef = coefficients if coefficients is not None else calibrate()["coefficients"]
    cost = (lambda w: gpu_seconds(w, coef)) if device == "cuda" else (lambda w: estimate_seconds(w, coef))
    plan = Plan(profile, device, workers, limit, coef)
    seen: set = set()
    for chapter in names:
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


