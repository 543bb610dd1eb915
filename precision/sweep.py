"""Sweeps: many independent runs of one function, cached on disk and run in parallel.

The paper's Figures 2, 3, 5 and A3 are each hundreds of independent training runs
(one per architecture, width, seed, optimizer...). :func:`run_sweep` maps a top-level
function over a list of configs, storing every finished run in a :class:`DiskCache`
under a key made of the function's name, the config and the package's code hash
(:func:`precision.cache.config_key`). Interrupt a sweep and run it again: only the
unfinished runs are computed. Run it again with nothing changed: nothing is computed.

Runs go to local processes by default, or to an existing Dask cluster when a
scheduler address is given (``scheduler=`` or ``$PRECISION_DASK_SCHEDULER``).
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .cache import MISSING, DiskCache, config_key

__all__ = ["run_sweep", "sweep_status", "SweepStats", "SweepError", "SCHEDULER_ENV"]

SCHEDULER_ENV = "PRECISION_DASK_SCHEDULER"


@dataclasses.dataclass
class SweepStats:
    """What a sweep did: ``total`` configs, ``cached`` found on disk, ``computed`` now, ``failed``."""

    total: int = 0
    cached: int = 0
    computed: int = 0
    failed: int = 0


class SweepError(RuntimeError):
    """One or more runs raised; ``failures`` lists ``(index, config, exception)``.

    Every run that finished is already in the cache, so re-running the sweep after a fix
    computes only the failed (and never started) runs.
    """

    def __init__(self, failures: list[tuple[int, Any, BaseException]]):
        self.failures = failures
        i, config, exc = failures[0]
        more = f" (and {len(failures) - 1} more failed runs)" if len(failures) > 1 else ""
        super().__init__(f"sweep run {i} failed for config {config!r}: "
                         f"{type(exc).__name__}: {exc}{more}")


def _fn_name(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', None)}.{getattr(fn, '__qualname__', repr(fn))}"


def _check(fn: Callable, configs: Sequence[Any]) -> list[Any]:
    if not callable(fn):
        raise TypeError(f"run_sweep needs a callable fn(config), got {type(fn).__name__}: {fn!r}")
    if isinstance(configs, (str, bytes, dict)) or dataclasses.is_dataclass(configs):
        raise TypeError("configs must be a list of configs, not a single config")
    configs = list(configs)
    for i, c in enumerate(configs):
        if dataclasses.is_dataclass(c) and not isinstance(c, type):
            plain = dataclasses.asdict(c)
        elif isinstance(c, dict):
            plain = c
        else:
            raise TypeError(f"config {i} must be a dataclass instance or a dict, "
                            f"got {type(c).__name__}: {c!r}")
        try:  # strict: default=str would let e.g. truncated array reprs collide
            json.dumps(plain, sort_keys=True)
        except (TypeError, ValueError) as e:
            raise TypeError(f"config {i} is not JSON-able ({e}); use plain numbers, "
                            f"strings, lists and dicts: {c!r}") from e
    return configs


def _keys(fn: Callable, configs: list[Any]) -> list[str]:
    name = _fn_name(fn)
    return [config_key({"fn": name, "type": f"{type(c).__module__}.{type(c).__qualname__}",
                        "config": dataclasses.asdict(c)}) if dataclasses.is_dataclass(c)
            else config_key({"fn": name, "config": c}) for c in configs]


def _cache(fn: Callable, namespace: str | None, cache_root: str | Path | None) -> DiskCache:
    if namespace is None:
        namespace = "sweep/" + re.sub(r"[^A-Za-z0-9_.-]", "_", _fn_name(fn))
    return DiskCache(namespace, root=Path(cache_root) if cache_root is not None else None)


def sweep_status(fn: Callable, configs: Sequence[Any], *, namespace: str | None = None,
                 cache_root: str | Path | None = None) -> list[bool]:
    """For each config, whether its result is already cached (same arguments as :func:`run_sweep`)."""
    configs = _check(fn, configs)
    cache = _cache(fn, namespace, cache_root)
    return [k in cache for k in _keys(fn, configs)]


def run_sweep(fn: Callable[[Any], Any], configs: Sequence[Any], *,
              namespace: str | None = None, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, desc: str | None = None,
              cache_root: str | Path | None = None, cost: Callable[[Any], float] | None = None,
              return_stats: bool = False) -> list[Any] | tuple[list[Any], SweepStats]:
    """Return ``[fn(c) for c in configs]``, computing only the runs not cached yet.

    This is the engine behind the sweeps of the paper's Figures 2, 3, 5 and A3.

    Parameters
    ----------
    fn : callable
        A top-level (picklable) function of one config. Its module and qualified name
        are part of the cache key, so two functions never share results.
    configs : sequence of dataclass instances or JSON-able dicts
        One per run. Duplicates are computed once. An empty list returns ``[]``.
    namespace : str, optional
        Cache sub-directory; default ``"sweep/<module>.<qualname>"``.
    workers : int, optional
        Local worker processes (default ``os.cpu_count()``). ``1`` runs in this process,
        serially and without a pool (for debugging and tiny sweeps); so does a sweep with
        only one run left to compute (starting a pool would cost more than it saves).
        Ignored with Dask.
    scheduler : str, optional
        Address of a running Dask scheduler (e.g. ``"tcp://host:8786"``); default
        ``$PRECISION_DASK_SCHEDULER``. Pass ``""`` to ignore the variable.
    progress : bool
        Show a tqdm bar (runs done / total, ETA); cached runs count as done at once.
    desc : str, optional
        Label of the bar; default the function's name.
    cache_root : path, optional
        Cache root; default :func:`precision.cache.cache_dir` (``$PRECISION_CACHE_DIR``).
    cost : callable, optional
        ``cost(config)``, a relative cost: runs still to compute start in decreasing order
        of it (ties in input order), so a pool of workers finishes together. Default: input
        order. Results come back in input order either way.
    return_stats : bool
        Also return a :class:`SweepStats`.

    Returns
    -------
    list, or (list, SweepStats)
        Results in the order of ``configs``. They are cached as plain data
        (:func:`precision.codec.to_plain`: numbers, strings, lists, tuples, dicts, numpy
        arrays); a result of another type is returned but not cached, with one warning.

    Raises
    ------
    TypeError
        If ``fn`` is not callable or a config is neither a dataclass nor a JSON-able dict.
    SweepError
        If runs raised; raised after all other runs finished and were cached.
    """
    configs = _check(fn, configs)
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    if scheduler is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
    cache = _cache(fn, namespace, cache_root)
    keys = _keys(fn, configs)
    done: dict[str, Any] = {}
    for k in dict.fromkeys(keys):  # a damaged entry is set aside with a warning and computed again
        value = cache.get(k)
        if value is not MISSING:
            done[k] = value
    todo = {k: i for i, k in reversed(list(enumerate(keys))) if k not in done}  # first index
    if cost is not None:  # longest first; dicts keep insertion order
        todo = dict(sorted(todo.items(), key=lambda kv: (-float(cost(configs[kv[1]])), kv[1])))
    else:
        todo = dict(sorted(todo.items(), key=lambda kv: kv[1]))
    stats = SweepStats(total=len(keys), cached=sum(k in done for k in keys))
    failures: list[tuple[int, Any, BaseException]] = []
    copies = Counter(keys)
    bar = tqdm(total=len(keys), initial=stats.cached, disable=not progress,
               desc=desc or getattr(fn, "__name__", None), unit="run", dynamic_ncols=True)

    def finish(key: str, result: Any = None, exc: BaseException | None = None) -> None:
        n = copies[key]
        if exc is None:
            cache.put(key, result)  # atomic, as soon as the run finishes; an unwritable cache only warns
            done[key] = result
            stats.computed += n
        else:
            failures.append((todo[key], configs[todo[key]], exc))
            stats.failed += n
        bar.update(n)

    try:
        if todo and (workers == 1 or len(todo) == 1) and not scheduler:  # one run: no pool to start
            for key, i in todo.items():
                try:
                    result = fn(configs[i])
                except Exception as e:
                    finish(key, exc=e)
                else:
                    finish(key, result)
        elif todo:
            _run_parallel(fn, configs, todo, finish, workers, scheduler)
    finally:
        bar.close()
    if failures:
        failures.sort(key=lambda f: f[0])
        raise SweepError(failures) from failures[0][2]
    results = [done[k] for k in keys]
    return (results, stats) if return_stats else results


def _worker_init() -> None:
    """One thread per worker process: the pool itself supplies the parallelism."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def _run_parallel(fn: Callable, configs: list[Any], todo: dict[str, int],
                  finish: Callable[..., None], workers: int | None, scheduler: str | None) -> None:
    client = None
    if scheduler:
        try:
            from distributed import Client
        except ImportError as e:
            raise ImportError("running a sweep on a Dask cluster needs the 'distributed' "
                              "package: pip install 'precision[cluster]'") from e
        client = Client(scheduler, set_as_default=False)
        executor: cf.Executor = client.get_executor(pure=False)
    else:
        # Fresh ("spawn") workers, not forked copies of a process whose torch/OpenMP thread
        # pools are already running: forked children can crawl at a fraction of their speed.
        executor = cf.ProcessPoolExecutor(min(workers or os.cpu_count() or 1, len(todo)),
                                          mp_context=multiprocessing.get_context("spawn"),
                                          initializer=_worker_init)
    futures: dict[cf.Future, str] = {}
    clean = False
    try:
        for key, i in todo.items():
            futures[executor.submit(fn, configs[i])] = key
        for fut in cf.as_completed(futures):
            try:
                result = fut.result()
            except Exception as e:
                finish(futures[fut], exc=e)
            else:
                finish(futures[fut], result)
        clean = True
    finally:
        if not clean:  # interrupted: drop queued runs, don't wait for running ones
            for fut in futures:
                fut.cancel()
        executor.shutdown(wait=clean)
        if client is not None:
            client.close()
