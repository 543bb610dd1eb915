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


def test_dims_configs_reuse_the_comparison_and_skip_chebyshev_in_6d():
    cfg = profiles.resolve("beyond", "book")
    dims = beyond.dims_configs(cfg)
    assert sorted(beyond.target_by_name(t).d for t in dims) == [1, 2, 3, 6]
    comparison = set(beyond.beyond_configs(cfg, ("Z.002", "Z.008")))
    for t in ("Z.002", "Z.008"):  # same runs as the comparison above: read from the cache, not run twice
        assert {dims[t]["pipeline"], dims[t]["chebyshev-lstsq"], dims[t]["net"]} <= comparison
        assert dims[t]["net"].method == "multistage"
    assert dims["I.14.3"]["pipeline"].n_train == cfg.dims_n_train
    assert "chebyshev-lstsq" not in dims["I.11.19"] and "coefficients" in beyond.dims_cheb_skip(cfg, "I.11.19")
    assert beyond.dims_cheb_skip(cfg, "I.14.3") is None
    ms = dims["I.11.19"]["net"]
    assert isinstance(ms, beyond.DimsRun) and isinstance(dims["I.14.3"]["net"], beyond.DimsRun)
    assert (ms.later_width, ms.stages, ms.time_limit) == (cfg.dims_later_width, cfg.dims_ms_stages, cfg.dims_time_limit)


def test_a_small_dims_run_with_budgets():
    run = beyond.DimsRun("Z.008", n_train=200, n_test=300, width=5, later_width=6, stages=2, steps=20, adam_steps=30)
    out = beyond.run_dims(run)
    assert out["d"] == 2 and out["stop_reason"] == "budget" and len(out["stages"]) == 2
    assert [s["width"] for s in out["stages"]] == [5, 6]
    assert 0 < out["rmse_test"] < 1 and out["rmse_train"] <= out["stages"][0]["rmse_train"] * (1 + 1e-9)
    assert 0 < out["stages"][1]["sign_change_rate"] < 1 and out["stages"][0]["sign_change_rate"] is None
    assert out["cpu_seconds"] > 0


def test_an_adaptive_dims_run_stops_by_itself():
    out = beyond.run_dims(beyond.DimsRun("Z.002", n_train=100, n_test=200, width=5, later_width=5, time_limit=10.0))
    assert out["stop_reason"] in ("floor", "stalled", "time_limit") and 1e-18 < out["floor"] < 1e-15
    assert out["rmse_test"] < 0.01 and out["seconds"] < 30
    with pytest.raises(ValueError, match="time_limit"):
        beyond.run_dims(beyond.DimsRun("Z.002", 10, 10, time_limit=0.0))
