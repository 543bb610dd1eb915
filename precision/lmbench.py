"""Our Levenberg–Marquardt against SciPy's, on the same net, data and start (beyond the paper).

:func:`compare_lm` runs :func:`precision.lm.train_lm` and ``scipy.optimize.least_squares``
(``method="lm"``: MINPACK's ``lmder``; ``method="trf"``: trust-region reflective with
dense SVD steps) from the same flat parameter vector, handing SciPy the same analytic
Jacobian (:func:`precision.lm.residual_jacobian`) and the same residual. Each run gets the
same wall-clock budget and records the best training RMSE against time; the comparison is
the time each needs to reach one common RMSE — the worst of the final ones, so every
method reaches it — as ratios to ours. ``benchmarks/lm_vs_scipy.py`` runs it on one
multi-stage stage and prints the table.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = ["LMTrace", "LMComparison", "compare_lm", "LM_METHODS"]

LM_METHODS = ("ours", "ours-svd", "scipy-lm", "scipy-trf")


@dataclass
class LMTrace:
    """One run: ``times`` (seconds since its start) and ``rmse`` (best training RMSE so
    far) at each residual evaluation or step, and the number of those."""

    method: str
    times: np.ndarray = field(repr=False)
    rmse: np.ndarray = field(repr=False)
    evaluations: int
    final_rmse: float
    seconds: float

    def time_to(self, level: float) -> float:
        """Seconds until the best RMSE first reached ``level`` (``inf`` if it never did)."""
        hit = np.flatnonzero(self.rmse <= level)
        return float(self.times[hit[0]]) if hit.size else math.inf


@dataclass
class LMComparison:
    """Traces of every method, the common RMSE ``level`` and each method's time to it over ours."""

    traces: dict[str, LMTrace]
    level: float
    n_train: int
    n_params: int

    def ratios(self, reference: str = "ours") -> dict[str, float]:
        """Time to :attr:`level` of each method divided by that of ``reference``."""
        base = self.traces[reference].time_to(self.level)
        return {m: t.time_to(self.level) / base for m, t in self.traces.items()}

    def to_dict(self) -> dict:
        return {"level": self.level, "n_train": self.n_train, "n_params": self.n_params,
                "methods": {m: {"final_rmse": t.final_rmse, "seconds": t.seconds, "evaluations": t.evaluations,
                                "time_to_level": t.time_to(self.level)} for m, t in self.traces.items()},
                "ratio_to_ours": self.ratios()}


class _OutOfTime(Exception):
    pass


def compare_lm(model: torch.nn.Module, x, y, seconds: float = 10.0, methods: tuple[str, ...] = LM_METHODS,
               threads: int = 1) -> LMComparison:
    """Run each LM from ``model``'s current parameters for at most ``seconds`` of wall time.

    Parameters
    ----------
    model
        A float64 one-output net (its parameters are the common start; it is not changed).
    x, y
        Training data ``(n, d)`` and ``(n,)``; ``n`` must be at least the number of
        parameters (MINPACK needs an overdetermined problem).
    seconds
        Wall-clock budget of each run.
    methods
        Any of :data:`LM_METHODS`: ``"ours"`` (Cholesky steps, as multi-stage fits use),
        ``"ours-svd"``, ``"scipy-lm"``, ``"scipy-trf"``.
    threads
        torch threads during every run.

    Returns
    -------
    LMComparison

    Raises
    ------
    ValueError
        For an unknown method, a non-positive budget, or fewer points than parameters.
    """
    from scipy.optimize import least_squares

    from .checks import check_positive_float
    from .flat import as_data, flat_forward, flat_parameters, torch_threads
    from .lm import residual_jacobian, train_lm

    check_positive_float("seconds", seconds)
    for m in methods:
        if m not in LM_METHODS:
            raise ValueError(f"methods must be among {', '.join(LM_METHODS)}; got {m!r}")
    w0 = flat_parameters(model).detach().clone()
    x, y = as_data(x, y, w0)
    n, P = int(y.shape[0]), int(w0.shape[0])
    if n < P:
        raise ValueError(f"need at least as many points as parameters for MINPACK: n={n} < P={P}")
    forward = flat_forward(model)
    jacobian = residual_jacobian(model)
    traces: dict[str, LMTrace] = {}
    with torch_threads(threads):
        for method in methods:
            times, rmse = [], []
            start = time.perf_counter()
            if method.startswith("ours"):
                net = copy.deepcopy(model)

                def record(step: int, value: float) -> None:
                    times.append(time.perf_counter() - start)
                    rmse.append(value)

                res = train_lm(net, x, y, 10**7, threads=None, patience=10**6, time_limit=seconds,
                               solver="svd" if method == "ours-svd" else "cholesky", callback=record,
                               record_every=10**6)
                evaluations = res.steps
            else:
                def fun(w: np.ndarray) -> np.ndarray:
                    if time.perf_counter() - start > seconds:
                        raise _OutOfTime
                    with torch.no_grad():
                        r = (forward(torch.from_numpy(w), x) - y).numpy()
                    times.append(time.perf_counter() - start)
                    rmse.append(float(np.sqrt(np.mean(r * r))))
                    return r

                def jac(w: np.ndarray) -> np.ndarray:
                    if time.perf_counter() - start > seconds:
                        raise _OutOfTime
                    return jacobian(torch.from_numpy(w), x).numpy()

                tol = 2.3e-16  # the smallest SciPy accepts (just above eps): stop by the budget, not a tolerance
                try:
                    least_squares(fun, w0.numpy().copy(), jac=jac, method=method.split("-")[1], x_scale="jac",
                                  ftol=tol, xtol=tol, gtol=tol, max_nfev=10**7)
                except _OutOfTime:
                    pass
                evaluations = len(rmse)
            best = np.minimum.accumulate(np.array(rmse)) if rmse else np.array([math.inf])
            traces[method] = LMTrace(method, np.array(times) if times else np.array([math.inf]), best, evaluations,
                                     float(best[-1]), time.perf_counter() - start)
    level = max(t.final_rmse for t in traces.values())
    return LMComparison(traces, level, n, P)
