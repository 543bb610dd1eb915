"""KAN's Feynman table (arXiv 2404.19756, Table 2) as a benchmark: rows, targets, one smoke fit."""
from __future__ import annotations

import math

import numpy as np
import pytest

from precision import kanbench
from precision.targets import sample


def test_the_table_has_kans_rows_and_numbers():
    rows = kanbench.KAN_ROWS
    assert len(rows) == 27 and len({r.eq for r in rows}) == 27
    cited = {"I.6.2": 2.86e-5, "I.30.5": 3.49e-5, "I.44.4": 2.30e-5, "I.9.18": 1.48e-3, "I.37.4": 4.91e-6}
    for eq, value in cited.items():
        assert kanbench.kan_row(eq).lowest == value
    row = kanbench.kan_row("II.6.15a")
    assert row.kan == 1.35e-3 and row.mlp == 5.92e-4 and row.lowest == 5.92e-4
    assert all(r.d == len(r.ranges) >= 2 for r in rows)
    with pytest.raises(KeyError, match="no KAN Table 2 row"):
        kanbench.kan_row("I.1.1")


def test_every_row_parses_and_is_finite_on_its_box():
    for row in kanbench.KAN_ROWS:
        target = kanbench.row_target(row)
        data = sample(target, 200, 200, seed=0, test_shrink=1.0)
        assert np.all(np.isfinite(data.y_train)) and np.all(np.isfinite(data.y_test)), row.eq
    t = kanbench.row_target(kanbench.kan_row("I.44.4"))
    x = np.array([[0.5, 2.0]])
    assert t(x)[0] == pytest.approx(0.5 * math.log(2.0), rel=1e-15)


def test_one_row_at_smoke_size():
    res = kanbench.run_row("I.44.4", seeds=(0,), methods=("multistage",), time_limit=4.0, n_train=300, n_test=300)
    assert res.eq == "I.44.4" and res.d == 2 and res.method == "multistage" and len(res.runs) == 1
    assert 0 < res.rmse_test < 1e-2 and res.rmse_train > 0 and 0 < res.floor < 1e-14
    assert res.ratio == pytest.approx(2.30e-5 / res.rmse_test)
    assert math.isfinite(res.simplex_test) and res.spline_test is not None
    assert res.stop_reason in ("floor", "stalled", "stuck", "time_limit", "budget")
    assert (res.why == "") == (res.ratio >= 100)
    assert res.to_dict()["kan_lowest"] == 2.30e-5
    assert set(kanbench.SIZES) == {"smoke", "book", "paper"}
