"""Chapter 1, introduction: precision floors of float formats, the loss decomposition of one
worked example, and what a scaling exponent costs (measured with simplex interpolation).

The notebook calls the methods library directly (:mod:`precision.floors`,
:mod:`precision.decomposition`, :func:`precision.fitting.fit_simplex`); its work is all
inline, in the notebook's own process.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..checks import check_nonnegative_int, check_positive_int, check_sizes
from ..targets import check_equation, check_equations, get_target
from . import costs
from .registry import Chapter, knob, register

__all__ = ["IntroductionConfig", "CHAPTER", "check_1d_equation", "batches"]


def check_1d_equation(name: str, value: Any) -> str:
    """One usable equation id of a function of one input (the worked example of §1.2).

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
        If ``value`` is not a known equation id, or its equation has more than one input.
    """
    value = check_equation(name, value)
    d = get_target(value).d
    if d != 1:
        raise ValueError(f"{name} must be a 1-D equation; {value} has {d} inputs")
    return value


_FLOOR_TARGETS = ("Z.001", "Z.002", "Z.009", "I.6.2a", "I.30.5", "I.8.14", "I.11.19", "II.6.15a")


@dataclass(frozen=True)
class IntroductionConfig:
    """Chapter 1's sizes: precision floors (``floor_*``, ``reference_digits`` of the mpmath
    reference), the worked example of §1.2 (``example_*``, the Adam and BFGS budgets,
    ``restarts`` of BFGS) and the simplex runs of §1.3 (``scaling_*``, ``seeds`` per size).

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    floor_targets : tuple of str
        Equations whose precision floors are computed.
    floor_points : int
        Points per equation for the floors.
    reference_digits : int
        Decimal digits of the mpmath reference (fixed).
    example_target : str
        The 1-D equation of the worked example.
    example_width : int
        Hidden width of the worked example's net.
    example_n_small, example_n_large : int
        The worked example's small and large training sets (fixed).
    n_test : int
        Test points (fixed).
    adam_steps : int
        Adam's steps in the worked example (fixed).
    bfgs_steps : int
        BFGS's maximum steps in the worked example (fixed).
    restarts : int
        BFGS restarts in the worked example (fixed).
    scaling_targets : tuple of str
        Equations of the simplex runs (fixed).
    scaling_sizes : tuple of int
        Training set sizes of the simplex runs.
    seeds : int
        Seeds per size of the simplex runs (fixed).
    seed : int
        First seed.
    """

    profile: str = "book"
    floor_targets: tuple[str, ...] = knob(check_equations, _FLOOR_TARGETS)
    floor_points: int = knob(check_positive_int, 2000)
    reference_digits: int = knob(check_positive_int, 40, fixed=True)
    example_target: str = knob(check_1d_equation, "Z.002")
    example_width: int = knob(check_positive_int, 6)
    example_n_small: int = knob(check_positive_int, 12, fixed=True)
    example_n_large: int = knob(check_positive_int, 2000, fixed=True)
    n_test: int = knob(check_positive_int, 10_000, fixed=True)
    adam_steps: int = knob(check_positive_int, 20_000, fixed=True)
    bfgs_steps: int = knob(check_positive_int, 5000, fixed=True)
    restarts: int = knob(check_positive_int, 4, fixed=True)
    scaling_targets: tuple[str, ...] = knob(check_equations, ("Z.001", "Z.008"), fixed=True)
    scaling_sizes: tuple[int, ...] = knob(check_sizes, (64, 256, 1024, 4096, 16_384, 65_536))
    seeds: int = knob(check_positive_int, 8, fixed=True)
    seed: int = knob(check_nonnegative_int, 0)


SMOKE = dict(floor_targets=("Z.001", "Z.002", "I.8.14"), floor_points=200, reference_digits=30, example_n_large=200,
             n_test=2000, adam_steps=300, bfgs_steps=1000, restarts=1, scaling_sizes=(64, 256, 1024, 4096, 16_384))
PAPER = dict(floor_points=30_000, reference_digits=50, example_n_large=30_000, n_test=30_000, adam_steps=30_000,
             bfgs_steps=25_000, restarts=8, scaling_sizes=(64, 256, 1024, 4096, 16_384, 65_536, 262_144))


def _decomposition_work(cfg: IntroductionConfig) -> costs.Work:
    d = get_target(cfg.example_target).d
    P = costs.mlp_params(d, cfg.example_width, 2)
    u = cfg.example_width
    ops = costs.ops(costs.bfgs(cfg.bfgs_steps * cfg.restarts, cfg.example_n_large, P, u),
                    costs.adam(cfg.adam_steps, cfg.example_n_large, P, u),
                    costs.bfgs(cfg.bfgs_steps, cfg.example_n_small, P, u), {"mp_point": min(cfg.n_test, 2000) + 500})
    return costs.Work(f"loss decomposition (BFGS ×{cfg.restarts}, Adam, mpmath) on {cfg.example_target}", "inline", ops,
                      (costs.data_mem(cfg.example_n_large, cfg.n_test, d),
                       *costs.net_mem(cfg.example_n_large, cfg.example_width, 2, P, True)), None, True)


def batches(cfg: IntroductionConfig) -> list[costs.Batch]:
    """The notebook's work at ``cfg``, all inline: mpmath floors, the worked example, the
    simplex fits of §1.3.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        In the notebook's order.
    """
    from ..floors import FORMATS
    from .nets import SimplexRun

    scaling = [SimplexRun(name, n, cfg.seed + s, n_test=cfg.n_test) for name in cfg.scaling_targets
               for n in cfg.scaling_sizes for s in range(cfg.seeds)]
    floors = costs.floors_work(f"mpmath floors of {len(cfg.floor_targets)} targets × {cfg.floor_points:,} points",
                               len(cfg.floor_targets), cfg.floor_points, len(FORMATS))
    return [costs.Batch("precision floors", (floors,), True),
            costs.Batch("worked example", (_decomposition_work(cfg),), True),
            costs.Batch("simplex scaling (§1.3)", tuple(dataclasses.replace(j.work(), inline=True) for j in scaling), True)]


CHAPTER = register(Chapter("introduction", "1", "Introduction", IntroductionConfig, SMOKE, PAPER, batches))
