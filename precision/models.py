"""Models: plain MLPs in float64 (paper §2–§4 conventions).

Depth counts Linear layers (depth 3 = two hidden layers, e.g. 1-20-20-1); every hidden
layer has the same width; PyTorch's default initialisation, seeded.
"""
from __future__ import annotations

import mpmath
import numpy as np
import torch

__all__ = ["ACTIVATIONS", "Sine", "mlp", "n_params", "mlp_param_count", "forward_mpmath"]

ACTIVATIONS = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "silu": torch.nn.SiLU}


class Sine(torch.nn.Module):
    """Element-wise ``sin`` as a module.

    The first-layer activation of the later stages of a multi-stage net (Wang & Lai 2024;
    :mod:`precision.multistage`). It has no parameters.
    """

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Apply ``sin`` element-wise.

        Parameters
        ----------
        h : torch.Tensor
            Any shape.

        Returns
        -------
        torch.Tensor
            ``torch.sin(h)``, same shape and dtype.
        """
        return torch.sin(h)


def mlp(d_in: int, width: int, depth: int, activation: str = "tanh", seed: int = 0, d_out: int = 1) -> torch.nn.Sequential:
    """A float64 MLP with ``depth`` Linear layers of hidden size ``width``.

    ``seed`` fixes the initialisation (PyTorch's default uniform fan-in init); torch's
    global random state is restored afterwards.

    Parameters
    ----------
    d_in : int
        Input dimension.
    width : int
        Size of every hidden layer.
    depth : int
        Number of Linear layers (``depth − 1`` hidden layers; depth 1 is a linear model).
    activation : {"tanh", "relu", "sigmoid", "silu"}, default "tanh"
        Activation after every Linear layer but the last (a key of :data:`ACTIVATIONS`).
    seed : int, default 0
        Seed of the initialisation.
    d_out : int, default 1
        Output dimension.

    Returns
    -------
    torch.nn.Sequential
        ``Linear, act, Linear, …, Linear`` with float64 parameters.

    Raises
    ------
    ValueError
        If ``d_in``, ``width``, ``depth`` or ``d_out`` is not a positive integer, or
        ``activation`` is unknown.

    Examples
    --------
    >>> n_params(mlp(1, 20, 3))
    481
    """
    from .checks import check_positive_int

    for name, value in (("d_in", d_in), ("width", width), ("depth", depth), ("d_out", d_out)):
        check_positive_int(name, value)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got '{activation}'")
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        sizes = [d_in] + [width] * (depth - 1) + [d_out]
        layers: list[torch.nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(a, b, dtype=torch.float64))
            if i < depth - 1:
                layers.append(ACTIVATIONS[activation]())
        return torch.nn.Sequential(*layers)
    finally:
        torch.random.set_rng_state(gen_state)


def n_params(model: torch.nn.Module) -> int:
    """Number of parameters of ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        Any torch module.

    Returns
    -------
    int
        Total number of entries of ``model.parameters()`` (all of them, trainable or not).
    """
    return sum(p.numel() for p in model.parameters())


def mlp_param_count(d: int, width: int, depth: int) -> int:
    """Number of parameters of :func:`mlp` ``(d, width, depth)`` (one output), without building it.

    Parameters
    ----------
    d : int
        Input dimension.
    width : int
        Size of every hidden layer.
    depth : int
        Number of Linear layers (1: a linear model with ``d + 1`` parameters).

    Returns
    -------
    int
        Weights and biases in total: ``(d + 1)·width + (depth − 2)·(width + 1)·width + width + 1``
        for ``depth ≥ 2``.

    Examples
    --------
    >>> mlp_param_count(1, 20, 3)
    481
    """
    if depth <= 1:
        return d + 1
    return (d + 1) * width + (depth - 2) * (width + 1) * width + width + 1


def forward_mpmath(model: torch.nn.Sequential, x: np.ndarray, dps: int = 40) -> np.ndarray:
    """The model's output computed exactly (``dps`` digits) from its float64 weights.

    Comparing it with the float64 forward pass measures the network's own rounding floor.

    Parameters
    ----------
    model : torch.nn.Sequential
        Linear layers and Tanh/ReLU/Sigmoid/SiLU/:class:`Sine` activations.
    x : array_like
        Inputs, shape ``(n, d)`` (or ``(n,)``); taken as float64.
    dps : int, default 40
        Decimal digits of the mpmath arithmetic.

    Returns
    -------
    numpy.ndarray
        Object array of mpmath numbers, shape ``(n,)`` (the first output of each point).

    Raises
    ------
    ValueError
        If the model holds a layer with no high-precision form.
    """
    kinds = {"Tanh": mpmath.tanh, "ReLU": lambda v: max(v, 0), "Sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)),
             "SiLU": lambda v: v / (1 + mpmath.exp(-v)), "Sine": mpmath.sin}
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    with mpmath.workdps(dps):
        layers = []
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                layers.append((mpmath.matrix(layer.weight.detach().tolist()), mpmath.matrix(layer.bias.detach().tolist())))
            elif type(layer).__name__ in kinds:
                layers.append(kinds[type(layer).__name__])
            else:
                raise ValueError(f"no high-precision form for layer {type(layer).__name__}")
        out = np.empty(x.shape[0], dtype=object)
        for i, row in enumerate(x):
            h = mpmath.matrix([mpmath.mpf(float(v)) for v in row])
            for layer in layers:
                h = layer[0] * h + layer[1] if isinstance(layer, tuple) else h.apply(layer)
            out[i] = h[0]
    return out
