"""The four-neuron multiplication gadget (paper §3, Figure 6b)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from precision import gadgets
from precision.models import n_params
from precision.targets import get_target, sample


def _slope(lams: np.ndarray, errs: np.ndarray) -> float:
    return float(np.polyfit(np.log(lams), np.log(errs), 1)[0])


def test_bias_rules_match_the_closed_forms():
    assert gadgets.gadget_bias("tanh", "curvature") == pytest.approx(np.arcsinh(1 / np.sqrt(2)), rel=1e-12)
    assert gadgets.gadget_bias("tanh", "quartic") == pytest.approx(np.arctanh(np.sqrt(2 / 3)), rel=1e-12)
    assert gadgets.derivative("tanh", gadgets.gadget_bias(), 2) == pytest.approx(-4 / (3 * np.sqrt(3)))
    b = 0.3  # tanh'' against a finite difference
    h = 1e-4
    fd = (np.tanh(b + h) - 2 * np.tanh(b) + np.tanh(b - h)) / h**2
    assert gadgets.derivative("tanh", b, 2) == pytest.approx(fd, rel=1e-6)


def test_gadget_multiplies():
    x, y = np.array([0.3, -0.7, 1.0]), np.array([0.5, 0.2, -1.0])
    np.testing.assert_allclose(gadgets.multiply(x, y, 1e-3), x * y, atol=3e-6)
    np.testing.assert_allclose(gadgets.multiply(x, y, 1e-3, "sigmoid"), x * y, atol=1e-5)


def test_error_curve_slopes_and_optimum():
    trunc = np.logspace(-2.5, -1, 7)  # truncation dominates: error ∝ λ²
    assert _slope(trunc, gadgets.error_curve(trunc, n=4000)) == pytest.approx(2, abs=0.3)
    rnd = np.logspace(-6, -4.7, 7)  # float64 cancellation dominates: error ∝ λ⁻²
    assert _slope(rnd, gadgets.error_curve(rnd, n=4000)) == pytest.approx(-2, abs=0.5)
    lams = np.logspace(-6, -1, 41)
    measured = gadgets.error_curve(lams, n=4000)
    lam_star, floor = gadgets.optimal_lambda(n=4000)
    best = int(np.argmin(measured))
    assert lam_star / 3 < lams[best] < lam_star * 3
    assert floor / 10 < measured[best] < floor * 10
    # the model follows the measured curve everywhere, not just at the optimum
    ratio = measured / gadgets.predicted_error(lams, n=4000)
    assert np.all((ratio > 0.3) & (ratio < 3))


def test_quartic_bias_gives_lambda4_truncation_and_lower_floor():
    lams = np.logspace(-1.8, -1, 5)
    assert _slope(lams, gadgets.error_curve(lams, n=4000, bias="quartic")) == pytest.approx(4, abs=0.3)
    assert gadgets.optimal_lambda(bias="quartic")[1] < 0.1 * gadgets.optimal_lambda()[1]


def test_product_network_computes_I_11_19():
    net = gadgets.product_network(5e-4)
    assert [type(m) for m in net] == [torch.nn.Linear, torch.nn.Tanh, torch.nn.Linear]
    assert (net[0].in_features, net[0].out_features, net[2].out_features) == (6, 12, 1)
    assert n_params(net) == 97
    assert all(p.dtype == torch.float64 for p in net.parameters())
    ds = sample(get_target("I.11.19"), 10, 10_000, seed=0)
    with torch.no_grad():
        out = net(torch.from_numpy(ds.x_test)).squeeze(-1).numpy()
    assert np.sqrt(np.mean((out - ds.y_test) ** 2)) <= 1e-6


def test_best_product_network():
    fit = gadgets.best_product_network()
    assert fit.test_rmse <= 1e-8  # measured ≈ 5e-10
    assert n_params(fit.network) == 97
    ds = sample(get_target("I.11.19"), 10, 10_000, seed=0)
    with torch.no_grad():
        out = fit.network(torch.from_numpy(ds.x_test)).squeeze(-1).numpy()
    assert np.sqrt(np.mean((out - ds.y_test) ** 2)) == pytest.approx(fit.test_rmse)


@pytest.mark.parametrize("lam", [0.0, -1e-3, float("nan"), float("inf")])
def test_bad_lambda_raises(lam):
    with pytest.raises(ValueError, match="lam"):
        gadgets.multiply(1.0, 2.0, lam)
    with pytest.raises(ValueError, match="lam"):
        gadgets.product_network(lam)


def test_flat_second_derivative_raises():
    with pytest.raises(ValueError, match="bias"):
        gadgets.multiply(1.0, 2.0, 1e-3, bias=0.0)
    with pytest.raises(ValueError, match="bias"):
        gadgets.product_network(1e-3, bias=0.0)
    with pytest.raises(ValueError, match="activation"):
        gadgets.multiply(1.0, 2.0, 1e-3, activation="relu")
    with pytest.raises(ValueError, match="activation"):
        gadgets.gadget_error(1e-3, activation="softsign")


def test_diagram_draws():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    try:
        gadgets.gadget_diagram(ax)
        fig.canvas.draw()
        assert len(ax.patches) == 7 and any("xy" == t.get_text() for t in ax.texts)
    finally:
        plt.close(fig)


def test_the_architecture_error_falls_as_lambda_to_the_fourth_in_extended_precision():
    """In 50-digit arithmetic the hand-built I.11.19 net's error is truncation only (∝ λ⁴ with the
    quartic bias), far below float64's floor; in float64 the same nets are rounding-bound at small λ."""
    from precision.gadgets import architecture_error, float64_floor

    small, smaller = architecture_error((1e-4, 1e-5), n=20)
    assert 1e3 < small.exact_rmse / smaller.exact_rmse < 1e5  # λ⁴: ×1e4 per decade of λ
    assert smaller.exact_rmse < 1e-15  # below ε·RMS(A) (RMS(A) > 1 on I.11.19's box)
    assert smaller.float64_rmse > 1e3 * smaller.exact_rmse  # float64 rounding dominates there
    assert abs(float64_floor(1.0) - np.finfo(float).eps ** (2 / 3)) < 1e-20
    with pytest.raises(ValueError, match="n must be a positive integer"):
        architecture_error((1e-3,), n=0)
