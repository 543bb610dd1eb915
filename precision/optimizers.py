"""Training loops for torch models on the MSE, in float64 (paper §2–§4).

``train_adam`` follows the sweeps' convention: full batch, and the reported test RMSE is
the one at the step of lowest *training* RMSE (the model is left at that step).
``train_bfgs`` is full-batch BFGS with a dense inverse-Hessian estimate and a
backtracking Armijo line search; it runs until no step can lower the loss any more.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = ["TrainResult", "train_adam", "train_bfgs", "rmse", "OPTIMIZERS"]

# The trainers of one network on fixed data (boosting stages may also use Levenberg–Marquardt).
OPTIMIZERS = ("adam", "bfgs")


@dataclass
class TrainResult:
    """Outcome of one training run.

    Attributes
    ----------
    rmse_train : float
        Training RMSE of the model as it was left (for :func:`train_adam`, the lowest one
        measured; for :func:`train_bfgs`, the one at the final step).
    rmse_test : float
        Test RMSE of the model as it was left; NaN when no test set was given.
    steps : int
        :func:`train_adam`: the step of lowest training loss (where the model was left);
        :func:`train_bfgs`: the number of accepted BFGS steps.
    seconds : float
        Wall-clock time of the run, in seconds.
    history : numpy.ndarray
        ``(k, 3)`` float array, one row per recorded step: (step, train RMSE, test RMSE);
        the test column is NaN without a test set.
    stopped : str
        Why the run ended, in words.
    """

    rmse_train: float
    rmse_test: float
    steps: int
    seconds: float
    history: np.ndarray = field(repr=False)
    stopped: str = ""


def rmse(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Root-mean-square error of ``model`` on ``(x, y)``.

    Parameters
    ----------
    model : torch.nn.Module
        Model mapping ``(n, d)`` inputs to ``(n,)`` or ``(n, 1)`` outputs.
    x : torch.Tensor
        Inputs, shape ``(n, d)``, of the model's dtype.
    y : torch.Tensor
        Targets, shape ``(n,)``.

    Returns
    -------
    float
        ``sqrt(mean((model(x) - y)**2))`` over the ``n`` points, computed without gradients,
        in chunks of rows where one pass would hold more than :data:`EVAL_CHUNK_NUMBERS`
        activations in a layer (memory bounded at any data size).
    """
    rows = _rows_per_chunk(model)
    with torch.no_grad():
        if x.shape[0] <= rows:
            return float(torch.sqrt(torch.mean((model(x).squeeze(-1) - y) ** 2)))
        total = sum(float(torch.sum((model(x[i:i + rows]).squeeze(-1) - y[i:i + rows]) ** 2))
                    for i in range(0, x.shape[0], rows))
        return (total / x.shape[0]) ** 0.5


#: Activations one chunk of :func:`rmse` may hold per layer (numbers): 2**24 float64 = 128 MiB.
EVAL_CHUNK_NUMBERS = 2 ** 24


def _rows_per_chunk(model: torch.nn.Module) -> int:
    """Rows of data whose activations in ``model``'s widest layer hold about
    :data:`EVAL_CHUNK_NUMBERS` numbers: the paper's widest nets (65 536 units) on 50 000
    points would otherwise need 27 GB for one evaluation."""
    widest = max((m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)), default=1)
    return max(256, EVAL_CHUNK_NUMBERS // max(1, widest))


def _as_tensors(*arrays):
    return [None if a is None else torch.as_tensor(a, dtype=torch.float64) for a in arrays]


def _check(steps: int, name: str) -> None:
    from .checks import check_positive_int

    check_positive_int(name, steps)


def _flatten_into_views(params: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Make every parameter (and its ``.grad``) a view into one flat buffer, so that the
    optimiser updates all of them with a handful of whole-vector operations."""
    w = torch.cat([p.detach().reshape(-1) for p in params])
    g = torch.zeros_like(w)
    offset = 0
    for p in params:
        k = p.numel()
        p.data = w[offset:offset + k].view_as(p)
        p.grad = g[offset:offset + k].view_as(p)
        offset += k
    return w, g


def _dense_layers(model: torch.nn.Module) -> tuple[list[torch.nn.Linear], str] | None:
    """The Linear layers and activation of a plain ``Linear, act, Linear, …, Linear``
    Sequential with one activation kind (ReLU or Tanh), or ``None`` for anything else."""
    if not isinstance(model, torch.nn.Sequential):
        return None
    mods = list(model)
    linears, acts = mods[0::2], mods[1::2]
    if len(linears) != len(acts) + 1 or not all(type(m) is torch.nn.Linear and m.bias is not None
                                                 for m in linears):
        return None
    kinds = {type(a) for a in acts}
    if not kinds:
        return linears, "relu"
    if kinds == {torch.nn.ReLU}:
        return linears, "relu"
    if kinds == {torch.nn.Tanh}:
        return linears, "tanh"
    return None


def _dense_mse_grad(linears: list[torch.nn.Linear], activation: str):
    """MSE and its gradient for a dense MLP by explicit backpropagation (no autograd graph:
    on small nets the graph bookkeeping costs more than the arithmetic). The gradient is
    written straight into each parameter's ``.grad`` view."""
    Ws = [m.weight for m in linears]
    bs = [m.bias for m in linears]

    def value_and_grad(x: torch.Tensor, y: torch.Tensor) -> float:
        with torch.no_grad():
            acts = [x]
            for W, b in zip(Ws[:-1], bs[:-1]):
                z = torch.addmm(b, acts[-1], W.t())
                acts.append(z.clamp_min_(0) if activation == "relu" else z.tanh_())
            r = torch.addmm(bs[-1], acts[-1], Ws[-1].t()).squeeze_(-1).sub_(y)
            n = r.shape[0]
            value = float(r.dot(r)) / n
            delta = r.mul_(2.0 / n).unsqueeze_(-1)
            for k in range(len(Ws) - 1, -1, -1):
                torch.mm(delta.t(), acts[k], out=Ws[k].grad)
                torch.sum(delta, 0, out=bs[k].grad)
                if k:
                    a = acts[k]
                    delta = delta @ Ws[k]
                    delta.mul_(a > 0) if activation == "relu" else delta.mul_(1 - a * a)
        return value

    return value_and_grad


def train_adam(model: torch.nn.Module, x, y, steps: int, lr: float = 1e-3, x_test=None, y_test=None,
               record_every: int = 100, batch_cap: int | None = None, time_limit: float | None = None) -> TrainResult:
    """Train ``model`` with Adam on the MSE, leaving it at its lowest-train-loss step.

    Leaving the model at the step of lowest training loss is the paper's convention.

    Parameters
    ----------
    model : torch.nn.Module
        A float64 torch model; trained in place.
    x, y : array_like or torch.Tensor
        Training inputs ``(n, d)`` (or ``(n,)``, taken as ``d = 1``) and targets ``(n,)``;
        converted to float64 tensors.
    steps : int
        Number of Adam updates (the loss is evaluated at steps ``0 … steps``).
    lr : float, default 1e-3
        Learning rate.
    x_test, y_test : array_like or torch.Tensor, optional
        Test set, evaluated at every recorded step and at the end.
    record_every : int, default 100
        A history row (and, when windowed, a full train-loss check) every this many steps,
        and at the last step.
    batch_cap : int, optional
        Most points per step; ``None`` means full batch.
    time_limit : float, optional
        Stop after this many wall-clock seconds (checked after every step; the step it
        stops at counts as the last one); ``None``: no limit.

    Returns
    -------
    TrainResult
        ``rmse_train`` is the lowest training RMSE seen, ``steps`` the step where it was
        seen, ``history`` rows are (step, train RMSE, test RMSE) every ``record_every`` steps.

    Raises
    ------
    ValueError
        If ``steps``, ``record_every`` or ``batch_cap`` (when given) is not a positive
        integer, or ``lr`` or ``time_limit`` (when given) is not positive.

    Notes
    -----
    With ``batch_cap=None`` or ``len(x) <= batch_cap`` every step is full batch and the
    train loss is known at every step. Otherwise each step uses a contiguous window of
    ``batch_cap`` points that slides through the (randomly ordered) training set, wrapping
    around; the full train loss is then measured every ``record_every`` steps and the best
    of those checkpoints is kept.

    The update is PyTorch's Adam (β = 0.9, 0.999, ε = 1e-8), applied to all parameters at
    once as one flat vector; dense ReLU/tanh MLPs are differentiated by explicit
    backpropagation, anything else by autograd.
    """
    from .checks import check_positive_float, check_positive_int

    _check(steps, "steps")
    check_positive_int("record_every", record_every)
    if batch_cap is not None:
        check_positive_int("batch_cap", batch_cap)
    check_positive_float("lr", lr)
    if time_limit is not None:
        check_positive_float("time_limit", time_limit)
    x, y, x_test, y_test = _as_tensors(x, y, x_test, y_test)
    x = x[:, None] if x.ndim == 1 else x
    n = x.shape[0]
    windowed = batch_cap is not None and n > batch_cap
    params = [p for p in model.parameters() if p.requires_grad]
    w, g = _flatten_into_views(params)
    dense = _dense_layers(model)
    if dense is not None and len(params) == 2 * len(dense[0]):
        value_and_grad = _dense_mse_grad(*dense)
    else:
        def value_and_grad(xb: torch.Tensor, yb: torch.Tensor) -> float:
            g.zero_()
            loss = torch.mean((model(xb).squeeze(-1) - yb) ** 2)
            loss.backward()
            return float(loss.detach())

    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m, v = torch.zeros_like(w), torch.zeros_like(w)
    best_loss, best_w, best_step = float("inf"), w.clone(), 0
    history = []
    start = time.perf_counter()
    timed_out = False
    for step in range(steps + 1):
        if windowed:
            lo = (step * batch_cap) % n
            idx = torch.arange(lo, lo + batch_cap) % n
            xb, yb = x[idx], y[idx]
        else:
            xb, yb = x, y
        timed_out = time_limit is not None and 0 < step < steps and time.perf_counter() - start >= time_limit
        last = step == steps or timed_out
        full_check = step % record_every == 0 or last
        value = value_and_grad(xb, yb)
        if windowed and full_check:
            value = rmse(model, x, y) ** 2
        if (full_check or not windowed) and value < best_loss:
            best_loss, best_step = value, step
            best_w.copy_(w)
        if full_check:
            test = rmse(model, x_test, y_test) if x_test is not None else float("nan")
            history.append((step, value ** 0.5, test))
        if last:
            break
        t = step + 1
        m.mul_(beta1).add_(g, alpha=1 - beta1)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        denom = v.div(1 - beta2 ** t).sqrt_().add_(eps)
        w.addcdiv_(m, denom, value=-lr / (1 - beta1 ** t))
    w.copy_(best_w)
    for p in params:  # leave plain gradients behind, not views of our buffer
        p.grad = None
    test = rmse(model, x_test, y_test) if x_test is not None else float("nan")
    stopped = f"lowest train loss at step {best_step} of {steps}"
    if timed_out:
        stopped = f"reached time_limit={time_limit:g}s at step {step}; {stopped}"
    return TrainResult(best_loss ** 0.5, test, best_step, time.perf_counter() - start, np.array(history), stopped)


def _flat_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor):
    """The MSE on ``(x, y)`` as a function of the flat parameters, and a function that
    splits a flat vector into the model's named parameter tensors (views)."""
    from .flat import flat_forward

    forward = flat_forward(model)
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]

    def unflatten(w: torch.Tensor) -> dict:
        return {n: c.view(s) for n, c, s in zip(names, torch.split(w, sizes), shapes)}

    def loss(w: torch.Tensor) -> torch.Tensor:
        return torch.mean((forward(w, x) - y) ** 2)

    return loss, unflatten


def train_bfgs(model: torch.nn.Module, x, y, max_steps: int = 10_000, x_test=None, y_test=None,
               record_every: int = 10, stop_rmse: float = 0.0, threads: int | None = 1) -> TrainResult:
    """Full-batch BFGS on the MSE until no step lowers the loss (paper §4, Figures 7–9).

    Parameters
    ----------
    model : torch.nn.Module
        A float64 torch model; trained in place and left at the final point.
    x, y : array_like or torch.Tensor
        Training inputs ``(n, d)`` (or ``(n,)``) and targets ``(n,)``.
    max_steps : int, default 10000
        Most BFGS iterations (the authors allowed 25 000).
    x_test, y_test : array_like or torch.Tensor, optional
        Test set, evaluated at every recorded step.
    record_every : int, default 10
        A history row every this many steps (and at the first and last).
    stop_rmse : float, default 0.0
        Stop as soon as the training RMSE is at or below this (0: never).
    threads : int or None, default 1
        torch threads during the run (restored after); ``None`` keeps torch's setting.
        One is fastest for the book's small nets (see :func:`precision.flat.torch_threads`).

    Returns
    -------
    TrainResult
        ``history`` rows are (step, train RMSE, test RMSE); ``steps`` counts accepted
        steps; ``stopped`` says why it ended.

    Raises
    ------
    ValueError
        If ``max_steps`` or ``record_every`` is not a positive integer.

    Notes
    -----
    The loss and its gradient (autograd) are evaluated from views of one flat parameter
    vector (:func:`precision.flat.flat_forward`), so a step copies no parameters. The
    dense inverse-Hessian estimate is updated by the BFGS formula written as the
    symmetric rank-2 change ``H += u sᵀ + s uᵀ`` (two in-place ``addr_``), O(P²) per step;
    scipy's BFGS, which the authors used, spends O(P³) per step on two matrix products.
    The step length comes from a backtracking Armijo search (first trial α = 1, which
    costs one forward and backward pass when accepted, as it nearly always is). A pair
    with ``sᵀy <= 0`` is skipped. When the search fails, the estimate restarts from the
    identity; when it fails along the plain gradient as well, the run has stopped making
    progress, the authors' stopping rule (scipy's "precision loss").
    """
    from .flat import torch_threads

    with torch_threads(threads):
        return _bfgs(model, x, y, max_steps, x_test, y_test, record_every, stop_rmse)


def _bfgs(model, x, y, max_steps, x_test, y_test, record_every, stop_rmse) -> TrainResult:
    from .flat import as_data, flat_forward, flat_parameters, flat_rmse, set_flat_parameters
    from .checks import check_positive_int

    _check(max_steps, "max_steps")
    check_positive_int("record_every", record_every)
    w = flat_parameters(model)
    x, y = as_data(x, y, w)
    forward = flat_forward(model)
    test_rmse = flat_rmse(forward, x_test, y_test, w)
    n = w.numel()
    stop_loss = float(stop_rmse) ** 2

    def value_and_grad(w: torch.Tensor) -> tuple[float, torch.Tensor]:
        w = w.detach().requires_grad_(True)
        f = torch.mean((forward(w, x) - y) ** 2)
        (g,) = torch.autograd.grad(f, w)
        return f.item(), g

    def value(w: torch.Tensor) -> float:
        with torch.no_grad():
            return torch.mean((forward(w, x) - y) ** 2).item()

    start = time.perf_counter()
    f, g = value_and_grad(w)
    history: list = [(0, f ** 0.5, test_rmse(w))]
    H = torch.eye(n, dtype=torch.float64, device=w.device)
    p = torch.empty_like(w)
    fresh = True
    stopped = f"reached max_steps={max_steps}"
    step = 0
    while step < max_steps:
        if f <= stop_loss:
            stopped = f"reached stop_rmse={stop_rmse:g}"
            break
        torch.mv(H, g, out=p)
        p.neg_()
        gp = torch.dot(g, p).item()
        if not gp < 0:  # the estimate lost positive definiteness to round-off: restart
            H.zero_().diagonal().fill_(1.0)
            fresh = True
            torch.neg(g, out=p)
            gp = -torch.dot(g, g).item()
        if gp == 0:
            stopped = "gradient is exactly zero"
            break
        alpha = min(1.0, 1.0 / math.sqrt(-gp)) if fresh else 1.0
        w_new = w + alpha * p
        f_new, g_new = value_and_grad(w_new)
        have_grad = True
        accepted = f_new < f and f_new <= f + 1e-4 * alpha * gp
        for _ in range(60):
            if accepted:
                break
            # backtrack: minimiser of the quadratic through f, gp and f_new, kept in [α/10, α/2]
            denom = 2 * (f_new - f - alpha * gp)
            guess = -gp * alpha * alpha / denom if denom > 0 and math.isfinite(f_new) else 0.5 * alpha
            alpha = min(max(guess, 0.1 * alpha), 0.5 * alpha)
            w_new = w + alpha * p
            f_new, have_grad = value(w_new), False
            accepted = f_new < f and f_new <= f + 1e-4 * alpha * gp
        if not accepted:
            if fresh:
                stopped = "no step lowers the loss (line search failed along the gradient)"
                break
            H.zero_().diagonal().fill_(1.0)
            fresh = True
            continue
        if not have_grad:
            f_new, g_new = value_and_grad(w_new)
        step += 1
        s = w_new - w
        yv = g_new - g
        sy = torch.dot(s, yv).item()
        if sy > 1e-16 * (s.norm() * yv.norm()).item():
            if fresh:  # scale the first estimate to the curvature seen (Nocedal & Wright 6.20)
                H.zero_().diagonal().fill_(sy / torch.dot(yv, yv).item())
            rho = 1.0 / sy
            Hy = torch.mv(H, yv)
            yHy = torch.dot(yv, Hy).item()
            u = Hy.mul_(-rho).add_(s, alpha=0.5 * (rho + rho * rho * yHy))  # H += u sᵀ + s uᵀ
            H.addr_(u, s).addr_(s, u)
            fresh = False
        w, f, g = w_new, f_new, g_new
        if step % record_every == 0:
            history.append((step, f ** 0.5, test_rmse(w)))
    if history[-1][0] != step:
        history.append((step, f ** 0.5, test_rmse(w)))
    set_flat_parameters(model, w)
    return TrainResult(f ** 0.5, test_rmse(w), step, time.perf_counter() - start, np.array(history), stopped)
