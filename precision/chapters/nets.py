"""The network and simplex runs that several chapters share (Figures 2, 3, 5, 6 and A3).

A run is a frozen dataclass of plain values (a :class:`~precision.chapters.runs.Job`), so
:func:`precision.chapters.runs.run_jobs` can key its cache on it and run many at once;
``run()`` returns a small dict of numbers. The paper's
conventions (SPEC, "Conventions") are the defaults: networks see |D| = N // (d+1)
training points for N parameters, inputs standardised with the training mean and std,
test RMSE reported at the step of lowest training RMSE.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..modular import GRAPHS, graph_params, modular_mlp, stages
from ..optimizers import OPTIMIZERS
from ..models import ACTIVATIONS, mlp, mlp_param_count, n_params
from ..targets import check_equation, get_target, sample
from ..checks import check_positive_int
from ..fitting import fit_simplex
from ..optimizers import train_adam, train_bfgs
from . import costs
from .runs import Job, one_thread_in_workers

__all__ = ["NetRun", "SimplexRun", "run_net", "run_simplex", "net_cost", "build_net", "net_params", "width_for",
           "medians", "ARCHITECTURES"]

ARCHITECTURES = ("dense", "modular")


@dataclass(frozen=True)
class NetRun(Job):
    """One network trained on one equation.

    ``steps`` is Adam's step count, or BFGS's maximum. ``batch_cap``: Adam uses full batch
    up to this many points, else a sliding window (paper: 10 000 for ReLU sweeps, 30 000
    for tanh/modular). ``n_train=None`` means the paper's N // (d+1).

    Attributes
    ----------
    target : str
        The equation's id.
    depth : int
        Number of Linear layers.
    width : int
        Hidden width.
    seed : int
        Seed of the data and of the initial weights.
    activation : str
        Hidden activation, e.g. ``"relu"`` or ``"tanh"``.
    architecture : str
        ``"dense"`` or ``"modular"`` (one subnet per node of the equation's graph).
    optimizer : str
        ``"adam"`` or ``"bfgs"``.
    steps : int
        Adam's steps, or BFGS's maximum.
    lr : float
        Adam's learning rate.
    batch_cap : int
        Adam's largest full batch.
    n_test : int
        Test points.
    standardize : bool
        Train on standardized data.
    n_train : int or None
        Training points; ``None`` for ``P // (d + 1)``.
    """

    target: str
    depth: int
    width: int
    seed: int = 0
    activation: str = "relu"
    architecture: str = "dense"
    optimizer: str = "adam"
    steps: int = 20_000
    lr: float = 1e-3
    batch_cap: int = 10_000
    n_test: int = 30_000
    standardize: bool = True
    n_train: int | None = None

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        from ..targets import get_target

        d = get_target(self.target).d
        P = net_params(self.target, self.depth, self.width, self.architecture)
        n = self.n_train or max(1, P // (d + 1))
        label = (f"{self.activation} {self.architecture} net {self.target} depth {self.depth} P={P:,} "
                 f"{self.optimizer} seed {self.seed}")
        u = costs.units(self)
        if self.optimizer == "adam":
            batch = min(n, self.batch_cap)
            evals = 100 * (n + self.n_test) if n > self.batch_cap else n + self.n_test
            ops = costs.ops(costs.adam(self.steps, batch, P, u), {"adam_flop": evals * P / 3, "adam_act": evals * u / 3})
            mem = [costs.data_mem(n, self.n_test, d), *costs.net_mem(batch, u, 2, P)]
        else:
            ops = costs.ops(costs.bfgs(self.steps, n, P, u))
            mem = [costs.data_mem(n, self.n_test, d), *costs.net_mem(n, u, 2, P, dense_curvature=True)]
        return costs.Work(label, f"{self.optimizer}", ops, tuple(mem), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_net`).

        Returns
        -------
        dict of str to Any
            RMSEs, sizes and seconds.
        """
        return run_net(self)

    def cost(self) -> float:
        """Relative cost, for the sweep's order: :func:`net_cost`.

        Returns
        -------
        float
            The relative cost.
        """
        return net_cost(self)


@dataclass(frozen=True)
class SimplexRun(Job):
    """Linear simplex interpolation of ``n_train`` points of one equation.

    Attributes
    ----------
    target : str
        The equation's id.
    n_train : int
        Training points (the simplices' vertices).
    seed : int
        Seed of the data.
    n_test : int
        Test points.
    """

    target: str
    n_train: int
    seed: int = 0
    n_test: int = 30_000

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        from ..targets import get_target

        d = get_target(self.target).d
        return costs.Work(f"simplex {self.target} (d={d}) |D|={self.n_train:,} seed {self.seed}", "delaunay",
                          costs.ops(costs.delaunay(d, self.n_train, self.n_test)),
                          tuple(costs.simplex_mem(d, self.n_train, self.n_test)), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_simplex`).

        Returns
        -------
        dict of str to Any
            RMSEs, sizes and seconds.
        """
        return run_simplex(self)

    def cost(self) -> float:  # Delaunay: about N·log N, far below any net
        """Relative cost, for the sweep's order: the number of training points.

        Returns
        -------
        float
            The relative cost.
        """
        return float(self.n_train)


def net_params(target: str, depth: int, width: int, architecture: str = "dense") -> int:
    """Parameter count of the net a :class:`NetRun` would build (without building it).

    Parameters
    ----------
    target : str
        The equation's id.
    depth : int
        Number of Linear layers (of the whole net; a modular net splits them among its stages).
    width : int
        Hidden width.
    architecture : str, optional
        ``"dense"`` (default) or ``"modular"``.

    Returns
    -------
    int
        The parameter count.
    """
    if architecture == "modular":
        graph = GRAPHS[target]
        n_stages = max(stages(get_target(target).variables, graph).values())
        return graph_params(graph, width, depth // n_stages)
    return mlp_param_count(get_target(target).d, width, depth)


def width_for(target: str, depth: int, n: int, architecture: str = "dense") -> int:
    """The width whose parameter count is closest to ``n``.

    Parameters
    ----------
    target : str
        The equation's id.
    depth : int
        Number of Linear layers.
    n : int
        The wanted parameter count.
    architecture : str, optional
        ``"dense"`` (default) or ``"modular"``.

    Returns
    -------
    int
        The width (at least 1).
    """
    lo, hi = 1, 1
    while net_params(target, depth, hi, architecture) < n:
        hi *= 2
    while hi - lo > 1:  # parameter count grows with width
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if net_params(target, depth, mid, architecture) < n else (lo, mid)
    return min((lo, hi), key=lambda w: abs(net_params(target, depth, w, architecture) - n))


def _check(config: NetRun) -> None:
    from ..checks import check_positive_int
    from ..targets import check_equation

    check_equation("target", config.target)
    for name in ("depth", "width", "steps", "batch_cap", "n_test"):
        check_positive_int(name, getattr(config, name))
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {config.activation!r}")
    if config.architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)}; got {config.architecture!r}")
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {config.optimizer!r}")
    if config.n_train is not None:
        check_positive_int("n_train", config.n_train)


def build_net(config: NetRun) -> torch.nn.Module:
    """The (untrained, seeded) network of ``config``.

    Parameters
    ----------
    config : NetRun
        The run.

    Returns
    -------
    torch.nn.Module
        The network, float64, initialized with ``config.seed``.

    Raises
    ------
    ValueError
        If a field of ``config`` is not allowed.
    """
    _check(config)
    if config.architecture == "modular":
        return modular_mlp(config.target, config.width, config.depth, config.activation, config.seed)
    return mlp(get_target(config.target).d, config.width, config.depth, config.activation, seed=config.seed)


def run_net(config: NetRun) -> dict[str, Any]:
    """Train the network of ``config``; returns RMSEs, sizes and wall time.

    Parameters
    ----------
    config : NetRun
        The run.

    Returns
    -------
    dict of str to Any
        ``rmse_test``, ``rmse_train``, ``n_params``, ``n_train``, ``seconds`` and
        ``best_step``.

    Raises
    ------
    ValueError
        If a field of ``config`` is not allowed.
    """
    one_thread_in_workers()
    model = build_net(config)
    target = get_target(config.target)
    n = n_params(model)
    n_train = config.n_train or max(1, n // (target.d + 1))
    data = sample(target, n_train, config.n_test, seed=config.seed)
    if config.standardize:
        data = data.standardized()
    if config.optimizer == "adam":
        # with full batch the best step is tracked every step, so the test set is only
        # needed once at the end; with a sliding window the full train loss is checked
        # 100 times per run
        every = max(1, config.steps // 100) if n_train > config.batch_cap else config.steps
        result = train_adam(model, data.x_train, data.y_train, config.steps, lr=config.lr,
                            x_test=data.x_test, y_test=data.y_test, batch_cap=config.batch_cap,
                            record_every=every)
    else:
        result = train_bfgs(model, data.x_train, data.y_train, max_steps=config.steps,
                            x_test=data.x_test, y_test=data.y_test)
    return {"rmse_test": result.rmse_test, "rmse_train": result.rmse_train, "n_params": n, "n_train": n_train,
            "seconds": result.seconds, "best_step": result.steps}


def run_simplex(config: SimplexRun) -> dict[str, Any]:
    """Simplex-interpolate ``config.n_train`` points; ``n_params`` follows the paper (|D|·(d+1)).

    Parameters
    ----------
    config : SimplexRun
        The run.

    Returns
    -------
    dict of str to Any
        ``rmse_test``, ``rmse_train``, ``n_params``, ``n_train``, ``n_outside`` (test points
        outside the hull) and ``seconds``.
    """
    target = get_target(config.target)
    start = time.perf_counter()
    fit = fit_simplex(sample(target, config.n_train, config.n_test, seed=config.seed))
    return {"rmse_test": fit.rmse_test, "rmse_train": fit.rmse_train, "n_params": fit.n_params,
            "n_train": config.n_train, "n_outside": fit.n_outside, "seconds": time.perf_counter() - start}


def medians(runs: list[dict[str, Any]], configs: list[Any], by: tuple[str, ...], key: str = "rmse_test",
            x: str = "n_params") -> dict[tuple, tuple[np.ndarray, np.ndarray]]:
    """Group runs by the config fields ``by`` (plus the width / size), and return for each
    group the sorted median ``x`` values and median ``key`` values.

    Parameters
    ----------
    runs : list of dict
        Results, one per config.
    configs : list
        The runs' configs, in the same order.
    by : tuple of str
        Config fields that name a group.
    key : str, optional
        The result to take the median of (default ``"rmse_test"``).
    x : str, optional
        The result on the x axis (default ``"n_params"``).

    Returns
    -------
    dict of tuple to (numpy.ndarray, numpy.ndarray)
        For each group, the median ``x`` and median ``key`` per size, sorted by ``x``.
    """
    groups: dict[tuple, dict[Any, list[tuple[float, float]]]] = {}
    for run, config in zip(runs, configs):
        size = getattr(config, "width", None) or getattr(config, "n_train")
        groups.setdefault(tuple(getattr(config, b) for b in by), {}).setdefault(size, []).append(
            (run[x], run[key]))
    out = {}
    for group, sizes in groups.items():
        rows = sorted((float(np.median([a for a, _ in v])), float(np.median([b for _, b in v])))
                      for v in sizes.values())
        out[group] = (np.array([r[0] for r in rows]), np.array([r[1] for r in rows]))
    return out


def net_cost(config: NetRun) -> float:
    """Rough relative cost of a run (parameters × training points × steps), to start the
    longest runs first so a pool of workers finishes together.

    Parameters
    ----------
    config : NetRun
        The run.

    Returns
    -------
    float
        Parameters × training points (at most ``batch_cap``) × steps.
    """
    n = net_params(config.target, config.depth, config.width, config.architecture)
    d = get_target(config.target).d
    return n * min(config.n_train or n // (d + 1), config.batch_cap) * config.steps


