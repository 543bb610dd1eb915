"""Appendix B: low-curvature subspace steps at several thresholds τ (Figure A2), from the
stage-1 BFGS point of Chapter 4's pipeline (:func:`~precision.chapters.optimization.tau_start`)."""
from __future__ import annotations

from dataclasses import dataclass

from ..checks import check_positive_floats, check_positive_int
from ..targets import check_target
from . import costs
from .optimization import TauRun, chapter4, check_lowcurv_mode, tau_start
from .registry import Chapter, knob, register

__all__ = ["AppendixBConfig", "batches", "CHAPTER"]


@dataclass(frozen=True)
class AppendixBConfig:
    """Appendix B's sizes: low-curvature steps at thresholds ``taus``, from the stage-1 BFGS
    point of Chapter 4's pipeline on ``target`` with ``n_train`` training points (a BFGS-only
    run of the same net where Chapter 4 has no such pipeline), taken by the convention
    ``lowcurv_mode`` (:data:`~precision.chapters.optimization.LOWCURV_MODES`).

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    target : str
        The target of the starting pipeline.
    n_train : int
        Training points.
    taus : tuple of float
        Eigenvalue thresholds: directions of lower curvature are stepped along.
    steps : int
        Low-curvature steps per threshold.
    hessian_every : int
        Steps between Hessian recomputations.
    lowcurv_mode : str
        The convention of the steps, one of ``LOWCURV_MODES``.
    """

    profile: str = "book"
    target: str = knob(check_target, "teacher")
    n_train: int = knob(check_positive_int, 1000)
    taus: tuple[float, ...] = knob(check_positive_floats, (1e-6, 1e-8, 1e-10, 1e-12, 1e-15, 1e-18))
    steps: int = knob(check_positive_int, 100)
    hessian_every: int = knob(check_positive_int, 5)
    lowcurv_mode: str = knob(check_lowcurv_mode, "book")


# smoke and book start from Chapter 4's teacher pipeline (its fig8_n_train, so from the cache); paper
# is the authors' setting: a random quintic on 50 000 points, SPEC's thresholds and their code's
# 1e-14 and 1e-16, every step taken (precision.chapters.authors)
SMOKE = dict(n_train=200, steps=5)
PAPER = dict(target="quintic", n_train=50_000, taus=(1e-6, 1e-8, 1e-10, 1e-12, 1e-14, 1e-15, 1e-16, 1e-18), steps=200,
             hessian_every=1, lowcurv_mode="authors")


def batches(cfg: AppendixBConfig) -> list[costs.Batch]:
    """The notebook's runs at ``cfg``: the starting point, then one run per τ.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        ``"Starting point (BFGS)"`` and ``"Low-curvature steps per τ"``.
    """
    start = tau_start(chapter4(cfg.profile), cfg.target, cfg.n_train)
    always = cfg.lowcurv_mode == "authors"
    return [costs.Batch("Starting point (BFGS)", (start,)),
            costs.Batch("Low-curvature steps per τ",
                        tuple(TauRun(start, tau, cfg.steps, cfg.hessian_every, always) for tau in cfg.taus))]


CHAPTER = register(Chapter("appendix-b", "B", "Low-curvature steps", AppendixBConfig, SMOKE, PAPER, batches))
