"""Multi-stage nets (Wang & Lai 2024; beyond the paper)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from precision import models, multistage, targets


def test_zero_crossings_and_frequency_scale_in_1d():
    x = np.linspace(0, 2, 401)
    r = np.sin(2 * np.pi * 3 * x + 0.1)  # 3 periods per unit length → 12 sign changes on [0, 2]
    assert multistage.zero_crossings(x, r).tolist() == [12.0]
    kappa = multistage.frequency_scale(x, r)
    assert kappa[0] == pytest.approx(2 * np.pi * 3, rel=1e-9)  # π·N/L = the angular frequency


def test_zero_crossings_per_axis_in_2d():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4000, 2))
    r = np.sin(5 * np.pi * x[:, 0]) + 0 * x[:, 1]  # 10 sign changes along x₁, none along x₂
    n = multistage.zero_crossings(x, r)
    assert 8 <= n[0] <= 12 and n[1] < 3


def test_stage_net_has_a_sin_first_layer_and_starts_at_zero():
    net = multistage.stage_net(1, 6, 3, kappa=[40.0], seed=1)
    assert isinstance(net[1], models.Sine) and isinstance(net[3], torch.nn.Tanh)
    w = net[0].weight.detach()
    assert w.abs().max() <= 40.0 and w.abs().max() > 10.0
    assert float(net(torch.zeros(3, 1, dtype=torch.float64)).detach().abs().max()) == 0.0
    plain = multistage.stage_net(1, 6, 3)
    assert isinstance(plain[1], torch.nn.Tanh)
    with pytest.raises(ValueError, match="kappa must hold 2 positive"):
        multistage.stage_net(2, 6, 3, kappa=[1.0])
    with pytest.raises(ValueError, match="first_layer must be one of"):
        multistage.stage_net(1, 6, 3, kappa=[1.0], first_layer="relu")


def test_second_stage_takes_x_squared_far_below_the_first():
    data = targets.sample(targets.get_target("Z.001"), 300, 2000, seed=0)
    res = multistage.train_multistage(data, stages=2, width=8, depth=3, adam_steps=200, steps=80)
    first, second = res.stages
    assert first.kappa is None and second.kappa is not None and second.scale > 1e3
    assert first.rmse_test < 1e-4
    assert second.rmse_test < first.rmse_test / 100 and second.rmse_train < first.rmse_train / 100
    pred = res.predict(data.x_test)
    assert math.sqrt(np.mean((pred - data.y_test) ** 2)) == pytest.approx(res.rmse_test, rel=1e-9)
    assert math.sqrt(np.mean((res.predict(data.x_test, stages=1) - data.y_test) ** 2)) == pytest.approx(
        first.rmse_test, rel=1e-9)
    assert res.n_params == 2 * 97 and len(res.histories) == 2 and res.histories[1].shape[1] == 3
    assert res.stage_rmse_test == [first.rmse_test, second.rmse_test]


def test_data_growth_adds_points_from_the_target():
    res = multistage.train_multistage(targets.get_target("Z.002"), stages=2, width=4, depth=2, n_train=100,
                                      n_test=500, adam_steps=20, steps=5, data_growth=3)
    assert [s.n_train for s in res.stages] == [100, 300]
    with pytest.raises(ValueError, match="not standardised"):
        data = targets.sample(targets.get_target("Z.002"), 100, 100).standardized()
        multistage.train_multistage(data, stages=2, data_growth=2)


@pytest.mark.parametrize("kwargs, words", [
    (dict(stages=0), "stages must be a positive integer"),
    (dict(depth=1), "depth must be at least 2"),
    (dict(second_order="newton"), "second_order must be one of"),
    (dict(first_layer="cos"), "first_layer must be one of"),
    (dict(widths=[4]), "one width per stage"),
    (dict(lr=0), "lr must be a positive number"),
    (dict(adam_steps=-1), "adam_steps must be a non-negative integer"),
])
def test_bad_options_raise_before_training(kwargs, words):
    with pytest.raises(ValueError, match=words):
        multistage.train_multistage(targets.get_target("Z.001"), **{"stages": 2, **kwargs})
    with pytest.raises(ValueError, match="Target or a Dataset"):
        multistage.train_multistage(np.zeros(3))


def test_adaptive_fit_stops_at_the_floor_by_itself():
    """No budgets: stages, steps and data adapt until the training RMSE is within floor_factor
    of the labels' float64 floor (a smooth 1-D function, a small net)."""
    t = targets.from_expression("log(x+2)", {"x": (-1, 1)})
    res = multistage.train_multistage(t, width=10, n_train=300, n_test=2000, time_limit=30)
    assert res.stop_reason == "floor" and res.stop_reason in multistage.STOP_REASONS
    assert res.rmse_train < 1e-14 and res.rmse_test < 1e-14 and res.seconds < 30
    assert 0 < res.floor < 1e-16 and res.rmse_over_floor <= 3.0 * 1.05 and "mpmath" in res.floor_source
    assert len(res.stages) >= 2 and res.stages[1].n_train == 4 * (10 * 1 + 10 + 110 + 11)  # 4 points per parameter
    assert res.stages[1].adam is None  # later stages start at zero and go straight to LM


def test_adaptive_fit_respects_the_time_limit():
    t = targets.from_expression("exp(sin(3*x))", {"x": (-1, 1)})
    res = multistage.train_multistage(t, n_train=1000, n_test=500, time_limit=1.0)
    assert res.stop_reason == "time_limit" and res.seconds < 1.0 + 1.5
    assert res.rmse_over_floor > 10


def test_explicit_budgets_are_obeyed_and_need_no_floor():
    """The book's chapters give every budget: no floor is measured and the stages all run."""
    res = multistage.train_multistage(targets.get_target("Z.001"), stages=2, width=4, depth=2, n_train=100,
                                      n_test=200, adam_steps=10, steps=5, data_growth=1)
    assert res.stop_reason == "budget" and res.floor is None and res.rmse_over_floor is None
    assert len(res.stages) == 2 and all(s.second.steps == 5 for s in res.stages)
    with pytest.raises(ValueError, match="time_limit must be a positive number"):
        multistage.train_multistage(targets.get_target("Z.001"), time_limit=-1)
    with pytest.raises(ValueError, match="floor_factor must be a number of at least 1"):
        multistage.train_multistage(targets.get_target("Z.001"), floor_factor=0.5)
    with pytest.raises(ValueError, match="steps=None .* needs second_order='lm'"):
        multistage.train_multistage(targets.get_target("Z.001"), second_order="bfgs")


def test_fit_multistage_honours_a_short_time_limit_in_every_phase():
    """A 2 s limit holds through a long Adam warm-up (it ran on: 'seconds: 39.97')."""
    import time

    from precision import fitting

    data = targets.sample(targets.get_target("Z.009"), 200, 200, seed=0)
    start = time.perf_counter()
    res = fitting.fit_multistage(data, adam_steps=100_000, time_limit=2.0, progress=False)
    assert time.perf_counter() - start < 4.0 and res.stop_reason == "time_limit"
    budgets = fitting.fit_multistage(data, stages=2, steps=10**6, adam_steps=100_000, time_limit=2.0, progress=False)
    assert time.perf_counter() - start < 4.0 + 4.0 and budgets.stop_reason == "time_limit"


def test_zero_labels_are_an_exact_fit_not_an_error():
    from precision import fitting

    t = targets.from_expression("0*x", {"x": (0.0, 1.0)})
    res = multistage.train_multistage(t, n_train=100, n_test=100, time_limit=30)
    assert res.stop_reason == "floor" and res.rmse_train == 0 and res.rmse_test == 0 and len(res.stages) == 1
    assert res.floor == 0 and res.rmse_over_floor == 0
    given = fitting.fit_multistage(targets.sample(t, 100, 100), stages=3, steps=20, adam_steps=10, progress=False)
    assert given.stop_reason == "floor" and given.rmse_train == 0 and given.rmse_over_floor == 0


def test_labels_whose_squares_overflow_are_refused():
    t = targets.from_expression("exp(700*x)", {"x": (0.0, 1.0)})
    with pytest.raises(ValueError, match="squares overflow"):
        multistage.train_multistage(t, n_train=50, n_test=50, time_limit=30)
