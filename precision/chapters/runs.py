"""The one protocol of a chapter's runs.

A run is a frozen dataclass of plain values (so it is hashable and is its own cache key)
that subclasses :class:`Job`: ``job.run()`` computes it and returns a dict of numbers,
``job.cost()`` estimates its relative cost. :func:`run_jobs` hands a list of jobs to
:func:`precision.sweep.run_sweep`, which computes only those not cached yet, starts the
longest first and returns the results in the order of the list.

A notebook validates its ``workers`` and ``scheduler`` parameters once with
:func:`sweep_options` and passes the result to every :func:`run_jobs` call.
"""
from __future__ import annotations

import multiprocessing
from typing import Any, Callable, Sequence

import torch

from ..checks import check_positive_int, check_scheduler
from ..sweep import run_sweep

__all__ = ["Job", "run_job", "job_cost", "run_jobs", "sweep_options", "one_thread_in_workers"]


#: Checks :func:`run_jobs` makes before any run starts, each ``check(jobs, desc=, scheduler=)``
#: raising to refuse; :mod:`precision.chapters.plan` adds its memory check (imported with
#: the package), so a run that cannot fit this machine is refused before it starts.
PREFLIGHT: list[Callable[..., None]] = []


class Job:
    """Base class of a chapter's runs; subclasses are ``@dataclass(frozen=True)``."""

    def run(self) -> dict[str, Any]:
        """Compute the run; a dict of plain numbers, arrays and lists."""
        raise NotImplementedError

    def cost(self) -> float:
        """Relative cost (not a time): the sweep starts the most expensive runs first."""
        return 1.0


def run_job(job: Job) -> dict[str, Any]:
    """``job.run()``: the top-level function a sweep maps (picklable, one cache namespace)."""
    return job.run()


def job_cost(job: Job) -> float:
    """``job.cost()``: the one cost function of every sweep."""
    return float(job.cost())


def sweep_options(workers: Any = None, scheduler: Any = None) -> dict[str, Any]:
    """Check a notebook's ``workers`` (``None`` or a positive int) and ``scheduler``
    (``None`` or a Dask address) parameters; the keyword arguments of :func:`run_jobs`."""
    if workers is not None:
        check_positive_int("workers", workers)
    return {"workers": workers, "scheduler": check_scheduler("scheduler", scheduler)}


def run_jobs(jobs: Sequence[Job], *, workers: int | None = None, scheduler: str | None = None,
             desc: str | None = None, progress: bool = True, return_stats: bool = False) -> Any:
    """Results of ``jobs``, in their order: cached ones read back, the rest computed
    longest-first on ``workers`` local processes or a Dask ``scheduler``. With
    ``return_stats``, also the sweep's :class:`~precision.sweep.SweepStats`."""
    for i, job in enumerate(jobs):
        if not isinstance(job, Job):
            raise TypeError(f"job {i} must be a chapter run (a Job), got {type(job).__name__}: {job!r}")
    for check in PREFLIGHT:
        check(jobs, desc=desc, scheduler=scheduler)
    return run_sweep(run_job, list(jobs), cost=job_cost, workers=workers, scheduler=scheduler, desc=desc,
                     progress=progress, return_stats=return_stats)


def one_thread_in_workers() -> None:
    """Sweeps run one process per core; a torch thread pool inside each would oversubscribe."""
    if multiprocessing.parent_process() is not None:
        torch.set_num_threads(1)
