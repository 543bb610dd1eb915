"""Multi-stage neural networks in the style of Wang & Lai (2024) (beyond the paper).

Wang & Lai, "Multi-stage neural networks: function approximator of machine precision",
J. Comput. Phys. 504 (2024) 112865, push boosting (paper §4.2.2) to round-off. Stage 1 is
a tanh MLP fitted to ``y``. Each later stage fits the residual ``r`` of all earlier stages
rescaled to O(1), ``c·r`` with ``c = 2/max|r|`` (stage 1 fits ``c·y`` the same way). Inputs
are mapped affinely from the training data's box onto ``[−1, 1]^d`` first. That residual is not smooth in the way the
target was: it oscillates, with roughly as many sign changes as the earlier net had
degrees of freedom, and a fresh tanh net initialised for O(1) frequencies stalls on it.
So later stages start with a ``sin`` layer whose weights are drawn up to the residual's
own angular frequency ``κ = π·N/L`` (``N`` sign changes of ``r`` over an interval of
length ``L``, i.e. ``N/2`` periods), followed by tanh layers. Every stage is trained by
Adam and then a second-order method (Levenberg–Marquardt by default, :mod:`precision.lm`;
or BFGS). Later stages can be given more training points (``data_growth``).

The combined predictor is ``f₁ + f₂/c₂ + f₃/c₃ + …``. Like the paper's pipeline and
boosting with LM stages, this is a configuration of the one staged loop,
:func:`precision.boosting.fit_stages`: stage 1 rescaled too, ``c = 2/max|r|``, the stage's
net built from its residual, and (optionally) more data per stage.

A fit stops by itself when its budgets are left out (:data:`AUTO`): each stage's LM run
ends when its RMSE falls less than 2× in 200 steps (the next stage then takes the
residual), later stages train on 4 points per parameter (fresh points from the target),
and the stages end when the training RMSE is within ``floor_factor`` of the float64
floor of the labels (:func:`precision.floors.label_floor`, measured against mpmath), when
a stage lowers it less than 2×, or at ``time_limit``. On four smooth 1-D functions this
reaches 1e-16…5e-16 test RMSE in 15–45 s of one core from 1000 given points.

Two refinements (issue 25, "the precision frontier"). *Stuck is not stalled*: a stage that
no longer lowers the training RMSE 2× is classified (:func:`stage_verdict`) by a held-out
RMSE — fresh points over the target's box when it can label them, else the test set. Far
above training: the fit is at its sampling limit (``"stalled"``, and a stage that made the
held-out RMSE worse is rolled back to zero). Not far above, with the training RMSE far above
the floor: the optimiser is stuck, and the stage is retried with the remedies of
:data:`AUTO` (a tanh restart with an Adam warm-up, a low-frequency sin layer); each attempt is
recorded in ``MultistageStage.remedies``, and a fit whose time runs out while stuck ends
``"stuck"``, never ``"stalled"``. *2-D at the floor*: in 2-D the per-axis zero-crossing
count cannot see a residual's plane waves, and nets trained by LM on a few thousand points
overfit it. With fresh points and adaptive stages, 2-D later stages are least-squares
sin-feature stages (:mod:`precision.spectral`): ``AUTO["features"]`` rows of the first layer
drawn from the residual's nonuniform DFT, the output layer solved on
``AUTO["points_per_feature"]`` fresh points per feature. Measured at CLI defaults (120 s, a
loaded 2-core machine): ``xy`` on [1, 5]², ``sin x·cos y`` and ``exp(−x²−y²)`` on [−1, 1]²
from 5e-11, 2e-10, 5e-10 to 4e-15, 1e-16, 2e-16 test RMSE in 95–115 s. ``init`` chooses the rule explicitly.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from .boosting import fit_stages, residual_scale, stage_trainer
from .optimizers import TrainResult
from .targets import Dataset, Target, sample, to_unit_box

__all__ = ["MultistageStage", "MultistageResult", "STOP_REASONS", "AUTO", "zero_crossings", "frequency_scale",
           "stage_net", "stage_verdict", "train_multistage", "multistage_fit"]

SECOND_ORDER = ("lm", "bfgs")
FIRST_LAYERS = ("sin", "tanh")
INITS = ("auto", "zero-crossings", "spectral", "spectral-lstsq")


def zero_crossings(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Sign changes of the residual ``r`` along each input axis: ``(d,)`` counts.

    In 1D: sort by ``x`` and count sign changes. In ``d`` dimensions, for axis ``j`` the
    points are cut into about ``n^(1/2)`` strips by the other coordinates (equal-count
    bins along each); within each strip they are sorted by ``x_j``, and the counts are
    averaged over strips."""
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    r = np.asarray(r, dtype=np.float64).reshape(-1)
    n, d = x.shape
    if n != r.shape[0]:
        raise ValueError(f"x has {n} rows but r has {r.shape[0]} values")
    sign = np.sign(r)

    def count(idx: np.ndarray, j: int) -> int:
        s = sign[idx[np.argsort(x[idx, j], kind="stable")]]
        s = s[s != 0]
        return int(np.count_nonzero(s[1:] != s[:-1]))

    if d == 1:
        return np.array([count(np.arange(n), 0)], dtype=np.float64)
    bins = max(1, int(round(math.sqrt(n) ** (1 / (d - 1)))))
    out = np.zeros(d)
    for j in range(d):
        others = [k for k in range(d) if k != j]
        labels = np.zeros(n, dtype=np.int64)
        for k in others:  # equal-count bins along each other axis
            ranks = np.argsort(np.argsort(x[:, k], kind="stable"), kind="stable")
            labels = labels * bins + ranks * bins // n
        counts = [count(np.flatnonzero(labels == b), j) for b in np.unique(labels)]
        out[j] = float(np.mean(counts))
    return out


def frequency_scale(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Angular frequency ``κ_j = π·N_j/L_j`` of the residual along each axis (``N_j`` sign
    changes over the data's extent ``L_j``), at least ``π/L_j`` (half a period)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    extent = x.max(axis=0) - x.min(axis=0)
    extent = np.where(extent > 0, extent, 1.0)
    return math.pi * np.maximum(zero_crossings(x, r), 1.0) / extent


def stage_net(d_in: int, width: int, depth: int, kappa: Sequence[float] | None = None, seed: int = 0,
              first_layer: str = "sin", spectrum=None) -> torch.nn.Sequential:
    """A float64 net for one stage: a tanh MLP (``kappa=None``, stage 1), or a net whose
    first layer is ``sin(W x + b)`` with ``W[:, j] ~ U(−κ_j, κ_j)`` and ``b ~ U(−π, π)``,
    followed by tanh layers and a last layer initialised to zero (later stages: the stage
    starts as the zero function, so its first Gauss–Newton step is a least-squares fit of
    the residual by the random sin features). ``first_layer="tanh"`` keeps that initialisation
    but a tanh activation (an ablation). ``depth`` counts Linear layers, as in
    :func:`precision.models.mlp`."""
    from .models import Sine, mlp
    from .checks import check_positive_int

    if first_layer not in FIRST_LAYERS:
        raise ValueError(f"first_layer must be one of {', '.join(FIRST_LAYERS)}; got {first_layer!r}")
    net = mlp(d_in, width, depth, "tanh", seed=seed)
    if kappa is None:
        return net
    check_positive_int("depth", depth)
    if depth < 2:
        raise ValueError(f"depth must be at least 2 for a sin first layer, got {depth}")
    kappa = np.asarray(kappa, dtype=np.float64).reshape(-1)
    if kappa.shape[0] != d_in or not np.all(np.isfinite(kappa) & (kappa > 0)):
        raise ValueError(f"kappa must hold {d_in} positive finite numbers, got {kappa.tolist()}")
    gen = torch.Generator().manual_seed(10_000 + seed)
    first, last = net[0], net[-1]
    with torch.no_grad():
        u = torch.rand(first.weight.shape, generator=gen, dtype=torch.float64) * 2 - 1
        first.weight.copy_(u * torch.from_numpy(kappa)[None, :])
        if spectrum is not None and not spectrum.empty:
            from .spectral import draw_frequencies

            rows = draw_frequencies(spectrum, first.weight.shape[0], np.random.default_rng(20_000 + seed))
            first.weight.copy_(torch.from_numpy(rows))
        first.bias.copy_((torch.rand(first.bias.shape, generator=gen, dtype=torch.float64) * 2 - 1) * math.pi)
        last.weight.zero_()  # the stage starts as the zero function: it can only improve on the residual
        last.bias.zero_()
    if first_layer == "tanh":
        return net
    layers = list(net)
    layers[1] = Sine()
    return torch.nn.Sequential(*layers)


@dataclass
class MultistageStage:
    """One stage: its net (on inputs mapped to ``[−1, 1]^d``), scale ``c``, first-layer frequency scale ``kappa``
    (``None`` for the tanh stage 1), training points used, the Adam and second-order runs
    (on the scaled target), its history in the *combined* predictor's RMSE (rows: step
    within the stage, train RMSE, test RMSE; Adam first), the combined RMSEs after it, and
    its wall and CPU seconds. ``remedies`` lists what was tried when the stage came out
    *stuck* (see :data:`STOP_REASONS`): one dict per attempt (``remedy``, the stage's training
    RMSE before and after, ``kept``, seconds); ``init`` says how its first layer was
    initialised (``"tanh"``: stage 1; ``"zero-crossings"``; ``"spectral"``)."""

    model: torch.nn.Module = field(repr=False)
    scale: float
    kappa: list[float] | None
    n_train: int
    adam: TrainResult | None = field(repr=False)
    second: TrainResult = field(repr=False)
    history: np.ndarray = field(repr=False)
    rmse_train: float
    rmse_test: float
    seconds: float
    cpu_seconds: float = 0.0
    remedies: list[dict] = field(default_factory=list)
    init: str = "tanh"


@dataclass
class MultistageResult:
    """Outcome of :func:`train_multistage`; ``predict(x) = Σₖ fₖ(u)/cₖ`` with ``u`` the input
    mapped from the training box ``[input_low, input_high]`` onto ``[−1, 1]^d``.

    ``stop_reason`` says why training ended (one of :data:`STOP_REASONS`); ``floor`` is the
    float64 floor of the training labels (:func:`precision.floors.label_floor`, ``None``
    when it was not needed) and ``floor_source`` how it was obtained."""

    stages: list[MultistageStage]
    rmse_train: float
    rmse_test: float
    seconds: float
    input_low: np.ndarray = field(repr=False)
    input_high: np.ndarray = field(repr=False)
    stop_reason: str = "budget"
    floor: float | None = None
    floor_source: str | None = None

    @property
    def rmse_over_floor(self) -> float | None:
        """Training RMSE over the floor (``None`` without a floor; 0 for an exact fit of labels
        whose floor is 0)."""
        if self.floor is None:
            return None
        if self.floor > 0:
            return self.rmse_train / self.floor
        return 0.0 if self.rmse_train == 0 else math.inf

    @property
    def stage_rmse_test(self) -> list[float]:
        return [s.rmse_test for s in self.stages]

    @property
    def stage_rmse_train(self) -> list[float]:
        return [s.rmse_train for s in self.stages]

    @property
    def histories(self) -> list[np.ndarray]:
        return [s.history for s in self.stages]

    @property
    def n_params(self) -> int:
        return sum(p.numel() for s in self.stages for p in s.model.parameters())

    def predict(self, x, stages: int | None = None) -> np.ndarray:
        """The combined prediction of the first ``stages`` stages (default all), float64 numpy."""
        x = np.asarray(x, dtype=np.float64)
        x = torch.as_tensor(to_unit_box(x[:, None] if x.ndim == 1 else x, self.input_low, self.input_high))
        out = torch.zeros(x.shape[0], dtype=torch.float64)
        with torch.no_grad():
            for s in self.stages[:stages]:
                out = out + s.model(x).squeeze(-1) / s.scale
        return out.cpu().numpy()


STOP_REASONS = ("floor", "stalled", "stuck", "time_limit", "budget")
"""Why :func:`train_multistage` ended: the training RMSE came within ``floor_factor`` of the
float64 floor (or is exactly 0: no residual is left for another stage); ``stalled``: a stage
no longer lowered it (by at least :data:`AUTO` ``["stall_gain"]`` on its own points) and the
fit is at its *sampling* limit (held-out RMSE above ``AUTO["sampling_gap"]`` × training
RMSE: more of the same stages would only fit the training points better); ``stuck``: a
stage no longer lowered it while the training RMSE is far above the floor and the held-out
RMSE is not far above it — an optimisation failure — and the remedies (:data:`AUTO` ``["remedies"]``)
did not get it moving before the time ran out; ``time_limit`` ran out while the stages were
still making progress; or the given number of stages was done."""

AUTO = {"max_stages": 8, "adam_first": 500, "adam_later": 0, "points_per_param": 4, "slow_window": 200,
        "slow_factor": 2.0, "max_steps": 5000, "stall_gain": 2.0, "sampling_gap": 4.0,
        "remedies": ("tanh", "low-frequency", "tanh"), "remedy_adam": 500, "min_remedy_seconds": 2.0,
        "features": 1500, "points_per_feature": 6, "spectrum_kmax": 48}
"""The adaptive schedule's constants (budgets left as ``None``): at most ``max_stages``
stages; Adam steps in stage 1 and later stages; training points per parameter of
stages 2, 3, … (fresh points from the target make up the rest; stage 1 takes the given
points); a stage's LM run ends when its
RMSE fell less than ``slow_factor`` in ``slow_window`` steps (or after ``max_steps``);
the stages end when one lowers the combined training RMSE less than ``stall_gain``.

A stage that lowers it less than ``stall_gain`` while its held-out RMSE (on fresh points
over the target's box when the target can be evaluated, else on the test set; it only
classifies, it selects nothing) is within ``sampling_gap`` of its training RMSE and the training RMSE is above the floor goal is
*stuck* (an optimisation failure, not a limit of the data): its net is re-initialised and
retrained, once per entry of ``remedies`` while time is left (at least
``min_remedy_seconds``): ``"tanh"`` — a tanh first layer with the stage-1 initialisation (a
new seed) and ``remedy_adam`` Adam steps before LM; ``"low-frequency"`` — the sin layer with
frequencies up to ``π`` only, and the Adam warm-up. The best attempt (lowest training RMSE
on the stage's points) is kept; ``MultistageStage.remedies`` records each."""


def _stage_params(d: int, width: int, depth: int) -> int:
    from .models import mlp_param_count

    return mlp_param_count(d, width, depth)


def stage_verdict(before: float, after: float, held_out: float, goal: float = 0.0) -> str:
    """What one stage did, from the combined training RMSE on its points ``before`` and
    ``after`` it, the held-out RMSE after it, and the floor goal (``floor_factor`` × floor):

    * ``"progress"`` — at or below the goal (or 0), or lowered at least ``AUTO["stall_gain"]``-fold
      with the held-out RMSE within ``AUTO["sampling_gap"]`` of the training RMSE;
    * ``"stalled"`` — converged to the *sampling* limit: the held-out RMSE is above
      ``AUTO["sampling_gap"]`` × the training RMSE (fitting the points better would not help);
    * ``"stuck"`` — an optimisation failure: no progress, the training RMSE above the goal, and
      the held-out RMSE not far above it (NaN held-out counts as not far above).
    """
    if after == 0 or (goal > 0 and after <= goal):
        return "progress"
    if math.isfinite(held_out) and held_out > AUTO["sampling_gap"] * after:
        return "stalled"
    return "progress" if after * AUTO["stall_gain"] <= before else "stuck"


def _remedy_net(remedy: str, d: int, width: int, depth: int, seed: int) -> torch.nn.Sequential:
    """A fresh stage net for a remedy of :data:`AUTO` ``["remedies"]``, starting as the zero function."""
    if remedy == "tanh":
        net = stage_net(d, width, depth, None, seed=seed)
    elif remedy == "low-frequency":
        net = stage_net(d, width, depth, [math.pi] * d, seed=seed)
    else:
        raise ValueError(f"unknown remedy {remedy!r}")
    with torch.no_grad():
        net[-1].weight.zero_()
        net[-1].bias.zero_()
    return net


def train_multistage(target_or_data: Target | Dataset, stages: int | None = None, width: int = 20, depth: int = 3,
                     n_train: int = 1000, n_test: int = 10_000, adam_steps: int | None = None, lr: float = 1e-3,
                     second_order: str = "lm", steps: int | None = None, data_growth: int | None = None,
                     widths: Sequence[int] | None = None, first_layer: str = "sin", seed: int = 0,
                     threads: int | None = 1, record_every: int = 10, lm_options: dict | None = None,
                     time_limit: float | None = None, floor_factor: float = 3.0, progress: bool = False,
                     init: str = "auto", remedies: bool | None = None, fresh: bool = True) -> MultistageResult:
    """Multi-stage training (Wang & Lai 2024): a tanh net, then nets with a sin first layer
    fitted to the rescaled residual (``c = 2/max|r|``), each by Adam then LM or BFGS.

    Every budget left as ``None`` adapts (the constants are in :data:`AUTO`), so a call
    with none of them trains until the combined training RMSE is within ``floor_factor``
    of the float64 floor of the labels, a stage stops helping, or ``time_limit`` runs
    out — ``stop_reason`` says which. Budgets given are obeyed exactly (the book's
    chapters give them all).

    Parameters
    ----------
    target_or_data
        A :class:`~precision.targets.Target` (sampled with ``n_train``, ``n_test``, ``seed``)
        or a ready :class:`~precision.targets.Dataset` (``n_train`` and ``n_test`` unused).
    stages
        Number of stages (nets). ``None``: new stages until the floor is reached, a stage
        lowers the training RMSE less than ``AUTO["stall_gain"]``-fold, time runs out, or
        ``AUTO["max_stages"]`` stages.
    width, depth
        Hidden width and number of Linear layers of every stage (``widths`` overrides the
        width per stage).
    adam_steps, lr
        Adam steps (0: none; ``None``: ``AUTO["adam_first"]`` in stage 1,
        ``AUTO["adam_later"]`` after) and learning rate at the start of each stage.
    second_order, steps
        ``"lm"`` (:func:`precision.lm.train_lm`) or ``"bfgs"``, and its most steps per stage.
        ``None`` (LM only): until the stage's RMSE falls less than ``AUTO["slow_factor"]``
        in ``AUTO["slow_window"]`` steps, LM stops making progress, the floor is reached
        or time runs out.
    first_layer
        Activation of the first layer of stages 2, 3, …: ``"sin"`` (Wang & Lai) or
        ``"tanh"`` (same frequency-scaled initialisation; an ablation).
    data_growth
        Stage ``k`` (1-based) trains on ``n·data_growth^(k−1)`` points: the given ones plus
        fresh uniform points in the target's box, labelled by the target (needs inputs in
        the target's own coordinates, i.e. not standardised). ``None``: at least
        ``AUTO["points_per_param"]`` points per parameter of the stage's net (fresh points
        when the inputs lie in the target's box, else the given points only).
    seed
        Sampling seed and seed of every stage's initialisation (stage ``k`` uses ``seed + k``).
    threads
        torch threads for the whole run (restored after).
    lm_options
        Extra keyword arguments for :func:`precision.lm.train_lm` (adaptive runs default to
        ``solver="cholesky"``).
    widths
        One hidden width per stage (overrides ``width``).
    record_every
        History spacing of the second-order run (Adam: at least ``adam_steps // 50``).
    time_limit
        Wall-clock seconds for the whole fit (``None``: none): the floor gets at most a quarter
        of it, and with ``second_order="lm"`` Adam and LM are checked after every step (BFGS
        runs its steps).
    floor_factor
        With ``stages=None``, stop once the training RMSE is at most this times the floor
        (:func:`precision.floors.label_floor` of the training labels).
    progress
        Show a progress bar on stderr (only when it is a terminal; :class:`precision.progress.FitProgress`).
    init
        First layer of stages 2, 3, …: ``"zero-crossings"`` (weights ``U(−κ, κ)`` with ``κ`` from
        :func:`frequency_scale`), ``"spectral"`` (rows drawn from the residual's nonuniform DFT,
        :mod:`precision.spectral`; falls back to zero crossings when the spectrum shows nothing
        above noise or ``d`` exceeds :data:`precision.spectral.MAX_DIM`), ``"spectral-lstsq"``
        (least-squares sin-feature stages: ``AUTO["features"]`` first-layer rows drawn from the
        spectrum, at most one per ``AUTO["points_per_feature"]`` points, the output layer solved
        once), or ``"auto"``: ``"spectral-lstsq"`` for ``2 ≤ d ≤ MAX_DIM`` when the stages adapt
        and fresh points can be drawn (each such stage then trains on
        ``points_per_feature × features`` points), zero crossings otherwise (as before).
    remedies
        Retry a stuck stage (see :data:`AUTO` and :data:`STOP_REASONS`). ``None``: when the
        stages adapt (``stages=None``).
    fresh
        Whether new points may be drawn from the target (later stages' extra training points,
        held-out points for the stall rule). ``False`` keeps the fit to the given points
        (a fixed-data benchmark): every stage trains on them and the test set is the
        held-out set of the stall rule (it classifies the stop; it selects nothing).

    Returns
    -------
    MultistageResult
        The stages (:class:`MultistageStage`), final combined RMSEs, wall seconds, the
        input box that is mapped onto ``[−1, 1]^d``, why it stopped and the floor.

    Raises
    ------
    ValueError
        For a budget or option out of range, or labels that least squares cannot handle in
        float64 (:func:`precision.lm.check_label_scale`).
    """
    from .flat import torch_threads
    from .lm import check_label_scale
    from .checks import check_nonnegative_int, check_positive_float, check_positive_int

    for name, value in (("stages", stages), ("steps", steps), ("data_growth", data_growth)):
        if value is not None:
            check_positive_int(name, value)
    for name, value in (("width", width), ("depth", depth), ("record_every", record_every)):
        check_positive_int(name, value)
    if adam_steps is not None:
        check_nonnegative_int("adam_steps", adam_steps)
    check_nonnegative_int("seed", seed)
    check_positive_float("lr", lr)
    if time_limit is not None:
        check_positive_float("time_limit", time_limit)
    if isinstance(floor_factor, bool) or not (isinstance(floor_factor, (int, float)) and 1 <= floor_factor < math.inf):
        raise ValueError(f"floor_factor must be a number of at least 1, got {floor_factor!r}")
    if depth < 2:
        raise ValueError(f"depth must be at least 2 (a sin layer needs a layer after it), got {depth}")
    if second_order not in SECOND_ORDER:
        raise ValueError(f"second_order must be one of {', '.join(SECOND_ORDER)}; got {second_order!r}")
    if steps is None and second_order != "lm":
        raise ValueError("steps=None (adaptive) needs second_order='lm'; give steps for 'bfgs'")
    if first_layer not in FIRST_LAYERS:
        raise ValueError(f"first_layer must be one of {', '.join(FIRST_LAYERS)}; got {first_layer!r}")
    if lm_options is not None and second_order != "lm":
        raise ValueError("lm_options go with second_order='lm'")
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    n_stages = AUTO["max_stages"] if stages is None else stages
    if widths is not None:
        widths = list(widths)
        if stages is not None and len(widths) != stages:
            raise ValueError(f"widths must give one width per stage ({stages}), got {widths}")
        if stages is None:
            n_stages = len(widths)
    widths = [width] * n_stages if widths is None else widths
    if not widths:
        raise ValueError("widths must give at least one width")
    for w_ in widths:
        check_positive_int("widths", w_)
    if isinstance(target_or_data, Dataset):
        data = target_or_data
    elif isinstance(target_or_data, Target):
        data = sample(target_or_data, n_train, n_test, seed=seed)
    else:
        raise ValueError(f"target_or_data must be a Target or a Dataset, got {type(target_or_data).__name__}")
    check_label_scale(data.y_train, data.y_test)
    target = data.target
    low, high = np.asarray(target.low), np.asarray(target.high)
    inside = bool(fresh) and target.can_evaluate and not (np.any(data.x_train < low) or np.any(data.x_train > high))
    if data_growth is not None and data_growth > 1 and not inside:
        raise ValueError("data_growth > 1 labels new points with the target: give inputs in the target's own box "
                         "(not standardised)")
    plan = _Plan(stages is None, steps, adam_steps, data_growth, inside, time_limit, float(floor_factor), init,
                 stages is None if remedies is None else bool(remedies))
    if plan.auto_steps and lm_options is None:
        lm_options = {"solver": "cholesky"}
    with torch_threads(threads):
        return _multistage(data, n_stages, widths, depth, lr, second_order, first_layer, seed, record_every,
                           lm_options or {}, plan, progress)


@dataclass(frozen=True)
class _Plan:
    """Which budgets adapt, and the stopping rules."""

    auto_stages: bool
    steps: int | None
    adam_steps: int | None
    data_growth: int | None
    inside: bool  # the inputs lie in the target's box: fresh points can be drawn
    time_limit: float | None
    floor_factor: float
    init: str = "zero-crossings"
    remedies: bool = False

    def spectral(self, d: int) -> bool:
        from .spectral import MAX_DIM

        if self.init == "auto":  # the spectrum feeds least-squares stages only (see lstsq)
            return 2 <= d <= MAX_DIM and self.auto_stages and self.inside and self.data_growth is None
        return self.init in ("spectral", "spectral-lstsq") and d <= MAX_DIM

    def lstsq(self, d: int, k: int) -> bool:
        """Stage ``k`` is a least-squares sin-feature stage: by default with fresh points from the
        target and adaptive stages; asked for (``init="spectral-lstsq"``), on whatever points the
        stage has."""
        if k == 0 or not self.spectral(d):
            return False
        if self.init == "spectral-lstsq":
            return True
        return self.init == "auto" and self.auto_stages and self.inside and self.data_growth is None

    @property
    def auto_steps(self) -> bool:
        return self.steps is None

    def adam(self, k: int) -> int:
        if self.adam_steps is not None:
            return self.adam_steps
        return AUTO["adam_first"] if k == 0 else AUTO["adam_later"]

    def n_points(self, k: int, n: int, params: int) -> int:
        if self.data_growth is not None:
            return n * self.data_growth ** k
        return max(n, AUTO["points_per_param"] * params) if self.inside and k else n


def _multistage(data, stages, widths, depth, lr, second_order, first_layer, seed, record_every, lm_options,
                plan: _Plan, progress: bool) -> MultistageResult:
    from .floors import label_floor
    from .lm import stop_kind
    from .progress import FitProgress

    start = time.perf_counter()
    target = data.target
    d = target.d
    x_given = np.asarray(data.x_train, dtype=np.float64).reshape(len(data.y_train), -1)
    low, high = x_given.min(axis=0), x_given.max(axis=0)
    high = np.where(high > low, high, low + 1.0)
    floor = floor_source = None
    if plan.auto_stages or plan.auto_steps:
        exact = target.can_evaluate and not (np.any(x_given < np.asarray(target.low))
                                             or np.any(x_given > np.asarray(target.high)))
        found = label_floor(target if exact else None, x_given, data.y_train, seed=seed,
                            time_limit=None if plan.time_limit is None else plan.time_limit / 4)
        floor, floor_source = found.rmse, found.source
    goal = 0.0 if floor is None or not plan.auto_stages else plan.floor_factor * floor

    def inputs(values: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(to_unit_box(np.asarray(values, dtype=np.float64).reshape(len(values), -1), low, high))

    x = inputs(x_given)
    y = torch.as_tensor(np.asarray(data.y_train, dtype=np.float64))
    x_test = inputs(data.x_test)
    y_test = torch.as_tensor(np.asarray(data.y_test, dtype=np.float64))
    n_given = len(data.y_train)
    sizes = [max(n_given, AUTO["points_per_feature"] * AUTO["features"])
             if plan.lstsq(d, k) and first_layer == "sin" and plan.inside and plan.data_growth is None
             else plan.n_points(k, n_given, _stage_params(d, widths[k], depth)) for k in range(stages)]

    def stage_data(k: int) -> tuple[torch.Tensor, torch.Tensor]:
        if sizes[k] == n_given:
            return x, y
        more = sample(target, sizes[k] - n_given, 1, seed=seed + 7919 * k).x_train  # labelled by the target
        return torch.cat([x, inputs(more)]), torch.cat([y, torch.as_tensor(target(more))])

    kappas: list[np.ndarray | None] = []
    inits: list[str] = []
    scales: list[float] = []  # each stage's c, as fit_stages computes it (scale="max", stage 1 too)
    remedies: list[list[dict]] = []
    verdicts: list[str] = []  # per stage: "progress", "stalled" (sampling limit) or "stuck"

    zero = not bool((y != 0).any())  # all labels 0: stage 1 is the zero function, unscaled, and fits exactly

    def make_model(k: int, x_k: torch.Tensor, r: torch.Tensor) -> torch.nn.Module:
        spectrum = None
        if plan.lstsq(d, k) and first_layer == "sin" and not zero:
            from .spectral import draw_frequencies, feature_net, residual_spectrum

            spectrum = residual_spectrum(x_k.cpu().numpy(), r.cpu().numpy(), kmax=AUTO["spectrum_kmax"])
            if not spectrum.empty:
                rng = np.random.default_rng(30_000 + seed + k)
                m = max(1, min(AUTO["features"], x_k.shape[0] // AUTO["points_per_feature"]))
                kappas.append(spectrum.kappa)
                inits.append("spectral-lstsq")
                scales.append(residual_scale(r, "max"))
                return feature_net(draw_frequencies(spectrum, m, rng), rng.uniform(-math.pi, math.pi, m))
        if k == 0:
            kappas.append(None)
            inits.append("tanh")
        else:
            kappa = frequency_scale(x_k.cpu().numpy(), r.cpu().numpy())
            if plan.spectral(d) and first_layer == "sin":
                from .spectral import residual_spectrum

                spectrum = residual_spectrum(x_k.cpu().numpy(), r.cpu().numpy())
                if not spectrum.empty:
                    kappa = spectrum.kappa
            kappas.append(kappa)
            inits.append("spectral" if spectrum is not None and not spectrum.empty else "zero-crossings")
        scales.append(1.0 if zero else residual_scale(r, "max"))
        net = stage_net(d, widths[k], depth, kappas[-1], seed=seed + k, first_layer=first_layer, spectrum=spectrum)
        if zero:
            with torch.no_grad():
                net[-1].weight.zero_()
                net[-1].bias.zero_()
        return net

    def remaining() -> float | None:
        return None if plan.time_limit is None else plan.time_limit - (time.perf_counter() - start)

    bar = FitProgress(plan.time_limit, enabled=progress)

    def run(k: int, model, x_k, target_k, x_test_k, target_test_k, adam_steps: int | None = None):
        options, steps, c = dict(lm_options), plan.steps, scales[k]  # the stage fits c·r: its RMSE is c times ours
        if second_order == "lm":
            if plan.auto_steps:
                steps = AUTO["max_steps"]
                options.setdefault("slow_window", AUTO["slow_window"])
                options.setdefault("slow_factor", AUTO["slow_factor"])
            if goal > 0:
                options.setdefault("stop_rmse", goal * c)
            if bar.enabled:
                options["callback"] = lambda step, rmse: bar.update(k + 1, rmse / c, floor)
        adam, runs = plan.adam(k) if adam_steps is None else adam_steps, {}
        if plan.time_limit is not None and second_order == "lm":  # Adam first, so LM gets the time that is left
            if adam:
                from .optimizers import train_adam

                runs["adam"] = train_adam(model, x_k, target_k, adam, lr=lr, x_test=x_test_k, y_test=target_test_k,
                                          record_every=max(record_every, adam // 50),
                                          time_limit=max(remaining(), 1e-3))
                adam = 0
            options["time_limit"] = max(remaining(), 1e-3)
        trainer = stage_trainer(second_order, steps, adam, lr, record_every=record_every,
                                lm_options=options if second_order == "lm" else None, threads=None)
        return {**runs, **trainer(k, model, x_k, target_k, x_test_k, target_test_k)}

    def rms(v: torch.Tensor) -> float:
        return float(torch.sqrt(torch.mean(v * v)))

    trained: list[tuple[torch.nn.Module, float]] = []  # finished stages (net, c)
    if plan.inside and plan.auto_stages:  # held-out points over the whole box: is a stage at the sampling limit?
        x_val_np = sample(target, max(n_given, 1000), 1, seed=seed + 104_729).x_train
        x_val, y_val = inputs(x_val_np), torch.as_tensor(target(x_val_np))
    else:  # no fresh points to be had: the test set tells
        x_val = y_val = None

    def errors(model, x_k, target_k, x_test_k, target_test_k, c: float) -> tuple[float, float]:
        """The combined train RMSE after this stage (unscaled), and the held-out one (validation points, or the
        test set when no fresh points can be drawn)."""
        with torch.no_grad():
            e = rms(target_k - model(x_k).squeeze(-1))
            if x_val is not None:
                pred = sum((m(x_val).squeeze(-1) / cm for m, cm in trained), torch.zeros_like(y_val))
                return e / c, rms(y_val - pred - model(x_val).squeeze(-1) / c)
            e_test = rms(target_test_k - model(x_test_k).squeeze(-1)) if x_test_k is not None else math.nan
        return e / c, e_test / c

    def verdict(before: float, after: float, after_test: float) -> str:
        return stage_verdict(before, after, after_test, goal)

    def solve(k: int, model, x_k, target_k, x_test_k, target_test_k):
        """A least-squares sin-feature stage: its output layer solved once (no iterations)."""
        from .spectral import solve_output_layer

        t0 = time.perf_counter()
        e = solve_output_layer(model, x_k, target_k)
        with torch.no_grad():
            e_test = rms(target_test_k - model(x_test_k).squeeze(-1)) if x_test_k is not None else math.nan
        m = model[0].weight.shape[0]
        return {"lstsq": TrainResult(e, e_test, 1, time.perf_counter() - t0, np.array([[0.0, e, e_test]]),
                                     f"least squares: {m} sin features from the residual's spectrum, "
                                     f"{x_k.shape[0]} points")}

    def train(k: int, model, x_k, target_k, x_test_k, target_test_k):
        c = scales[k]
        before = rms(target_k) / c
        held_before = math.nan
        if x_val is not None:
            with torch.no_grad():
                held_before = rms(y_val - sum((m(x_val).squeeze(-1) / cm for m, cm in trained), torch.zeros_like(y_val)))
        if inits[k] == "spectral-lstsq":
            runs = solve(k, model, x_k, target_k, x_test_k, target_test_k)
        else:
            runs = run(k, model, x_k, target_k, x_test_k, target_test_k)
        after, after_test = errors(model, x_k, target_k, x_test_k, target_test_k, c)
        state = verdict(before, after, after_test)
        tried: list[dict] = []
        if k and plan.remedies and state == "stuck":
            for i, remedy in enumerate(AUTO["remedies"]):
                left = remaining()
                if left is not None and left < AUTO["min_remedy_seconds"]:
                    break
                t0 = time.perf_counter()
                kept = [layer for layer in model]  # the best attempt so far, restored if this one is worse
                fresh = _remedy_net(remedy, d, widths[k], depth, seed + 101 * (i + 1) + k)
                if len(fresh) != len(model):  # a least-squares stage has fewer layers: nothing to retry in place
                    break
                for j, layer in enumerate(fresh):
                    model[j] = layer
                attempt = run(k, model, x_k, target_k, x_test_k, target_test_k, adam_steps=AUTO["remedy_adam"])
                e, e_test = errors(model, x_k, target_k, x_test_k, target_test_k, c)
                better = e < after
                tried.append({"remedy": remedy, "rmse_train_before": after, "rmse_train": e, "rmse_held_out": e_test,
                              "kept": bool(better), "seconds": time.perf_counter() - t0})
                if better:
                    runs, after, after_test = attempt, e, e_test
                else:
                    for j, layer in enumerate(kept):
                        model[j] = layer
                state = verdict(before, after, after_test)
                if state != "stuck":
                    break
        if k and x_val is not None and after_test > held_before:  # it fitted its points and lost on fresh ones
            with torch.no_grad():
                model[-1].weight.zero_()
                model[-1].bias.zero_()
            tried.append({"remedy": "rolled back", "rmse_train_before": after, "rmse_held_out_before": held_before,
                          "rmse_held_out": after_test, "kept": False, "seconds": 0.0})
            state = "stalled"
        remedies.append(tried)
        verdicts.append(state)
        trained.append((model, c))
        return runs

    reason = "budget"

    def stop(k: int, stage) -> bool:
        nonlocal reason
        bar.update(k + 1, stage.rmse_train, floor, force=True)
        if stage.rmse_train == 0:  # an exact fit: no residual is left to rescale for another stage
            reason = "floor"
            return True
        if goal > 0 and (stage.rmse_train <= goal or stop_kind(stage.main.stopped if stage.main else "") == "stop_rmse"):
            reason = "floor"
            return True
        left = remaining()
        if left is not None and (left <= 0 or stop_kind(stage.main.stopped if stage.main else "") == "time_limit"):
            reason = "stuck" if verdicts[-1] == "stuck" else "time_limit"
            return True
        if plan.auto_stages and k and verdicts[-1] != "progress":
            reason = verdicts[-1]
            return True
        if left is not None and k + 1 < stages and inits[k] == "spectral-lstsq" and left < stage.seconds:
            reason = "time_limit"  # a least-squares stage cannot be cut short: do not start one that would overrun
            return True
        return False

    with bar:
        fitted = fit_stages(make_model, train, x, y, stages, x_test, y_test, scale="none" if zero else "max",
                            scale_first=True, data=stage_data, stop=stop)
    if reason == "budget" and plan.auto_stages:  # AUTO["max_stages"] stages and still above the floor
        reason = "stuck" if verdicts[-1] == "stuck" else "stalled"
    done = [MultistageStage(s.model, s.scale, None if kappa is None else kappa.tolist(), s.n_train, s.adam,
                            s.main or s.runs.get("lstsq"), s.history, s.rmse_train, s.rmse_test, s.seconds, s.cpu_seconds, tried, how)
            for s, kappa, tried, how in zip(fitted, kappas, remedies, inits)]
    return MultistageResult(done, done[-1].rmse_train, done[-1].rmse_test, time.perf_counter() - start, low, high,
                            reason, floor, floor_source)


def multistage_fit(data: Dataset, stages: int, width: int, depth: int, adam_steps: int, lr: float, steps: int,
                   data_growth: int, solver: str, seed: int, time_limit: float, floor_factor: float, progress: bool):
    """The method ``multistage`` (:func:`precision.fitting.fit_multistage`, which checks its
    arguments first): :func:`train_multistage` on ``data`` with the command line's
    conventions (0 for an adaptive budget, -1 for adaptive ``adam_steps``), as a
    :class:`~precision.results.FitResult`.

    Parameters
    ----------
    data
        Checked training and test sets (:func:`precision.inputs.fit_data`).
    stages, steps, data_growth
        Most stages, LM steps per stage, growth of the data per stage (0: adaptive, :data:`AUTO`).
    width, depth
        Architecture of every stage's net.
    adam_steps, lr
        Adam steps before LM in each stage (-1: adaptive) and its learning rate.
    solver
        LM's step solver, ``"cholesky"`` or ``"svd"``.
    seed
        Initialisation and sampling seed.
    time_limit, floor_factor
        Seconds for the whole fit, and how close to the float64 floor of the labels is close enough.
    progress
        Show a progress bar on stderr (only when it is a terminal).

    Returns
    -------
    precision.results.FitResult
        Method ``"multistage"``; ``n_train`` is the last stage's; ``stop_reason``, ``floor``
        and ``rmse_over_floor`` say why it stopped and how close it came; each stage in
        ``extra["stages"]``.
    """
    from .results import FitResult, over_floor, training_floor

    start = time.perf_counter()
    res = train_multistage(data, stages or None, width, depth, adam_steps=None if adam_steps == -1 else adam_steps,
                           lr=lr, steps=steps or None, data_growth=data_growth or None, seed=seed,
                           record_every=max(1, (steps or 1000) // 50), lm_options={"solver": solver},
                           time_limit=time_limit, floor_factor=floor_factor, progress=progress)
    floor, source = res.floor, res.floor_source
    if floor is None:  # within the time that is left
        found = training_floor(data, seed, time_limit - (time.perf_counter() - start))
        floor, source = found.rmse, found.source
    per_stage = [{"stage": k + 1, "scale": s.scale, "kappa": s.kappa, "n_train": s.n_train,
                  "rmse_train": s.rmse_train, "rmse_test": s.rmse_test, "lm_steps": s.second.steps,
                  "stopped": s.second.stopped, "seconds": s.seconds, "init": s.init, "remedies": s.remedies}
                 for k, s in enumerate(res.stages)]
    return FitResult("multistage", data.target.name, data.target.d, res.rmse_train, res.rmse_test, res.n_params,
                     res.stages[-1].n_train, len(data.y_test), res.seconds,
                     extra={"depth": depth, "width": width, "adam_steps": adam_steps, "solver": solver,
                            "stages": per_stage, "floor_source": source},
                     stop_reason=res.stop_reason, floor=floor, rmse_over_floor=over_floor(res.rmse_train, floor))

