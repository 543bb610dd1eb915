"""Chapter 4 (optimisation): the timings it reports (paper §4.2, §4.3): our BFGS against the authors' scipy
route, the vectorised low-curvature projection against a loop, and the cost of one
Hessian eigen-step as the parameter count grows.

* :func:`scipy_bfgs` is the authors' approach: ``scipy.optimize.minimize(method="BFGS",
  jac=True, gtol=1e-60)`` with the loss and gradient computed by torch and handed over as
  NumPy arrays; :func:`ours` is :func:`precision.optimizers.train_bfgs`. Both use the same
  loss function, net, data and start, and stop at the same train RMSE.
* :func:`projection_speed` times ``V_S (V_Sᵀ g)`` against :func:`precision.lowcurv.project_loop`.
* :func:`hessian_cost` times one low-curvature step's linear algebra — the exact Hessian,
  its eigendecomposition, the projection — and measures the process's peak memory.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.optimize
import torch

from ..flat import flat_mse, flat_parameters, torch_threads
from ..landscape import hessian
from ..lowcurv import project, project_loop
from ..models import mlp, n_params
from ..optimizers import train_bfgs
from ..targets import sample, teacher
from . import costs
from .runs import Job

__all__ = ["scipy_bfgs", "ours", "projection_speed", "hessian_cost", "peak_memory_reset", "peak_memory", "total_memory",
           "HessianTiming", "ProjectionTiming", "BfgsTiming"]


class _Reached(Exception):
    pass


def scipy_bfgs(model: torch.nn.Module, x, y, target: float, max_steps: int) -> dict:
    """The authors' way: scipy BFGS on a NumPy vector, gradients from torch autograd.
    Stops as soon as the train RMSE is at or below ``target``.

    Parameters
    ----------
    model : torch.nn.Module
        The net, trained in place.
    x : torch.Tensor
        Training inputs, shape ``(n, d)``.
    y : torch.Tensor
        Training labels, shape ``(n,)``.
    target : float
        The train RMSE to stop at.
    max_steps : int
        The most BFGS iterations.

    Returns
    -------
    dict
        ``seconds``, ``iterations``, ``evaluations``, ``rmse_train`` (best seen), ``reached``
        and ``stopped`` (why it stopped).
    """
    loss_fn = flat_mse(model, x, y)
    w0 = flat_parameters(model).numpy()
    stop_loss = target ** 2
    state = {"evals": 0, "iterations": 0, "best": np.inf}

    def fun(w_np: np.ndarray):
        w = torch.from_numpy(w_np).requires_grad_(True)
        f = loss_fn(w)
        (g,) = torch.autograd.grad(f, w)
        state["evals"] += 1
        value = f.item()
        state["best"] = min(state["best"], value)
        if value <= stop_loss:
            raise _Reached
        return value, g.numpy()

    def count(_):
        state["iterations"] += 1

    start = time.perf_counter()
    try:
        res = scipy.optimize.minimize(fun, w0, jac=True, method="BFGS", callback=count,
                                      options={"gtol": 1e-60, "maxiter": max_steps})
        message = str(res.message)
    except _Reached:
        message = "reached target"
    return {"seconds": time.perf_counter() - start, "iterations": state["iterations"], "evaluations": state["evals"],
            "rmse_train": float(state["best"] ** 0.5), "reached": state["best"] <= stop_loss, "stopped": message}


def ours(model: torch.nn.Module, x, y, target: float, max_steps: int) -> dict:
    """:func:`precision.optimizers.train_bfgs` stopping at train RMSE ``target``.

    Parameters
    ----------
    model : torch.nn.Module
        The net, trained in place.
    x : torch.Tensor
        Training inputs, shape ``(n, d)``.
    y : torch.Tensor
        Training labels, shape ``(n,)``.
    target : float
        The train RMSE to stop at.
    max_steps : int
        The most BFGS iterations.

    Returns
    -------
    dict
        ``seconds``, ``iterations``, ``rmse_train``, ``reached`` and ``stopped``.
    """
    res = train_bfgs(model, x, y, max_steps, stop_rmse=target, record_every=max_steps)
    return {"seconds": res.seconds, "iterations": res.steps, "rmse_train": res.rmse_train,
            "reached": res.rmse_train <= target, "stopped": res.stopped}


def projection_speed(p: int = 1761, keep: int = 1500, repeats: int = 3, seed: int = 0) -> dict:
    """Time ``V_S (V_Sᵀ g)`` against the per-eigenvector loop on a random orthonormal basis
    (best of ``repeats``); ``max_difference`` checks they agree.

    Parameters
    ----------
    p : int, optional
        Dimension of the basis (parameters of the net; default 1761).
    keep : int, optional
        Directions projected onto (default 1500).
    repeats : int, optional
        Timings per method; the best counts (default 3).
    seed : int, optional
        Seed of the basis and the vector (default 0).

    Returns
    -------
    dict
        ``P``, ``subspace``, ``vectorised_s``, ``loop_s``, ``speedup`` and ``max_difference``.
    """
    gen = torch.Generator().manual_seed(seed)
    V, _ = torch.linalg.qr(torch.randn(p, p, dtype=torch.float64, generator=gen))
    V_S, g = V[:, :keep].contiguous(), torch.randn(p, dtype=torch.float64, generator=gen)

    def best(fn):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            out = fn(V_S, g)
            times.append(time.perf_counter() - t)
        return min(times), out

    t_vec, a = best(project)
    t_loop, b = best(project_loop)
    return {"P": p, "subspace": keep, "vectorised_s": t_vec, "loop_s": t_loop, "speedup": t_loop / t_vec,
            "max_difference": float((a - b).abs().max())}


def peak_memory_reset() -> bool:
    """Reset this process's peak resident memory (Linux ``/proc/self/clear_refs``); False
    where that is not possible.

    Returns
    -------
    bool
        Whether the reset worked.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _proc_kib(path: str, field: str) -> int | None:
    """A ``field:  N kB`` line of a Linux /proc file, in bytes; None where there is none."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_memory() -> int | None:
    """This process's peak resident memory in bytes since the last reset (Linux), else None.

    Returns
    -------
    int or None
        ``VmHWM`` in bytes, or ``None``.
    """
    return _proc_kib("/proc/self/status", "VmHWM")


def hessian_cost(width: int, n: int, d_in: int = 1, depth: int = 3, seed: int = 0) -> dict:
    """Seconds for one exact Hessian (:func:`precision.landscape.hessian`), its
    eigendecomposition and the projection, on a ``width``-wide tanh net with ``n`` random
    training points, one thread; and the peak memory above the starting level.

    Parameters
    ----------
    width : int
        Hidden width.
    n : int
        Training points.
    d_in : int, optional
        Input dimension (default 1).
    depth : int, optional
        Number of Linear layers (default 3).
    seed : int, optional
        Seed of the net and the points (default 0).

    Returns
    -------
    dict
        ``width``, ``P``, ``n``, ``hessian_s``, ``eigh_s``, ``project_s``, ``step_s``,
        ``matrix_bytes`` and ``peak_bytes`` (``None`` where the peak cannot be reset).
    """
    with torch_threads(1):
        model = mlp(d_in, width, depth, "tanh", seed=seed)
        gen = torch.Generator().manual_seed(seed)
        x = torch.rand(n, d_in, dtype=torch.float64, generator=gen) * 2 - 1
        y = torch.sin(3 * x).sum(dim=1)
        hessian(mlp(d_in, 2, depth, "tanh"), x[:4], y[:4])  # warm-up: torch.func's first call is slow
        resettable = peak_memory_reset()
        base = peak_memory()
        t0 = time.perf_counter()
        H = hessian(model, x, y)
        t1 = time.perf_counter()
        lam, V = torch.linalg.eigh(H)
        t2 = time.perf_counter()
        project(V[:, lam.abs() < 1e-15], torch.ones(H.shape[0], dtype=torch.float64))
        t3 = time.perf_counter()
        peak = peak_memory()
    p = n_params(model)
    return {"width": width, "P": p, "n": n, "hessian_s": t1 - t0, "eigh_s": t2 - t1, "project_s": t3 - t2,
            "step_s": t3 - t0, "matrix_bytes": 8 * p * p,
            "peak_bytes": (peak - base) if resettable and peak is not None and base is not None else None}


@dataclass(frozen=True)
class HessianTiming(Job):
    """:func:`hessian_cost` of a ``width``-wide depth-3 tanh net on ``n`` points."""

    width: int
    n: int

    def work(self) -> costs.Work:
        """Operation counts and large allocations (:mod:`precision.chapters.costs`).

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        P = costs.mlp_params(1, self.width, 3)
        return costs.Work(f"Hessian timing width {self.width} P={P}", "hessian",
                          costs.ops(costs.hessians(1.2, self.n, P)), tuple(costs.hess_mem(self.n, self.width, 3, P)),
                          self)

    def run(self) -> dict:
        """Compute the run (:func:`hessian_cost`).

        Returns
        -------
        dict of str to Any
            Its seconds and memory.
        """
        return hessian_cost(self.width, self.n)


@dataclass(frozen=True)
class ProjectionTiming(Job):
    """:func:`projection_speed` for ``P`` parameters keeping ``keep`` directions."""

    P: int
    keep: int

    def work(self) -> costs.Work:
        """A QR of a P×P matrix, about half an eigendecomposition.

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        return costs.Work(f"projection timing P={self.P}", "eigh", costs.ops({"eigh": 0.5 * float(self.P) ** 3}),
                          ((f"{self.P}×{self.P} basis", 3.0 * self.P ** 2 * 8),), self)

    def run(self) -> dict:
        """Compute the run (:func:`projection_speed`).

        Returns
        -------
        dict of str to Any
            Its timings.
        """
        return projection_speed(self.P, self.keep)


@dataclass(frozen=True)
class BfgsTiming(Job):
    """:func:`ours` against :func:`scipy_bfgs` from the same start on teacher–student data
    (``n`` points, a ``width``-wide net), both to train RMSE ``rmse`` or ``max_steps``."""

    width: int
    n: int
    rmse: float
    max_steps: int

    def work(self) -> costs.Work:
        """Ours and scipy's BFGS, both to the same target or ``max_steps``.

        Returns
        -------
        costs.Work
            The run's operation counts and allocations.
        """
        P = costs.mlp_params(1, self.width, 3)
        return costs.Work(f"BFGS timing (ours vs scipy) n={self.n:,}", "bfgs",
                          costs.ops(costs.bfgs(2 * self.max_steps, self.n, P, 2 * self.width)),
                          (costs.data_mem(self.n, 1000, 1), *costs.net_mem(self.n, self.width, 3, P, True)), self)

    def run(self) -> dict:
        """Train the same net with :func:`ours` and :func:`scipy_bfgs`, one thread.

        Returns
        -------
        dict
            ``ours`` and ``scipy`` (each one's result) and ``ratio`` (scipy's seconds over ours).
        """
        data = sample(teacher(), self.n, 1000, seed=0)
        with torch_threads(1):
            mine = ours(mlp(1, self.width, 3, "tanh", seed=0), data.x_train, data.y_train, self.rmse,
                        self.max_steps)
            theirs = scipy_bfgs(mlp(1, self.width, 3, "tanh", seed=0), data.x_train, data.y_train,
                                self.rmse, self.max_steps)
        return {"ours": mine, "scipy": theirs, "ratio": theirs["seconds"] / mine["seconds"]}


def total_memory() -> int:
    """This machine's memory in bytes (Linux ``/proc/meminfo``; else 8 GiB, a laptop's).

    Returns
    -------
    int
        Memory in bytes.
    """
    return _proc_kib("/proc/meminfo", "MemTotal") or 8 * 2 ** 30
