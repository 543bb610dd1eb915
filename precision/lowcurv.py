"""Low-curvature subspace optimisation (paper §4.2.1, Appendix B).

Once BFGS stalls, the gradient lies almost entirely in the few high-curvature directions
of the Hessian (§4.1), where round-off makes every step fail. The paper's remedy: at each
step compute the full gradient ``g`` and the exact Hessian ``H``, eigendecompose ``H``,
keep the eigenvectors ``V_S`` whose eigenvalues satisfy ``|λ| < τ``, and move along the
gradient's projection on that flat subspace, ``d = V_S (V_Sᵀ g)``, by a step ``α`` chosen by
a logarithmic line search over ``[1e-12, 1e12]`` (15 points, then 4 rounds zooming in around
the best). Two departures from the authors' code, both deliberate:

* the line search keeps and updates the best loss it has seen (the authors' never updated
  it, so it returned the *last* step that beat the starting loss, not the best one);
* a step is taken only if it lowers the loss, so a run never increases the training loss.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from .flat import as_data as _as_data
from .flat import flat_forward, flat_parameters, flat_rmse, set_flat_parameters, torch_threads
from .landscape import hessian
from .optimizers import TrainResult, _flat_loss

__all__ = ["LineSearch", "log_line_search", "project", "project_loop", "lowcurv_direction", "train_lowcurv"]


@dataclass
class LineSearch:
    """Result of :func:`log_line_search`: the best step found, its loss, and whether it is
    lower than the starting loss ``f0`` (only then should the step be taken)."""

    alpha: float
    loss: float
    improved: bool
    evaluations: int


def log_line_search(phi: Callable[[float], float], f0: float, low: float = 1e-12, high: float = 1e12,
                    points: int = 15, zooms: int = 4) -> LineSearch:
    """Logarithmic line search for ``min_α phi(α)`` (paper §4.2.1).

    First ``points`` step sizes evenly spaced in log between ``low`` and ``high``; then
    ``zooms`` rounds, each evaluating ``points`` step sizes log-evenly spaced within one
    previous grid spacing either side of the best α so far. The best (lowest) loss is
    updated after every evaluation; NaN counts as +inf. ``improved`` is ``loss < f0``.
    """
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low}, high={high}")
    if points < 2 or zooms < 0:
        raise ValueError(f"need points >= 2 and zooms >= 0, got points={points}, zooms={zooms}")
    best_alpha, best_loss, evaluations = low, math.inf, 0
    lo, hi = math.log10(low), math.log10(high)
    for _ in range(zooms + 1):
        grid = np.logspace(lo, hi, points)
        for alpha in grid:
            value = float(phi(float(alpha)))
            evaluations += 1
            if value < best_loss:  # NaN compares False, so it is never kept
                best_alpha, best_loss = float(alpha), value
        spacing = (hi - lo) / (points - 1)
        centre = math.log10(best_alpha)
        lo, hi = centre - spacing, centre + spacing
    return LineSearch(best_alpha, best_loss, best_loss < f0, evaluations)


def project(V_S: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Orthogonal projection of ``g`` on the span of the orthonormal columns of ``V_S``,
    vectorised: ``V_S (V_Sᵀ g)`` (two matrix–vector products)."""
    return V_S @ (V_S.T @ g)


def project_loop(V_S: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """The same projection as :func:`project`, one eigenvector at a time in a Python loop.

    Deliberately naive; kept only as the reference the tests and benchmark compare with.
    """
    out = torch.zeros_like(g)
    for i in range(V_S.shape[1]):
        v = V_S[:, i]
        out = out + torch.dot(v, g) * v
    return out


def lowcurv_direction(H: torch.Tensor, g: torch.Tensor, tau: float) -> tuple[torch.Tensor, int]:
    """The gradient projected on the eigenvectors of ``H`` with ``|λ| < tau``, and the
    dimension of that subspace (paper §4.2.1)."""
    lam, V = torch.linalg.eigh(H)
    keep = lam.abs() < tau
    return project(V[:, keep], g), int(keep.sum())


def train_lowcurv(model: torch.nn.Module, x, y, steps: int = 500, tau: float = 1e-15, x_test=None, y_test=None,
                  record_every: int = 1, chunk: int = 256, low: float = 1e-12, high: float = 1e12,
                  points: int = 15, zooms: int = 4, hessian_every: int = 1, threads: int | None = 1) -> TrainResult:
    """Low-curvature subspace optimisation of the MSE, in place (paper §4.2.1).

    Each step: gradient ``g`` and exact Hessian ``H`` (:func:`precision.landscape.hessian`),
    direction ``d = V_S V_Sᵀ g`` over the eigenvectors with ``|λ| < tau``, step
    ``w ← w − α d`` with α from :func:`log_line_search` over ``[low, high]``, taken only if
    it lowers the loss. The run stops early when no eigenvalue is below ``tau``, the
    projected gradient is exactly zero, or no step size lowers the loss (the next step
    would recompute the same direction). ``history`` rows: (step, train RMSE, test RMSE);
    ``steps`` in the result counts the steps taken.

    The exact Hessian costs about P forward-over-reverse passes over the data (seconds for
    P = 481 and a few thousand points on one core), so ``hessian_every=k`` reuses one
    eigendecomposition for ``k`` steps (the gradient is always fresh); ``k = 1`` is the
    paper's method. A failed line search with a reused Hessian triggers a fresh one
    before the run stops. ``threads``: torch threads during the run (see
    :func:`precision.flat.torch_threads`; ``None`` keeps torch's setting).
    """
    with torch_threads(threads):
        return _lowcurv(model, x, y, steps, tau, x_test, y_test, record_every, chunk, low, high, points, zooms,
                        hessian_every)


def _lowcurv(model, x, y, steps, tau, x_test, y_test, record_every, chunk, low, high, points, zooms,
             hessian_every) -> TrainResult:
    from .checks import check_positive_int

    check_positive_int("steps", steps)
    check_positive_int("record_every", record_every)
    check_positive_int("hessian_every", hessian_every)
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    x, y = _as_data(x, y, flat_parameters(model))
    loss_fn, _ = _flat_loss(model, x, y)
    forward = flat_forward(model)
    w = flat_parameters(model)
    test_rmse = flat_rmse(forward, x_test, y_test, x)

    def loss_at(w: torch.Tensor) -> float:
        with torch.no_grad():
            return float(loss_fn(w))

    start = time.perf_counter()
    f = loss_at(w)
    history = [(0, f ** 0.5, test_rmse(w))]
    stopped = f"ran all {steps} steps"
    dims: list[int] = []
    taken = 0
    basis, age, step = None, 0, 0
    while step < steps:
        wg = w.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(loss_fn(wg), wg)
        if basis is None or age >= hessian_every:
            lam, V = torch.linalg.eigh(hessian(model, x, y, w=w, chunk=chunk))
            basis, age = V[:, lam.abs() < tau], 0
            dims.append(basis.shape[1])
        reused, age = age > 0, age + 1
        if basis.shape[1] == 0:
            stopped = f"no Hessian eigenvalue has |λ| < tau={tau:g}"
            break
        d = project(basis, g)
        if not bool(torch.any(d != 0)):
            stopped = "the projected gradient is exactly zero"
            break
        search = log_line_search(lambda a: loss_at(w - a * d), f, low, high, points, zooms)
        if not search.improved:
            if reused:
                basis = None
                continue
            stopped = "no step size along the low-curvature direction lowers the loss"
            break
        w, f, taken = w - search.alpha * d, search.loss, taken + 1
        step += 1
        if step % record_every == 0:
            history.append((step, f ** 0.5, test_rmse(w)))
    if history[-1][0] != taken:
        history.append((taken, f ** 0.5, test_rmse(w)))
    set_flat_parameters(model, w)
    if dims:
        stopped += f"; subspace dimension {min(dims)}–{max(dims)} of {w.numel()}"
    return TrainResult(f ** 0.5, test_rmse(w), taken, time.perf_counter() - start, np.array(history), stopped)
