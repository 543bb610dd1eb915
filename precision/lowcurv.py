"""Low-curvature subspace optimisation (paper §4.2.1, Appendix B).

Once BFGS stalls, the gradient lies almost entirely in the few high-curvature directions
of the Hessian (§4.1), where round-off makes every step fail. The paper's remedy: at each
step compute the full gradient ``g`` and the exact Hessian ``H``, eigendecompose ``H``,
keep the eigenvectors ``V_S`` whose eigenvalues satisfy ``|λ| < τ``, and move along the
gradient's projection on that flat subspace, ``d = V_S (V_Sᵀ g)``, by a step ``α`` chosen by
a logarithmic line search over ``[1e-12, 1e12]`` (15 points, then rounds zooming in around
the best).

The authors' line search (``logarithmic_line_search`` in their ``scripts/combined-techniques-*.py``,
ejmichaud/precision-ml) initialises ``best_loss = inf`` and never updates it, so its test
``losses[i_min] < best_loss`` always holds (unless the whole grid is NaN): it never returns
early, and every zoom round runs around the previous round's best. Each zoomed grid has the
previous best at its centre, so the α it returns is the best it saw, as ours is (their
``depth=4`` counts the first grid, so they zoom three times where our default zooms four).
The real departures from the authors' code are in the loop around it; by default (the
book's convention) ours

* takes a step only if it lowers the loss, so a run never increases the training loss,
  where they always take the step the search returns, even one that raises the loss;
* stops early when no step size lowers the loss (after a fresh Hessian), when no
  eigenvalue is below τ, or when the projected gradient is exactly zero, where they always
  run every step (500 per stage).

``train_lowcurv(..., always_step=True)`` is the authors' loop: every step the search
returns is taken and the run lasts exactly ``steps`` steps. Two cases still end it early,
because the step would be meaningless: a projected gradient that is exactly zero at a fresh
Hessian (every remaining step would leave the point where it is) and a line search whose
every trial loss is NaN or infinite (the authors' ``np.argmin`` would then step to a NaN).
Their search is ``log_line_search(..., zooms=3)``, with ``low``/``points`` per target
(Figure 9: ``1e-25`` and 70 points on xy, ``1e-30`` then ``1e-50`` and 70 points on I.11.19).
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
    """Result of :func:`log_line_search`.

    Attributes
    ----------
    alpha : float
        The best step size found.
    loss : float
        ``phi(alpha)``, the lowest loss seen (``inf`` if every evaluation was NaN or inf).
    improved : bool
        Whether ``loss`` is lower than the starting loss ``f0`` (only then should the step
        be taken).
    evaluations : int
        Number of calls of ``phi``.
    """

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

    Parameters
    ----------
    phi : callable
        ``phi(alpha) -> float``, the loss after a step of size ``alpha``.
    f0 : float
        The loss at ``alpha = 0`` (the starting point).
    low, high : float, default 1e-12, 1e12
        Range of the first grid of step sizes.
    points : int, default 15
        Step sizes per grid.
    zooms : int, default 4
        Rounds of zooming in around the best step size.

    Returns
    -------
    LineSearch
        The best step size, its loss, whether it beats ``f0``, and the number of evaluations
        (``points · (zooms + 1)``).

    Raises
    ------
    ValueError
        Unless ``0 < low < high``, ``points >= 2`` and ``zooms >= 0``.

    Examples
    --------
    >>> log_line_search(lambda a: (a - 1.0) ** 2, 1.0).improved
    True
    """
    _check_search(low, high, points, zooms)
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


def _check_search(low: float, high: float, points: int, zooms: int) -> None:
    """The line search's settings, or a ``ValueError`` naming the one that is wrong."""
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low}, high={high}")
    for name, value, least in (("points", points, 2), ("zooms", zooms, 0)):
        if not (isinstance(value, int) and not isinstance(value, bool)) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


def project(V_S: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Orthogonal projection of ``g`` on the span of the orthonormal columns of ``V_S``.

    Vectorised: ``V_S (V_Sᵀ g)`` (two matrix–vector products).

    Parameters
    ----------
    V_S : torch.Tensor
        ``(P, k)`` matrix with orthonormal columns (``k`` may be 0).
    g : torch.Tensor
        Vector of shape ``(P,)``.

    Returns
    -------
    torch.Tensor
        The projection, shape ``(P,)``.
    """
    return V_S @ (V_S.T @ g)


def project_loop(V_S: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """The same projection as :func:`project`, one eigenvector at a time in a Python loop.

    Deliberately naive; kept only as the reference the tests and benchmark compare with.

    Parameters
    ----------
    V_S : torch.Tensor
        ``(P, k)`` matrix with orthonormal columns.
    g : torch.Tensor
        Vector of shape ``(P,)``.

    Returns
    -------
    torch.Tensor
        ``Σ_i (v_i · g) v_i`` over the columns ``v_i``, shape ``(P,)``.
    """
    out = torch.zeros_like(g)
    for i in range(V_S.shape[1]):
        v = V_S[:, i]
        out = out + torch.dot(v, g) * v
    return out


def lowcurv_direction(H: torch.Tensor, g: torch.Tensor, tau: float) -> tuple[torch.Tensor, int]:
    """Project the gradient on the eigenvectors of ``H`` with ``|λ| < tau`` (paper §4.2.1).

    Parameters
    ----------
    H : torch.Tensor
        Symmetric Hessian, shape ``(P, P)``.
    g : torch.Tensor
        Gradient, shape ``(P,)``.
    tau : float
        Eigenvalue threshold: eigenvectors with ``|λ| < tau`` span the low-curvature subspace.

    Returns
    -------
    direction : torch.Tensor
        The projected gradient, shape ``(P,)``.
    dimension : int
        Dimension of the low-curvature subspace.
    """
    lam, V = torch.linalg.eigh(H)
    keep = lam.abs() < tau
    return project(V[:, keep], g), int(keep.sum())


def train_lowcurv(model: torch.nn.Module, x, y, steps: int = 500, tau: float = 1e-15, x_test=None, y_test=None,
                  record_every: int = 1, chunk: int = 256, low: float = 1e-12, high: float = 1e12,
                  points: int = 15, zooms: int = 4, hessian_every: int = 1, threads: int | None = 1,
                  always_step: bool = False) -> TrainResult:
    """Low-curvature subspace optimisation of the MSE, in place (paper §4.2.1).

    Each step: gradient ``g`` and exact Hessian ``H`` (:func:`precision.landscape.hessian`),
    direction ``d = V_S V_Sᵀ g`` over the eigenvectors with ``|λ| < tau``, step
    ``w ← w − α d`` with α from :func:`log_line_search` over ``[low, high]``, taken only if
    it lowers the loss. The run stops early when no eigenvalue is below ``tau``, the
    projected gradient is exactly zero, or no step size lowers the loss (the next step
    would recompute the same direction). ``history`` rows: (step, train RMSE, test RMSE);
    ``steps`` in the result counts the steps taken. With ``always_step=True`` (the authors'
    loop) every step the search returns is taken, better or worse, and the run lasts exactly
    ``steps`` steps unless the direction is exactly zero at a fresh Hessian or every trial
    step gives a non-finite loss.

    The exact Hessian costs about P forward-over-reverse passes over the data (seconds for
    P = 481 and a few thousand points on one core), so ``hessian_every=k`` reuses one
    eigendecomposition for ``k`` steps (the gradient is always fresh); ``k = 1`` is the
    paper's method. A failed line search with a reused Hessian triggers a fresh one
    before the run stops.

    Parameters
    ----------
    model : torch.nn.Module
        A float64 torch model; trained in place and left at the final point.
    x, y : array_like or torch.Tensor
        Training inputs ``(n, d)`` (or ``(n,)``) and targets ``(n,)``.
    steps : int, default 500
        Most steps taken.
    tau : float, default 1e-15
        Eigenvalue threshold of the low-curvature subspace, ``|λ| < tau``.
    x_test, y_test : array_like or torch.Tensor, optional
        Test set, evaluated at every recorded step.
    record_every : int, default 1
        A history row every this many steps (and at the first and last).
    chunk : int, default 256
        Chunk size passed to :func:`precision.landscape.hessian`.
    low, high, points, zooms
        The line search's settings (see :func:`log_line_search`).
    hessian_every : int, default 1
        Steps per Hessian eigendecomposition.
    threads : int or None, default 1
        torch threads during the run (see :func:`precision.flat.torch_threads`; ``None``
        keeps torch's setting).
    always_step : bool, default False
        Take every step the line search returns, even one that raises the loss, and run all
        ``steps`` (the authors' loop); ``False`` takes only steps that lower the loss.

    Returns
    -------
    TrainResult
        ``history`` rows are (step, train RMSE, test RMSE); ``steps`` counts the steps
        taken; ``stopped`` says why it ended and the range of subspace dimensions seen.

    Raises
    ------
    ValueError
        If ``steps``, ``record_every`` or ``hessian_every`` is not a positive integer,
        ``tau`` is not positive, ``always_step`` is not a bool, or the line search's settings
        are invalid (see :func:`log_line_search`).
    """
    with torch_threads(threads):
        return _lowcurv(model, x, y, steps, tau, x_test, y_test, record_every, chunk, low, high, points, zooms,
                        hessian_every, always_step)


def _lowcurv(model, x, y, steps, tau, x_test, y_test, record_every, chunk, low, high, points, zooms,
             hessian_every, always_step) -> TrainResult:
    from .checks import check_bool, check_positive_int

    check_positive_int("steps", steps)
    check_positive_int("record_every", record_every)
    check_positive_int("hessian_every", hessian_every)
    check_bool("always_step", always_step)
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    _check_search(low, high, points, zooms)
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
            if reused and always_step:
                basis = None
                continue
            stopped = "the projected gradient is exactly zero"
            break
        search = log_line_search(lambda a: loss_at(w - a * d), f, low, high, points, zooms)
        if always_step and not math.isfinite(search.loss):
            stopped = "every step size along the low-curvature direction gives a non-finite loss"
            break
        if not always_step and not search.improved:
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
