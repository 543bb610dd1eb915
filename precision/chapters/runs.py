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
from typing import Any, Sequence

import torch

from ..checks import check_positive_int, check_scheduler
from ..sweep import run_sweep

__all__ = ["Job", "run_job", "job_cost", "run_jobs", "sweep_options", "one_thread_in_workers"]


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
    if scheduler is None:  # a cluster's workers have their own memory; locally, refuse what cannot fit
        _refuse_what_cannot_fit(jobs, desc)
    return run_sweep(run_job, list(jobs), cost=job_cost, workers=workers, scheduler=scheduler, desc=desc,
                     progress=progress, return_stats=return_stats)


def _refuse_what_cannot_fit(jobs: Sequence[Job], desc: str | None) -> None:
    """Raise ``MemoryError`` with one sentence, before anything starts, if a run still to be
    computed needs more memory than this machine has (the cost plan's memory model)."""
    from ..sweep import sweep_status
    from .plan import refuse_if_too_big  # plan imports this module

    for job, cached in zip(jobs, sweep_status(run_job, list(jobs))):
        if not cached:
            refuse_if_too_big(job, where=desc or "")


def one_thread_in_workers() -> None:
    """Sweeps run one process per core; a torch thread pool inside each would oversubscribe."""
    if multiprocessing.parent_process() is not None:
        torch.set_num_threads(1)
