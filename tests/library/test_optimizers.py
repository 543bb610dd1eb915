"""Adam and BFGS on problems with known answers."""
from __future__ import annotations

import numpy as np
import torch

from precision import models, optimizers, targets


def test_bfgs_solves_linear_least_squares_to_round_off():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([1.5, -2.0, 0.25]) + 0.7 + 0.01 * rng.normal(size=200)
    net = models.mlp(3, 1, 1, seed=0)  # depth 1: a single Linear layer
    result = optimizers.train_bfgs(net, x, y, 500)
    coef, *_ = np.linalg.lstsq(np.hstack([x, np.ones((200, 1))]), y, rcond=None)
    fitted = np.concatenate([net[0].weight.detach().numpy().ravel(), net[0].bias.detach().numpy()])
    assert np.max(np.abs(fitted - coef)) < 1e-8
    best = np.sqrt(np.mean((np.hstack([x, np.ones((200, 1))]) @ coef - y) ** 2))
    assert abs(result.rmse_train - best) < 1e-10


def test_adam_reports_its_lowest_train_step_and_bfgs_beats_it():
    data = targets.sample(targets.get_target("Z.002"), 200, 500, seed=0)
    adam_net = models.mlp(1, 6, 2, "tanh", seed=0)
    adam = optimizers.train_adam(adam_net, data.x_train, data.y_train, 300, 1e-2, data.x_test, data.y_test)
    assert adam.history.shape[1] == 3 and adam.rmse_train <= adam.history[:, 1].min() + 1e-15
    assert abs(optimizers.rmse(adam_net, torch.from_numpy(data.x_train), torch.from_numpy(data.y_train))
               - adam.rmse_train) < 1e-12
    bfgs_net = models.mlp(1, 6, 2, "tanh", seed=0)
    bfgs = optimizers.train_bfgs(bfgs_net, data.x_train, data.y_train, 300, data.x_test, data.y_test)
    assert bfgs.rmse_train < adam.rmse_train / 10
    assert all(p.dtype == torch.float64 for p in bfgs_net.parameters())


def test_mlp_shapes_and_seeds():
    net = models.mlp(1, 40, 3, "tanh", seed=0)
    assert models.n_params(net) == 1761  # the paper's 1-40-40-1 student
    assert models.n_params(models.mlp(1, 20, 3, seed=0)) == 481
    a, b = models.mlp(2, 5, 3, seed=1), models.mlp(2, 5, 3, seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    import pytest
    with pytest.raises(ValueError, match="width must be a positive integer, got -3"):
        models.mlp(1, -3, 2)
    with pytest.raises(ValueError, match="activation must be one of"):
        models.mlp(1, 3, 2, activation="gelu")


def test_bfgs_fits_the_teacher_to_near_its_floor_and_stops_by_itself():
    data = targets.sample(targets.teacher(), 300, 2000, seed=0)  # SPEC §4: 1-3-3-1 tanh teacher
    net = models.mlp(1, 20, 3, "tanh", seed=2)  # the paper's 481-parameter student
    res = optimizers.train_bfgs(net, data.x_train, data.y_train, 3000, data.x_test, data.y_test)
    assert res.rmse_train < 3e-7 and res.rmse_test < 3e-7
    assert "no step lowers the loss" in res.stopped and res.steps < 3000
    assert np.all(np.diff(res.history[:, 1]) <= 0)  # every accepted step lowered the loss
    assert abs(optimizers.rmse(net, torch.from_numpy(data.x_test), torch.from_numpy(data.y_test))
               - res.rmse_test) < 1e-15


def test_bfgs_stop_rmse_and_threads_are_scoped():
    data = targets.sample(targets.get_target("Z.001"), 200, 500, seed=0)
    before = torch.get_num_threads()
    res = optimizers.train_bfgs(models.mlp(1, 8, 3, "tanh", seed=0), data.x_train, data.y_train, 5000,
                                stop_rmse=1e-3, threads=1)
    assert torch.get_num_threads() == before
    assert res.rmse_train <= 1e-3 and res.history[-2, 1] > 1e-3 and "stop_rmse" in res.stopped


def test_rmse_is_computed_in_chunks_on_wide_nets_and_agrees(monkeypatch):
    import precision.optimizers as optimizers

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1)).double()
    x = torch.rand(5000, 2, dtype=torch.float64)
    y = torch.sin(x.sum(1))
    whole = optimizers.rmse(model, x, y)
    seen = []
    forward = model.forward
    monkeypatch.setattr(model, "forward", lambda xb: seen.append(xb.shape[0]) or forward(xb))
    monkeypatch.setattr(optimizers, "EVAL_CHUNK_NUMBERS", 64 * 1000)  # 1000 rows of 64 units a chunk
    chunked = optimizers.rmse(model, x, y)
    assert max(seen) <= 1000 and sum(seen) == 5000
    assert abs(chunked - whole) <= 1e-14 * whole


def test_adam_stops_at_its_time_limit_and_a_generous_one_changes_nothing():
    data = targets.sample(targets.get_target("Z.002"), 200, 100, seed=0)
    timed = optimizers.train_adam(models.mlp(1, 6, 2, "tanh", seed=0), data.x_train, data.y_train, 10**7, 1e-2,
                                  time_limit=0.3)
    assert 0.3 <= timed.seconds < 0.3 + 1.0 and timed.stopped.startswith("reached time_limit=0.3s")
    assert timed.history[-1, 0] < 10**7 and timed.rmse_train <= timed.history[:, 1].min() + 1e-15
    runs = [optimizers.train_adam(models.mlp(1, 6, 2, "tanh", seed=0), data.x_train, data.y_train, 200, 1e-2,
                                  time_limit=limit) for limit in (None, 1e6)]
    assert runs[0].rmse_train == runs[1].rmse_train and runs[0].stopped == runs[1].stopped
    assert np.array_equal(runs[0].history, runs[1].history, equal_nan=True)
