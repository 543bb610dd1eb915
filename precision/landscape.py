"""The loss landscape near a trained network: exact Hessian and its spectrum (paper §4.1).

The MSE is viewed as a function of the flat parameter vector ``w`` (all of the model's
parameters concatenated in ``model.parameters()`` order). :func:`hessian` returns its exact
P×P Hessian, computed with ``torch.func`` (forward-over-reverse, vectorised over the
parameters; summed over chunks of the data to bound memory). :func:`spectrum` diagonalises
it the way Figure 7 and Figure A4 (Appendix D) plot it: eigenvalues with the positive ones
in descending order followed by the negative ones, and beside each eigenvalue the size of
the *whole* gradient's projection on its eigenvector, ``|g·vᵢ|`` (the authors' figure code
projected only the first layer's weights).

Cost: O(P²) memory and about P Hessian–vector products per Hessian, i.e. O(P·n) forward
passes' worth of arithmetic, plus an O(P³) eigendecomposition (paper §4.3).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import jacfwd, jacrev

from .flat import as_data as _as_data
from .flat import flat_mse, flat_parameters, set_flat_parameters

__all__ = ["Spectrum", "flat_parameters", "set_flat_parameters", "flat_mse", "gradient", "hessian",
           "spectrum", "paper_order"]


def _first_parameter(model: torch.nn.Module) -> torch.Tensor:
    return next(iter(model.parameters()))


def gradient(model: torch.nn.Module, x, y, w: torch.Tensor | None = None) -> tuple[float, torch.Tensor]:
    """The MSE and its gradient with respect to the flat parameters.

    Parameters
    ----------
    model : torch.nn.Module
        A float64 torch model.
    x, y : array_like or torch.Tensor
        Inputs ``(n, d)`` (or ``(n,)``) and targets ``(n,)``.
    w : torch.Tensor, optional
        Flat parameter vector ``(P,)`` to evaluate at; default the model's current parameters.

    Returns
    -------
    loss : float
        The MSE over the ``n`` points.
    gradient : torch.Tensor
        Its gradient, shape ``(P,)``.
    """
    loss = flat_mse(model, x, y)
    w = (flat_parameters(model) if w is None else w.detach()).requires_grad_(True)
    value = loss(w)
    (g,) = torch.autograd.grad(value, w)
    return float(value.detach()), g


def hessian(model: torch.nn.Module, x, y, w: torch.Tensor | None = None, chunk: int = 256) -> torch.Tensor:
    """The exact P×P Hessian of the MSE on ``(x, y)`` with respect to the flat parameters (paper §4.1).

    Computed with ``torch.func.jacfwd(jacrev(loss))`` — every column at once, no loop over
    parameters. The MSE is a mean over samples, so the data are processed ``chunk`` rows at
    a time and the chunks' Hessians are summed with weights ``rows/n``; the result does not
    depend on ``chunk`` beyond round-off. The returned matrix is symmetrised.

    Parameters
    ----------
    model : torch.nn.Module
        A float64 torch model.
    x, y : array_like or torch.Tensor
        Inputs ``(n, d)`` (or ``(n,)``) and targets ``(n,)``.
    w : torch.Tensor, optional
        Flat parameter vector ``(P,)``; default the model's current parameters.
    chunk : int, default 256
        Data rows per ``jacfwd(jacrev(...))`` call (bounds memory).

    Returns
    -------
    torch.Tensor
        The symmetric Hessian, shape ``(P, P)``, float64.

    Raises
    ------
    ValueError
        If ``chunk`` is less than 1.
    """
    x, y = _as_data(x, y, _first_parameter(model))
    if chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk}")
    w = flat_parameters(model) if w is None else w.detach()
    n = x.shape[0]
    H = torch.zeros(w.numel(), w.numel(), dtype=torch.float64, device=w.device)
    for start in range(0, n, chunk):
        xs, ys = x[start:start + chunk], y[start:start + chunk]
        loss = flat_mse(model, xs, ys)
        H += jacfwd(jacrev(loss))(w) * (xs.shape[0] / n)
    return (H + H.T) / 2


def paper_order(eigenvalues: torch.Tensor) -> torch.Tensor:
    """Indices that sort eigenvalues as the paper plots them.

    Positives (and zeros) in descending order, then negatives in order of descending magnitude.

    Parameters
    ----------
    eigenvalues : torch.Tensor
        Eigenvalues, shape ``(P,)``.

    Returns
    -------
    torch.Tensor
        A permutation of ``0 … P−1`` (dtype long, on the eigenvalues' device).

    Examples
    --------
    >>> paper_order(torch.tensor([-2.0, 1.0, 3.0, -0.5])).tolist()
    [2, 1, 0, 3]
    """
    lam = eigenvalues.detach().cpu().numpy()
    nonneg = np.flatnonzero(lam >= 0)
    neg = np.flatnonzero(lam < 0)
    order = np.concatenate([nonneg[np.argsort(-lam[nonneg], kind="stable")],
                            neg[np.argsort(lam[neg], kind="stable")]])
    return torch.as_tensor(order, dtype=torch.long, device=eigenvalues.device)


@dataclass
class Spectrum:
    """Hessian spectrum of the MSE at one point (paper §4.1, Figure 7; Appendix D, Figure A4).

    ``eigenvalues[i]`` belongs to the column ``eigenvectors[:, i]``; both are in
    :func:`paper_order`. ``projections[i] = |gradient · eigenvectors[:, i]|`` uses the whole
    gradient, so ``sum(projections**2) == |gradient|**2`` up to round-off.

    Attributes
    ----------
    eigenvalues : torch.Tensor
        ``(P,)`` eigenvalues, in :func:`paper_order`.
    eigenvectors : torch.Tensor
        ``(P, P)`` orthonormal eigenvectors, one per column.
    gradient : torch.Tensor
        ``(P,)`` gradient of the MSE.
    projections : torch.Tensor
        ``(P,)`` magnitudes ``|gradient · eigenvectors[:, i]|``.
    loss : float
        The MSE at the point.
    """

    eigenvalues: torch.Tensor
    eigenvectors: torch.Tensor = field(repr=False)
    gradient: torch.Tensor = field(repr=False)
    projections: torch.Tensor = field(repr=False)
    loss: float

    @property
    def n_negative(self) -> int:
        """How many eigenvalues are negative.

        Returns
        -------
        int
            The count of eigenvalues below zero.
        """
        return int((self.eigenvalues < 0).sum())

    def hessian(self) -> torch.Tensor:
        """The Hessian rebuilt from the decomposition, V diag(λ) Vᵀ.

        Returns
        -------
        torch.Tensor
            The ``(P, P)`` matrix.
        """
        return (self.eigenvectors * self.eigenvalues) @ self.eigenvectors.T


def spectrum(model: torch.nn.Module, x, y, chunk: int = 256) -> Spectrum:
    """Eigendecomposition of the exact MSE Hessian at the model's parameters (paper §4.1, Figure 7).

    Each eigenvector comes with the whole gradient's projection on it.

    Parameters
    ----------
    model : torch.nn.Module
        A float64 torch model, evaluated at its current parameters.
    x, y : array_like or torch.Tensor
        Inputs ``(n, d)`` (or ``(n,)``) and targets ``(n,)``.
    chunk : int, default 256
        Data rows per chunk of :func:`hessian`.

    Returns
    -------
    Spectrum
        Eigenvalues and eigenvectors in :func:`paper_order`, the gradient, its projections
        and the MSE.

    Raises
    ------
    ValueError
        If ``chunk`` is less than 1.
    """
    loss, g = gradient(model, x, y)
    H = hessian(model, x, y, chunk=chunk)
    lam, V = torch.linalg.eigh(H)
    order = paper_order(lam)
    lam, V = lam[order], V[:, order]
    return Spectrum(lam, V, g, (V.T @ g).abs(), loss)
