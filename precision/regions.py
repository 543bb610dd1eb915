"""Linear regions of piecewise-linear models (paper §2, Figure 1b).

A ReLU network is linear wherever its pattern of active units is constant, so a region
is one activation pattern. A Delaunay interpolant is linear on each simplex. Both are
returned as integer labels on a set of points (``-1`` outside a simplex hull), ready to
colour a map and to count.
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["relu_regions", "simplex_regions", "count_regions", "region_colours"]


def relu_regions(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """Label each row of ``x`` by its activation pattern over all ReLU units of ``model``.

    Works for any module built from ``torch.nn.ReLU`` layers (dense or modular nets).

    Parameters
    ----------
    model : torch.nn.Module
        A float64 model with at least one ``torch.nn.ReLU`` module.
    x : array_like
        Points, shape ``(n, d)`` (or ``(n,)``).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` integer labels ``0 … k−1`` in order of first appearance.

    Raises
    ------
    ValueError
        If the model has no ``torch.nn.ReLU`` layers.
    """
    relus = [m for m in model.modules() if isinstance(m, torch.nn.ReLU)]
    if not relus:
        raise ValueError("model has no torch.nn.ReLU layers, so it has no linear regions to label")
    patterns: list[torch.Tensor] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: patterns.append(out > 0)) for m in relus]
    try:
        with torch.no_grad():
            xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
            model(xt[:, None] if xt.ndim == 1 else xt)
    finally:
        for h in hooks:
            h.remove()
    bits = torch.cat([p.reshape(p.shape[0], -1) for p in patterns], dim=1).cpu().numpy()
    packed = np.packbits(bits, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # relabel by first appearance: stable colours
    return order[inverse.reshape(-1)]


def simplex_regions(interpolator, x: np.ndarray) -> np.ndarray:
    """Label each row of ``x`` by the Delaunay simplex containing it (``-1`` outside the hull).

    Parameters
    ----------
    interpolator : precision.interpolation.SimplexInterpolator
        An interpolant with ``d ≥ 2``.
    x : array_like
        Points, shape ``(n, d)``.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` integer simplex indices of the triangulation, ``-1`` outside the hull.

    Raises
    ------
    ValueError
        If the interpolator is 1D.
    """
    if interpolator.d < 2:
        raise ValueError("simplex regions are defined for d >= 2 (in 1D each interval between points is one)")
    return interpolator._interp.tri.find_simplex(np.asarray(x, dtype=np.float64))


def count_regions(labels: np.ndarray) -> int:
    """Number of distinct regions among ``labels`` (the ``-1`` 'outside' label not counted).

    Parameters
    ----------
    labels : array_like
        Integer labels, any shape.

    Returns
    -------
    int
        The number of distinct non-negative labels.

    Examples
    --------
    >>> count_regions([0, 1, 1, -1, 3])
    3
    """
    labels = np.asarray(labels)
    return int(np.unique(labels[labels >= 0]).size)


def region_colours(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """An RGB image-ready array: a random pastel colour per region, white outside (``-1``).

    Parameters
    ----------
    labels : array_like
        Integer labels, any shape (e.g. a 2-D map), ``-1`` outside.
    seed : int, default 0
        Seed of the colour draw.

    Returns
    -------
    numpy.ndarray
        Float array of shape ``labels.shape + (3,)`` with values in ``[0.35, 1]``.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    palette = 0.35 + 0.65 * rng.random((int(labels.max(initial=0)) + 1, 3))
    out = np.ones(labels.shape + (3,))
    inside = labels >= 0
    out[inside] = palette[labels[inside]]
    return out
