"""What ``python -m precision run`` checks before a kernel starts.

A chapter run is refused in one sentence, before any compute, when

* a value of the ``parameters`` cell is not allowed: the chapter's config is resolved here by
  :func:`precision.chapters.profiles.resolve`, the function the notebook's next cell calls;
* ``workers``, ``scheduler`` or ``device`` is not allowed
  (:func:`precision.chapters.runs.sweep_options`, which the notebook calls too), or the Dask
  scheduler does not answer within a few seconds (:func:`check_scheduler_reachable`);
* a run of the chapter cannot fit in this machine's memory: the runs come from
  :func:`precision.chapters.plan.chapter_batches` for this config, each sweep's runs are
  checked by :func:`precision.chapters.plan.refuse_what_cannot_fit` (the check ``run_jobs``
  makes in the notebook) and the work the notebook does inline by
  :func:`precision.chapters.plan.refuse_if_too_big`;
* the output path is a folder, or its folder is missing or not writable (:func:`check_output`).
"""
from __future__ import annotations

import ast
import os
import socket
from pathlib import Path
from typing import Any

__all__ = ["SCHEDULER_TIMEOUT", "notebook_defaults", "check_output", "check_scheduler_reachable", "check_run"]

#: Seconds to wait for a Dask scheduler to accept a TCP connection.
SCHEDULER_TIMEOUT = 3.0
_DASK_PORT = 8786  # Dask's default scheduler port, for an address without one


def notebook_defaults(knobs: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The default values of a ``parameters`` cell (:func:`precision.book.build.notebook_parameters`)
    as Python values; a default that is not a literal is left out."""
    out = {}
    for name, info in knobs.items():
        try:
            out[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError, TypeError):
            continue
    return out


def check_output(path: str | os.PathLike) -> Path:
    """``path`` resolved, if a notebook can be written there: not a folder, in a folder that
    exists and is writable. Raises ``ValueError`` naming the output otherwise."""
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise ValueError(f"output (-o) must name a notebook file, and {path} is a folder")
    if not path.parent.is_dir():
        raise ValueError(f"output (-o) must be in an existing folder; {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ValueError(f"output (-o) must be in a writable folder; {path.parent} is not writable")
    return path


def _host_port(address: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a Dask address; ``None`` for a transport other than TCP/TLS."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return None
    rest = rest.rstrip("/")
    if rest.startswith("["):  # [IPv6]:port
        host, _, port = rest[1:].partition("]")
        port = port.removeprefix(":")
    elif rest.count(":") == 1:
        host, _, port = rest.partition(":")
    else:
        host, port = rest, ""
    if not host:
        raise ValueError(f"scheduler must be a Dask scheduler address such as 'tcp://host:8786', got {address!r}")
    if not port:
        return scheme, host, _DASK_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"scheduler must end in a port number 1-65535, such as 'tcp://host:8786'; got {address!r}")
    return scheme, host, int(port)


def check_scheduler_reachable(address: str, timeout: float = SCHEDULER_TIMEOUT, name: str = "scheduler") -> str:
    """``address`` if a Dask scheduler there accepts a TCP connection within ``timeout`` seconds
    (a transport other than TCP or TLS is left to Dask). Raises ``ValueError`` otherwise."""
    found = _host_port(address)
    if found is None:
        return address
    _, host, port = found
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except socket.timeout:
        reason = f"no answer within {timeout:g} s"
    except OSError as err:
        reason = err.strerror or type(err).__name__
    else:
        return address
    raise ValueError(f"{name} {address!r} cannot be reached ({reason}); start the scheduler there, "
                     "or leave scheduler out to compute on this machine's processes")


def _check_fits(chapter: str, profile: str, overrides: dict[str, Any], sweep: dict[str, Any]) -> None:
    """Refuse, before the kernel starts, every run of ``chapter``'s notebook for this config
    that the plan says cannot fit: sweeps as ``run_jobs`` would refuse them (runs not cached,
    against the memory of the sweep's device; a cluster's workers judge their own; a serial
    batch runs on this machine's CPU), inline work against this machine's RAM."""
    from ..chapters import plan
    from ..chapters.runs import Job

    if chapter not in plan.chapter_names():
        return
    for batch in plan.chapter_batches(chapter, profile, **overrides):
        jobs = [item for item in batch.items if isinstance(item, Job)]
        if jobs and batch.serial:  # run_jobs(workers=1) without the sweep's options: here, on the CPU
            plan.refuse_what_cannot_fit(jobs, desc=batch.label)
        elif jobs:
            plan.refuse_what_cannot_fit(jobs, desc=batch.label, scheduler=sweep.get("scheduler"),
                                        device=sweep.get("device", "cpu"))
        for item in batch.items:
            if isinstance(item, plan.Work):
                plan.refuse_if_too_big(item, where=batch.label)


def check_run(docname: str, parameters: dict[str, Any], knobs: dict[str, dict[str, str]],
              sweep_names: tuple[str, ...] = ("workers", "scheduler", "device")) -> dict[str, Any]:
    """Check a chapter run as its notebook would, before a kernel starts: the values of
    ``parameters`` (names already checked against ``knobs``, the notebook's ``parameters``
    cell), the sweep options, the scheduler's reachability and every run's memory.

    Returns the resolved config's chapter, profile and sweep options as a dict. Raises
    ``ValueError`` (a bad value, an unreachable scheduler) or ``MemoryError`` (a run that
    cannot fit), each one sentence naming the parameter or the run.
    """
    from ..chapters import profiles
    from ..chapters.registry import chapters, check_profile
    from ..chapters.runs import sweep_options
    from ..sweep import SCHEDULER_ENV

    values = {**notebook_defaults(knobs), **parameters}
    name = Path(docname).name
    records = {c.name: c for c in chapters()}
    chapter = name
    profile = check_profile(values.get("profile"))
    overrides = {k: v for k, v in values.items() if k != "profile" and k not in sweep_names}
    if chapter in records and records[chapter].config is not None:
        profiles.resolve(chapter, profile, **overrides)  # what the notebook's first cell after the parameters calls
    sweep: dict[str, Any] = {}
    if any(k in knobs for k in sweep_names):
        sweep = sweep_options(**{k: values[k] for k in sweep_names if k in values})
        if sweep["scheduler"] is not None:
            given = values.get("scheduler") is not None
            check_scheduler_reachable(sweep["scheduler"],
                                      name="scheduler" if given else f"scheduler (${SCHEDULER_ENV})")
    try:
        _check_fits(chapter, profile, overrides, sweep)
    except MemoryError as err:
        asked = ", ".join(f"{k}={v!r}" for k, v in parameters.items() if k != "profile")
        raise MemoryError(f"{name} at profile {profile!r}{' with ' + asked if asked else ''} cannot fit "
                          f"this machine: {err}") from None
    return {"chapter": chapter, "profile": profile, **sweep}
