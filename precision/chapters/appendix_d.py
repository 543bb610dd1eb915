"""Appendix D: the Hessian spectrum after BFGS on Chapter 4's width-20 depth-3 tanh nets, against
the same nets trained by Adam (Figure A4)."""
from __future__ import annotations

from dataclasses import dataclass

from ..targets import check_targets
from . import costs
from .optimization import SpectrumRun, adam_twin, chapter4, pipeline_for
from .registry import Chapter, knob, register

__all__ = ["AppendixDConfig", "batches", "CHAPTER"]


@dataclass(frozen=True)
class AppendixDConfig:
    """Appendix D's sizes: the ``targets`` of Chapter 4's pipelines whose spectra it draws.

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    targets : tuple of str
        Targets of Chapter 4's pipelines.
    """

    profile: str = "book"
    targets: tuple[str, ...] = knob(check_targets, ("Z.001", "teacher"))


def batches(cfg: AppendixDConfig) -> list[costs.Batch]:
    """The notebook's runs at ``cfg``: the spectra after BFGS, then the Adam twins.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        ``"Spectra after BFGS"`` and ``"The same nets trained by Adam"``.
    """
    chapter = chapter4(cfg.profile)
    pipes = [pipeline_for(chapter, t) for t in cfg.targets]
    return [costs.Batch("Spectra after BFGS", tuple(SpectrumRun(p) for p in pipes)),
            costs.Batch("The same nets trained by Adam", tuple(adam_twin(chapter, p) for p in pipes))]


CHAPTER = register(Chapter("appendix-d", "D", "The landscape after BFGS", AppendixDConfig, batches=batches))
