"""Run sizes for every chapter, per profile, and validation of notebook parameters.

Three profiles, one notebook: ``smoke`` (seconds; tests and CI), ``book`` (the default
build: the paper's claims visible on a 2-core laptop) and ``paper`` (the authors' sizes).
A notebook's ``parameters`` cell sets ``profile`` plus knobs that default to ``None``;
:func:`resolve` fills them from the profile and checks every value before any compute.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

from ..checks import (check_nonnegative_int, check_positive_float, check_positive_floats, check_positive_int,
                      check_relative_precisions, check_sizes)
from ..targets import check_equation, check_equations, check_target, check_targets, get_target

__all__ = ["PROFILES", "CHAPTER_OF", "resolve", "sizes", "check_profile"]

PROFILES = ("smoke", "book", "paper")
#: A book notebook's name → its chapter here, where the two differ.
CHAPTER_OF = {"piecewise-linear": "piecewise"}


def check_profile(profile: Any) -> str:
    """``profile`` if it is one of :data:`PROFILES`."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(repr(p) for p in PROFILES)}; got {profile!r}")
    return profile


def _knob(check: Callable[[str, Any], Any]) -> Any:
    return field(metadata={"check": check})


def check_1d_equation(name: str, value: Any) -> str:
    """One usable equation id of a function of one input (the worked example of §1.2)."""
    value = check_equation(name, value)
    d = get_target(value).d
    if d != 1:
        raise ValueError(f"{name} must be a 1-D equation; {value} has {d} inputs")
    return value


# --------------------------------------------------------------------------- chapter sizes
@dataclass(frozen=True)
class IntroductionConfig:
    """Chapter 1: precision floors, loss decomposition, cost of scaling exponents."""

    profile: str
    floor_targets: tuple[str, ...] = _knob(check_equations)
    floor_points: int = _knob(check_positive_int)
    reference_digits: int = _knob(check_positive_int)
    example_target: str = _knob(check_1d_equation)
    example_width: int = _knob(check_positive_int)
    example_n_small: int = _knob(check_positive_int)
    example_n_large: int = _knob(check_positive_int)
    n_test: int = _knob(check_positive_int)
    adam_steps: int = _knob(check_positive_int)
    bfgs_steps: int = _knob(check_positive_int)
    restarts: int = _knob(check_positive_int)
    scaling_targets: tuple[str, ...] = _knob(check_equations)
    scaling_sizes: tuple[int, ...] = _knob(check_sizes)
    seeds: int = _knob(check_positive_int)
    seed: int = _knob(check_nonnegative_int)


_FLOOR_TARGETS_ALL = ("Z.001", "Z.002", "Z.009", "I.6.2a", "I.30.5", "I.8.14", "I.11.19", "II.6.15a")

SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "introduction": {
        "smoke": dict(floor_targets=("Z.001", "Z.002", "I.8.14"), floor_points=200, reference_digits=30,
                      example_target="Z.002", example_width=6, example_n_small=12, example_n_large=200,
                      n_test=2000, adam_steps=300, bfgs_steps=1000, restarts=1,
                      scaling_targets=("Z.001", "Z.008"), scaling_sizes=(64, 256, 1024, 4096, 16_384), seeds=8,
                      seed=0),
        "book": dict(floor_targets=_FLOOR_TARGETS_ALL, floor_points=2000, reference_digits=40,
                     example_target="Z.002", example_width=6, example_n_small=12, example_n_large=2000,
                     n_test=10_000, adam_steps=20_000, bfgs_steps=5000, restarts=4,
                     scaling_targets=("Z.001", "Z.008"), scaling_sizes=(64, 256, 1024, 4096, 16_384, 65_536),
                     seeds=8, seed=0),
        "paper": dict(floor_targets=_FLOOR_TARGETS_ALL, floor_points=30_000, reference_digits=50,
                      example_target="Z.002", example_width=6, example_n_small=12, example_n_large=30_000,
                      n_test=30_000, adam_steps=30_000, bfgs_steps=25_000, restarts=8,
                      scaling_targets=("Z.001", "Z.008"),
                      scaling_sizes=(64, 256, 1024, 4096, 16_384, 65_536, 262_144), seeds=8, seed=0),
    },
}

@dataclass(frozen=True)
class PiecewiseConfig:
    """Chapter 2: Figure 1 (toy fits, linear regions), Figure 2 (simplex vs ReLU nets on six
    equations), Figure 3 (modular vs dense nets). ``batch_cap`` is Adam's full-batch limit for
    Figure 2's nets, ``modular_batch_cap`` the one for Figure 3's nets, modular and dense."""

    profile: str
    fig1_steps: int = _knob(check_positive_int)
    equations: tuple[str, ...] = _knob(check_equations)
    simplex_sizes: tuple[int, ...] = _knob(check_sizes)
    simplex_max_high_d: int = _knob(check_positive_int)
    simplex_seeds: int = _knob(check_positive_int)
    fit_min_points: int = _knob(check_positive_int)
    net_sizes: tuple[int, ...] = _knob(check_sizes)
    depths: tuple[int, ...] = _knob(check_sizes)
    seeds: int = _knob(check_positive_int)
    steps: int = _knob(check_positive_int)
    batch_cap: int = _knob(check_positive_int)
    n_test: int = _knob(check_positive_int)
    modular_targets: tuple[str, ...] = _knob(check_equations)
    modular_node_depths: tuple[int, ...] = _knob(check_sizes)
    modular_sizes: tuple[int, ...] = _knob(check_sizes)
    modular_batch_cap: int = _knob(check_positive_int)


_FIG2_EQUATIONS = ("Z.001", "II.8.31", "I.30.5", "I.8.14", "I.44.4", "II.6.15a")

SIZES["piecewise"] = {
    "smoke": dict(fig1_steps=3000, equations=_FIG2_EQUATIONS, simplex_sizes=(64, 256, 1024, 4096),
                  simplex_max_high_d=1024, simplex_seeds=2, fit_min_points=256, net_sizes=(128, 512), depths=(2, 3, 4), seeds=1,
                  steps=300, batch_cap=10_000, n_test=2000, modular_targets=("I.8.14",), modular_node_depths=(2,),
                  modular_sizes=(128, 512), modular_batch_cap=10_000),
    "book": dict(fig1_steps=25_000, equations=_FIG2_EQUATIONS, simplex_sizes=(64, 256, 1024, 4096, 16_384),
                 simplex_max_high_d=1024, simplex_seeds=4, fit_min_points=256, net_sizes=(256, 1024, 4096), depths=(2, 3, 4), seeds=2,
                 steps=4000, batch_cap=10_000, n_test=5000, modular_targets=("I.8.14", "II.6.15a"),
                 modular_node_depths=(2,), modular_sizes=(256, 1024, 4096), modular_batch_cap=10_000),
    "paper": dict(fig1_steps=25_000, equations=_FIG2_EQUATIONS,
                  simplex_sizes=(64, 256, 1024, 4096, 16_384, 65_536, 262_144), simplex_max_high_d=262_144,
                  simplex_seeds=4, fit_min_points=256, net_sizes=(256, 1024, 4096, 16_384, 65_536, 262_144), depths=(2, 3, 4), seeds=4,
                  steps=20_000, batch_cap=10_000, n_test=30_000, modular_targets=("I.8.14", "II.6.15a"),
                  modular_node_depths=(2, 3), modular_sizes=(256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576),
                  modular_batch_cap=30_000),  # the authors' cap for Figure 3 (precision.chapters.authors)
}


def check_simplex_fits(cfg: PiecewiseConfig) -> None:
    """Figure 2 fits a power law to each equation's simplex runs of at least ``fit_min_points``
    points: refuse a config that leaves an equation fewer than two such sizes (sizes above
    ``simplex_max_high_d`` are skipped for 5 or more inputs, as
    :func:`~precision.chapters.piecewise_linear.figure2_configs` skips them)."""
    from .piecewise_linear import figure2_configs

    simplex, _ = figure2_configs(cfg)
    for eq in cfg.equations:
        usable = sorted({c.n_train for c in simplex if c.target == eq and c.n_train >= cfg.fit_min_points})
        if len(usable) < 2:
            raise ValueError(f"simplex_sizes must hold at least two sizes >= fit_min_points = {cfg.fit_min_points} "
                             f"for every equation (above simplex_max_high_d = {cfg.simplex_max_high_d} only for "
                             f"fewer than 5 inputs); {eq} has {usable or 'none'}")


#: Figure 4's test sets (:class:`NonlinearConfig`).
SPLINE_TESTS = ("uniform", "grid")


def _check_spline_test(name: str, value: Any) -> str:
    from ..checks import check_choice

    return check_choice(name, value, SPLINE_TESTS)


@dataclass(frozen=True)
class NonlinearConfig:
    """Chapter 3: Figure 4 (spline scaling), Figure 5 (tanh vs ReLU vs simplex), Figure 6
    (I.11.19 and the multiplication gadget).

    ``spline_test`` is Figure 4's test set, one of :data:`SPLINE_TESTS`: ``"uniform"``,
    ``spline_n_test`` random points in the central 80 % of each box (SPEC conventions), or
    ``"grid"``, the authors' evenly spaced test grids in 1-D and 2-D
    (:data:`precision.chapters.nonlinear.TEST_GRIDS`; 3-D stays on random points, as theirs did).
    ``spline_seeds`` random test draws are averaged for every curve tested on random points."""

    profile: str
    spline_n_test: int = _knob(check_positive_int)
    spline_test: str = _knob(_check_spline_test)
    spline_seeds: int = _knob(check_positive_int)
    sizes_1d: tuple[int, ...] = _knob(check_sizes)
    sizes_2d: tuple[int, ...] = _knob(check_sizes)
    sizes_3d: tuple[int, ...] = _knob(check_sizes)
    equations: tuple[str, ...] = _knob(check_equations)
    net_sizes: tuple[int, ...] = _knob(check_sizes)
    depths: tuple[int, ...] = _knob(check_sizes)
    seeds: int = _knob(check_positive_int)
    steps: int = _knob(check_positive_int)
    n_test: int = _knob(check_positive_int)
    simplex_sizes: tuple[int, ...] = _knob(check_sizes)
    simplex_seeds: int = _knob(check_positive_int)
    gadget_points: int = _knob(check_positive_int)


@dataclass(frozen=True)
class AppendixCConfig:
    """Appendix C: tanh nets trained by BFGS vs Adam (Figure A3)."""

    profile: str
    equations: tuple[str, ...] = _knob(check_equations)
    net_sizes: tuple[int, ...] = _knob(check_sizes)
    depths: tuple[int, ...] = _knob(check_sizes)
    seeds: int = _knob(check_positive_int)
    adam_steps: int = _knob(check_positive_int)
    bfgs_steps: int = _knob(check_positive_int)
    n_test: int = _knob(check_positive_int)


_FIG5_EQUATIONS = ("I.30.5", "I.8.14", "I.44.4", "II.6.15a")
# Tanh Adam runs of Appendix C use the chapter's steps and n_test, so they come from its cache.
_TANH = {"smoke": dict(depths=(2, 3, 4), seeds=1, steps=300, n_test=2000),
         "book": dict(depths=(2, 3, 4), seeds=1, steps=4000, n_test=5000),
         "paper": dict(depths=(2, 3, 4), seeds=4, steps=20_000, n_test=30_000)}
_SPLINE_GRIDS = dict(sizes_1d=(4, 6, 8, 11, 16, 23, 32, 45, 64, 90, 128, 256, 512, 1024, 2048),
                     sizes_2d=(6, 8, 11, 16, 23, 32, 45, 64, 90, 128, 181, 256),
                     sizes_3d=(6, 8, 10, 14, 20, 28, 40, 48, 64, 80, 96))
_PAPER_NET_SIZES = (256, 1024, 4096, 16_384, 65_536, 262_144)
# The authors' Figure 4 grids (precision.chapters.authors): D = ⌊1.5^i⌋ points, i = 6…36 in 1-D
# (11 … 2 184 164); in 2-D ⌊√⌊1.5^i⌋⌋ points per side, i = 9…35 (6 … 1206).
_AUTHORS_1D = tuple(int(1.5**i) for i in range(6, 37))
_AUTHORS_2D = tuple(int(int(1.5**i) ** 0.5) for i in range(9, 36))

SIZES["nonlinear"] = {
    "smoke": dict(spline_n_test=5000, spline_test="uniform", spline_seeds=1, **_SPLINE_GRIDS,
                  equations=_FIG5_EQUATIONS, net_sizes=(128, 512),
                  **_TANH["smoke"], simplex_sizes=(64,), simplex_seeds=1, gadget_points=2000),
    "book": dict(spline_n_test=30_000, spline_test="uniform", spline_seeds=1, **_SPLINE_GRIDS,
                 equations=_FIG5_EQUATIONS, net_sizes=(256, 1024, 4096),
                 **_TANH["book"], simplex_sizes=(256, 1024), simplex_seeds=1, gadget_points=10_000),
    # Figure 4 as the authors ran it: their grids, their test grids, 4 test draws in 3-D
    "paper": dict(spline_n_test=30_000, spline_test="grid", spline_seeds=4,
                  **dict(_SPLINE_GRIDS, sizes_1d=_AUTHORS_1D, sizes_2d=_AUTHORS_2D),
                  equations=_FIG5_EQUATIONS, net_sizes=_PAPER_NET_SIZES,
                  **_TANH["paper"], simplex_sizes=(64, 256, 1024, 4096, 16_384, 65_536, 262_144), simplex_seeds=4,
                  gadget_points=30_000),
}

SIZES["appendix-c"] = {
    profile: dict(equations=_FIG5_EQUATIONS, net_sizes=sizes_, depths=_TANH[profile]["depths"],
                  seeds=_TANH[profile]["seeds"], adam_steps=_TANH[profile]["steps"], bfgs_steps=bfgs,
                  n_test=_TANH[profile]["n_test"])
    for profile, sizes_, bfgs in (("smoke", (128,), 200), ("book", (256, 1024), 2000),
                                  ("paper", _PAPER_NET_SIZES[:5], 25_000))  # dense BFGS: P² memory (65 536² is 34 GB)
}

CONFIGS: dict[str, type] = {"introduction": IntroductionConfig, "piecewise": PiecewiseConfig,
                            "nonlinear": NonlinearConfig, "appendix-c": AppendixCConfig}
#: Checks of a resolved config that tie several knobs together, run by :func:`resolve`.
CONSISTENCY: dict[str, tuple[Callable[[Any], None], ...]] = {"piecewise": (check_simplex_fits,)}


# --------------------------------------------------------------------------- Chapter 4
#: The two conventions of the low-curvature steps (:mod:`precision.chapters.optimization`):
#: "book" takes a step only when it lowers the training loss and stops when none does;
#: "authors" takes every step the line search returns and runs all of them.
LOWCURV_MODES = ("book", "authors")


def check_lowcurv_mode(name: str, value: Any) -> str:
    """One of :data:`LOWCURV_MODES`."""
    if value not in LOWCURV_MODES:
        raise ValueError(f"{name} must be one of {', '.join(repr(m) for m in LOWCURV_MODES)}; got {value!r}")
    return value


def check_search_points(name: str, value: Any) -> int:
    """Step sizes per grid of a logarithmic line search: an int >= 2."""
    if not (isinstance(value, int) and not isinstance(value, bool)) or value < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {value!r}")
    return value


def check_search_lows(name: str, value: Any) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """Per-target lower ends of the line search: a mapping (or pairs) target → one lower end
    per boosting stage (the last serves later stages), each a positive number below 1e12.
    Returned as a tuple of ``(target, lows)`` pairs."""
    pairs = value.items() if isinstance(value, dict) else value
    try:
        pairs = [(k, v) for k, v in pairs]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must map targets to lists of lower ends, e.g. {{'Z.008': [1e-25]}}; "
                         f"got {value!r}") from None
    out = []
    for target, lows in pairs:
        check_target(name, target)
        lows = check_positive_floats(f"{name}[{target!r}]", (lows,) if isinstance(lows, (int, float)) else lows)
        if max(lows) >= 1e12:
            raise ValueError(f"{name}[{target!r}] must lie below the line search's upper end 1e12, got {lows!r}")
        out.append((target, lows))
    if len({t for t, _ in out}) != len(out):
        raise ValueError(f"{name} names a target twice: {value!r}")
    return tuple(out)


@dataclass(frozen=True)
class OptimizationConfig:
    """Chapter 4: Figure 7 (Hessian spectrum after Adam), Figures 8 and 9 (learning curves of
    Adam, BFGS and the combined pipeline), §4.3 (cost of a Hessian eigen-step)."""

    profile: str
    fig8_targets: tuple[str, ...] = _knob(check_targets)
    fig9_targets: tuple[str, ...] = _knob(check_targets)
    fig8_n_train: int = _knob(check_positive_int)
    fig9_n_train: int = _knob(check_positive_int)
    n_test: int = _knob(check_positive_int)
    adam_lrs: tuple[float, ...] = _knob(check_positive_floats)
    adam_steps_fig8: int = _knob(check_positive_int)
    adam_steps_fig9: int = _knob(check_positive_int)
    adam_width: int = _knob(check_positive_int)
    bfgs_steps: int = _knob(check_positive_int)
    pipeline_width: int = _knob(check_positive_int)
    pipeline_bfgs_steps: int = _knob(check_positive_int)
    lowcurv_steps: int = _knob(check_positive_int)
    hessian_every: int = _knob(check_positive_int)
    tau: float = _knob(check_positive_float)
    stages: int = _knob(check_positive_int)
    lowcurv_mode: str = _knob(check_lowcurv_mode)
    search_low: float = _knob(check_positive_float)
    search_points: int = _knob(check_search_points)
    search_zooms: int = _knob(check_nonnegative_int)
    fig9_search_low: tuple[tuple[str, tuple[float, ...]], ...] = _knob(check_search_lows)
    fig9_search_points: int = _knob(check_search_points)
    hessian_widths: tuple[int, ...] = _knob(check_sizes)
    hessian_n: int = _knob(check_positive_int)
    speed_rmse: float = _knob(check_positive_float)
    speed_max_steps: int = _knob(check_positive_int)


_LRS = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5)
_OPT_COMMON = dict(fig8_targets=("teacher", "Z.001"), fig9_targets=("Z.008", "I.11.19"), adam_lrs=_LRS,
                   adam_width=40, pipeline_width=20, tau=1e-15, stages=2)
# The book's low-curvature steps: only steps that lower the loss, one line search for every target
_SEARCH_BOOK = dict(lowcurv_mode="book", search_low=1e-12, search_points=15, search_zooms=4, fig9_search_low=(),
                    fig9_search_points=15)
# The authors' (precision.chapters.authors): every step taken, all run; their search has depth=4 grids
# (three zooms), and Figure 9's scripts search from 1e-25 (xy) and 1e-30, then 1e-50 (I.11.19), 70 points
_SEARCH_AUTHORS = dict(lowcurv_mode="authors", search_low=1e-12, search_points=15, search_zooms=3,
                       fig9_search_low=(("Z.008", (1e-25,)), ("I.11.19", (1e-30, 1e-50))), fig9_search_points=70)
SIZES["optimization"] = {
    "smoke": dict(_OPT_COMMON, fig8_n_train=200, fig9_n_train=300, n_test=1000, adam_steps_fig8=300,
                  adam_steps_fig9=300, bfgs_steps=300, pipeline_bfgs_steps=300, lowcurv_steps=10, hessian_every=5,
                  hessian_widths=(5, 10, 20), hessian_n=200, speed_rmse=1e-3, speed_max_steps=500, **_SEARCH_BOOK),
    "book": dict(_OPT_COMMON, fig8_n_train=1000, fig9_n_train=1000, n_test=5000, adam_steps_fig8=6000,
                 adam_steps_fig9=5000, bfgs_steps=5000, pipeline_bfgs_steps=25_000, lowcurv_steps=100,
                 hessian_every=10, hessian_widths=(10, 20, 40, 60), hessian_n=500, speed_rmse=1e-6,
                 speed_max_steps=25_000, **_SEARCH_BOOK),
    "paper": dict(_OPT_COMMON, fig8_n_train=100_000, fig9_n_train=100_000, n_test=10_000, adam_steps_fig8=30_000,
                  adam_steps_fig9=50_000, bfgs_steps=25_000, pipeline_bfgs_steps=25_000, lowcurv_steps=500,
                  hessian_every=1, hessian_widths=(10, 20, 40, 80, 120), hessian_n=2000, speed_rmse=1e-8,
                  speed_max_steps=25_000, **_SEARCH_AUTHORS),
}


@dataclass(frozen=True)
class AppendixAConfig:
    """Appendix A: boosting vs training one net on a rescaled loss (Figure A1). The pipelines
    are Chapter 4's (its profile sizes), so a build reuses them from the cache."""

    profile: str
    targets: tuple[str, ...] = _knob(check_targets)


@dataclass(frozen=True)
class AppendixBConfig:
    """Appendix B: low-curvature steps at thresholds ``taus`` (Figure A2), from the stage-1
    BFGS point of Chapter 4's pipeline on ``target`` with ``n_train`` training points (a
    BFGS-only run of the same net where Chapter 4 has no such pipeline), taken by the
    convention ``lowcurv_mode`` (:data:`LOWCURV_MODES`)."""

    profile: str
    target: str = _knob(check_target)
    n_train: int = _knob(check_positive_int)
    taus: tuple[float, ...] = _knob(check_positive_floats)
    steps: int = _knob(check_positive_int)
    hessian_every: int = _knob(check_positive_int)
    lowcurv_mode: str = _knob(check_lowcurv_mode)


@dataclass(frozen=True)
class AppendixDConfig:
    """Appendix D: Hessian spectrum after BFGS on a width-20 depth-3 tanh net (Figure A4)."""

    profile: str
    targets: tuple[str, ...] = _knob(check_targets)


_TAUS = (1e-6, 1e-8, 1e-10, 1e-12, 1e-15, 1e-18)
SIZES["appendix-a"] = {p: dict(targets=("teacher", "Z.001")) for p in PROFILES}
# smoke and book start from Chapter 4's teacher pipeline (its fig8_n_train, so from the cache); paper
# is the authors' setting: a random quintic on 50 000 points, SPEC's thresholds and their code's
# 1e-14 and 1e-16, every step taken (precision.chapters.authors)
SIZES["appendix-b"] = {"smoke": dict(target="teacher", n_train=200, taus=_TAUS, steps=5, hessian_every=5,
                                     lowcurv_mode="book"),
                       "book": dict(target="teacher", n_train=1000, taus=_TAUS, steps=100, hessian_every=5,
                                    lowcurv_mode="book"),
                       "paper": dict(target="quintic", n_train=50_000,
                                     taus=tuple(sorted(_TAUS + (1e-14, 1e-16), reverse=True)), steps=500,
                                     hessian_every=1, lowcurv_mode="authors")}
SIZES["appendix-d"] = {p: dict(targets=("Z.001", "teacher")) for p in PROFILES}
CONFIGS.update({"optimization": OptimizationConfig, "appendix-a": AppendixAConfig, "appendix-b": AppendixBConfig,
                "appendix-d": AppendixDConfig})


# --------------------------------------------------------------------------- Chapter 5

@dataclass(frozen=True)
class ConclusionsConfig:
    """Chapter 5: the user's guide (Figure 10) asked about ``equations`` at each of
    ``precisions`` with ``data_budget`` training points, and the build's reproduction scorecard."""

    profile: str
    equations: tuple[str, ...] = _knob(check_equations)
    precisions: tuple[float, ...] = _knob(check_relative_precisions)
    data_budget: int = _knob(check_positive_int)


SIZES["conclusions"] = {p: dict(equations=_FIG2_EQUATIONS, precisions=(1e-3, 1e-8), data_budget=10**6)
                        for p in PROFILES}
CONFIGS["conclusions"] = ConclusionsConfig


# --------------------------------------------------------------------------- Chapter 6 (beyond the paper)
@dataclass(frozen=True)
class BeyondConfig:
    """Chapter 6: every method (Adam, BFGS, the paper's pipeline, Levenberg–Marquardt, LM +
    boosting, multi-stage nets, Chebyshev) on 1D targets and xy (:mod:`precision.chapters.beyond`).
    ``*_2d`` knobs apply to 2D targets. Multi-stage runs ``ms_adam_steps`` Adam then
    ``ms_steps`` LM steps per stage; ``ms_growth_2d`` multiplies the 2D training set per stage.

    ``dims_*`` knobs are the section "Beyond one dimension": its targets (any dimension),
    training points of those with 3 or more inputs (1-D and 2-D ones reuse ``n_train`` /
    ``n_train_2d`` and the comparison's runs, its multi-stage run included); for 3 or more
    inputs the width of multi-stage stages 2, 3, …,
    the multi-stage budgets (stages, LM steps and Adam steps per stage; 0 = adaptive, see
    :data:`precision.multistage.AUTO`), its wall-clock cap per fit, and the Chebyshev
    degree per axis in 3 or more dimensions."""

    profile: str
    targets: tuple[str, ...] = _knob(check_targets)
    n_train: int = _knob(check_positive_int)
    n_train_2d: int = _knob(check_positive_int)
    n_test: int = _knob(check_positive_int)
    width: int = _knob(check_positive_int)
    adam_steps: int = _knob(check_positive_int)
    adam_lr: float = _knob(check_positive_float)
    bfgs_steps: int = _knob(check_positive_int)
    pipeline_bfgs_steps: int = _knob(check_positive_int)
    lowcurv_steps: int = _knob(check_positive_int)
    lm_steps: int = _knob(check_positive_int)
    lm_boost_steps: int = _knob(check_positive_int)
    ms_stages: int = _knob(check_positive_int)
    ms_steps: int = _knob(check_positive_int)
    ms_steps_2d: int = _knob(check_positive_int)
    ms_adam_steps: int = _knob(check_positive_int)
    ms_adam_steps_2d: int = _knob(check_positive_int)
    ms_growth_2d: int = _knob(check_positive_int)
    cheb_degree: int = _knob(check_positive_int)
    cheb_degree_2d: int = _knob(check_positive_int)
    floor_points: int = _knob(check_positive_int)
    seed: int = _knob(check_nonnegative_int)
    dims_targets: tuple[str, ...] = _knob(check_targets)
    dims_n_train: int = _knob(check_positive_int)
    dims_later_width: int = _knob(check_positive_int)
    dims_ms_stages: int = _knob(check_nonnegative_int)
    dims_ms_steps: int = _knob(check_nonnegative_int)
    dims_ms_adam_steps: int = _knob(check_nonnegative_int)
    dims_time_limit: float = _knob(check_positive_float)
    dims_cheb_degree: int = _knob(check_positive_int)


_BEYOND_TARGETS = ("Z.001", "teacher", "Z.009", "Z.002", "Z.008")
_DIMS_TARGETS = ("Z.002", "Z.008", "I.14.3", "I.11.19")  # sin x, xy, mgz, x1y1+x2y2+x3y3: d = 1, 2, 3, 6
SIZES["beyond"] = {
    "smoke": dict(targets=_BEYOND_TARGETS, n_train=150, n_train_2d=200, n_test=500, width=5, adam_steps=200,
                  adam_lr=1e-3, bfgs_steps=100, pipeline_bfgs_steps=100, lowcurv_steps=3, lm_steps=20,
                  lm_boost_steps=15, ms_stages=2, ms_steps=20, ms_steps_2d=20, ms_adam_steps=50,
                  ms_adam_steps_2d=50, ms_growth_2d=2, cheb_degree=30, cheb_degree_2d=3, floor_points=20, seed=0,
                  dims_targets=_DIMS_TARGETS, dims_n_train=300, dims_later_width=5, dims_ms_stages=2, dims_ms_steps=10,
                  dims_ms_adam_steps=30, dims_time_limit=30.0, dims_cheb_degree=3),
    # every neural method within 5 minutes of one core per target, Chapters 5 and 6 within ~10 min on 2
    # cores; the multi-stage runs keep the budget that reaches the goals (Chapter 6 shows whether it did),
    # the baselines get less than there (Adam and BFGS stall long before it runs out anyway)
    "book": dict(targets=_BEYOND_TARGETS, n_train=2000, n_train_2d=2000, n_test=5000, width=20, adam_steps=5000,
                 adam_lr=1e-3, bfgs_steps=3000, pipeline_bfgs_steps=2000, lowcurv_steps=20, lm_steps=400,
                 lm_boost_steps=200, ms_stages=2, ms_steps=500, ms_steps_2d=1700, ms_adam_steps=500,
                 ms_adam_steps_2d=2000, ms_growth_2d=2, cheb_degree=30, cheb_degree_2d=4, floor_points=200, seed=0,
                 # "Beyond one dimension": the adaptive schedule decides (deterministic: its rules read
                 # RMSEs only); the wall-clock cap is a safety net: the 3-D and 6-D fits stop by themselves
                 # after about 2 CPU min, but a 240 s cap cut the 6-D one on a machine loaded 2× over
                 dims_targets=_DIMS_TARGETS, dims_n_train=5000, dims_later_width=30, dims_ms_stages=0,
                 dims_ms_steps=0, dims_ms_adam_steps=0, dims_time_limit=600.0, dims_cheb_degree=6),
    "paper": dict(targets=_BEYOND_TARGETS, n_train=5000, n_train_2d=5000, n_test=30_000, width=20, adam_steps=30_000,
                  adam_lr=1e-3, bfgs_steps=25_000, pipeline_bfgs_steps=25_000, lowcurv_steps=100, lm_steps=1500,
                  lm_boost_steps=750, ms_stages=2, ms_steps=1000, ms_steps_2d=1500, ms_adam_steps=2000,
                  ms_adam_steps_2d=3000, ms_growth_2d=2, cheb_degree=30, cheb_degree_2d=4, floor_points=500, seed=0,
                  dims_targets=_DIMS_TARGETS, dims_n_train=20_000, dims_later_width=30, dims_ms_stages=0,
                  dims_ms_steps=0, dims_ms_adam_steps=0, dims_time_limit=1800.0, dims_cheb_degree=8),
}
CONFIGS["beyond"] = BeyondConfig


# Knobs that the profile sets and a chapter's notebook does not take as parameters: the
# sizes a reader has no reason to change one by one (test-set sizes, seeds counts, the
# budgets of baselines). Change them here, or pick another profile. A test checks that every
# knob of a config is either a parameter of its notebook or listed here.
FIXED: dict[str, tuple[str, ...]] = {
    "introduction": ("adam_steps", "bfgs_steps", "example_n_large", "example_n_small", "n_test", "reference_digits",
                     "restarts", "scaling_targets", "seeds"),
    "piecewise": ("batch_cap", "fig1_steps", "fit_min_points", "modular_batch_cap", "modular_node_depths",
                  "modular_sizes", "n_test", "simplex_max_high_d", "simplex_seeds"),
    "nonlinear": ("gadget_points", "n_test", "simplex_seeds", "spline_n_test", "spline_seeds"),
    "optimization": ("adam_width", "fig9_search_points", "hessian_n", "hessian_widths", "n_test", "pipeline_width",
                     "search_low", "search_points", "search_zooms", "speed_max_steps", "speed_rmse", "tau"),
    "beyond": ("adam_lr", "adam_steps", "bfgs_steps", "cheb_degree", "cheb_degree_2d", "dims_cheb_degree",
               "dims_later_width", "dims_ms_adam_steps", "dims_ms_stages", "dims_ms_steps", "floor_points",
               "lm_boost_steps", "lm_steps", "lowcurv_steps", "ms_adam_steps", "ms_adam_steps_2d", "ms_growth_2d",
               "ms_stages", "ms_steps", "ms_steps_2d", "n_test", "n_train", "n_train_2d", "pipeline_bfgs_steps",
               "seed", "width"),
    "appendix-c": ("adam_steps", "n_test"),  # Appendix C reuses Chapter 3's tanh Adam runs from the cache
}


def sizes(chapter: str, profile: str) -> Any:
    """The chapter's configuration at ``profile`` with nothing overridden."""
    return resolve(chapter, profile)


def resolve(chapter: str, profile: str = "book", **overrides: Any) -> Any:
    """Fill a chapter's knobs from ``profile``; a knob given as ``None`` keeps the profile's value.

    Every value is checked; a bad one raises ``ValueError`` naming the parameter and what is allowed.
    """
    if chapter not in CONFIGS:
        raise ValueError(f"chapter must be one of {', '.join(CONFIGS)}; got {chapter!r}")
    check_profile(profile)
    cls = CONFIGS[chapter]
    knobs = {f.name: f for f in dataclasses.fields(cls) if f.name != "profile"}
    unknown = sorted(set(overrides) - set(knobs))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)} for {chapter}; allowed: {', '.join(knobs)}")
    values = dict(SIZES[chapter][profile])
    values.update({k: v for k, v in overrides.items() if v is not None})
    checked = {name: f.metadata["check"](name, values[name]) for name, f in knobs.items()}
    cfg = cls(profile=profile, **checked)
    for check in CONSISTENCY.get(chapter, ()):
        check(cfg)
    return cfg
