"""The precision frontier (issue 25): the stall rule tells a stuck optimiser from a converged
fit, and 2-D stages can be initialised from the residual's spectrum."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from precision import multistage, spectral, targets


def test_stage_verdict_tells_stuck_from_converged():
    v = multistage.stage_verdict
    # optimiser stuck: no 2x gain, training RMSE far above the floor goal, held-out ~ training
    assert v(before=3.3e-2, after=3.2e-2, held_out=4.5e-2, goal=1e-14) == "stuck"
    assert v(3.3e-2, 3.2e-2, math.nan, 1e-14) == "stuck"  # nothing held out: not evidence of a sampling limit
    # converged to the sampling limit: held-out far above training
    assert v(1e-9, 9e-10, 1e-7, 1e-15) == "stalled"
    # a stage that fits its points but loses on fresh ones is at the sampling limit even with a large gain
    assert v(1e-6, 1e-9, 1e-7, 1e-15) == "stalled"
    # converged to the float64 floor, or an exact fit
    assert v(1e-15, 9e-16, 1e-15, 3e-15) == "progress"
    assert v(1.0, 0.0, 0.0) == "progress"
    assert v(1e-6, 4e-7, 5e-7, 1e-15) == "progress"
    assert "stuck" in multistage.STOP_REASONS and "stalled" in multistage.STOP_REASONS


def test_a_stuck_fit_is_not_reported_stalled():
    # one-neuron stages cannot follow a 2-D function with this much structure: no stage gains 2x on
    # fresh points that it fits as badly as its own, an optimisation (capacity) failure, not a data limit
    target = targets.from_expression("sin(3*x)*cos(3*y) + x*y**2", {"x": (-1, 1), "y": (-1, 1)})
    res = multistage.train_multistage(target, None, width=1, depth=2, n_train=300, n_test=500, adam_steps=0,
                                      time_limit=20, init="zero-crossings")  # one-neuron stages throughout
    assert res.stop_reason == "stuck", (res.stop_reason, res.stage_rmse_train)
    assert res.rmse_train > 1e3 * res.floor
    tried = [r for s in res.stages for r in s.remedies]
    assert tried and {r["remedy"] for r in tried} <= set(multistage.AUTO["remedies"]) | {"rolled back"}
    assert all({"rmse_train_before", "rmse_train", "kept", "seconds"} <= set(r) for r in tried)


def test_a_fit_at_its_sampling_limit_is_reported_stalled():
    # 120 points of a 2-D function for a 105-parameter first stage, no fresh points: the nets fit the
    # points, the test set (the held-out set when nothing fresh may be drawn) shows the sampling limit
    target = targets.from_expression("sin(6*x)*cos(5*y)", {"x": (-1, 1), "y": (-1, 1)})
    data = targets.sample(target, 120, 400, seed=0)
    res = multistage.train_multistage(data, None, widths=[8] + [6] * 7, depth=3, time_limit=15, fresh=False)
    assert res.stop_reason == "stalled", (res.stop_reason, res.stage_rmse_train, res.stage_rmse_test)
    assert res.rmse_test > multistage.AUTO["sampling_gap"] * res.rmse_train
    assert all(s.n_train == 120 for s in res.stages)  # fresh=False: the given points only
    assert not any(s.remedies for s in res.stages)  # nothing is retried at a sampling limit


def test_residual_spectrum_finds_a_plane_wave():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2000, 2))
    r = np.sin(10 * x[:, 0] + 20 * x[:, 1] + 0.3)
    s = spectral.residual_spectrum(x, r, kmax=24)
    assert not s.empty
    top = s.omega[0]
    assert abs(top[0] - 10) <= s.step and abs(top[1] - 20) <= s.step
    assert 10 <= s.kappa[1] <= 30
    noise = spectral.residual_spectrum(x, rng.normal(size=2000), kmax=24)
    assert len(noise.amplitude) <= 3  # pure noise: (almost) nothing above the noise level
    rows = spectral.draw_frequencies(s, 200, np.random.default_rng(1))
    assert rows.shape == (200, 2)
    assert np.median(np.abs(np.abs(rows[:, 1]) - 20)) < 3


def test_stage_net_draws_its_first_layer_from_a_spectrum():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (1500, 2))
    s = spectral.residual_spectrum(x, np.cos(6 * x[:, 0] - 12 * x[:, 1]), kmax=16)
    net = multistage.stage_net(2, 16, 3, kappa=s.kappa, seed=0, spectrum=s)
    w = net[0].weight.detach().numpy()
    assert np.median(np.abs(np.abs(w[:, 1]) - 12)) < 3
    assert float(net(torch.zeros(2, 2, dtype=torch.float64)).detach().abs().max()) == 0.0  # still starts at zero


def test_2d_multistage_records_spectral_stages(monkeypatch):
    target = targets.from_expression("sin(x)*cos(y)", {"x": (-1, 1), "y": (-1, 1)})
    res = multistage.train_multistage(target, stages=2, width=8, depth=3, n_train=300, n_test=500, adam_steps=50,
                                      steps=40, init="spectral")
    assert [s.init for s in res.stages] == ["tanh", "spectral"]
    assert math.isfinite(res.rmse_test) and res.stages[1].kappa is not None
    plain = multistage.train_multistage(target, stages=2, width=8, depth=3, n_train=300, n_test=500, adam_steps=50,
                                        steps=40)
    assert plain.stages[1].init == "zero-crossings"  # auto with budgets given: as before
    one_d = multistage.train_multistage(targets.get_target("Z.001"), stages=2, width=8, depth=3, n_train=200,
                                        n_test=200, adam_steps=50, steps=20)
    assert one_d.stages[1].init == "zero-crossings"  # auto: 1-D keeps the zero-crossing rule
    monkeypatch.setitem(multistage.AUTO, "features", 200)  # small and quick: 1200 points, 200 features
    lstsq = multistage.train_multistage(target, stages=2, width=8, depth=3, n_train=300, n_test=2000, adam_steps=50,
                                        steps=200, init="spectral-lstsq")
    assert [s.init for s in lstsq.stages] == ["tanh", "spectral-lstsq"]
    assert lstsq.stages[1].n_train == multistage.AUTO["points_per_feature"] * multistage.AUTO["features"]
    assert lstsq.stages[1].rmse_test < lstsq.stages[0].rmse_test
    assert lstsq.stages[1].second.stopped.startswith("least squares")
    with pytest.raises(ValueError, match="init must be one of"):
        multistage.train_multistage(target, stages=1, init="fft")
