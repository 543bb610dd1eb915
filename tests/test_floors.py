"""Precision floors against mpmath (paper §1.1)."""
from __future__ import annotations

import numpy as np

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
