"""The four sources of error on one worked example (paper §1.2).

For a model class (here a small tanh MLP) fitted to a target, the test RMSE mixes:

* **architecture error** — the best this model class can do at all; estimated by BFGS
  from several initialisations on a large training set (an upper bound);
* **sampling (generalisation) error** — the test−train gap when data are scarce;
* **optimisation error** — what a better optimiser still gains from the same start
  (Adam's result minus the BFGS result on the same data);
* **precision floor** — float64 itself: the labels' rounding and the network's own
  forward-pass rounding, both against mpmath.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .floors import forward_rounding_rmse, precision_floors
from .models import mlp, n_params
from .optimizers import TrainResult, train_adam, train_bfgs
from .targets import Target, sample

__all__ = ["LossDecomposition", "decompose_loss"]


@dataclass
class LossDecomposition:
    """Measured pieces of the error budget (all test RMSEs on the same test set).

    Attributes
    ----------
    target : str
        The target's name.
    width : int
        Hidden width of the 1-hidden-layer tanh net.
    n_params : int
        Its number of parameters.
    n_small, n_large : int
        Sizes of the small and large training sets.
    architecture, architecture_train : float
        Test and train RMSE of the best BFGS run (lowest train RMSE) on the large set.
    small_train, small_test : float
        Train and test RMSE of BFGS on the small set.
    adam_test, adam_train : float
        Test and train RMSE of Adam on the large set, from the best BFGS run's start.
    label_floor : float
        RMSE of the exact labels rounded to float64.
    forward_floor : float
        RMSE of the best net's float64 forward pass against exact arithmetic.
    curves : dict
        ``name -> (x, |error|)`` on a dense grid, for plotting.
    histories : dict
        ``"BFGS"``/``"Adam"`` -> :attr:`TrainResult.history` (rows: step, train RMSE, test RMSE).
    """

    target: str
    width: int
    n_params: int
    n_small: int
    n_large: int
    architecture: float          # best BFGS test RMSE on the large set
    architecture_train: float
    small_train: float           # BFGS on the small set
    small_test: float
    adam_test: float             # Adam on the large set, same start as the best BFGS run
    adam_train: float
    label_floor: float           # float64 rounding of exact labels
    forward_floor: float         # float64 forward pass of the best net vs exact arithmetic
    curves: dict                 # name -> (x, |error|) on a dense grid, for plotting
    histories: dict              # name -> TrainResult.history

    @property
    def sampling_gap(self) -> float:
        """Sampling (generalisation) error: test minus train RMSE on the small set.

        Returns
        -------
        float
            ``small_test − small_train``.
        """
        return self.small_test - self.small_train

    @property
    def optimisation_gap(self) -> float:
        """Optimisation error: Adam's test RMSE minus the best BFGS test RMSE, same data.

        Returns
        -------
        float
            ``adam_test − architecture``.
        """
        return self.adam_test - self.architecture


def decompose_loss(target: Target, width: int, n_small: int, n_large: int, n_test: int,
                   adam_steps: int, bfgs_steps: int, restarts: int, seed: int = 0, dps: int = 40,
                   progress=None) -> LossDecomposition:
    """Run the worked example of paper §1.2 on a 1-``width``-1 tanh network.

    Parameters
    ----------
    target : precision.targets.Target
        The target (1D for the error curves on a grid; otherwise test points are used).
    width : int
        Hidden width of the net (``mlp(d, width, 2, "tanh")``).
    n_small, n_large : int
        Training points of the small and large sets.
    n_test : int
        Test points (the large set's test set is used throughout).
    adam_steps : int
        Adam steps (learning rate 1e-3) on the large set.
    bfgs_steps : int
        Most BFGS steps per run.
    restarts : int
        BFGS initialisations on the large set (seeds ``seed … seed + restarts − 1``).
    seed : int, default 0
        Seed of the large set and the first initialisation (the small set uses ``seed + 1``).
    dps : int, default 40
        Decimal digits of the mpmath references.
    progress : callable, optional
        Called with a short description before each training run.

    Returns
    -------
    LossDecomposition
        The measured pieces of the error budget.
    """
    say = progress or (lambda message: None)
    large = sample(target, n_large, n_test, seed=seed)
    small = sample(target, n_small, n_test, seed=seed + 1)
    xt, yt = large.x_test, large.y_test

    best, best_seed, best_result = None, None, None
    for r in range(restarts):
        say(f"BFGS on {n_large} points, initialisation {r + 1}/{restarts}")
        net = mlp(target.d, width, 2, "tanh", seed=seed + r)
        result = train_bfgs(net, large.x_train, large.y_train, bfgs_steps, xt, yt)
        if best_result is None or result.rmse_train < best_result.rmse_train:
            best, best_seed, best_result = net, seed + r, result

    say(f"Adam on {n_large} points from the same start, {adam_steps} steps")
    adam_net = mlp(target.d, width, 2, "tanh", seed=best_seed)
    adam = train_adam(adam_net, large.x_train, large.y_train, adam_steps, 1e-3, xt, yt)

    say(f"BFGS on only {n_small} points")
    small_net = mlp(target.d, width, 2, "tanh", seed=best_seed)
    small_fit = train_bfgs(small_net, small.x_train, small.y_train, bfgs_steps, xt, yt)

    say("precision floors against mpmath")
    label = next(f for f in precision_floors(target, min(n_test, 2000), seed, dps, ("float64",))).rounding_rmse
    forward = forward_rounding_rmse(best, xt[:500], dps)

    grid = np.linspace(target.low[0], target.high[0], 600)[:, None] if target.d == 1 else xt[:600]
    exact = target(grid)
    curves = {}
    with torch.no_grad():
        for name, net in (("BFGS, large set", best), ("Adam, large set", adam_net), ("BFGS, small set", small_net)):
            curves[name] = (grid[:, 0], np.abs(net(torch.from_numpy(grid)).squeeze(-1).numpy() - exact))
    histories: dict[str, np.ndarray] = {"BFGS": best_result.history, "Adam": adam.history}
    return LossDecomposition(target.name, width, n_params(best), n_small, n_large, best_result.rmse_test,
                             best_result.rmse_train, small_fit.rmse_train, small_fit.rmse_test, adam.rmse_test,
                             adam.rmse_train, label, forward, curves, histories)
