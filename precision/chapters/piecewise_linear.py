"""Chapter 2 (piecewise linear methods): the runs of Figures 1, 2 and 3.

Figure 1 trains four small ReLU nets (:class:`ToyRun`); Figures 2 and 3 are sweeps of the
shared :class:`~precision.chapters.nets.NetRun` and :class:`~precision.chapters.nets.SimplexRun`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..modular import GRAPHS, stages
from ..models import mlp, n_params
from ..optimizers import train_adam
from ..targets import from_expression, get_target, sample
from .nets import NetRun, SimplexRun, width_for
from .runs import Job, one_thread_in_workers

__all__ = ["ToyRun", "figure1_configs", "run_toy", "toy_model", "toy_data", "figure2_configs", "figure3_configs"]


@dataclass(frozen=True)
class ToyRun(Job):
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

    def run(self) -> dict[str, Any]:
        return run_toy(self)

    def cost(self) -> float:
        return float(self.width ** 2 * self.n_train * self.steps)


def figure1_configs(steps: int) -> dict[str, ToyRun]:
    """Figure 1's four nets (SPEC §2): (a) 1-5-5-1 on cos(2x), x ∈ [3, 6], 23 points, seed 1;
    (b) 2-20-20-1 on xy, [1, 5]², 167 points, seed 0; each on raw and standardised inputs."""
    cos = dict(expr="cos(2*x)", domain=(("x", 3.0, 6.0),), n_train=23, width=5, seed=1, steps=steps)
    xy = dict(expr="x*y", domain=(("x", 1.0, 5.0), ("y", 1.0, 5.0)), n_train=167, width=20, seed=0, steps=steps)
    return {"cos raw": ToyRun(**cos), "cos standardised": ToyRun(**cos, standardize=True),
            "xy raw": ToyRun(**xy), "xy standardised": ToyRun(**xy, standardize=True)}


def toy_data(config: ToyRun):
    """The train/test sets of ``config`` (raw inputs) and the standardisation it uses."""
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
    one_thread_in_workers()
    data, mean, std = toy_data(config)
    model = toy_model(config)
    result = train_adam(model, (data.x_train - mean) / std, data.y_train, config.steps, lr=config.lr,
                        x_test=(data.x_test - mean) / std, y_test=data.y_test, record_every=config.steps)
    weights = torch.nn.utils.parameters_to_vector(model.parameters()).tolist()
    return {"rmse_train": result.rmse_train, "rmse_test": result.rmse_test, "n_params": n_params(model),
            "mean": mean.tolist(), "std": std.tolist(), "weights": weights, "seconds": result.seconds}


def figure2_configs(cfg) -> tuple[list[SimplexRun], list[NetRun]]:
    """Figure 2's runs from a :class:`precision.chapters.profiles.PiecewiseConfig`: simplex
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
