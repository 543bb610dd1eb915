"""Appendix A: boosting against training one net on a rescaled loss (Figure A1). The pipelines
are Chapter 4's, at its sizes, so a build answers them from its cache."""
from __future__ import annotations

from dataclasses import dataclass

from ..targets import check_targets
from . import costs
from .optimization import RescaleRun, chapter4, pipeline_for
from .registry import Chapter, knob, register

__all__ = ["AppendixAConfig", "batches", "CHAPTER"]


@dataclass(frozen=True)
class AppendixAConfig:
    """Appendix A's sizes: the ``targets`` of Chapter 4's pipelines it compares.

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    targets : tuple of str
        Targets of Chapter 4's pipelines.
    """

    profile: str = "book"
    targets: tuple[str, ...] = knob(check_targets, ("teacher", "Z.001"))


def batches(cfg: AppendixAConfig) -> list[costs.Batch]:
    """The notebook's runs at ``cfg``: Chapter 4's pipelines, then the rescaled single nets.

    Parameters
    ----------
    cfg
        The resolved config.

    Returns
    -------
    list of Batch
        ``"Pipelines (Chapter 4)"`` and ``"Rescaled single net"``.
    """
    pipes = [pipeline_for(chapter4(cfg.profile), t) for t in cfg.targets]
    return [costs.Batch("Pipelines (Chapter 4)", tuple(pipes)),
            costs.Batch("Rescaled single net", tuple(RescaleRun(p) for p in pipes))]


CHAPTER = register(Chapter("appendix-a", "A", "Boosting or a rescaled loss", AppendixAConfig, batches=batches))
