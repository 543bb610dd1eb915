"""Will a request fit in memory? Rough estimates of the arrays a fit allocates, checked
before any of them is allocated.

Each estimate is an order of magnitude (within a factor of a few), enough to refuse a
request that cannot fit (``--n-train 10**12`` is 7 TiB of inputs alone) with one sentence
instead of a crash, an OOM kill or an hour of swapping.

This module holds the pieces; each method's own estimate is registered with it
(``register(..., memory=...)`` in :mod:`precision.fitting`), and
:func:`precision.fitting.fit_memory` looks it up.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["available_memory", "require_fits", "format_bytes", "Estimate", "option_int", "data_memory",
           "data_only", "net_memory", "activation_memory", "jacobian_memory", "simplices_per_point"]

_F64 = 8
# Delaunay simplices per point of uniform random points in d dimensions (measured and from
# the literature; about 2, 6.8, 31, 170, 1100 for d = 2 … 6), each stored as vertex and
# neighbour indices plus an affine transform.
_SIMPLICES_PER_POINT = {1: 1, 2: 2, 3: 7, 4: 31, 5: 173, 6: 1100}


def available_memory() -> int:
    """Bytes this process may still allocate: ``MemAvailable`` of ``/proc/meminfo`` (Linux),
    else 8 GiB."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 * 2 ** 30


def format_bytes(n: float) -> str:
    """``7.3 TiB``, ``512 MiB``, …"""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"


def require_fits(option: str, estimate: float, what: str, limit: float | None = None) -> None:
    """Raise ``ValueError`` naming ``option`` when ``estimate`` bytes exceed ``limit``
    (default: :func:`available_memory`)."""
    limit = available_memory() if limit is None else limit
    if not math.isfinite(estimate) or estimate > limit:
        raise ValueError(f"{option} asks for about {format_bytes(estimate)} of memory ({what}); this machine has "
                         f"{format_bytes(limit)} available")


def option_int(options: dict[str, Any], name: str, default: int) -> int:
    """An integer option for an estimate: its value when it is an int > 0, else ``default``
    (absent, 0 or a bad value: the method's own checks report bad values)."""
    value = options.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


Estimate = tuple[str, float, str]
"""One large allocation: the option that sets its size (``"--width"``), bytes, and what it is."""


def data_memory(d: int, n_train: int, n_test: int) -> Estimate:
    """The samples and their labels (every fit holds them)."""
    return ("--n-train/--n-test", 4.0 * (n_train + n_test) * (d + 1) * _F64, "the samples and their labels")


def data_only(d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[Estimate]:
    """The estimate of a method registered without its own (:func:`precision.fitting.register`):
    the data alone, :func:`data_memory`."""
    return [data_memory(d, n_train, n_test)]


def net_memory(params: int, width: int, curvature: bool) -> Estimate:
    """A net of ``params`` parameters, with (``curvature``) or without three dense
    ``params × params`` matrices (a BFGS inverse Hessian, LM's normal matrix and its factor)."""
    return ("--width", float(params) * params * _F64 * (3 if curvature else 0) + 4.0 * width * params * _F64,
            f"a net of {params:,} parameters and its curvature matrices")


def activation_memory(option: str, batch: int, width: int, depth: int) -> Estimate:
    """The activations of a net of ``depth`` Linear layers of width ``width`` on ``batch`` points."""
    return (option, 6.0 * batch * width * max(depth - 1, 1) * _F64, "the net's activations")


def jacobian_memory(option: str, n: int, params: int) -> Estimate:
    """The Levenberg–Marquardt Jacobian, ``n × params``."""
    return (option, 2.0 * n * params * _F64, "the Levenberg–Marquardt Jacobian")


def simplices_per_point(d: int) -> float:
    """Delaunay simplices per point of uniform random points in ``d`` dimensions (beyond
    d = 6 extrapolated ×6 per dimension)."""
    return _SIMPLICES_PER_POINT.get(d, 1100 * 6.0 ** (d - 6))
