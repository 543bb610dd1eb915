"""Chapter 5, conclusions: the user's guide (Figure 10) and the build's reproduction scorecard,
read from what the other chapters recorded (so its notebook runs last)."""
from __future__ import annotations

from dataclasses import dataclass

from ..checks import check_positive_int, check_relative_precisions
from ..targets import check_equations
from .registry import Chapter, knob, register

__all__ = ["ConclusionsConfig", "CHAPTER"]


@dataclass(frozen=True)
class ConclusionsConfig:
    """Chapter 5's sizes: the user's guide asked about ``equations`` at each of ``precisions``
    with ``data_budget`` training points.

    Attributes
    ----------
    profile : str
        The profile the sizes were resolved at.
    equations : tuple of str
        Equation ids the guide is asked about.
    precisions : tuple of float
        Relative RMSE goals.
    data_budget : int
        Training points available.
    """

    profile: str = "book"
    equations: tuple[str, ...] = knob(check_equations, ("Z.001", "II.8.31", "I.30.5", "I.8.14", "I.44.4", "II.6.15a"))
    precisions: tuple[float, ...] = knob(check_relative_precisions, (1e-3, 1e-8))
    data_budget: int = knob(check_positive_int, 10**6)


CHAPTER = register(Chapter("conclusions", "5", "Conclusions", ConclusionsConfig, reads_others=True))
