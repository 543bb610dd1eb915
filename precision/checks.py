"""Argument checks shared by the methods: each returns the value (normalised) or raises a
one-sentence ``ValueError`` naming the parameter and what is allowed.

Checks that need the equation table (equation ids, ``"teacher"``) live in
:mod:`precision.targets`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["check_positive_int", "check_nonnegative_int", "check_seed", "SEED_LIMIT", "check_positive_float",
           "check_sizes", "check_positive_floats", "check_relative_precisions", "check_choice", "check_scheduler",
           "check_bool"]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_positive_int(name: str, value: Any) -> int:
    """``value`` if it is an int > 0."""
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_nonnegative_int(name: str, value: Any) -> int:
    """``value`` if it is an int ≥ 0."""
    if not _is_int(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


SEED_LIMIT = 2**63
"""Seeds lie in ``0 … SEED_LIMIT - 1``: every generator takes them (``torch.manual_seed`` stops
at 2**64 - 1, and boosting seeds stage k with ``seed + k - 1``)."""


def check_seed(name: str, value: Any) -> int:
    """``value`` if it is an int in ``0 … 2**63 - 1``."""
    if not _is_int(value) or not 0 <= value < SEED_LIMIT:
        raise ValueError(f"{name} must be an integer from 0 to 2**63 - 1, got {value!r}")
    return value


def check_positive_float(name: str, value: Any) -> float:
    """``float(value)`` if it is a finite number > 0."""
    if not _is_number(value) or not value > 0 or not math.isfinite(value):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _sequence(values: Any) -> bool:
    return not isinstance(values, (str, bytes)) and isinstance(values, Sequence) and len(values) > 0


def check_sizes(name: str, values: Any) -> tuple[int, ...]:
    """A non-empty list of positive ints, as a tuple."""
    if not _sequence(values) or not all(_is_int(v) and v > 0 for v in values):
        raise ValueError(f"{name} must be a non-empty list of positive integers, got {values!r}")
    return tuple(values)


def check_positive_floats(name: str, values: Any) -> tuple[float, ...]:
    """A non-empty list of positive numbers, as a tuple of floats."""
    if not _sequence(values) or not all(_is_number(v) and v > 0 and math.isfinite(v) for v in values):
        raise ValueError(f"{name} must be a non-empty list of positive numbers, got {values!r}")
    return tuple(float(v) for v in values)


def check_relative_precisions(name: str, values: Any) -> tuple[float, ...]:
    """A non-empty list of relative RMSEs strictly between 0 and 1."""
    if not _sequence(values) or not all(_is_number(v) and 0 < v < 1 for v in values):
        raise ValueError(f"{name} must be a non-empty list of relative RMSEs between 0 and 1 (e.g. [1e-3, 1e-8]), "
                         f"got {values!r}")
    return tuple(float(v) for v in values)


def check_choice(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    """``value`` if it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}; got {value!r}")
    return value


def check_scheduler(name: str, value: Any) -> str | None:
    """``None`` (local processes) or a Dask scheduler address such as ``"tcp://host:8786"``."""
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError(f"{name} must be a Dask scheduler address such as 'tcp://host:8786', got {value!r}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """``value`` if it is ``True`` or ``False`` (not 0/1 or a string)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value
