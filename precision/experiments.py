"""One training or interpolation run per config: the units the sweeps of Figures 2, 3, 5
and A3 are made of.

A config is a frozen dataclass of plain values, so :func:`precision.sweep.run_sweep` can
key its cache on it; the run function returns a small dict of numbers. The paper's
conventions (SPEC, "Conventions") are the defaults: networks see |D| = N // (d+1)
training points for N parameters, inputs standardised with the training mean and std,
test RMSE reported at the step of lowest training RMSE.
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .modular import GRAPHS, graph_params, modular_mlp, node_params, stages
from .models import ACTIVATIONS, mlp, n_params
from .targets import get_target, sample

__all__ = ["net_cost", "figure1_configs", "ToyRun", "run_toy", "toy_model", "toy_data", "figure2_configs", "figure3_configs", "NetRun", "SimplexRun", "run_net", "run_simplex", "build_net", "net_params", "width_for",
           "ARCHITECTURES", "OPTIMIZERS"]

ARCHITECTURES = ("dense", "modular")
OPTIMIZERS = ("adam", "bfgs")


@dataclass(frozen=True)
class NetRun:
    """One network trained on one equation.

    ``steps`` is Adam's step count, or BFGS's maximum. ``batch_cap``: Adam uses full batch
    up to this many points, else a sliding window (paper: 10 000 for ReLU sweeps, 30 000
    for tanh/modular). ``n_train=None`` means the paper's N // (d+1).
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


@dataclass(frozen=True)
class SimplexRun:
    """Linear simplex interpolation of ``n_train`` points of one equation."""

    target: str
    n_train: int
    seed: int = 0
    n_test: int = 30_000


def net_params(target: str, depth: int, width: int, architecture: str = "dense") -> int:
    """Parameter count of the net a :class:`NetRun` would build (without building it)."""
    if architecture == "modular":
        graph = GRAPHS[target]
        n_stages = max(stages(get_target(target).variables, graph).values())
        return graph_params(graph, width, depth // n_stages)
    return node_params(get_target(target).d, width, depth)


def width_for(target: str, depth: int, n: int, architecture: str = "dense") -> int:
    """The width whose parameter count is closest to ``n``."""
    lo, hi = 1, 1
    while net_params(target, depth, hi, architecture) < n:
        hi *= 2
    while hi - lo > 1:  # parameter count grows with width
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if net_params(target, depth, mid, architecture) < n else (lo, mid)
    return min((lo, hi), key=lambda w: abs(net_params(target, depth, w, architecture) - n))


def _check(config: NetRun) -> None:
    from .profiles import check_equation, check_positive_int

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
    """The (untrained, seeded) network of ``config``."""
    _check(config)
    if config.architecture == "modular":
        return modular_mlp(config.target, config.width, config.depth, config.activation, config.seed)
    return mlp(get_target(config.target).d, config.width, config.depth, config.activation, seed=config.seed)


def _one_thread_in_workers() -> None:
    # Sweeps run one process per core; a torch thread pool inside each would oversubscribe.
    if multiprocessing.parent_process() is not None:
        torch.set_num_threads(1)


def run_net(config: NetRun) -> dict[str, Any]:
    """Train the network of ``config``; returns RMSEs, sizes and wall time."""
    from .optimizers import train_adam, train_bfgs

    _one_thread_in_workers()
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
    """Simplex-interpolate ``config.n_train`` points; ``n_params`` follows the paper (|D|·(d+1))."""
    from .fitting import fit_simplex

    target = get_target(config.target)
    start = time.perf_counter()
    fit = fit_simplex(sample(target, config.n_train, config.n_test, seed=config.seed))
    return {"rmse_test": fit.rmse_test, "rmse_train": fit.rmse_train, "n_params": fit.n_params,
            "n_train": config.n_train, "n_outside": fit.n_outside, "seconds": time.perf_counter() - start}


def medians(runs: list[dict[str, Any]], configs: list[Any], by: tuple[str, ...], key: str = "rmse_test",
            x: str = "n_params") -> dict[tuple, tuple[np.ndarray, np.ndarray]]:
    """Group runs by the config fields ``by`` (plus the width / size), and return for each
    group the sorted median ``x`` values and median ``key`` values."""
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


# --------------------------------------------------------------------------- Figure 1 toys
@dataclass(frozen=True)
class ToyRun:
    """A small dense net fitted by full-batch Adam to a formula on a box (Figure 1):
    ``domain`` is ``((name, low, high), ...)``. The result keeps the trained weights so a
    figure can redraw the net without training it again."""

    expr: str
    domain: tuple[tuple[str, float, float], ...]
    n_train: int
    width: int
    depth: int = 3
    seed: int = 0
    steps: int = 25_000
    lr: float = 1e-3
    standardize: bool = False
    activation: str = "relu"
    n_test: int = 30_000


def figure1_configs(steps: int) -> dict[str, ToyRun]:
    """Figure 1's four nets (SPEC §2): (a) 1-5-5-1 on cos(2x), x ∈ [3, 6], 23 points, seed 1;
    (b) 2-20-20-1 on xy, [1, 5]², 167 points, seed 0; each on raw and standardised inputs."""
    cos = dict(expr="cos(2*x)", domain=(("x", 3.0, 6.0),), n_train=23, width=5, seed=1, steps=steps)
    xy = dict(expr="x*y", domain=(("x", 1.0, 5.0), ("y", 1.0, 5.0)), n_train=167, width=20, seed=0, steps=steps)
    return {"cos raw": ToyRun(**cos), "cos standardised": ToyRun(**cos, standardize=True),
            "xy raw": ToyRun(**xy), "xy standardised": ToyRun(**xy, standardize=True)}


def toy_data(config: ToyRun):
    """The train/test sets of ``config`` (raw inputs) and the standardisation it uses."""
    from .targets import from_expression

    target = from_expression(config.expr, {name: (lo, hi) for name, lo, hi in config.domain})
    data = sample(target, config.n_train, config.n_test, seed=config.seed)
    if config.standardize:
        mean, std = data.x_train.mean(axis=0), data.x_train.std(axis=0)
    else:
        mean, std = np.zeros(target.d), np.ones(target.d)
    return data, mean, std


def toy_model(config: ToyRun, weights: list[float] | None = None) -> torch.nn.Module:
    """The toy's network, at its seeded initialisation or with the given flat ``weights``."""
    model = mlp(len(config.domain), config.width, config.depth, config.activation, seed=config.seed)
    if weights is not None:
        flat = torch.tensor(weights, dtype=torch.float64)
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(flat, model.parameters())
    return model


def run_toy(config: ToyRun) -> dict[str, Any]:
    """Train the toy net; returns RMSEs, the standardisation and the trained flat weights."""
    from .optimizers import train_adam

    _one_thread_in_workers()
    data, mean, std = toy_data(config)
    model = toy_model(config)
    result = train_adam(model, (data.x_train - mean) / std, data.y_train, config.steps, lr=config.lr,
                        x_test=(data.x_test - mean) / std, y_test=data.y_test, record_every=config.steps)
    weights = torch.nn.utils.parameters_to_vector(model.parameters()).tolist()
    return {"rmse_train": result.rmse_train, "rmse_test": result.rmse_test, "n_params": n_params(model),
            "mean": mean.tolist(), "std": std.tolist(), "weights": weights, "seconds": result.seconds}


# --------------------------------------------------------------------------- chapter sweeps
def net_cost(config: NetRun) -> float:
    """Rough relative cost of a run (parameters × training points × steps), to start the
    longest runs first so a pool of workers finishes together."""
    n = net_params(config.target, config.depth, config.width, config.architecture)
    d = get_target(config.target).d
    return n * min(config.n_train or n // (d + 1), config.batch_cap) * config.steps


def figure2_configs(cfg) -> tuple[list[SimplexRun], list[NetRun]]:
    """Figure 2's runs from a :class:`precision.profiles.PiecewiseConfig`: simplex
    interpolation at every size (sizes above ``simplex_max_high_d`` skipped for d ≥ 5, where
    Delaunay triangulation grows steeply), and dense ReLU nets at every depth and size."""
    simplex, nets = [], []
    for eq in cfg.equations:
        d = get_target(eq).d
        for n in cfg.simplex_sizes:
            if d >= 5 and n > cfg.simplex_max_high_d:
                continue
            simplex += [SimplexRun(eq, n, seed, n_test=cfg.n_test) for seed in range(cfg.simplex_seeds)]
        nets += _dense(cfg, eq, cfg.depths, cfg.net_sizes)
    return simplex, nets


def _dense(cfg, eq: str, depths, sizes) -> list[NetRun]:
    return [NetRun(eq, depth, width_for(eq, depth, n), seed, steps=cfg.steps, batch_cap=cfg.batch_cap,
                   n_test=cfg.n_test)
            for depth in depths for n in sizes for seed in range(cfg.seeds)]


def figure3_configs(cfg) -> list[NetRun]:
    """Figure 3's runs: for each modular target and node depth, the modular net and a dense
    net of the same total depth, at every size of ``modular_sizes``."""
    runs = []
    for eq in cfg.modular_targets:
        if eq not in GRAPHS:
            raise ValueError(f"modular_targets: no computational graph for {eq!r}; graphs exist for {', '.join(GRAPHS)}")
        n_stages = max(stages(get_target(eq).variables, GRAPHS[eq]).values())
        for node_depth in cfg.modular_node_depths:
            depth = node_depth * n_stages
            runs += [NetRun(eq, depth, width_for(eq, depth, n, "modular"), seed, architecture="modular",
                            steps=cfg.steps, batch_cap=cfg.batch_cap, n_test=cfg.n_test)
                     for n in cfg.modular_sizes for seed in range(cfg.seeds)]
            runs += _dense(cfg, eq, (depth,), cfg.modular_sizes)
    return runs
