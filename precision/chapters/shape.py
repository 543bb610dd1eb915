"""The paper's shapes without the paper's compute: every kind of run of the book at its full
sizes (data, widths, parameters, batches), with its step budgets cut to a handful.

The ``paper`` profile costs thousands of core-hours, so it cannot be run to check that it
works. What can be run is its *shape*: the same runs with every step count capped
(:func:`shrink`). Such a run builds the same data and the same nets, allocates the same
large arrays (a dense BFGS inverse Hessian, an exact Hessian, an LM Jacobian, a Delaunay
triangulation) and takes a few steps: if it finishes, the full run starts and fits in
memory; its peak resident memory checks the plan's memory model
(:mod:`precision.chapters.plan`) at the sizes the plan extrapolates to.

* :func:`shrink` — a copy of a run with its step budgets capped;
* :func:`shape_jobs` — one run per kind of a chapter (the one the plan expects to need the
  most memory within a limit), and the kinds whose runs cannot fit (refused, with the
  plan's sentence);
* :func:`measure` — a shrunk run in a fresh one-thread process: seconds, peak memory, error.

``benchmarks/paper_shape.py`` runs them all, one at a time.
"""
from __future__ import annotations

import dataclasses
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

from .runs import Job

__all__ = ["STEP_FIELDS", "EVERY_FIELDS", "MAX_STAGES", "shrink", "kind_of", "Shape", "shape_jobs", "Measurement",
           "measure"]

#: Fields of a run that count steps (of Adam, BFGS, low-curvature steps, LM): :func:`shrink`
#: caps them. A test checks that every ``*steps`` field of a chapter's run is listed here.
STEP_FIELDS = ("steps", "max_steps", "bfgs_steps", "lowcurv_steps", "adam_steps", "lm_steps", "fig1_steps")
#: Fields that count steps between two records or Hessians; kept in ``[1, steps]``.
EVERY_FIELDS = ("record_every", "hessian_every")
#: Stages a shrunk staged run keeps (boosting, pipelines, multi-stage nets): stage 2 is the
#: first that fits a residual, and later ones have stage 2's shape.
MAX_STAGES = 2


def _zero_is_adaptive(job: Job) -> bool:
    """Whether 0 in a step or stage field means "left to the adaptive schedule" (unbounded),
    not "none" (:class:`~precision.chapters.beyond.DimsRun`)."""
    from .beyond import DimsRun

    return isinstance(job, DimsRun)


def _degree_not_steps(job: Job) -> bool:
    """Whether ``steps`` is a size, not a step count (a Chebyshev run's degree per axis)."""
    from .beyond import BeyondRun

    return isinstance(job, BeyondRun) and job.method.startswith("chebyshev")


def shrink(job: Job, steps: int = 3, stages: int = MAX_STAGES) -> Job:
    """A copy of the chapter run ``job`` with every step budget capped at ``steps``.

    The fields of :data:`STEP_FIELDS` become ``min(value, steps)`` (0 stays 0: no such
    phase), except where 0 means an adaptive, unbounded budget (:class:`~precision.chapters.beyond.DimsRun`),
    which becomes ``steps``; a Chebyshev run's ``steps`` is its degree, a size, and is kept.
    ``record_every`` and ``hessian_every`` stay in ``[1, steps]``. A ``stages`` field is capped
    at ``stages`` (adaptive 0 becomes ``stages``): every later stage has the shape of stage 2,
    except a multi-stage run with ``data_growth > 1``, whose data grows each stage — at the
    profiles' sizes it has 2 stages anyway. Fields holding a run (the pipeline of
    :class:`~precision.chapters.optimization.SpectrumRun`, :class:`~precision.chapters.optimization.TauRun`,
    :class:`~precision.chapters.optimization.RescaleRun`) are shrunk the same way. Everything
    else — data sizes, widths, depths, batch caps, test sets — is kept. A run without step
    fields (:class:`~precision.chapters.nets.SimplexRun`, the timings of one Hessian or one
    projection) comes back unchanged: its full cost is its shape.

    Raises ``TypeError`` if ``job`` is not a chapter run (a :class:`Job` dataclass), and
    ``ValueError`` unless ``steps`` and ``stages`` are positive integers.

    Parameters
    ----------
    job : Job
        A chapter run (a frozen dataclass).
    steps : int, optional
        The cap on every step budget (default 3).
    stages : int, optional
        The cap on a ``stages`` field (default :data:`MAX_STAGES`).

    Returns
    -------
    Job
        A run of the same class with the budgets capped.

    Raises
    ------
    TypeError
        If ``job`` is not a :class:`Job` dataclass.
    ValueError
        If ``steps`` or ``stages`` is not a positive integer.
    """
    if not isinstance(job, Job) or not dataclasses.is_dataclass(job):
        raise TypeError(f"job must be a chapter run (a Job dataclass), got {type(job).__name__}: {job!r}")
    for name, value in (("steps", steps), ("stages", stages)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    adaptive = _zero_is_adaptive(job)
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(job):
        value = getattr(job, f.name)
        if isinstance(value, Job):
            changes[f.name] = shrink(value, steps, stages)
        elif not isinstance(value, int) or isinstance(value, bool):
            continue
        elif f.name in STEP_FIELDS and not (f.name == "steps" and _degree_not_steps(job)):
            changes[f.name] = steps if (value == 0 and adaptive) else min(value, steps)
        elif f.name == "stages":
            changes[f.name] = stages if (value == 0 and adaptive) else min(value, stages)
    for name in EVERY_FIELDS:
        if hasattr(job, name) and isinstance(getattr(job, name), int):
            changes[name] = max(1, min(getattr(job, name), steps))
    return dataclasses.replace(job, **changes)


# --------------------------------------------------------------------------- one run per kind
def kind_of(job: Job, work: Any) -> str:
    """A run's kind: its type, the plan's kind of work (optimizer, method; :meth:`~precision.chapters.runs.Job.work`)
    and a net's activation and architecture (other batch caps, other networks), e.g.
    ``"NetRun adam tanh dense"``.

    Parameters
    ----------
    job : Job
        The run.
    work : costs.Work
        Its work (``job.work()``).

    Returns
    -------
    str
        The kind, words joined by spaces.
    """
    name = type(job).__name__
    parts = [name] + ([work.kind] if work.kind != name else [])
    return " ".join(parts + [str(getattr(job, f)) for f in ("activation", "architecture") if hasattr(job, f)])


class Shape(NamedTuple):
    """One kind of run of a chapter: ``job``, the one of its kind with the largest estimated
    peak memory (``plan_bytes``) within the limit, standing for ``runs`` runs; or, if
    ``refused`` (the plan's sentence) is set, the largest of the ``runs`` runs of this kind
    that exceed the limit, not to be run."""

    chapter: str
    kind: str
    label: str
    job: Job
    plan_bytes: float
    runs: int
    refused: str | None = None


def shape_jobs(chapter: str, profile: str = "paper", limit_bytes: float | None = None) -> list[Shape]:
    """The runs that check ``chapter``'s shapes at ``profile``: per kind (:func:`kind_of`) the
    run the plan expects to need the most memory below ``limit_bytes`` (default: this
    machine's RAM), then per kind the largest run above it, refused with the sentence of
    :func:`~precision.chapters.plan.refuse_if_too_big`. Runs come from
    :func:`~precision.chapters.plan.chapter_batches`, duplicates once; inline notebook work
    is skipped unless it is a run (the simplex fits of Chapter 1's §1.3).

    Parameters
    ----------
    chapter : str
        The chapter's notebook name.
    profile : str, optional
        The profile whose sizes are checked (default ``"paper"``).
    limit_bytes : float or None, optional
        The memory available, in bytes; ``None`` means this machine's RAM.

    Returns
    -------
    list of Shape
        One per kind that fits, then one per kind that does not (with ``refused`` set).
    """
    from ..memory import format_bytes
    from . import plan

    limit = float(plan.total_memory() if limit_bytes is None else limit_bytes)
    listed = [item.job if isinstance(item, plan.Work) else item for batch in plan.chapter_batches(chapter, profile)
              for item in batch.items]
    jobs = []
    for job in listed:  # with the runs each one reads from the cache first (Job.needs)
        jobs += [*(job.needs() if isinstance(job, Job) else ()), job]
    fits: dict[str, list] = {}
    over: dict[str, list] = {}
    for job in dict.fromkeys(j for j in jobs if isinstance(j, Job)):
        work = job.work()
        peak = plan.peak_bytes(work)
        (fits if peak <= limit else over).setdefault(kind_of(job, work), []).append((peak, work))
    out = []
    for kind, runs in fits.items():
        peak, work = max(runs, key=lambda r: r[0])  # the first of equal peaks
        out.append(Shape(chapter, kind, work.label, work.job, peak, len(runs)))
    for kind, runs in over.items():
        peak, work = max(runs, key=lambda r: r[0])
        try:
            plan.refuse_if_too_big(work, limit)
            sentence = f"{work.label}: about {format_bytes(peak)}, over {format_bytes(limit)}"  # not reached
        except MemoryError as e:
            sentence = str(e)
        out.append(Shape(chapter, kind, work.label, work.job, peak, len(runs), sentence))
    return out


# --------------------------------------------------------------------------- measuring
class Measurement(NamedTuple):
    """A shrunk run in its own process: ``seconds`` of ``job.run()``, the process's peak
    resident memory in bytes (``None`` if unknown), and ``error``: the one-line text of what
    it raised, or why it did not finish (a timeout, a signal such as the OOM killer's); ``None`` if it ran."""

    seconds: float | None
    peak_bytes: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _child(job_path: str, out_path: str) -> None:
    """In the measuring process: time ``job.run()`` on one torch thread and write a JSON
    result (seconds, peak resident memory, error)."""
    import torch

    from .optimization_speed import peak_memory

    torch.set_num_threads(1)
    out: dict[str, Any] = {"seconds": None, "error": None}
    try:
        job = pickle.loads(Path(job_path).read_bytes())
        start = time.perf_counter()
        job.run()
        out["seconds"] = time.perf_counter() - start
    except BaseException as e:  # noqa: BLE001 - any failure is the check's answer
        lines = str(e).strip().splitlines()
        out["error"] = f"{type(e).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    out["peak_bytes"] = peak_memory()
    Path(out_path).write_text(json.dumps(out))


def _spawn(job: Job, tmp: str, timeout: float | None) -> Measurement:
    """:func:`_child` for ``job`` in a fresh process whose result cache is ``tmp/cache``."""
    from ..sweep import SCHEDULER_ENV

    job_path, out_path = os.path.join(tmp, "job.pkl"), os.path.join(tmp, "out.json")
    for path in (job_path, out_path):
        Path(path).unlink(missing_ok=True)
    Path(job_path).write_bytes(pickle.dumps(job))
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
               PRECISION_CACHE_DIR=os.path.join(tmp, "cache"))
    env.pop(SCHEDULER_ENV, None)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    code = f"from precision.chapters.shape import _child; _child({job_path!r}, {out_path!r})"
    with open(os.path.join(tmp, "log"), "w+b") as log:
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=subprocess.STDOUT)
        expired, lock, done = threading.Event(), threading.Lock(), []

        def kill() -> None:
            with lock:
                if not done:  # not reaped yet: the pid is still this child's
                    expired.set()
                    proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped yet
        finally:
            with lock:
                done.append(True)
            if timer:
                timer.cancel()
        _, status, usage = os.wait4(proc.pid, 0)  # reaped here, with the rusage of this child alone
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait for it again
        log.seek(0)
        tail = log.read().decode(errors="replace").strip().splitlines()[-1:]
    result = json.loads(Path(out_path).read_text()) if os.path.exists(out_path) else {}
    peak = result.get("peak_bytes") or usage.ru_maxrss * 1024  # ru_maxrss: KiB on Linux
    if result:
        return Measurement(result["seconds"], peak, result["error"])
    if expired.is_set():
        why = f"timed out after {timeout:g} s"
    elif proc.returncode < 0:
        sig = signal.Signals(-proc.returncode).name
        why = f"killed by {sig}" + (" (out of memory?)" if sig == "SIGKILL" else "")
    else:
        why = f"exited with status {proc.returncode}" + (f": {tail[0]}" if tail else "")
    return Measurement(None, peak, why)


def measure(job: Job, steps: int = 3, timeout: float | None = None) -> Measurement:
    """Run ``shrink(job, steps).run()`` in a fresh Python process with one torch and BLAS
    thread (a sweep worker's setting) and a private, temporary result cache; return its
    seconds, peak resident memory (``VmHWM`` after the run; the kernel's maximum resident
    size of the process where it did not report one) and error. The runs it reads from the
    cache (a :class:`~precision.chapters.optimization.SpectrumRun`'s pipeline) are computed
    first, shrunk, in a process of their own, so the peak is the run's alone. ``timeout``
    (seconds, per process) kills a run that takes longer.

    Parameters
    ----------
    job : Job
        The chapter run, at full size.
    steps : int, optional
        The cap on its step budgets (default 3).
    timeout : float or None, optional
        Seconds each process may take; ``None`` for no limit.

    Returns
    -------
    Measurement
        Seconds, peak resident memory in bytes, and the error, if any.
    """
    shrunk = shrink(job, steps)
    with tempfile.TemporaryDirectory(prefix="precision-shape-") as tmp:
        for f in dataclasses.fields(shrunk):
            nested = getattr(shrunk, f.name)
            if isinstance(nested, Job):
                first = _spawn(_Cached(nested), tmp, timeout)
                if not first.ok:
                    return Measurement(None, first.peak_bytes, f"its {f.name} ({type(nested).__name__}): {first.error}")
        return _spawn(shrunk, tmp, timeout)


@dataclasses.dataclass(frozen=True)
class _Cached(Job):
    """``job`` computed through the result cache (what a run that reads it from there finds)."""

    job: Job

    def run(self) -> Any:
        from ..sweep import SweepError
        from .runs import run_jobs

        try:
            return run_jobs([self.job], workers=1, progress=False)[0]
        except SweepError as e:  # the run's own error, not the sweep's sentence around it
            raise e.failures[0][2] from None
