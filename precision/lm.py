"""Levenberg–Marquardt (damped Gauss–Newton) training of small float64 nets (beyond the paper).

The paper's optimisers (§4: BFGS, then low-curvature subspace steps) stall near 1e-8…1e-13
RMSE. For a least-squares loss ``½‖r(w)‖²`` with ``r = f(w, x) − y`` a method that uses
the residual's Jacobian ``J`` (n×P) directly goes much further: each step solves

    min_δ ‖r + J δ‖² + μ ‖D δ‖²,

the Levenberg–Marquardt step, with ``D`` the Jacobian's column norms (Marquardt's
scaling, kept monotone as in MINPACK) and ``μ`` adapted by Nielsen's gain-ratio rule.
Optionally (default on) the step gets Transtrum & Sethna's *geodesic acceleration*: a
second-order correction ``a`` from the residual's second directional derivative along the
step (one extra forward pass), which lets LM follow the long curved valleys ("canyons",
paper §4.1) of a net's loss instead of creeping along them: 60 steps from near the paper's
1-3-3-1 teacher reach 1e-13 training RMSE with it and 9e-11 without.

Accuracy is the point, so by default (``solver="svd"``) the step never forms ``JᵀJ``,
which squares the condition number: a Jacobian with singular values spanning 1e-8 gives a
normal matrix spanning 1e-16, i.e. noise. The scaled Jacobian is factorised once per step
by a thin SVD, ``J D⁻¹ = U S Vᵀ``, and the damped step is ``δ = −D⁻¹ V diag(s/(s²+μ)) Uᵀ r``
— the exact solution of the augmented least-squares problem ``[J D⁻¹; √μ I] z ≈ [−r; 0]``,
with the accuracy of an orthogonal factorisation. A rejected step costs one forward pass:
the SVD is reused for the next, larger ``μ``. ``solver="cholesky"`` factorises
``JᵀJ + μD²`` instead: 3–4× faster per step for 2000 points and 481 parameters, and on the
book's targets it reached the same RMSE (to 1e-16 with multi-stage nets), because the
error it makes acts like extra damping of order ``ε·‖J‖²`` and the loss itself is always
evaluated exactly.

The Jacobian is computed in one vectorised call, ``vmap`` of a per-sample gradient over
the training inputs (:func:`residual_jacobian`), from the flat parameter vector of
:mod:`precision.flat`.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import torch
from torch.func import grad, vmap

from .flat import _sequential_plan, as_data, flat_forward, flat_parameters, flat_rmse, set_flat_parameters, torch_threads
from .optimizers import TrainResult

__all__ = ["residual_jacobian", "lm_step", "train_lm", "stop_kind", "STOPS", "check_label_scale", "LABEL_RANGE"]

DAMPINGS = ("marquardt", "identity")
SOLVERS = ("svd", "cholesky")
LABEL_RANGE = (1e-150, 1e150)
"""Least squares in float64 sums squared residuals: labels whose largest magnitude lies
outside this range (and that are not all 0) overflow or underflow when squared."""


def check_label_scale(*labels) -> None:
    """Refuse labels that least squares cannot handle in float64 (one sentence).

    Parameters
    ----------
    *labels : array_like or torch.Tensor
        Label vectors (training, test); each must be finite, with its largest magnitude
        within :data:`LABEL_RANGE` or all zero.

    Raises
    ------
    ValueError
        Naming the largest magnitude found and the range allowed.
    """
    for y in labels:
        if y is None:
            continue
        values = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y, dtype=np.float64)
        if values.size == 0:
            continue
        if not np.all(np.isfinite(values)):
            raise ValueError("labels must be finite numbers for least squares; some are NaN or infinite")
        top = float(np.max(np.abs(values)))
        low, high = LABEL_RANGE
        if not (top == 0 or low <= top <= high):
            raise ValueError(f"labels have max |y| = {top:.3g}, outside what least squares handles in float64 (their "
                             f"squares {'underflow' if top < low else 'overflow'}); rescale the target so that "
                             f"max |y| lies within {low:g}...{high:g} (or all labels are 0)")


def residual_jacobian(model: torch.nn.Module, chunk_size: int | None = None
                      ) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Build ``jacobian(w, x)``, the Jacobian of the model's output with respect to its flat parameters.

    The Jacobian of the output on ``x`` with respect to the flat parameter vector ``w`` is
    also the Jacobian of the residual ``f − y``.

    Parameters
    ----------
    model : torch.nn.Module
        A one-output float64 model; its parameters are laid out as in
        :func:`precision.flat.flat_parameters`.
    chunk_size : int, optional
        For the generic (``vmap``) path only: how many samples it processes at once
        (bounds memory); ``None`` processes all at once.

    Returns
    -------
    callable
        ``jacobian(w, x)`` taking the flat parameters ``w`` ``(P,)`` and inputs ``x``
        ``(n, d)`` and returning the ``(n, P)`` Jacobian.

    Notes
    -----
    For a plain MLP (Linear layers and tanh/sin/sigmoid/ReLU/identity, one output) it is one
    batched backward pass written out by hand (:func:`_mlp_jacobian`, several times faster);
    for any other model ``vmap`` over the samples of the gradient of one output.
    """
    plan = _sequential_plan(model)
    if plan is not None and plan[-1][0] == "linear" and plan[-1][2] == 1 and all(
            step[0] == "linear" or (step[1] in _DERIVATIVES and prev[0] == "linear")
            for prev, step in zip([("act",)] + plan, plan)):
        return lambda w, x: _mlp_jacobian(plan, w, x)
    forward = flat_forward(model)

    def one(w: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        return forward(w, xi.unsqueeze(0)).squeeze(0)

    return vmap(grad(one), in_dims=(None, 0), chunk_size=chunk_size)


# d act / dz from the pre-activation z and the activation a = act(z)
_DERIVATIVES = {torch.tanh: lambda z, a: 1 - a * a, torch.sin: lambda z, a: torch.cos(z),
                torch.sigmoid: lambda z, a: a * (1 - a), torch.relu: lambda z, a: (z > 0).to(z.dtype)}


def _mlp_jacobian(plan: list, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The Jacobian of a one-output MLP (a :func:`precision.flat._sequential_plan`) at ``w``:
    a forward pass keeping every layer's input, then ``δ`` (∂f/∂ pre-activation, ``(n, out)``)
    backwards; the block of a weight matrix is the per-sample outer product ``δ aᵀ``."""
    n = x.shape[0]
    P = plan[-1][1] + plan[-1][2] * (plan[-1][3] + 1)
    J = torch.empty(n, P, dtype=w.dtype, device=w.device)
    layers, h = [], x  # (offset, out, in, layer input, derivative of the activation that follows)
    for step in plan:
        if step[0] == "linear":
            _, at, n_out, n_in = step
            weight = w[at:at + n_out * n_in].view(n_out, n_in)
            layers.append([at, n_out, n_in, weight, h, None])
            h = torch.addmm(w[at + n_out * n_in:at + n_out * (n_in + 1)], h, weight.T)
        else:
            z, h = h, step[1](h)
            layers[-1][5] = _DERIVATIVES[step[1]](z, h)
    delta = torch.ones(n, 1, dtype=w.dtype, device=w.device)
    for k in range(len(layers) - 1, -1, -1):
        at, n_out, n_in, weight, inp, _ = layers[k]
        J[:, at:at + n_out * n_in].view(n, n_out, n_in).copy_(delta[:, :, None] * inp[:, None, :])
        J[:, at + n_out * n_in:at + n_out * (n_in + 1)] = delta
        if k:
            delta = (delta @ weight) * layers[k - 1][5] if layers[k - 1][5] is not None else delta @ weight
    return J


def lm_step(J: torch.Tensor, r: torch.Tensor, mu: float, d: torch.Tensor | None = None,
            solver: str = "svd") -> torch.Tensor:
    """One Levenberg–Marquardt step ``δ = argmin ‖r + J δ‖² + μ‖D δ‖²``.

    Parameters
    ----------
    J : torch.Tensor
        Jacobian of the residual, shape ``(n, P)``.
    r : torch.Tensor
        Residual ``f − y``, shape ``(n,)``.
    mu : float
        Damping ``μ ≥ 0``.
    d : torch.Tensor, optional
        Diagonal ``(P,)`` of the scaling ``D = diag(d)``; ``None`` means the identity.
    solver : {"svd", "cholesky"}, default "svd"
        ``"svd"``: thin SVD of ``J D⁻¹`` (never forms ``JᵀJ``); ``"cholesky"``: Cholesky
        factor of ``JᵀJ + μD²``.

    Returns
    -------
    torch.Tensor
        The step ``δ``, shape ``(P,)``.

    Raises
    ------
    ValueError
        If ``mu`` is not a non-negative number, ``solver`` is unknown, or (Cholesky)
        ``JᵀJ + μD²`` is not positive definite.
    """
    if isinstance(mu, bool) or not (isinstance(mu, (int, float)) and mu >= 0):
        raise ValueError(f"mu must be a non-negative number, got {mu!r}")
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}")
    d = torch.ones(J.shape[1], dtype=J.dtype, device=J.device) if d is None else d
    z = _DampedSolver(J / d, solver).solve(r, float(mu))
    if z is None:
        raise ValueError(f"JᵀJ + μD² is not positive definite at mu={mu:g}; use solver='svd' or a larger mu")
    return z / d


class _DampedSolver:
    """The damped least-squares problem ``min_z ‖b + A z‖² + μ‖z‖²`` for the scaled Jacobian
    ``A = J D⁻¹`` at one point, factorised once and solved for any ``μ`` and right-hand side."""

    def __init__(self, A: torch.Tensor, method: str):
        self.A, self.method = A, method
        if method == "svd":
            self.U, self.s, Vh = torch.linalg.svd(A, full_matrices=False)
            self.V = Vh.T
        else:
            self.gram = A.T @ A
            self._mu, self._factor = None, None
        self.top = float((A * A).sum(0).max())  # largest diagonal entry of AᵀA (Nielsen's μ₀ scale)

    def solve(self, b: torch.Tensor, mu: float) -> torch.Tensor | None:
        """The minimiser ``z`` (``None`` when a Cholesky factorisation fails)."""
        if self.method == "svd":
            return -(self.V @ (self.s / (self.s * self.s + mu) * (self.U.T @ b)))
        if self._mu != mu:
            shifted = self.gram.clone()
            shifted.diagonal().add_(mu)
            factor, info = torch.linalg.cholesky_ex(shifted)
            self._mu, self._factor = mu, None if int(info) else factor
        if self._factor is None:
            return None
        return -torch.cholesky_solve((self.A.T @ b)[:, None], self._factor).squeeze(-1)

    def predicted(self, z: torch.Tensor, mu: float) -> float:
        """Decrease of ``‖b‖²`` the linear model predicts for the minimiser ``z``:
        ``‖b‖² − ‖b + A z‖² = ‖A z‖² + 2μ‖z‖²`` (two non-negative terms, no cancellation)."""
        Az = self.A @ z
        return torch.dot(Az, Az).item() + 2 * mu * torch.dot(z, z).item()


def train_lm(model: torch.nn.Module, x, y, max_steps: int = 1000, x_test=None, y_test=None,
             record_every: int = 1, threads: int | None = 1, mu0: float = 1e-3, damping: str = "marquardt",
             stop_rmse: float = 0.0, patience: int = 30, geodesic: bool = True, solver: str = "svd",
             chunk_size: int | None = None, time_limit: float | None = None, slow_window: int | None = None,
             slow_factor: float = 2.0, callback: Callable[[int, float], None] | None = None) -> TrainResult:
    """Levenberg–Marquardt on the MSE until it stops making progress.

    Parameters
    ----------
    model : torch.nn.Module
        A float64 torch model (plain MLPs use the fast path of :func:`precision.flat.flat_forward`);
        trained in place and left at the point of lowest training loss.
    x, y : array_like or torch.Tensor
        Training inputs ``(n, d)`` (or ``(n,)``) and targets ``(n,)``; ``n`` should exceed the
        number of parameters for the problem to be overdetermined.
    max_steps : int, default 1000
        Most steps, accepted or rejected (a new Jacobian follows each accepted one).
    x_test, y_test : array_like or torch.Tensor, optional
        Test set, evaluated at every recorded step.
    record_every : int, default 1
        A history row every this many steps (and at the first and last).
    threads : int or None, default 1
        torch threads during the run (restored after); ``None`` keeps torch's setting.
    mu0 : float, default 1e-3
        Initial damping relative to the largest diagonal entry of the scaled ``JᵀJ``.
    damping : {"marquardt", "identity"}, default "marquardt"
        ``"marquardt"`` (``D`` = running maximum of the Jacobian's column norms) or
        ``"identity"`` (Levenberg's ``D = I``).
    stop_rmse : float, default 0.0
        Stop as soon as the training RMSE is at or below this (0: never).
    patience : int, default 30
        Stop after this many consecutive steps that lower the best loss by less than a
        relative 1e-3 (round-off, or a local minimum, has been reached), or when ``μ``
        exceeds 1e30.
    geodesic : bool, default True
        Add the geodesic acceleration ``a`` (Transtrum & Sethna 2012) to each step ``v``,
        kept only while ``2‖Da‖ ≤ 0.75‖Dv‖``.
    solver : {"svd", "cholesky"}, default "svd"
        ``"svd"``: thin SVD of the scaled Jacobian, never forming ``JᵀJ`` (accurate to
        round-off; the default). ``"cholesky"``: Cholesky factor of ``JᵀJ + μD²`` (a few
        times cheaper per step for large ``n·P``; its error grows with the squared condition
        number, which acts as extra damping of order ``ε·‖J‖²``); a factorisation that fails
        counts as a rejected step.
    chunk_size : int, optional
        Samples per vectorised Jacobian chunk (``None``: all at once; about ``8·n·P`` bytes).
    time_limit : float, optional
        Stop after this many wall-clock seconds (checked after every step; ``None``: no limit).
    slow_window, slow_factor : int and float, optional
        Stop when the best training RMSE fell by less than ``slow_factor`` over the last
        ``slow_window`` steps (``None``: never). Multi-stage training uses it to hand a slow
        stage's residual to the next stage instead of creeping on.
    callback : callable, optional
        Called as ``callback(step, train_rmse)`` after every step.

    Returns
    -------
    TrainResult
        ``history`` rows are (step, train RMSE, test RMSE), steps counting accepted and
        rejected ones; ``steps`` is the number of steps taken; ``stopped`` says why it ended.

    Raises
    ------
    ValueError
        If ``max_steps``, ``record_every``, ``patience`` or ``chunk_size`` (when given) is
        not a positive integer, ``mu0`` is not positive, ``stop_rmse`` is negative,
        ``geodesic`` is not a bool, ``damping`` or ``solver`` is unknown, ``time_limit`` is
        not a positive number, ``slow_window`` not a positive integer or ``slow_factor`` not
        above 1, or the labels ``y`` are out of :data:`LABEL_RANGE` (:func:`check_label_scale`).
    """
    from .checks import check_positive_float, check_positive_int

    check_positive_int("max_steps", max_steps)
    check_positive_int("record_every", record_every)
    check_positive_int("patience", patience)
    check_positive_float("mu0", mu0)
    if damping not in DAMPINGS:
        raise ValueError(f"damping must be one of {', '.join(DAMPINGS)}; got {damping!r}")
    if chunk_size is not None:
        check_positive_int("chunk_size", chunk_size)
    if isinstance(stop_rmse, bool) or not (isinstance(stop_rmse, (int, float)) and stop_rmse >= 0):
        raise ValueError(f"stop_rmse must be a non-negative number, got {stop_rmse!r}")
    if not isinstance(geodesic, bool):
        raise ValueError(f"geodesic must be True or False, got {geodesic!r}")
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}")
    if time_limit is not None:
        check_positive_float("time_limit", time_limit)
    if slow_window is not None:
        check_positive_int("slow_window", slow_window)
    if isinstance(slow_factor, bool) or not (isinstance(slow_factor, (int, float)) and 1 < slow_factor < math.inf):
        raise ValueError(f"slow_factor must be a number above 1, got {slow_factor!r}")
    check_label_scale(y)
    with torch_threads(threads):
        return _lm(model, x, y, max_steps, x_test, y_test, record_every, mu0, damping, float(stop_rmse),
                   patience, geodesic, solver, chunk_size, time_limit, slow_window, float(slow_factor), callback)


# the start of TrainResult.stopped for each way train_lm ends (read by stop_kind)
STOPS = {"stop_rmse": "reached stop_rmse", "time_limit": "reached time_limit", "slow": "slow:",
         "patience": "no progress", "max_steps": "reached max_steps", "damping": "damping exceeded",
         "exact": "the residual is exactly zero"}


def stop_kind(stopped: str) -> str:
    """Which of :data:`STOPS` a :func:`train_lm` run's ``stopped`` text is (``"other"`` if none)."""
    return next((kind for kind, start in STOPS.items() if stopped.startswith(start)), "other")


def _lm(model, x, y, max_steps, x_test, y_test, record_every, mu0, damping, stop_rmse, patience, geodesic,
        solver, chunk_size, time_limit=None, slow_window=None, slow_factor=2.0, callback=None) -> TrainResult:
    w = flat_parameters(model)
    x, y = as_data(x, y, w)
    forward = flat_forward(model)
    test_rmse = flat_rmse(forward, x_test, y_test, w)
    jacobian = residual_jacobian(model, chunk_size)
    n = y.shape[0]

    def residual(w: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return forward(w, x) - y

    start = time.perf_counter()
    r = residual(w)
    f = torch.dot(r, r).item()  # ‖r‖², the loss up to the factor 1/n
    history: list = [(0, math.sqrt(f / n), test_rmse(w))]
    d = None
    mu, nu = None, 2.0
    best, stale = f, 0
    stopped = f"reached max_steps={max_steps}"
    step = 0
    system = None  # the factorised damped problem at the current point, reused after a rejected step
    bests = [f]  # best loss after each step (for the slow rule)
    while step < max_steps:
        if f == 0.0:
            stopped = "the residual is exactly zero"
            break
        if f <= stop_rmse ** 2 * n:
            stopped = f"reached stop_rmse={stop_rmse:g}"
            break
        if system is None:
            J = jacobian(w, x)
            norms = torch.linalg.vector_norm(J, dim=0)
            if damping == "identity":
                d = torch.ones_like(norms)
            else:
                fresh = torch.where(norms > 0, norms, torch.ones_like(norms))
                d = fresh if d is None else torch.maximum(d, fresh)
            system = _DampedSolver(J / d, solver)
            if mu is None:
                mu = mu0 * system.top
        z = system.solve(r, mu)
        step += 1
        accepted = False
        if z is not None:
            predicted = system.predicted(z, mu)
            if geodesic:
                z = z + _acceleration(forward, x, y, w, r, system, z / d, d, mu)
            w_new = w + z / d
            r_new = residual(w_new)
            f_new = torch.dot(r_new, r_new).item()
            rho = (f - f_new) / predicted if predicted > 0 else -1.0
            accepted = rho > 0 and math.isfinite(f_new)
        if accepted:  # Nielsen's update of μ
            mu *= max(1 / 3, 1 - (2 * rho - 1) ** 3)
            nu = 2.0
            w, r, f = w_new, r_new, f_new
            system = None
        else:
            mu *= nu
            nu *= 2
        if f < best * (1 - 1e-3):
            stale = 0
        else:
            stale += 1
        best = min(best, f)
        if step % record_every == 0:
            history.append((step, math.sqrt(f / n), test_rmse(w)))
        if callback is not None:
            callback(step, math.sqrt(f / n))
        if slow_window is not None:
            bests.append(best)
            if step >= slow_window and bests[step - slow_window] < slow_factor ** 2 * best:
                stopped = f"slow: the RMSE fell less than {slow_factor:g}x in {slow_window} steps"
                break
        if time_limit is not None and time.perf_counter() - start >= time_limit:
            stopped = f"reached time_limit={time_limit:g}s"
            break
        if stale >= patience:
            stopped = f"no progress in {patience} steps"
            break
        if mu > 1e30:
            stopped = "damping exceeded 1e30: no step lowers the loss"
            break
    if history[-1][0] != step:
        history.append((step, math.sqrt(f / n), test_rmse(w)))
    set_flat_parameters(model, w)
    return TrainResult(math.sqrt(f / n), test_rmse(w), step, time.perf_counter() - start, np.array(history),
                       stopped)


def _acceleration(forward, x, y, w, r, system: _DampedSolver, v, d, mu: float, h: float = 0.1,
                  limit: float = 0.75) -> torch.Tensor:
    """Geodesic acceleration (scaled) for the step ``v`` (Transtrum & Sethna, arXiv:1201.5885):
    with ``r''`` ≈ the second directional derivative of the residual along ``v`` (finite
    difference of one extra forward pass), ``a`` solves the same damped problem with ``r''``
    in place of ``r``, halved. Zero when ``a`` is not small next to ``v``."""
    with torch.no_grad():
        r_h = forward(w + h * v, x) - y
    second = (2 / h) * ((r_h - r) / h - (system.A @ (v * d)))
    a = system.solve(second, mu)
    if a is None:
        return torch.zeros_like(v)
    a = 0.5 * a
    if not torch.isfinite(a).all() or 2 * float(torch.linalg.vector_norm(a)) > limit * float(
            torch.linalg.vector_norm(v * d)):
        return torch.zeros_like(v)
    return a
