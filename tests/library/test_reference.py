"""The paper's digitized table, shipped in the package, read by precision.reference."""
from __future__ import annotations

import pytest

from precision import reference


def test_the_table_is_shipped_whole_and_every_row_has_a_source():
    rows = reference.values()
    assert len(rows) == 685
    assert all(r.source for r in rows)
    assert reference.TABLE.parent.name == "data" and (reference.TABLE.parent / "README.md").exists()


def test_one_row_with_its_range_and_a_loud_miss():
    v = reference.one("8", "bottom: y=x^2", "BFGS width 20 (blue)", "end value")
    assert v.in_decades and v.low < v.value < v.high and abs(v.high / v.value - 10 ** v.uncertainty) < 1e-12
    assert v.text().endswith("dex")
    with pytest.raises(KeyError, match="no rows of the paper's table for figure '8'.*bottom: y=x\\^2"):
        reference.one("8", "bottom: y=x^2", "BFGS", "end value")


def test_slopes_and_step_counts_carry_their_own_units():
    slope = reference.select("2", "I.30.5 (d=3)", "ReLU (median of 4 seeds) depth 2",
                             "slope d(log RMSE)/d(log N), all plotted points")[0]
    assert not slope.in_decades and slope.low == pytest.approx(slope.value - slope.uncertainty)
    steps = [v for v in reference.select("8") if v.series == "phase boundary"]
    assert steps and not any(v.in_decades for v in steps)
    assert "." not in steps[0].text().split(" ± ")[0]  # a step number is shown whole


def test_a_scaling_curve_comes_back_sorted_by_n():
    points = reference.series_points("2", "I.30.5 (d=3)", "ReLU (median of 4 seeds) depth 2")
    ns = [n for n, _ in points]
    assert len(ns) >= 5 and ns == sorted(ns) and all(v.in_decades for _, v in points)
