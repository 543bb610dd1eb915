"""Spectral initialisation of multi-stage nets' sin layers (beyond the paper).

Wang & Lai's first multi-stage rule (:func:`precision.multistage.frequency_scale`) sets a
later stage's first-layer frequencies from the residual's zero crossings, one scale per
axis: in 1-D that is the residual's frequency; in 2-D the residual is a sum of plane waves
whose directions the per-axis count cannot see. Their spectrally initialised stages
(SI-MSNN, Ng, Wang & Lai, arXiv 2407.17213) read the frequencies off a Fourier transform
of the residual instead. The residual here lives on scattered training points, so the
transform is a *nonuniform* DFT evaluated directly,

    F(ω) = Σᵢ w(xᵢ) rᵢ exp(−i ω·xᵢ) / Σᵢ w(xᵢ),

on a grid of angular frequencies ``ω = (π/2)·k`` (``k`` integer, one half-space since
``r`` is real), with a Hann window ``w(x) = Πⱼ cos²(π xⱼ / 2)`` on ``[−1, 1]^d`` against
leakage from the residual's non-periodic edges. Only frequencies whose amplitude rises
above the transform's noise level (``3·‖w r‖/Σw``, what scattered points of a
structureless residual give) count; the new stage's first-layer rows are drawn with
probability proportional to those amplitudes, jittered within their grid cell, with
random sign and a uniform phase ``b ~ U(−π, π)``.

Cost: ``n × (2K+1)^(d−1)·(K+1)`` complex exponentials, so it is used for ``d ≤ 2``
(:data:`MAX_DIM`); higher dimensions keep the zero-crossing rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Spectrum", "residual_spectrum", "draw_frequencies", "feature_net", "solve_output_layer", "MAX_DIM"]

MAX_DIM = 2
"""Largest input dimension for which :func:`residual_spectrum` is used by multi-stage fits."""


@dataclass(frozen=True)
class Spectrum:
    """The significant part of a residual's windowed nonuniform DFT: angular frequencies
    ``omega`` ``(m, d)`` and amplitudes ``amplitude`` ``(m,)`` (above ``noise``), the grid
    step, and the frequency below which 95 % of the significant amplitude lies, per axis
    (``kappa``, comparable to :func:`precision.multistage.frequency_scale`)."""

    omega: np.ndarray
    amplitude: np.ndarray
    step: float
    noise: float
    kappa: np.ndarray

    @property
    def empty(self) -> bool:
        return self.omega.shape[0] == 0


def _grid(d: int, kmax: int) -> np.ndarray:
    """Integer wave vectors of one half-space: first nonzero coordinate positive (and 0)."""
    axes = [np.arange(-kmax, kmax + 1)] * d
    k = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    first = np.argmax(k != 0, axis=1)
    lead = k[np.arange(len(k)), first]
    return k[(lead > 0)]


def residual_spectrum(x: np.ndarray, r: np.ndarray, kmax: int = 64, step: float = math.pi / 2,
                      chunk: int = 4096) -> Spectrum:
    """Windowed nonuniform DFT of the residual ``r`` at points ``x`` in ``[−1, 1]^d``.

    Parameters
    ----------
    x, r
        Points ``(n, d)`` (or ``(n,)``) in ``[−1, 1]^d`` and residual values ``(n,)``.
    kmax
        Largest integer wave number per axis: frequencies up to ``kmax·step``.
    step
        Angular-frequency grid step (``π/2``: a quarter period over the box's side 2).

    Returns
    -------
    Spectrum
        The frequencies whose amplitude exceeds the noise level (possibly none).
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    r = np.asarray(r, dtype=np.float64).reshape(-1)
    n, d = x.shape
    if n != r.shape[0]:
        raise ValueError(f"x has {n} rows but r has {r.shape[0]} values")
    w = np.prod(np.cos(np.pi * np.clip(x, -1, 1) / 2) ** 2, axis=1)
    wr = w * (r - np.sum(w * r) / np.sum(w))  # the windowed mean is the zero frequency: left out
    norm = float(np.sum(w))
    k = _grid(d, kmax)
    omega = step * k.astype(np.float64)
    amp = np.empty(len(omega))
    for lo in range(0, len(omega), chunk):
        phase = x @ omega[lo:lo + chunk].T  # (n, m)
        re = wr @ np.cos(phase)
        im = wr @ np.sin(phase)
        amp[lo:lo + chunk] = np.hypot(re, im) / norm
    noise = 3.0 * float(np.linalg.norm(wr)) / norm
    keep = amp > noise
    omega, amp = omega[keep], amp[keep]
    if len(amp):
        order = np.argsort(-amp)
        omega, amp = omega[order], amp[order]
        kappa = np.array([_quantile(np.abs(omega[:, j]), amp, 0.95) + step for j in range(d)])
    else:
        kappa = np.full(d, step)
    return Spectrum(omega, amp, float(step), noise, kappa)


def _quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][min(np.searchsorted(cum, q * cum[-1]), len(values) - 1)])


def draw_frequencies(spectrum: Spectrum, rows: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` first-layer weight rows ``(rows, d)`` drawn from the spectrum: a frequency
    with probability ∝ its amplitude, jittered uniformly within its grid cell, random sign."""
    if spectrum.empty:
        raise ValueError("the spectrum has no significant frequency to draw from")
    p = spectrum.amplitude / spectrum.amplitude.sum()
    idx = rng.choice(len(p), size=rows, p=p)
    d = spectrum.omega.shape[1]
    w = spectrum.omega[idx] + (rng.random((rows, d)) - 0.5) * spectrum.step
    sign = np.where(rng.random(rows) < 0.5, -1.0, 1.0)
    return w * sign[:, None]


def feature_net(weights: np.ndarray, bias: np.ndarray):
    """A depth-2 float64 net ``sin(W x + b) → linear`` with the given first layer and a zero
    last layer: a multi-stage stage whose output layer :func:`solve_output_layer` fits."""
    import torch

    from .models import Sine

    m, d = weights.shape
    first, last = torch.nn.Linear(d, m, dtype=torch.float64), torch.nn.Linear(m, 1, dtype=torch.float64)
    with torch.no_grad():
        first.weight.copy_(torch.from_numpy(np.asarray(weights, dtype=np.float64)))
        first.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float64)))
        last.weight.zero_()
        last.bias.zero_()
    return torch.nn.Sequential(first, Sine(), last)


def solve_output_layer(net, x, y) -> float:
    """Set the last layer of a :func:`feature_net` to the least-squares fit of ``y`` on its sin
    features at ``x`` (QR with column pivoting, LAPACK ``gelsy``; rank-deficient columns are
    dropped at round-off level). Returns the training RMSE of the fit."""
    import scipy.linalg
    import torch

    x = torch.as_tensor(x, dtype=torch.float64)
    with torch.no_grad():
        features = net[1](net[0](x)).cpu().numpy()
    target = torch.as_tensor(y, dtype=torch.float64).cpu().numpy().reshape(-1)
    a = np.hstack([features, np.ones((features.shape[0], 1))])
    coef, *_ = scipy.linalg.lstsq(a, target, lapack_driver="gelsy", check_finite=False)
    with torch.no_grad():
        net[2].weight.copy_(torch.from_numpy(coef[:-1].reshape(1, -1)))
        net[2].bias.fill_(float(coef[-1]))
    return float(np.sqrt(np.mean((a @ coef - target) ** 2)))
