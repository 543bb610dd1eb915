"""A network as a pure function of one flat parameter vector (used by paper §4's optimisers).

BFGS, the exact Hessian and the low-curvature steps all see the MSE as a function of the
vector ``w`` of every parameter concatenated in ``model.parameters()`` order. For the
plain MLPs of :func:`precision.models.mlp` (``nn.Sequential`` of ``Linear`` layers and
element-wise activations), :func:`flat_forward` evaluates the net straight from *views*
of ``w`` with ``addmm`` — no module calls, no parameter copies — which keeps the per-step
overhead of the optimisers small and works under ``torch.func`` transforms. Any other
model falls back to :func:`torch.func.functional_call`.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import torch
from torch.func import functional_call

__all__ = ["flat_parameters", "set_flat_parameters", "flat_forward", "flat_mse", "flat_rmse", "as_data", "torch_threads"]

_ELEMENTWISE = {torch.nn.Tanh: torch.tanh, torch.nn.ReLU: torch.relu, torch.nn.Sigmoid: torch.sigmoid,
                torch.nn.SiLU: torch.nn.functional.silu, torch.nn.Identity: lambda h: h}


def _register_sine() -> None:
    from .models import Sine

    _ELEMENTWISE[Sine] = torch.sin


_register_sine()


def as_data(x, y, like: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` as a float64 ``(n, d)`` tensor and ``y`` as ``(n,)``, on ``like``'s device.

    Parameters
    ----------
    x : array_like or torch.Tensor
        Inputs, ``(n, d)`` or ``(n,)`` (taken as ``d = 1``).
    y : array_like or torch.Tensor
        Targets, ``n`` values (flattened).
    like : torch.Tensor, optional
        Tensor whose device to use; ``None``: torch's default.

    Returns
    -------
    x : torch.Tensor
        ``(n, d)`` float64.
    y : torch.Tensor
        ``(n,)`` float64.

    Raises
    ------
    ValueError
        If ``x`` and ``y`` differ in length.
    """
    device = None if like is None else like.device
    x = torch.as_tensor(x, dtype=torch.float64, device=device)
    y = torch.as_tensor(y, dtype=torch.float64, device=device).reshape(-1)
    x = x[:, None] if x.ndim == 1 else x
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]} values")
    return x, y


def flat_parameters(model: torch.nn.Module) -> torch.Tensor:
    """All parameters of ``model`` as one detached vector (a copy), in ``model.parameters()`` order.

    Parameters
    ----------
    model : torch.nn.Module
        Any torch model.

    Returns
    -------
    torch.Tensor
        ``(P,)`` vector, of the parameters' dtype.
    """
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


def set_flat_parameters(model: torch.nn.Module, w: torch.Tensor) -> None:
    """Write the flat vector ``w`` (as from :func:`flat_parameters`) back into ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        Model whose parameters are overwritten in place.
    w : torch.Tensor
        ``(P,)`` vector in ``model.parameters()`` order.

    Raises
    ------
    ValueError
        If ``w`` does not have exactly P entries.
    """
    total = sum(p.numel() for p in model.parameters())
    if w.numel() != total:
        raise ValueError(f"w has {w.numel()} entries but the model has {total} parameters")
    with torch.no_grad():
        offset = 0
        for p in model.parameters():
            p.copy_(w.detach()[offset:offset + p.numel()].view_as(p))
            offset += p.numel()


def _sequential_plan(model: torch.nn.Module) -> list | None:
    """For an ``nn.Sequential`` of Linear layers (with bias) and element-wise activations whose
    parameters are exactly those Linear layers' in order: a list of ``("linear", offset,
    out, in)`` / ``("act", fn)`` entries. ``None`` for any other model."""
    if not isinstance(model, torch.nn.Sequential):
        return None
    plan, offset, expected = [], 0, []
    for layer in model:
        if isinstance(layer, torch.nn.Linear) and layer.bias is not None:
            plan.append(("linear", offset, layer.out_features, layer.in_features))
            offset += layer.weight.numel() + layer.bias.numel()
            expected += [layer.weight, layer.bias]
        elif type(layer) in _ELEMENTWISE:
            plan.append(("act", _ELEMENTWISE[type(layer)]))
        else:
            return None
    params = list(model.parameters())
    if len(params) != len(expected) or any(p is not q for p, q in zip(params, expected)):
        return None
    return plan


def flat_forward(model: torch.nn.Module) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Build ``forward(w, x)``: the model's output with its parameters taken from the flat vector ``w``.

    The model itself is not touched.

    Parameters
    ----------
    model : torch.nn.Module
        Any torch model; plain Sequential MLPs take the fast ``addmm`` path.

    Returns
    -------
    callable
        ``forward(w, x)`` with ``w`` ``(P,)`` and ``x`` ``(n, d)``, returning the output with
        its last axis squeezed: shape ``(n,)`` for one output.
    """
    plan = _sequential_plan(model)
    if plan is not None:
        def forward(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            h = x
            for step in plan:
                if step[0] == "act":
                    h = step[1](h)
                else:
                    _, at, n_out, n_in = step
                    weight = w[at:at + n_out * n_in].view(n_out, n_in)
                    bias = w[at + n_out * n_in:at + n_out * n_in + n_out]
                    h = torch.addmm(bias, h, weight.T)
            return h.squeeze(-1)
        return forward

    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]

    def generic(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        params = {n: c.view(s) for n, c, s in zip(names, torch.split(w, sizes), shapes)}
        return functional_call(model, params, (x,)).squeeze(-1)
    return generic


def flat_mse(model: torch.nn.Module, x, y) -> Callable[[torch.Tensor], torch.Tensor]:
    """The MSE on ``(x, y)`` as a pure function of the flat parameter vector (paper §4).

    Parameters
    ----------
    model : torch.nn.Module
        Any torch model (see :func:`flat_forward`).
    x, y : array_like or torch.Tensor
        Inputs ``(n, d)`` (or ``(n,)``) and targets ``(n,)``.

    Returns
    -------
    callable
        ``loss(w)`` returning the MSE over the ``n`` points as a 0-d tensor (differentiable).

    Raises
    ------
    ValueError
        If ``x`` and ``y`` differ in length.
    """
    x, y = as_data(x, y, next(iter(model.parameters())))
    forward = flat_forward(model)

    def loss(w: torch.Tensor) -> torch.Tensor:
        return torch.mean((forward(w, x) - y) ** 2)
    return loss


def flat_rmse(forward: Callable, x, y, like: torch.Tensor) -> Callable[[torch.Tensor], float]:
    """The RMSE of ``forward(w, x)`` against ``y`` as a function of ``w`` (no autograd).

    Parameters
    ----------
    forward : callable
        ``forward(w, x)``, as from :func:`flat_forward`.
    x, y : array_like or torch.Tensor or None
        Inputs ``(n, d)`` and targets ``(n,)``; either ``None`` means no test set.
    like : torch.Tensor
        Tensor whose device the data are moved to.

    Returns
    -------
    callable
        ``rmse(w) -> float``; it returns NaN when there is no test set.

    Raises
    ------
    ValueError
        If ``x`` and ``y`` differ in length.
    """
    if x is None or y is None:
        return lambda w: float("nan")
    x, y = as_data(x, y, like)

    def rmse(w: torch.Tensor) -> float:
        with torch.no_grad():
            return torch.sqrt(torch.mean((forward(w, x) - y) ** 2)).item()
    return rmse


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the body with ``torch.set_num_threads(threads)``, restoring the old setting after.

    The optimisers of paper §4 work on small matrices (hundreds of parameters, thousands of
    points), where torch's OpenMP threads cost more than they give; on a machine whose
    other cores are busy, two threads made a 481-parameter BFGS run up to 40× slower than
    one. So they default to one thread, inside this scope only.

    Parameters
    ----------
    threads : int or None
        Threads inside the scope; ``None`` leaves torch's setting alone.

    Raises
    ------
    ValueError
        If ``threads`` is neither ``None`` nor a positive integer.

    Examples
    --------
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    """
    if threads is None:
        yield
        return
    if not (isinstance(threads, int) and threads > 0):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)
