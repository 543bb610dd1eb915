"""Training loops for torch models on the MSE, in float64 (paper §2–§4).

``train_adam`` follows the sweeps' convention: full batch, and the reported test RMSE is
the one at the step of lowest *training* RMSE (the model is left at that step).
``train_bfgs`` is full-batch BFGS with a dense inverse-Hessian estimate and a
backtracking Armijo line search; it runs until no step can lower the loss any more.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import functional_call

__all__ = ["TrainResult", "train_adam", "train_bfgs", "rmse"]


@dataclass
class TrainResult:
    """Outcome of one training run. ``history`` rows: (step, train RMSE, test RMSE)."""

    rmse_train: float
    rmse_test: float
    steps: int
    seconds: float
    history: np.ndarray = field(repr=False)
    stopped: str = ""


def rmse(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Root-mean-square error of ``model`` on ``(x, y)``."""
    with torch.no_grad():
        return float(torch.sqrt(torch.mean((model(x).squeeze(-1) - y) ** 2)))


def _as_tensors(*arrays):
    return [None if a is None else torch.as_tensor(a, dtype=torch.float64) for a in arrays]


def _check(steps: int, name: str) -> None:
    from .profiles import check_positive_int

    check_positive_int(name, steps)


def train_adam(model: torch.nn.Module, x, y, steps: int, lr: float = 1e-3, x_test=None, y_test=None,
               record_every: int = 100) -> TrainResult:
    """Full-batch Adam on the MSE; the model ends at its lowest-train-loss step."""
    _check(steps, "steps")
    x, y, x_test, y_test = _as_tensors(x, y, x_test, y_test)
    x = x[:, None] if x.ndim == 1 else x
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    best_loss, best_state, best_step = float("inf"), None, 0
    history = []
    start = time.perf_counter()
    for step in range(steps + 1):
        opt.zero_grad()
        loss = torch.mean((model(x).squeeze(-1) - y) ** 2)
        value = float(loss.detach())
        if value < best_loss:
            best_loss, best_step = value, step
            best_state = [p.detach().clone() for p in model.parameters()]
        if step % record_every == 0 or step == steps:
            test = rmse(model, x_test, y_test) if x_test is not None else float("nan")
            history.append((step, value ** 0.5, test))
        if step == steps:
            break
        loss.backward()
        opt.step()
    with torch.no_grad():
        for p, b in zip(model.parameters(), best_state):
            p.copy_(b)
    test = rmse(model, x_test, y_test) if x_test is not None else float("nan")
    return TrainResult(best_loss ** 0.5, test, best_step, time.perf_counter() - start, np.array(history),
                       f"lowest train loss at step {best_step} of {steps}")


def _flat_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor):
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]

    def unflatten(w: torch.Tensor) -> dict:
        return {n: c.view(s) for n, c, s in zip(names, torch.split(w, sizes), shapes)}

    def loss(w: torch.Tensor) -> torch.Tensor:
        return torch.mean((functional_call(model, unflatten(w), (x,)).squeeze(-1) - y) ** 2)

    return loss, unflatten


def train_bfgs(model: torch.nn.Module, x, y, max_steps: int = 10_000, x_test=None, y_test=None,
               record_every: int = 10) -> TrainResult:
    """Full-batch BFGS on the MSE until no step lowers the loss (or ``max_steps``)."""
    _check(max_steps, "max_steps")
    x, y, x_test, y_test = _as_tensors(x, y, x_test, y_test)
    x = x[:, None] if x.ndim == 1 else x
    loss_fn, unflatten = _flat_loss(model, x, y)
    w = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()
    n = w.numel()

    def value_and_grad(w):
        w = w.detach().requires_grad_(True)
        f = loss_fn(w)
        (g,) = torch.autograd.grad(f, w)
        return f.detach(), g

    def record(step, w, f):
        if x_test is None:
            test = float("nan")
        else:
            with torch.no_grad():
                pred = functional_call(model, unflatten(w), (x_test,)).squeeze(-1)
                test = float(torch.sqrt(torch.mean((pred - y_test) ** 2)))
        history.append((step, float(f) ** 0.5, test))

    start = time.perf_counter()
    history: list = []
    f, g = value_and_grad(w)
    H = torch.eye(n, dtype=torch.float64)
    fresh = True
    stopped = f"reached max_steps={max_steps}"
    step = 0
    record(0, w, f)
    for step in range(1, max_steps + 1):
        p = -(H @ g)
        gp = float(g @ p)
        if not gp < 0:
            H, fresh = torch.eye(n, dtype=torch.float64), True
            p, gp = -g, -float(g @ g)
        if gp == 0:
            stopped = "gradient is exactly zero"
            break
        alpha = min(1.0, 1.0 / float(g.norm())) if fresh else 1.0
        accepted = False
        for _ in range(60):
            w_new = w + alpha * p
            with torch.no_grad():
                f_new = loss_fn(w_new)
            if f_new <= f + 1e-4 * alpha * gp and f_new < f:
                accepted = True
                break
            alpha *= 0.5
        if not accepted:
            if fresh:
                stopped = "no step lowers the loss (line search failed along the gradient)"
                break
            H, fresh = torch.eye(n, dtype=torch.float64), True
            continue
        f_new, g_new = value_and_grad(w_new)
        s, yv = w_new - w, g_new - g
        sy = float(s @ yv)
        if sy > 1e-16 * float(s.norm() * yv.norm()):
            if fresh:
                H = torch.eye(n, dtype=torch.float64) * (sy / float(yv @ yv))
            rho = 1.0 / sy
            Hy = H @ yv
            H = H + (rho * rho * (sy + float(yv @ Hy))) * torch.outer(s, s) - rho * (torch.outer(Hy, s) + torch.outer(s, Hy))
            fresh = False
        w, f, g = w_new, f_new, g_new
        if step % record_every == 0:
            record(step, w, f)
    if not history or history[-1][0] != step:
        record(step, w, f)
    with torch.no_grad():
        for p_, v in zip(model.parameters(), unflatten(w).values()):
            p_.copy_(v)
    test = rmse(model, x_test, y_test) if x_test is not None else float("nan")
    return TrainResult(float(f) ** 0.5, test, step, time.perf_counter() - start, np.array(history), stopped)
