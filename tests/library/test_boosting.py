"""Boosting (paper §4.2.2): a second stage fitting the rescaled residual."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from precision import boosting, models, targets


def test_second_stage_lowers_test_rmse_tenfold_on_x_squared():
    data = targets.sample(targets.get_target("Z.001"), 300, 2000, seed=0)  # y = x² on [-1, 1]
    res = boosting.boost(lambda k: models.mlp(1, 6, 3, "tanh", seed=k), data.x_train, data.y_train, 2,
                         data.x_test, data.y_test, bfgs_steps=400, lowcurv_steps=0)
    first, second = res.stages
    assert first.scale == 1.0 and second.scale > 1e3  # c = 1/mean|r| makes the second target O(1)
    assert second.rmse_test < first.rmse_test / 10 and second.rmse_train < first.rmse_train / 10
    # the combined predictor is f1 + f2/c2, and the stage RMSEs are the combined ones
    pred = res.predict(data.x_test)
    direct = first.model(torch.from_numpy(data.x_test)).squeeze(-1) + second.model(
        torch.from_numpy(data.x_test)).squeeze(-1) / second.scale
    assert float((pred - direct.detach()).abs().max()) < 1e-15
    assert abs(float(torch.sqrt(torch.mean((pred - torch.from_numpy(data.y_test)) ** 2))) - res.rmse_test) < 1e-15
    assert abs(res.predict(data.x_test, stages=1).sub(torch.from_numpy(data.y_test)).pow(2).mean().sqrt().item()
               - first.rmse_test) < 1e-15
    h = res.history()
    assert h.shape[1] == 3 and np.all(np.diff(h[:, 0]) >= 0) and h[-1, 2] == pytest.approx(res.rmse_test, rel=1e-6)


def test_residual_scales():
    r = torch.tensor([1e-6, -3e-6], dtype=torch.float64)
    assert boosting.residual_scale(r) == pytest.approx(1 / 2e-6)
    assert boosting.residual_scale(r, "max") == pytest.approx(2 / 3e-6)
    assert boosting.residual_scale(r, "none") == 1.0
    with pytest.raises(ValueError, match="scale must be one of"):
        boosting.residual_scale(r, "median")
    with pytest.raises(ValueError, match="fits the data exactly"):
        boosting.residual_scale(torch.zeros(3, dtype=torch.float64))


def test_fit_stages_calls_the_hook_once_per_stage():
    data = targets.sample(targets.get_target("Z.001"), 60, 100, seed=0)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    seen, made = [], []

    def make(k, x_k, r):
        made.append((k, x_k.shape[0], float(r.abs().max())))
        return models.mlp(1, 4, 3, seed=k)

    train = boosting.stage_trainer("bfgs", 30, record_every=5)
    stages = boosting.fit_stages(make, train, x, y, 3, scale="max", on_stage=lambda k, s: seen.append((k, s)))
    assert [k for k, _ in seen] == [0, 1, 2] and [s for _, s in seen] == stages
    assert [k for k, *_ in made] == [0, 1, 2] and all(n == 60 for _, n, _ in made)
    assert stages[0].scale == 1.0 and stages[1].scale == pytest.approx(2 / made[1][2])
    assert all(list(s.runs) == ["bfgs"] and s.main is s.runs["bfgs"] and s.optimizer == "bfgs" for s in stages)
    assert np.isnan(stages[-1].rmse_test) and stages[-1].n_train == 60


def test_boost_and_pipeline_are_the_same_loop():
    from precision.chapters.optimization import PipelineRun, get_data

    run = PipelineRun("Z.001", 60, 100, 40, 2, stages=2, width=4, record_every=5)
    data = get_data(run.target, run.n_train, run.n_test)
    res = boosting.boost(lambda k: models.mlp(1, 4, 3, "tanh", seed=k), data.x_train, data.y_train, 2, data.x_test,
                         data.y_test, bfgs_steps=40, lowcurv_steps=2, record_every=5)
    pipe = run.run()
    assert pipe["rmse_train"] == res.rmse_train and pipe["rmse_test"] == res.rmse_test
    for s, p in zip(res.stages, pipe["stages"]):
        assert p["scale"] == s.scale and p["rmse_test"] == s.rmse_test
        assert np.array_equal(p["params"], torch.cat([q.detach().reshape(-1) for q in s.model.parameters()]).numpy())
        assert np.array_equal(p["bfgs"]["history"][:, 1:], s.main.history[:, 1:] / s.scale)


def test_stage_trainer_passes_each_stage_its_own_lowcurv_options(monkeypatch):
    seen = []

    def fake_lowcurv(model, x, target, steps, tau, x_test, y_test, **kwargs):
        seen.append(kwargs)
        return boosting.TrainResult(1.0, 1.0, 0, 0.0, np.zeros((1, 3)), "fake")

    monkeypatch.setattr(boosting, "train_lowcurv", fake_lowcurv)
    data = targets.sample(targets.get_target("Z.001"), 40, 50, seed=0)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    options = [dict(low=1e-30, points=70, always_step=True), dict(low=1e-50, points=70, always_step=True)]
    train = boosting.stage_trainer("bfgs", 5, lowcurv_steps=2, record_every=5, lowcurv_options=options)
    boosting.fit_stages(lambda k, x_k, r: models.mlp(1, 3, 2, seed=k), train, x, y, 3)
    assert [s["low"] for s in seen] == [1e-30, 1e-50, 1e-50]  # the last one serves later stages
    assert all(s["always_step"] and s["points"] == 70 for s in seen)
    with pytest.raises(ValueError, match="lowcurv_options"):
        boosting.stage_trainer("bfgs", 5, lowcurv_steps=2, lowcurv_options=[])
