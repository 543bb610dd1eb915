"""Appendix C: tanh nets trained by BFGS against Adam (Figure A3). The Adam runs are Chapter 3's
tanh nets (the same steps and test sets, so a build answers them from Chapter 3's cache)."""
from __future__ import annotations

from dataclasses import dataclass

from ..checks import check_bool, check_positive_int, check_sizes
from ..targets import check_equations
from . import costs
from . import nonlinear
from .nonlinear import NonlinearConfig, tanh_configs
from .registry import Chapter, knob, register

__all__ = ["AppendixCConfig", "batches", "CHAPTER"]


@dataclass(frozen=True)
class AppendixCConfig:
    """Appendix C's sizes: tanh nets on ``equations``, Adam for ``adam_steps`` (Chapter 3's)
    against BFGS for at most ``bfgs_steps``.

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    equations : tuple of str
        Equation ids.
    net_sizes : tuple of int
        Parameter counts of the nets.
    depths : tuple of int
        Numbers of Linear layers.
    seeds : int
        Seeds per size.
    adam_steps : int
        Adam's steps (fixed: Chapter 3's).
    bfgs_steps : int
        BFGS's maximum steps.
    n_test : int
        Test points (fixed: Chapter 3's).
    """

    profile: str = "book"
    equations: tuple[str, ...] = knob(check_equations, NonlinearConfig.equations)
    net_sizes: tuple[int, ...] = knob(check_sizes, (256, 1024))
    depths: tuple[int, ...] = knob(check_sizes, NonlinearConfig.depths)
    seeds: int = knob(check_positive_int, NonlinearConfig.seeds)
    adam_steps: int = knob(check_positive_int, NonlinearConfig.steps, fixed=True)
    bfgs_steps: int = knob(check_positive_int, 2000)
    bfgs_standardize: bool = knob(check_bool, True, fixed=True)
    n_test: int = knob(check_positive_int, NonlinearConfig.n_test, fixed=True)


SMOKE = dict(net_sizes=(128,), adam_steps=nonlinear.SMOKE["steps"], bfgs_steps=200, n_test=nonlinear.SMOKE["n_test"])
# dense BFGS keeps a P×P inverse Hessian: the paper's largest size (262 144² × 8 B) cannot fit
# the authors' BFGS sweeps (precision.chapters.authors): at most 20 000 iterations, inputs as drawn
PAPER = dict(net_sizes=nonlinear.PAPER_NET_SIZES[:5], seeds=nonlinear.PAPER["seeds"],
             adam_steps=nonlinear.PAPER["steps"], bfgs_steps=20_000, bfgs_standardize=False,
             n_test=nonlinear.PAPER["n_test"])


def batches(cfg: AppendixCConfig) -> list[costs.Batch]:
    """The notebook's runs at ``cfg``: Figure A3's Adam nets, then its BFGS nets.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        ``"Figure A3: adam"`` and ``"Figure A3: bfgs"``.
    """
    return [costs.Batch(f"Figure A3: {optimizer}", tuple(tanh_configs(
                cfg.equations, cfg.depths, cfg.net_sizes, cfg.seeds, steps, cfg.n_test, optimizer=optimizer,
                standardize=standardize)))
            for optimizer, steps, standardize in (("adam", cfg.adam_steps, True),
                                                  ("bfgs", cfg.bfgs_steps, cfg.bfgs_standardize))]


CHAPTER = register(Chapter("appendix-c", "C", "Tanh nets with BFGS", AppendixCConfig, SMOKE, PAPER, batches))
