"""Operation counts and large allocations of a chapter's runs: the units of the cost plan.

A run (:class:`~precision.chapters.runs.Job`) reports its own work with ``job.work()``: a
:class:`Work` of operation counts per kind of arithmetic (Adam steps, BFGS flops, Hessians,
Levenberg–Marquardt solves, Delaunay triangulations, …) and its large allocations. The
helpers here turn a run's sizes into those counts; :mod:`precision.chapters.plan` prices
them with coefficients measured on this machine. :func:`refuse_if_too_big` is the check
:func:`~precision.chapters.runs.run_jobs` makes for every run before any starts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..fitting import fit_memory
from ..memory import format_bytes, simplices_per_point
from ..models import mlp_param_count

__all__ = ["Work", "Batch", "ops", "units", "adam", "bfgs", "hessians", "lowcurv", "lm", "delaunay", "data_mem",
           "net_mem", "hess_mem", "lm_mem", "simplex_mem", "inline", "floors_work", "mlp_params", "peak_bytes",
           "total_memory", "device_memory", "refuse_if_too_big", "BASE_BYTES",
           "LINE_SEARCH_EVALS", "RESCALE_FRACTION"]

#: Loss evaluations of one low-curvature step's logarithmic line search (15 points, 4 zooms;
#: :func:`precision.lowcurv.log_line_search`).
LINE_SEARCH_EVALS = 15 * 5
#: Resident memory of a worker before its run (Python + NumPy + SciPy + torch), bytes;
#: checked by :func:`precision.chapters.plan.check_memory_model`.
BASE_BYTES = 350 * 2 ** 20
#: Share of its budgets a run from an already converged point uses (Appendix A's rescaled
#: net: BFGS and the low-curvature steps stall at once; measured at the book profile).
RESCALE_FRACTION = 0.05

_F64 = 8
_CHUNK = 256  # rows per jacfwd(jacrev) call of precision.landscape.hessian


def total_memory() -> int:
    """This machine's RAM in bytes (``MemTotal`` of ``/proc/meminfo``; else 8 GiB).

    Returns
    -------
    int
        Total memory in bytes.
    """
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 * 2 ** 30


@dataclass(frozen=True)
class Work:
    """One run (``job``) or one piece of inline notebook work, as operation counts.

    ``ops`` maps coefficient names to counts; ``memory`` lists ``(what, bytes)`` of the
    large allocations (the baseline process is added by :func:`peak_bytes`).

    Attributes
    ----------
    label : str
        What the plan and error messages call it.
    kind : str
        The kind of work, for grouping in the plan (e.g. the run's class name).
    ops : tuple of (str, float)
        Operation counts by coefficient name, sorted.
    memory : tuple of (str, float)
        The large allocations: what, and its size in bytes.
    job : Job or None
        The run counted; ``None`` for inline work.
    inline : bool
        Whether the notebook does it in its own process.
    """

    label: str
    kind: str
    ops: tuple[tuple[str, float], ...]
    memory: tuple[tuple[str, float], ...]
    job: Any = None  # the Job, None for inline work
    inline: bool = False

    @property
    def ops_dict(self) -> dict[str, float]:
        return dict(self.ops)


def ops(*parts: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """Sum operation counts by name.

    Parameters
    ----------
    *parts : dict of str to float
        Counts by coefficient name, e.g. from :func:`adam` and :func:`bfgs`.

    Returns
    -------
    tuple of (str, float)
        The summed counts, sorted by name (the form :attr:`Work.ops` takes).
    """
    out: dict[str, float] = {}
    for p in parts:
        for k, v in p.items():
            out[k] = out.get(k, 0.0) + float(v)
    return tuple(sorted(out.items()))


def mlp_params(d: int, width: int, depth: int) -> int:
    """Parameters of a dense d-width-…-width-1 net with ``depth`` Linear layers.

    Parameters
    ----------
    d : int
        Input dimension.
    width : int
        Hidden width.
    depth : int
        Number of Linear layers.

    Returns
    -------
    int
        The parameter count, weights and biases.
    """
    return mlp_param_count(d, width, depth)


def units(job: Any) -> int:
    """Hidden units a sample passes through: ``width × (depth − 1)``; for a modular net the
    sum over its nodes of their hidden widths × (node depth − 1).

    Parameters
    ----------
    job : Job
        A run with ``width`` and ``depth`` (and for modular nets ``architecture`` and ``target``).

    Returns
    -------
    int
        The hidden units a sample passes through.
    """
    if getattr(job, "architecture", "dense") == "modular":
        from ..modular import GRAPHS, _node_width, stages
        from ..targets import get_target

        graph = GRAPHS[job.target]
        node_depth = job.depth // max(stages(get_target(job.target).variables, graph).values())
        return sum(_node_width(job.width, n) for n in graph) * max(node_depth - 1, 1)
    return job.width * max(job.depth - 1, 1)


def adam(steps: int, batch: int, P: int, units: int) -> dict[str, float]:
    """Adam: per step a fixed overhead, ``batch × P`` multiply-adds and ``batch × units``
    hidden activations (elementwise work that dominates wide shallow nets).

    Parameters
    ----------
    steps : int
        Adam steps.
    batch : int
        Points per step.
    P : int
        Parameters of the net.
    units : int
        Hidden units a sample passes through (:func:`units`).

    Returns
    -------
    dict of str to float
        Counts for ``adam_step``, ``adam_flop`` and ``adam_act``.
    """
    return {"adam_step": steps, "adam_flop": float(steps) * batch * P, "adam_act": float(steps) * batch * units}


def bfgs(steps: int, n: int, P: int, units: int) -> dict[str, float]:
    """BFGS: per step a fixed overhead, ``n × P`` multiply-adds, ``n × units`` activations
    and a ``P × P`` update of the inverse Hessian.

    Parameters
    ----------
    steps : int
        BFGS steps.
    n : int
        Training points (full batch).
    P : int
        Parameters of the net.
    units : int
        Hidden units a sample passes through (:func:`units`).

    Returns
    -------
    dict of str to float
        Counts for ``bfgs_step``, ``bfgs_flop``, ``bfgs_act`` and ``bfgs_pp``.
    """
    return {"bfgs_step": steps, "bfgs_flop": float(steps) * n * P, "bfgs_act": float(steps) * n * units,
            "bfgs_pp": float(steps) * P * P}


def hessians(count: float, n: int, P: int) -> dict[str, float]:
    """Exact Hessians: calls chunked by rows, ``n × P²`` to build each and ``P³`` to
    diagonalize it.

    Parameters
    ----------
    count : float
        Number of Hessians computed.
    n : int
        Training points.
    P : int
        Parameters of the net.

    Returns
    -------
    dict of str to float
        Counts for ``hess_call``, ``hess`` and ``eigh``.
    """
    return {"hess_call": count * math.ceil(n / _CHUNK), "hess": count * n * float(P) ** 2, "eigh": count * float(P) ** 3}


def lowcurv(steps: int, every: int, n: int, P: int, units: int) -> dict[str, float]:
    """Low-curvature steps: a Hessian every ``every`` steps, and one logarithmic line
    search (:data:`LINE_SEARCH_EVALS` loss evaluations) per step.

    Parameters
    ----------
    steps : int
        Low-curvature steps.
    every : int
        Steps between Hessian recomputations.
    n : int
        Training points.
    P : int
        Parameters of the net.
    units : int
        Hidden units a sample passes through (:func:`units`).

    Returns
    -------
    dict of str to float
        Counts of the Hessians and the line searches, summed.
    """
    k = LINE_SEARCH_EVALS / 3  # a loss alone is about a third of a loss and its gradient
    searches = {"bfgs_step": steps * k, "bfgs_flop": float(steps) * n * P * k, "bfgs_act": float(steps) * n * units * k}
    return dict(ops(hessians(math.ceil(steps / max(every, 1)), n, P), searches))


def lm(steps: int, n: int, P: int) -> dict[str, float]:
    """Levenberg-Marquardt: per step a fixed overhead and ``n × P²`` for the normal
    equations.

    Parameters
    ----------
    steps : int
        LM steps.
    n : int
        Training points.
    P : int
        Parameters of the net.

    Returns
    -------
    dict of str to float
        Counts for ``lm_step`` and ``lm``.
    """
    return {"lm_step": steps, "lm": float(steps) * n * float(P) ** 2}


def delaunay(d: int, n: int, n_test: int = 0) -> dict[str, float]:
    """Simplex interpolation: in 1D a sort and a binary search; else the Delaunay
    triangulation (simplices × vertices) and the point location of the train and test points.

    Parameters
    ----------
    d : int
        Input dimension.
    n : int
        Training points.
    n_test : int, optional
        Test points located (default 0).

    Returns
    -------
    dict of str to float
        Counts for ``interp1d`` in 1D, else ``delaunay`` and ``delaunay_query``.
    """
    if d == 1:
        return {"interp1d": float(n + n_test)}
    per = simplices_per_point(d)
    return {"delaunay": float(n) * per * (d + 1), "delaunay_query": float(n + n_test) * (d + 1) ** 2}


def data_mem(n_train: int, n_test: int, d: int) -> tuple[str, float]:
    """Memory of the training and test data, inputs and outputs, with one copy.

    Parameters
    ----------
    n_train : int
        Training points.
    n_test : int
        Test points.
    d : int
        Input dimension.

    Returns
    -------
    tuple of (str, float)
        ``("data", bytes)``.
    """
    return ("data", 2.0 * (n_train + n_test) * (d + 1) * _F64)


def net_mem(batch: int, width: int, depth: int, P: int, dense_curvature: bool = False) -> list[tuple[str, float]]:
    # four batch × units arrays (pre-activations, activations and their gradients; measured: 3–4)
    """Memory of training a dense net: activations and their gradients for ``batch``
    points, a few parameter-sized vectors, and optionally a dense inverse Hessian.

    Parameters
    ----------
    batch : int
        Points per forward pass.
    width : int
        Hidden width.
    depth : int
        Number of Linear layers.
    P : int
        Parameters of the net.
    dense_curvature : bool, optional
        Add a ``P × P`` matrix (BFGS's inverse Hessian; default ``False``).

    Returns
    -------
    list of (str, float)
        What is allocated, and its size in bytes.
    """
    out = [("activations", 4.0 * batch * width * max(depth - 1, 1) * _F64 + 6.0 * P * _F64)]
    if dense_curvature:
        out.append((f"dense BFGS inverse Hessian at P={P:,}", float(P) * P * _F64))
    return out


def hess_mem(n: int, width: int, depth: int, P: int) -> list[tuple[str, float]]:
    """Memory of one exact Hessian: the matrix, its eigenvectors and the forward-mode
    tangents of one chunk of rows.

    Parameters
    ----------
    n : int
        Training points.
    width : int
        Hidden width.
    depth : int
        Number of Linear layers.
    P : int
        Parameters of the net.

    Returns
    -------
    list of (str, float)
        What is allocated, and its size in bytes.
    """
    rows = min(n, _CHUNK)
    return [(f"exact Hessian and its eigenvectors at P={P:,}", 3.0 * float(P) ** 2 * _F64),
            ("Hessian tangents (jacfwd over a chunk)", 4.0 * rows * P * width * max(depth - 1, 1) * _F64)]


def lm_mem(n: int, P: int) -> list[tuple[str, float]]:
    """Memory of a Levenberg-Marquardt step: the ``n × P`` Jacobian and its SVD.

    Parameters
    ----------
    n : int
        Training points.
    P : int
        Parameters of the net.

    Returns
    -------
    list of (str, float)
        What is allocated, and its size in bytes.
    """
    return [(f"LM Jacobian {n:,}×{P:,} and its SVD", 3.0 * n * P * _F64 + 2.0 * float(P) ** 2 * _F64)]


def simplex_mem(d: int, n: int, n_test: int) -> list[tuple[str, float]]:
    """Memory of a simplex (Delaunay) interpolation fit, from
    :func:`precision.memory.fit_memory`.

    Parameters
    ----------
    d : int
        Input dimension.
    n : int
        Training points.
    n_test : int
        Test points.

    Returns
    -------
    list of (str, float)
        What is allocated, and its size in bytes.
    """
    return [(what if what != "the Delaunay triangulation" else f"Delaunay triangulation of {n:,} points in {d}D", b)
            for _, b, what in fit_memory("simplex", d, n, n_test, {})]


def inline(label: str, kind: str, counts: dict[str, float], memory: Sequence[tuple[str, float]] = ()) -> Work:
    """Work a notebook does in its own process, without a run (``inline``).

    Parameters
    ----------
    label : str
        What the plan calls it.
    kind : str
        The kind of work, for grouping.
    counts : dict of str to float
        Operation counts by coefficient name.
    memory : sequence of (str, float), optional
        The large allocations, in bytes.

    Returns
    -------
    Work
        The work, marked ``inline``.
    """
    return Work(label, kind, ops(counts), tuple(memory), None, True)


def floors_work(label: str, n_targets: int, points: int, formats: int) -> Work:
    """The notebook's own mpmath evaluations of the precision floors (inline work).

    Parameters
    ----------
    label : str
        What the plan calls it.
    n_targets : int
        Equations evaluated.
    points : int
        Points per equation.
    formats : int
        Floating-point formats per point.

    Returns
    -------
    Work
        Inline work of kind ``"mpmath"``.
    """
    return inline(label, "mpmath", {"mp_point": float(n_targets) * points * formats})


@dataclass(frozen=True)
class Batch:
    """One ``run_jobs`` call of a notebook (its runs in parallel on the workers), or inline
    work (``serial``: in the notebook's own process, one after another).

    Attributes
    ----------
    label : str
        The batch's name: the progress bar's description and the plan's label.
    items : tuple
        The runs (:class:`~precision.chapters.runs.Job`), or :class:`Work` for inline items.
    serial : bool
        Whether the items are inline work done one after another.
    """

    label: str
    items: tuple[Any, ...]  # Jobs, or Work for inline items
    serial: bool = False


def peak_bytes(work: Work) -> float:
    """Estimated peak resident memory of the process that runs ``work``.

    Parameters
    ----------
    work : Work
        The run's work.

    Returns
    -------
    float
        :data:`BASE_BYTES` plus the sizes of ``work.memory``, in bytes.
    """
    return BASE_BYTES + sum(b for _, b in work.memory)


def refuse_if_too_big(job: Any, limit: float | None = None, where: str = "") -> None:
    """Raise ``MemoryError`` before ``job`` starts if its estimated peak memory exceeds
    ``limit`` bytes (default: this machine's RAM), with one sentence saying what needs it.

    Parameters
    ----------
    job : Job or Work
        The run, or its work.
    limit : float or None, optional
        The memory available, in bytes; ``None`` means this machine's RAM.
    where : str, optional
        A prefix for the message (e.g. the batch's label).

    Raises
    ------
    MemoryError
        If the estimated peak exceeds ``limit``.
    """
    work = job if isinstance(job, Work) else job.work()
    limit = total_memory() if limit is None else limit
    peak = peak_bytes(work)
    if peak > limit:
        what, size = max(work.memory, key=lambda m: m[1]) if work.memory else ("the run", peak)
        raise MemoryError(f"{where + ': ' if where else ''}{work.label}: {what} needs {format_bytes(size)} "
                          f"(about {format_bytes(peak)} in all); this machine has {format_bytes(limit)}. "
                          f"Lower the sizes, or run it on a machine with more memory.")


def device_memory(device: str = "cpu") -> int:
    """Bytes a run may use on ``device``: this machine's RAM for ``cpu``, the GPU's memory
    for ``cuda``/``cuda:N``.

    Parameters
    ----------
    device : str, optional
        ``"cpu"`` (default), ``"cuda"`` or ``"cuda:N"``.

    Returns
    -------
    int
        Memory in bytes.
    """
    if device == "cpu":
        return total_memory()
    import torch

    from ..device import resolve_device

    return int(torch.cuda.get_device_properties(resolve_device(device)).total_memory)
