"""The comparison runs of Chapter 6 (precision.chapters.beyond)."""
from __future__ import annotations

import pytest

from precision.chapters import beyond, profiles


def test_configs_cover_every_method_and_target():
    cfg = profiles.resolve("beyond", "book")
    runs = beyond.beyond_configs(cfg)
    assert {r.method for r in runs} == set(beyond.METHODS) and {r.target for r in runs} == set(cfg.targets)
    assert len(runs) == len(cfg.targets) * len(beyond.METHODS) - 1  # no Chebyshev interpolation in 2D
    xy = [r for r in runs if r.target == "Z.008" and r.method == "multistage"][0]
    assert xy.data_growth == cfg.ms_growth_2d and xy.steps == cfg.ms_steps_2d


@pytest.mark.parametrize("method", ["lm", "multistage", "lm-boost", "chebyshev-lstsq"])
def test_a_small_run_reports_rmse_time_and_floors(method):
    run = beyond.BeyondRun("Z.002", method, n_train=150, n_test=500, steps=30 if method != "chebyshev-lstsq" else 25,
                           width=5, stages=2 if method != "lm" else 1, adam_steps=50, floor_points=10)
    out = beyond.run_beyond(run)
    assert out["method"] == method and out["rmse_test"] < 0.1 and out["cpu_seconds"] >= 0
    assert len(out["trace"]) == (2 if method in ("multistage", "lm-boost") else 1)
    if method.startswith("chebyshev"):
        assert "forward_floor" not in out and out["rmse_test"] < 1e-14
    else:
        assert 1e-18 < out["forward_floor"] < 1e-14


def test_label_floor_and_bad_runs():
    assert 1e-18 < beyond.label_floor("Z.001", 200) < 1e-16
    assert beyond.run_beyond(beyond.BeyondRun("Z.008", "chebyshev-interp", 10, 10, 3))["skipped"]
    with pytest.raises(ValueError, match="method must be one of"):
        beyond.run_beyond(beyond.BeyondRun("Z.001", "newton", 10, 10, 3))
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        beyond.run_beyond(beyond.BeyondRun("Z.001", "lm", 10, 10, 0))
    with pytest.raises(KeyError, match="unknown equation"):
        beyond.run_beyond(beyond.BeyondRun("Q.1", "lm", 10, 10, 3))


def test_run_cost_orders_the_long_runs_first():
    cfg = profiles.resolve("beyond", "book")
    runs = sorted(beyond.beyond_configs(cfg), key=beyond.run_cost, reverse=True)
    assert (runs[0].target, runs[0].method) == ("Z.008", "multistage")  # the 2D multi-stage run is the longest
    assert {r.method for r in runs[-9:]} == {"chebyshev-lstsq", "chebyshev-interp"}  # no training: last
    assert all(beyond.run_cost(r) > 0 for r in runs if not r.method.startswith("chebyshev"))
