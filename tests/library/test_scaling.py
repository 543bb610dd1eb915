"""Power-law fits and the cost of precision (paper §1.3)."""
from __future__ import annotations

import numpy as np
import pytest

from precision import scaling


def test_fit_recovers_a_known_exponent_with_noise():
    n = np.geomspace(1e2, 1e6, 20)
    noise = np.exp(np.random.default_rng(0).normal(0, 0.05, n.size))
    law = scaling.fit_power_law(n, 3.0 * n ** -0.75 * noise)
    assert abs(law.exponent + 0.75) < 0.02 and 0 < law.stderr < 0.02
    assert law.prefactor == pytest.approx(3.0, rel=0.2)


def test_points_at_the_floor_are_left_out():
    n = np.geomspace(10, 1e5, 9)
    r = np.maximum(n ** -2.0, 1e-15)
    assert abs(scaling.fit_power_law(n, r, floor=1e-14).exponent + 2) < 1e-9
    with pytest.raises(ValueError, match="two distinct sizes"):
        scaling.fit_power_law([10, 10], [1e-3, 1e-3])


def test_cost_factor():
    assert scaling.cost_factor(2.0) == pytest.approx(1e7)
    assert scaling.cost_factor(1 / 3) == pytest.approx(1e42)
    with pytest.raises(ValueError, match="alpha"):
        scaling.cost_factor(0)
