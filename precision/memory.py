"""Will a request fit in memory? Rough estimates of the arrays a fit allocates, checked
before any of them is allocated.

Each estimate is an order of magnitude (within a factor of a few), enough to refuse a
request that cannot fit (``--n-train 10**12`` is 7 TiB of inputs alone) with one sentence
instead of a crash, an OOM kill or an hour of swapping.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["available_memory", "require_fits", "fit_memory", "format_bytes"]

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


def _int(options: dict[str, Any], name: str, default: int) -> int:
    """An integer option, or ``default`` when it is absent or not an int (the method's own
    checks report bad values)."""
    value = options.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _net_params(d: int, width: int, depth: int) -> int:
    if depth <= 1:
        return d + 1
    return (d + 1) * width + (depth - 2) * (width + 1) * width + width + 1


def fit_memory(method: str, d: int, n_train: int, n_test: int, options: dict[str, Any]) -> list[tuple[str, float, str]]:
    """The large allocations of ``fit(method, ...)``: ``(option, bytes, what)`` for each.

    The first entry is always the data (``--n-train``/``--n-test`` × d); the others depend
    on the method: a net's activations and (BFGS) inverse Hessian, LM's Jacobian, the
    Delaunay triangulation of simplex interpolation, a spline grid, a Chebyshev
    Vandermonde or collocation matrix, the data a multi-stage fit grows to.
    """
    n = n_train
    out = [("--n-train/--n-test", 4.0 * (n_train + n_test) * (d + 1) * _F64, "the samples and their labels")]
    growth = _int(options, "data_growth", 0) if method == "multistage" else 1  # multistage 0: adaptive
    grown = "--data-growth" if growth > 1 else "--n-train"
    width = _int(options, "width", 20)
    depth = _int(options, "depth", 3)
    stages = _int(options, "stages", (2 if method in ("boost", "multistage") else 1))
    params = _net_params(d, width, depth)
    if method in ("mlp", "boost", "lm", "multistage"):
        if width > 0:
            out.append(("--width", float(params) * params * _F64 * (3 if method in ("boost", "lm", "multistage")
                                                                   or options.get("optimizer") == "bfgs" else 0)
                        + 4.0 * width * params * _F64, f"a net of {params:,} parameters and its curvature matrices"))
        if method == "multistage":
            if growth > 1:
                n = n_train * growth ** max((stages or 8) - 1, 0)
            elif growth == 0:  # adaptive: 4 points per parameter from stage 2 on (precision.multistage.AUTO)
                n = max(n_train, 4 * params)
            out.append(("--data-growth", 4.0 * n * (d + 1) * _F64, f"{n:,} training points in the last stage"))
        batch = min(n, _int(options, "batch_cap", n)) if method == "mlp" else n
        out.append((grown, 6.0 * batch * width * max(depth - 1, 1) * _F64, "the net's activations"))
        if method in ("lm", "multistage"):
            out.append((grown, 2.0 * n * params * _F64, "the Levenberg–Marquardt Jacobian"))
    elif method == "simplex":
        per = _SIMPLICES_PER_POINT.get(d, 1100 * 6.0 ** (d - 6))
        out.append(("--n-train", 1.0 * n * per * (d + 1) * (8 + (d + 1) * _F64), "the Delaunay triangulation"))
    elif method == "spline":
        out.append(("--n-train", 8.0 * n * _F64, "the grid and its spline coefficients"))
    elif method == "chebyshev":
        degree = _int(options, "degree", 30)
        if options.get("kind") == "interpolate":
            out.append(("--degree", 2.0 * (degree + 1) ** 2 * _F64, "the interpolation matrix"))
        else:
            coef = float(degree + 1) ** d
            out.append(("--degree", 2.0 * n * coef * _F64 + coef * coef * _F64, f"{coef:,.0f} coefficients"))
    return out
