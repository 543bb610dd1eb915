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
from ..models import ACTIVATIONS, mlp, n_params
from ..optimizers import train_adam
from ..targets import Dataset, from_expression, get_target, sample
from .nets import NetRun, SimplexRun, width_for
from ..checks import check_positive_int, check_sizes
from ..targets import check_equations
from . import costs
from .registry import Chapter, knob, register
from .runs import Job, one_thread_in_workers

__all__ = ["ToyRun", "DRAWS", "authors_draw", "figure1_configs", "run_toy", "toy_model", "toy_data",
           "figure2_configs", "figure3_configs", "PiecewiseConfig", "check_simplex_fits", "simplex_reference", "batches",
           "CHAPTER"]

DRAWS = ("authors", "ours")
"""The two ways :class:`ToyRun` draws its points and initialises its nets."""


@dataclass(frozen=True)
class ToyRun(Job):
    """A small dense net fitted by full-batch Adam to a formula on a box (Figure 1):
    ``domain`` is ``((name, low, high), ...)``. The result keeps the trained weights so a
    figure can redraw the net without training it again.

    ``draw="authors"`` replays the authors' figure notebooks: after ``np.random.seed(seed)``
    the legacy global generator draws the ``n_train`` training inputs and then the
    ``n_test`` test inputs (:func:`authors_draw`); after ``torch.manual_seed(seed)`` the
    raw-input net is built first and the standardised-input net second, from the same torch
    stream; standardisation uses the training mean and the unbiased (ddof = 1) std.
    ``draw="ours"`` uses :func:`precision.targets.sample` (``default_rng(seed)``), a net
    seeded on its own and the ddof = 0 std.

    Attributes
    ----------
    expr : str
        The formula, in the names of ``domain``.
    domain : tuple of (str, float, float)
        Each input's name and interval.
    n_train : int
        Training points.
    width : int
        Hidden width.
    depth : int
        Number of Linear layers.
    seed : int
        Seed of the data and the weights.
    steps : int
        Adam's steps.
    lr : float
        Adam's learning rate.
    standardize : bool
        Train on standardised inputs.
    activation : str
        Hidden activation.
    n_test : int
        Test points.
    draw : str
        ``"authors"`` or ``"ours"``.
    """

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
    draw: str = "authors"

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        d = len(self.domain)
        P = costs.mlp_params(d, self.width, self.depth)
        return costs.Work(f"toy net {self.expr} P={P}", "adam",
                          costs.ops(costs.adam(self.steps, self.n_train, P, costs.units(self)),
                                    {"adam_flop": self.steps / 100 * self.n_test * P / 3}),
                          (costs.data_mem(self.n_train, self.n_test, d),
                           *costs.net_mem(self.n_test, self.width, self.depth, P)), self)

    def run(self) -> dict[str, Any]:
        """Compute the run (:func:`run_toy`).

        Returns
        -------
        dict of str to Any
            The run's results.
        """
        return run_toy(self)

    def cost(self) -> float:
        """Relative cost, for the sweep's order: width² × training points × steps.

        Returns
        -------
        float
            The relative cost.
        """
        return float(self.width ** 2 * self.n_train * self.steps)


def figure1_configs(steps: int, draw: str = "authors") -> dict[str, ToyRun]:
    """Figure 1's four nets (SPEC §2): (a) 1-5-5-1 on cos(2x), x ∈ [3, 6], 23 points, seed 1;
    (b) 2-20-20-1 on xy, [1, 5]², 167 points, seed 0; each on raw and standardised inputs.

    Parameters
    ----------
    steps : int
        Adam's steps of each net.
    draw : str, optional
        ``"authors"`` (default) or ``"ours"``.

    Returns
    -------
    dict of str to ToyRun
        The four runs, by name (``"cos raw"``, ``"cos standardised"``, ``"xy raw"``,
        ``"xy standardised"``).
    """
    cos = dict(expr="cos(2*x)", domain=(("x", 3.0, 6.0),), n_train=23, width=5, seed=1, steps=steps, draw=draw)
    xy = dict(expr="x*y", domain=(("x", 1.0, 5.0), ("y", 1.0, 5.0)), n_train=167, width=20, seed=0, steps=steps,
              draw=draw)
    return {"cos raw": ToyRun(**cos), "cos standardised": ToyRun(**cos, standardize=True),
            "xy raw": ToyRun(**xy), "xy standardised": ToyRun(**xy, standardize=True)}


def _check_draw(config: ToyRun) -> None:
    if config.draw not in DRAWS:
        raise ValueError(f"draw must be one of {', '.join(DRAWS)}; got {config.draw!r}")


def authors_draw(low, high, n_train: int, n_test: int, seed: int, test_shrink: float = 0.8):
    """The authors' inputs: ``np.random.seed(seed)`` (the legacy global ``RandomState``),
    then ``uniform(low, high, (n_train, d))`` for training and, from the same stream,
    ``uniform`` on the box shrunk about its centre to ``test_shrink`` of each side for the
    ``n_test`` test points. Uses a private ``RandomState(seed)``, which draws the same numbers
    without touching numpy's global state.

    Parameters
    ----------
    low, high : array_like
        The box's lower and upper corners, one value per input.
    n_train : int
        Training points.
    n_test : int
        Test points.
    seed : int
        Seed of the ``RandomState``.
    test_shrink : float, optional
        Fraction of each side the test box spans (default 0.8).

    Returns
    -------
    x_train : numpy.ndarray
        Training inputs, shape ``(n_train, d)``.
    x_test : numpy.ndarray
        Test inputs, shape ``(n_test, d)``.
    """
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    rs = np.random.RandomState(seed)
    x_train = rs.uniform(low=low, high=high, size=(n_train, len(low)))
    centre, width = (high + low) / 2, (high - low) * test_shrink
    x_test = rs.uniform(low=centre - width / 2, high=centre + width / 2, size=(n_test, len(low)))
    return x_train, x_test


def toy_data(config: ToyRun):
    """The train/test sets of ``config`` (raw inputs) and the standardisation it uses.

    Parameters
    ----------
    config : ToyRun
        The run.

    Returns
    -------
    data : Dataset
        Training and test sets on raw inputs.
    mean, std : numpy.ndarray
        Per input, what to subtract and divide by (zeros and ones without ``standardize``).

    Raises
    ------
    ValueError
        If ``config.draw`` is not allowed.
    """
    _check_draw(config)
    target = from_expression(config.expr, {name: (lo, hi) for name, lo, hi in config.domain})
    if config.draw == "authors":
        x_train, x_test = authors_draw(target.low, target.high, config.n_train, config.n_test, config.seed)
        data = Dataset(target, x_train, target(x_train), x_test, target(x_test))
    else:
        data = sample(target, config.n_train, config.n_test, seed=config.seed)
    if config.standardize:
        ddof = 1 if config.draw == "authors" else 0  # the authors: torch's std, unbiased
        mean, std = data.x_train.mean(axis=0), data.x_train.std(axis=0, ddof=ddof)
    else:
        mean, std = np.zeros(target.d), np.ones(target.d)
    return data, mean, std


def _authors_nets(config: ToyRun) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The authors' two nets: built one after the other, with torch's default ``nn.Linear``
    init, right after ``torch.manual_seed(seed)``; torch's global state is restored."""
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got '{config.activation}'")
    sizes = [len(config.domain)] + [config.width] * (config.depth - 1) + [1]

    def build() -> torch.nn.Sequential:
        layers: list[torch.nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(a, b, dtype=torch.float64))
            if i < config.depth - 1:
                layers.append(ACTIVATIONS[config.activation]())
        return torch.nn.Sequential(*layers)

    state = torch.random.get_rng_state()
    torch.manual_seed(config.seed)
    try:
        first = build()
        return first, build()
    finally:
        torch.random.set_rng_state(state)


def toy_model(config: ToyRun, weights: list[float] | None = None) -> torch.nn.Module:
    """The toy's network, at its seeded initialisation or with the given flat ``weights``.

    Parameters
    ----------
    config : ToyRun
        The run.
    weights : list of float or None, optional
        Flat parameters to load; ``None`` keeps the initialisation.

    Returns
    -------
    torch.nn.Module
        The network.

    Raises
    ------
    ValueError
        If ``config.draw`` or ``config.activation`` is not allowed.
    """
    _check_draw(config)
    if config.draw == "authors":
        model = _authors_nets(config)[1 if config.standardize else 0]
    else:
        model = mlp(len(config.domain), config.width, config.depth, config.activation, seed=config.seed)
    if weights is not None:
        flat = torch.tensor(weights, dtype=torch.float64)
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(flat, model.parameters())
    return model


def run_toy(config: ToyRun) -> dict[str, Any]:
    """Train the toy net; returns RMSEs, the standardisation and the trained flat weights.

    Two test RMSEs: ``rmse_test`` (ours, the paper's convention elsewhere) at the step of
    lowest training loss, where the weights are left; ``rmse_test_min`` (the authors'
    Figure 1 number), the lowest test RMSE among those recorded every 100 steps
    (``history`` rows: step, train RMSE, test RMSE).

    Parameters
    ----------
    config : ToyRun
        The run.

    Returns
    -------
    dict of str to Any
        ``rmse_train``, ``rmse_test``, ``rmse_test_min``, ``best_step``, ``history``,
        ``n_params``, ``mean``, ``std``, ``weights`` and ``seconds``.
    """
    one_thread_in_workers()
    data, mean, std = toy_data(config)
    model = toy_model(config)
    result = train_adam(model, (data.x_train - mean) / std, data.y_train, config.steps, lr=config.lr,
                        x_test=(data.x_test - mean) / std, y_test=data.y_test, record_every=100)
    weights = torch.nn.utils.parameters_to_vector(model.parameters()).tolist()
    return {"rmse_train": result.rmse_train, "rmse_test": result.rmse_test,
            "rmse_test_min": float(np.min(result.history[:, 2])), "best_step": result.steps,
            "history": result.history.tolist(), "n_params": n_params(model),
            "mean": mean.tolist(), "std": std.tolist(), "weights": weights, "seconds": result.seconds}


def figure2_configs(cfg) -> tuple[list[SimplexRun], list[NetRun]]:
    """Figure 2's runs from a :class:`PiecewiseConfig`: simplex
    interpolation at every size (sizes above ``simplex_max_high_d`` skipped for d ≥ 5, where
    Delaunay triangulation grows steeply), and dense ReLU nets at every depth and size.

    Parameters
    ----------
    cfg : PiecewiseConfig
        The resolved config.

    Returns
    -------
    tuple of (list of SimplexRun, list of NetRun)
        The simplex runs and the ReLU nets.
    """
    simplex, nets = [], []
    for eq in cfg.equations:
        d = get_target(eq).d
        for n in cfg.simplex_sizes:
            if d >= 5 and n > cfg.simplex_max_high_d:
                continue
            simplex += [SimplexRun(eq, n, seed, n_test=cfg.n_test) for seed in range(cfg.simplex_seeds)]
        nets += _dense(cfg, eq, cfg.depths, cfg.net_sizes, cfg.batch_cap)
    return simplex, nets


def _dense(cfg, eq: str, depths, sizes, batch_cap: int) -> list[NetRun]:
    return [NetRun(eq, depth, width_for(eq, depth, n), seed, steps=cfg.steps, batch_cap=batch_cap,
                   n_test=cfg.n_test)
            for depth in depths for n in sizes for seed in range(cfg.seeds)]


def figure3_configs(cfg) -> list[NetRun]:
    """Figure 3's runs: for each modular target and node depth, the modular net and a dense
    net of the same total depth, at every size of ``modular_sizes``; both train with Adam's
    full-batch cap ``modular_batch_cap`` (the authors: 30 000 for both, against Figure 2's
    10 000), so a dense net shares Figure 2's run (and cache entry) only where the caps agree.

    Parameters
    ----------
    cfg : PiecewiseConfig
        The resolved config.

    Returns
    -------
    list of NetRun
        The modular and dense nets.

    Raises
    ------
    ValueError
        If a modular target has no computational graph.
    """
    runs = []
    for eq in cfg.modular_targets:
        if eq not in GRAPHS:
            raise ValueError(f"modular_targets: no computational graph for {eq!r}; graphs exist for {', '.join(GRAPHS)}")
        n_stages = max(stages(get_target(eq).variables, GRAPHS[eq]).values())
        for node_depth in cfg.modular_node_depths:
            depth = node_depth * n_stages
            runs += [NetRun(eq, depth, width_for(eq, depth, n, "modular"), seed, architecture="modular",
                            steps=cfg.steps, batch_cap=cfg.modular_batch_cap, n_test=cfg.n_test)
                     for n in cfg.modular_sizes for seed in range(cfg.seeds)]
            runs += _dense(cfg, eq, (depth,), cfg.modular_sizes, cfg.modular_batch_cap)
    return runs


# --------------------------------------------------------------------------- the chapter
@dataclass(frozen=True)
class PiecewiseConfig:
    """Chapter 2's sizes: Figure 1 (``fig1_steps``), Figure 2 (simplex vs ReLU nets on six
    equations; ``batch_cap`` is Adam's full-batch limit) and Figure 3 (modular vs dense nets;
    ``modular_batch_cap`` the limit for both).

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    fig1_steps : int
        Adam's steps of Figure 1's nets (fixed).
    equations : tuple of str
        Equations of Figure 2.
    simplex_sizes : tuple of int
        Training points of the simplex runs.
    simplex_max_high_d : int
        Largest simplex size for 5 or more inputs (fixed).
    simplex_seeds : int
        Seeds per simplex size (fixed).
    fit_min_points : int
        Smallest simplex size the power law is fitted to (fixed).
    net_sizes : tuple of int
        Parameter counts of the ReLU nets.
    depths : tuple of int
        Numbers of Linear layers.
    seeds : int
        Seeds per net size.
    steps : int
        Adam's steps.
    batch_cap : int
        Adam's full-batch limit of Figure 2 (fixed).
    n_test : int
        Test points (fixed).
    modular_targets : tuple of str
        Equations of Figure 3.
    modular_node_depths : tuple of int
        Depths of each node's subnet (fixed).
    modular_sizes : tuple of int
        Parameter counts of Figure 3's nets (fixed).
    modular_batch_cap : int
        Adam's full-batch limit of Figure 3 (fixed).
    """

    profile: str = "book"
    fig1_steps: int = knob(check_positive_int, 25_000, fixed=True)
    equations: tuple[str, ...] = knob(check_equations, ("Z.001", "II.8.31", "I.30.5", "I.8.14", "I.44.4", "II.6.15a"))
    simplex_sizes: tuple[int, ...] = knob(check_sizes, (64, 256, 1024, 4096, 16_384))
    simplex_max_high_d: int = knob(check_positive_int, 1024, fixed=True)
    simplex_seeds: int = knob(check_positive_int, 4, fixed=True)
    fit_min_points: int = knob(check_positive_int, 256, fixed=True)
    net_sizes: tuple[int, ...] = knob(check_sizes, (256, 1024, 4096))
    depths: tuple[int, ...] = knob(check_sizes, (2, 3, 4))
    seeds: int = knob(check_positive_int, 2)
    steps: int = knob(check_positive_int, 4000)
    batch_cap: int = knob(check_positive_int, 10_000, fixed=True)
    n_test: int = knob(check_positive_int, 5000, fixed=True)
    modular_targets: tuple[str, ...] = knob(check_equations, ("I.8.14", "II.6.15a"))
    modular_node_depths: tuple[int, ...] = knob(check_sizes, (2,), fixed=True)
    modular_sizes: tuple[int, ...] = knob(check_sizes, (256, 1024, 4096), fixed=True)
    modular_batch_cap: int = knob(check_positive_int, 10_000, fixed=True)


SMOKE = dict(fig1_steps=3000, simplex_sizes=(64, 256, 1024, 4096), simplex_seeds=2, net_sizes=(128, 512), seeds=1,
             steps=300, n_test=2000, modular_targets=("I.8.14",), modular_sizes=(128, 512))
_PAPER_SIZES = (256, 1024, 4096, 16_384, 65_536, 262_144)
PAPER = dict(simplex_sizes=(64, *_PAPER_SIZES), simplex_max_high_d=262_144, net_sizes=_PAPER_SIZES, seeds=4,
             steps=20_000, n_test=30_000, modular_node_depths=(2, 3), modular_sizes=(*_PAPER_SIZES, 1_048_576),
             modular_batch_cap=30_000)  # the authors' cap for Figure 3 (precision.chapters.authors)


def check_simplex_fits(cfg: PiecewiseConfig) -> None:
    """Figure 2 fits a power law to each equation's simplex runs of at least ``fit_min_points``
    points: refuse a config that leaves an equation fewer than two such sizes (sizes above
    ``simplex_max_high_d`` are skipped for 5 or more inputs, as :func:`figure2_configs` skips them).

    Parameters
    ----------
    cfg : PiecewiseConfig
        The resolved config.

    Raises
    ------
    ValueError
        If an equation has fewer than two usable simplex sizes.
    """
    simplex, _ = figure2_configs(cfg)
    for eq in cfg.equations:
        usable = sorted({c.n_train for c in simplex if c.target == eq and c.n_train >= cfg.fit_min_points})
        if len(usable) < 2:
            raise ValueError(f"simplex_sizes must hold at least two sizes >= fit_min_points = {cfg.fit_min_points} "
                             f"for every equation (above simplex_max_high_d = {cfg.simplex_max_high_d} only for "
                             f"fewer than 5 inputs); {eq} has {usable or 'none'}")


def simplex_reference(cfg: PiecewiseConfig, eq: str) -> list[SimplexRun]:
    """Figure 3's simplex reference for a modular target that Figure 2 does not sweep: the
    three smallest ``simplex_sizes``.

    Parameters
    ----------
    cfg : PiecewiseConfig
        The resolved config.
    eq : str
        The equation id.

    Returns
    -------
    list of SimplexRun
        ``simplex_seeds`` runs per size.
    """
    return [SimplexRun(eq, n, s, n_test=cfg.n_test) for n in cfg.simplex_sizes[:3] for s in range(cfg.simplex_seeds)]


def batches(cfg: PiecewiseConfig) -> list[costs.Batch]:
    """The notebook's runs at ``cfg``, one batch per ``run_jobs`` call, in its order.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        Figure 1, Figure 2's simplex and ReLU sweeps, Figure 3's nets, and a simplex reference
        per modular target outside Figure 2.
    """
    simplex, dense = figure2_configs(cfg)
    out = [costs.Batch("Figure 1", tuple(figure1_configs(cfg.fig1_steps).values())),
           costs.Batch("Figure 2: simplex", tuple(simplex)), costs.Batch("Figure 2: ReLU nets", tuple(dense)),
           costs.Batch("Figure 3: modular vs dense", tuple(figure3_configs(cfg)))]
    return out + [costs.Batch(f"Figure 3: simplex {eq}", tuple(simplex_reference(cfg, eq)))
                  for eq in cfg.modular_targets if eq not in cfg.equations]


CHAPTER = register(Chapter("piecewise-linear", "2", "Piecewise linear methods", PiecewiseConfig, SMOKE, PAPER,
                           batches, checks=(check_simplex_fits,)))
