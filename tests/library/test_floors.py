"""Precision floors against mpmath (paper §1.1)."""
from __future__ import annotations

import numpy as np
import pytest

from precision import floors, models, targets


def test_floors_are_ordered_by_format_and_near_epsilon():
    rows = floors.precision_floors(targets.get_target("Z.002"), 300, seed=0, dps=30)
    by = {r.format: r for r in rows}
    assert by["float16"].rounding_rmse > 1e3 * by["float32"].rounding_rmse > 1e6 * by["float64"].rounding_rmse
    for r in rows:
        assert 0.05 * r.epsilon * r.rms_y < r.rounding_rmse < r.epsilon * r.rms_y
        assert r.evaluation_rmse >= 0.5 * r.rounding_rmse
    assert 1e-17 < by["float64"].rounding_rmse < 1e-16


def test_squaring_in_float64_is_exactly_one_rounding():
    rows = floors.precision_floors(targets.get_target("Z.001"), 200, seed=1, dps=30, formats=("float64",))
    assert rows[0].evaluation_rmse == rows[0].rounding_rmse


def test_forward_pass_floor_of_a_small_network():
    net = models.mlp(1, 20, 3, "tanh", seed=0)
    floor = floors.forward_rounding_rmse(net, np.linspace(-1, 1, 50), dps=30)
    assert 1e-18 < floor < 1e-15


def test_label_floor_measures_float64_labels_or_says_it_estimates():
    eps = floors.machine_epsilon("float64")
    x = np.random.default_rng(0).uniform(-1, 1, (500, 1))
    t = targets.from_expression("log(x+2)*cos(2*x+x**3)", {"x": (-1, 1)})
    found = floors.label_floor(t, x)
    assert 0.02 * eps * found.rms_y < found.rmse < 2 * eps * found.rms_y and found.n_points == 256
    assert "mpmath" in found.source
    exact = floors.label_floor(targets.from_expression("x", {"x": (-1, 1)}), x)  # exact labels: kept above 0
    assert exact.rmse == pytest.approx(eps * exact.rms_y / 10)
    guess = floors.label_floor(None, x, t(x))
    assert guess.rmse == pytest.approx(eps * np.sqrt(np.mean(t(x) ** 2))) and "estimate" in guess.source
    with pytest.raises(ValueError, match="n_points must be a positive integer"):
        floors.label_floor(t, x, n_points=0)


def test_bessel_functions_in_formulas_agree_across_backends():
    """j0 and j1 (Bessel functions of the first kind) in a user formula: float64 (scipy), torch
    and the mpmath reference agree to round-off."""
    import torch

    t = targets.from_expression("j0(10*x) + j1(x)", {"x": (-1, 1)})
    x = np.linspace(-1, 1, 41)[:, None]
    exact = np.array([float(v) for v in t.reference(x)])
    assert np.max(np.abs(t(x) - exact)) < 1e-15
    xt = torch.from_numpy(x).requires_grad_(True)
    out = t.torch(xt)
    assert np.max(np.abs(out.detach().numpy() - exact)) < 1e-15
    (slope,) = torch.autograd.grad(out.sum(), xt)
    h = 1e-6
    fd = (t(x + h) - t(x - h)) / (2 * h)
    assert np.max(np.abs(slope.numpy()[:, 0] - fd)) < 1e-7
    assert exact[20] == 1.0  # j0(0) + j1(0)


def test_label_floor_within_a_time_limit_measures_fewer_points_or_estimates():
    x = np.random.default_rng(0).uniform(-1, 1, (300, 1))
    t = targets.from_expression("log(x+2)*cos(2*x+x**3)", {"x": (-1, 1)})
    assert floors.label_floor(t, x, time_limit=1e6) == floors.label_floor(t, x)  # a limit that does not bind
    none = floors.label_floor(t, x, time_limit=1e-9)
    assert "estimate" in none.source and "time_limit" in none.source
    assert none.rmse == pytest.approx(floors.machine_epsilon("float64") * np.sqrt(np.mean(t(x) ** 2)))
    with pytest.raises(ValueError, match="time_limit must be a positive number"):
        floors.label_floor(t, x, time_limit=0)
