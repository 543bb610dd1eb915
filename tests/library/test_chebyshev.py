"""Chebyshev series: the classical bar for smooth 1D targets (beyond the paper)."""
from __future__ import annotations

import numpy as np
import pytest

from precision import chebyshev, targets


@pytest.mark.parametrize("name", ["Z.001", "Z.002", "Z.009", "teacher"])
def test_31_coefficients_reach_the_float64_floor(name):
    target = targets.teacher() if name == "teacher" else targets.get_target(name)
    data = targets.sample(target, 500, 5000, seed=0)
    for kind in ("interpolate", "lstsq"):
        point = chebyshev.chebyshev_curve(data, [30], kind)[0]
        assert point.n_coef == 31 and point.rmse_test < 5e-15


def test_error_falls_geometrically_with_the_degree():
    data = targets.sample(targets.get_target("Z.002"), 500, 5000, seed=0)  # sin x on [0, 6]
    curve = chebyshev.chebyshev_curve(data, [5, 10, 15], "interpolate")
    errors = [p.rmse_test for p in curve]
    assert errors[0] > 1e-3 and errors[1] < errors[0] / 100 and errors[2] < errors[1] / 1e4


def test_tensor_product_fit_in_2d():
    data = targets.sample(targets.get_target("Z.008"), 400, 2000, seed=0)  # x·y on [1, 5]²
    model = chebyshev.chebyshev_fit(data.x_train, data.y_train, 2, (1, 1), (5, 5))
    assert model.n_coef == 9 and model.d == 2
    assert np.sqrt(np.mean((model(data.x_test) - data.y_test) ** 2)) < 1e-13
    poor = chebyshev.chebyshev_fit(data.x_train, np.sin(data.x_train.sum(1)), 1, (1, 1), (5, 5))
    assert np.sqrt(np.mean((poor(data.x_test) - np.sin(data.x_test.sum(1))) ** 2)) > 0.1


def test_bad_arguments():
    data = targets.sample(targets.get_target("Z.008"), 20, 20, seed=0)
    with pytest.raises(ValueError, match="1D only"):
        chebyshev.chebyshev_interpolant(data.target, 5)
    with pytest.raises(ValueError, match="only 20 training points"):
        chebyshev.chebyshev_fit(data.x_train, data.y_train, 5, (1, 1), (5, 5))
    with pytest.raises(ValueError, match="degree must be a non-negative integer"):
        chebyshev.chebyshev_fit(data.x_train, data.y_train, -1, (1, 1), (5, 5))
    with pytest.raises(ValueError, match="kind must be one of"):
        chebyshev.chebyshev_curve(data, [2], "spline")


def test_fitters_that_live_on_the_box_reject_standardised_data():
    from precision import fitting, targets

    data = targets.sample(targets.get_target("Z.002"), 50, 50, seed=0)  # sin x on [0, 6]
    moved = targets.Dataset(data.target, data.x_train - 3.5, data.y_train, data.x_test - 3.5, data.y_test)
    with pytest.raises(ValueError, match="Chebyshev series lives on the target's box"):
        fitting.fit_chebyshev(moved, "8")
    with pytest.raises(ValueError, match="spline interpolation needs test inputs inside"):
        fitting.fit_spline(moved, "3")
    assert fitting.fit_chebyshev(data, "8").extra is not None  # "8" from the command line is degree 8
