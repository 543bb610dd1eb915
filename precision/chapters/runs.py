"""The one protocol of a chapter's runs.

A run is a frozen dataclass of plain values (so it is hashable and is its own cache key)
that subclasses :class:`Job`: ``job.run()`` computes it and returns a dict of numbers,
``job.cost()`` estimates its relative cost. :func:`run_jobs` hands a list of jobs to
:func:`precision.sweep.run_sweep`, which computes only those not cached yet, starts the
longest first and returns the results in the order of the list.

A notebook validates its ``workers``, ``scheduler`` and ``device`` parameters once with
:func:`sweep_options` and passes the result to every :func:`run_jobs` call. On a device other
than the CPU each run is wrapped in :class:`OnDevice`, which trains it there (float64 still)
and keeps its results apart from the CPU's in the cache; on the CPU the runs, and their
cache keys, are unchanged.
"""
from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from ..checks import check_positive_int, check_scheduler
from ..device import DEVICES, on_device, resolve_device
from ..sweep import SCHEDULER_ENV, run_sweep
from . import costs

__all__ = ["Job", "RAN", "OnDevice", "on", "run_job", "job_cost", "run_jobs", "run_batch", "refuse_what_cannot_fit", "sweep_options", "check_device_name",
           "one_thread_in_workers"]


#: Every job :func:`run_jobs` was given in this process, in order (what a notebook ran; see
#: :func:`precision.chapters.registry.Chapter.ran_as_planned`).
RAN: list["Job"] = []
_NESTED = [0]  # run_jobs calls in progress in this process: a run that fetches another is not a notebook's run


class Job:
    """Base class of a chapter's runs; subclasses are ``@dataclass(frozen=True)``."""

    def run(self) -> dict[str, Any]:
        """Compute the run; a dict of plain numbers, arrays and lists.

        Returns
        -------
        dict of str to Any
            The run's results.
        """
        raise NotImplementedError

    def cost(self) -> float:
        """Relative cost (not a time): the sweep starts the most expensive runs first.

        Returns
        -------
        float
            The relative cost; 1.0 unless a subclass says otherwise.
        """
        return 1.0

    def needs(self) -> tuple["Job", ...]:
        """Runs this one reads from the cache, computing them first when they are not there
        (the cost plan counts them where they first run).

        Returns
        -------
        tuple of Job
            The runs read from the cache; empty by default.
        """
        return ()

    def work(self) -> "costs.Work":
        """Operation counts and large allocations of the run, for the cost plan and the memory
        check before it starts (:mod:`precision.chapters.costs`); a subclass without a model is
        counted as about one second and no memory.

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        name = type(self).__name__
        return costs.Work(f"{name} (no cost model: counted as 1 s)", name, (("adam_step", 1e4),), (), self)


@dataclass(frozen=True)
class OnDevice(Job):
    """``job`` trained on ``device`` (``"cuda"`` or ``"cuda:N"``): its tensors are made there
    (:func:`precision.device.on_device`). ``kind`` names the wrapped run's class, so that two
    kinds of run with equal fields never share a cache entry."""

    job: Job
    device: str
    kind: str = ""

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", f"{type(self.job).__module__}.{type(self.job).__qualname__}")

    def run(self) -> dict[str, Any]:
        """Compute the wrapped job with its tensors on ``device``.

        Returns
        -------
        dict of str to Any
            The wrapped job's results.
        """
        with on_device(resolve_device(self.device)):  # a worker without CUDA says so in one sentence
            return self.job.run()

    def cost(self) -> float:
        """The wrapped job's relative cost.

        Returns
        -------
        float
            ``job.cost()``.
        """
        return self.job.cost()


def on(device: str, jobs: Sequence[Job]) -> list[Job]:
    """The runs a sweep computes for ``jobs`` on ``device``: the jobs themselves on the CPU,
    else each wrapped in :class:`OnDevice`.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    jobs : sequence of Job
        The runs.

    Returns
    -------
    list of Job
        ``jobs`` unchanged on the CPU, else one :class:`OnDevice` per job.
    """
    return list(jobs) if device == "cpu" else [OnDevice(job, device) for job in jobs]


def run_job(job: Job) -> dict[str, Any]:
    """``job.run()``: the top-level function a sweep maps (picklable, one cache namespace).

    Parameters
    ----------
    job : Job
        The run to compute.

    Returns
    -------
    dict of str to Any
        The run's results.
    """
    return job.run()


def job_cost(job: Job) -> float:
    """``job.cost()``: the one cost function of every sweep.

    Parameters
    ----------
    job : Job
        The run.

    Returns
    -------
    float
        Its relative cost.
    """
    return float(job.cost())


def check_device_name(name: str, value: Any) -> str:
    """``value`` if it names a device (one of :data:`precision.device.DEVICES`, ``cuda:N``
    with a number), without asking whether this machine has it.

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
        If ``value`` is not ``"cpu"``, ``"cuda"``, ``"auto"`` or ``"cuda:N"``.
    """
    if not isinstance(value, str) or not (value in ("cpu", "cuda", "auto")
                                          or (value.startswith("cuda:") and value[5:].isdigit())):
        raise ValueError(f"{name} must be one of {', '.join(repr(d) for d in DEVICES)}; got {value!r}")
    return value


def sweep_options(workers: Any = None, scheduler: Any = None, device: Any = "cpu") -> dict[str, Any]:
    """Check a notebook's ``workers`` (``None`` or a positive int), ``scheduler`` (``None`` or
    a Dask address) and ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``)
    parameters; the keyword arguments of :func:`run_jobs`.

    Without a scheduler the device must exist here (one sentence if it does not, before any
    compute) and ``"auto"`` becomes ``"cuda"`` or ``"cpu"``; with a scheduler the cluster's
    workers check it, and ``"auto"`` is refused (each worker could choose differently). No
    ``scheduler`` means ``$PRECISION_DASK_SCHEDULER`` if that is set, else local processes.

    Parameters
    ----------
    workers : int or None, optional
        Local worker processes; ``None`` lets the sweep choose.
    scheduler : str or None, optional
        Address of a Dask scheduler; ``None`` falls back to ``$PRECISION_DASK_SCHEDULER``.
    device : str, optional
        ``"cpu"`` (default), ``"cuda"``, ``"cuda:N"`` or ``"auto"``.

    Returns
    -------
    dict of str to Any
        ``workers``, ``scheduler`` and ``device``, checked, for :func:`run_jobs`.

    Raises
    ------
    ValueError
        If a value is malformed, the device is missing here, or ``"auto"`` is given with a
        scheduler.
    """
    if workers is not None:
        check_positive_int("workers", workers)
    scheduler = check_scheduler("scheduler", scheduler if scheduler is not None
                                else os.environ.get(SCHEDULER_ENV) or None)
    device = check_device_name("device", device)
    if scheduler is None:
        device = str(resolve_device(device))
    elif device == "auto":
        raise ValueError("device 'auto' is chosen on this machine, not on the cluster's workers: "
                         "with a scheduler give device 'cpu', 'cuda' or 'cuda:N'")
    return {"workers": workers, "scheduler": scheduler, "device": device}


def refuse_what_cannot_fit(jobs: Sequence[Job], desc: str | None = None, scheduler: str | None = None,
                           device: str = "cpu") -> None:
    """:func:`refuse_if_too_big` for each of ``jobs`` still to be computed on this machine
    (a Dask cluster's workers have their own memory), against the memory of ``device``: the
    check :func:`~precision.chapters.runs.run_jobs` makes before any run starts.

    Parameters
    ----------
    jobs : sequence of Job
        The runs about to be computed.
    desc : str or None, optional
        The batch's label, named in the error.
    scheduler : str or None, optional
        A Dask scheduler address; with one, nothing is checked here.
    device : str, optional
        The device whose memory is the limit (default ``"cpu"``).

    Raises
    ------
    MemoryError
        If a run not yet cached would need more memory than ``device`` has.
    """
    if scheduler is not None:
        return
    from ..sweep import sweep_status

    limit = costs.device_memory(device)
    for job, cached in zip(jobs, sweep_status(run_job, on(device, jobs))):
        if not cached:
            costs.refuse_if_too_big(job, limit=limit, where=desc or "")




def run_jobs(jobs: Sequence[Job], *, workers: int | None = None, scheduler: str | None = None,
             device: str = "cpu", desc: str | None = None, progress: bool = True, return_stats: bool = False) -> Any:
    """Results of ``jobs``, in their order: cached ones read back, the rest computed
    longest-first on ``workers`` local processes or a Dask ``scheduler``, on ``device``
    (:func:`sweep_options` checks it). With ``return_stats``, also the sweep's
    :class:`~precision.sweep.SweepStats`.

    Parameters
    ----------
    jobs : sequence of Job
        The runs, in the order their results are wanted.
    workers : int or None, optional
        Local worker processes.
    scheduler : str or None, optional
        Address of a Dask scheduler.
    device : str, optional
        ``"cpu"`` (default), ``"cuda"``, ``"cuda:N"`` or ``"auto"``.
    desc : str or None, optional
        The progress bar's description.
    progress : bool, optional
        Show a progress bar (default ``True``).
    return_stats : bool, optional
        Also return the sweep's statistics (default ``False``).

    Returns
    -------
    list of dict, or tuple of (list of dict, SweepStats)
        One result per job, in order; with ``return_stats``, also the statistics.

    Raises
    ------
    TypeError
        If an item of ``jobs`` is not a :class:`Job`.
    ValueError
        If ``device`` is not a device name.
    MemoryError
        If a run not yet cached cannot fit in the device's memory.
    """
    for i, job in enumerate(jobs):
        if not isinstance(job, Job):
            raise TypeError(f"job {i} must be a chapter run (a Job), got {type(job).__name__}: {job!r}")
    device = check_device_name("device", device)
    if device == "auto":
        device = str(resolve_device(device))
    runs = on(device, jobs)
    refuse_what_cannot_fit(jobs, desc=desc, scheduler=scheduler, device=device)  # before any run starts
    if not _NESTED[0]:
        RAN.extend(jobs)
    _NESTED[0] += 1
    try:
        return run_sweep(run_job, runs, cost=job_cost, workers=workers, scheduler=scheduler, desc=desc,
                         progress=progress, return_stats=return_stats)
    finally:
        _NESTED[0] -= 1


def run_batch(batch: "costs.Batch", **options: Any) -> Any:
    """:func:`run_jobs` of one of a chapter's batches (``batch.items``, with its label as the
    progress bar's description); ``options`` as :func:`run_jobs` takes them.

    Parameters
    ----------
    batch : costs.Batch
        One of a chapter's batches.
    **options
        Keyword arguments of :func:`run_jobs` (``workers``, ``scheduler``, ``device`` ...).

    Returns
    -------
    list of dict, or tuple of (list of dict, SweepStats)
        What :func:`run_jobs` returns for the batch's runs.
    """
    return run_jobs(list(batch.items), desc=batch.label, **options)


def one_thread_in_workers() -> None:
    """Sweeps run one process per core; a torch thread pool inside each would oversubscribe."""
    if multiprocessing.parent_process() is not None:
        torch.set_num_threads(1)
