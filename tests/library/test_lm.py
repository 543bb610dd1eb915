"""Levenberg–Marquardt (beyond the paper): known answers, accuracy, options."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from precision import boosting, lm, models, targets


def _sine_first(seed):
    from precision.multistage import stage_net

    return stage_net(2, 5, 3, [4.0, 6.0], seed=seed)


@pytest.mark.parametrize("make", [
    lambda: models.mlp(2, 5, 3, "tanh", seed=3),           # the hand-written batched backward pass
    lambda: models.mlp(2, 5, 4, "sigmoid", seed=3),
    lambda: models.mlp(2, 5, 3, "relu", seed=3),
    lambda: _sine_first(3),                                # a multi-stage net: sin, then tanh
    lambda: models.mlp(2, 5, 3, "silu", seed=3),           # no derivative written out: vmap of grad
    lambda: torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Tanh(),  # two activations in
                                torch.nn.Linear(4, 1)).double(),                          # a row: vmap as well
], ids=["tanh", "sigmoid", "relu", "sin-tanh", "silu", "double-activation"])
def test_jacobian_matches_autograd_row_by_row(make):
    model = make()
    x = torch.rand(7, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    from precision.flat import flat_forward, flat_parameters

    w = flat_parameters(model) * 1.1  # the Jacobian is taken at w, not at the model's own weights
    J = lm.residual_jacobian(model)(w, x)
    assert J.shape == (7, sum(p.numel() for p in model.parameters()))
    for i in (0, 3, 6):
        row = torch.autograd.functional.jacobian(lambda v: flat_forward(model)(v, x[i:i + 1])[0], w)
        assert torch.allclose(J[i], row, atol=1e-14, rtol=0)


@pytest.mark.parametrize("solver", ["svd", "cholesky"])
def test_lm_on_a_linear_model_is_least_squares(solver):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (200, 3))
    y = x @ np.array([1.5, -2.0, 0.25]) + 0.7 + 0.1 * rng.standard_normal(200)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1, dtype=torch.float64))
    res = lm.train_lm(model, x, y, max_steps=200, solver=solver)
    A = np.hstack([x, np.ones((200, 1))])
    exact, *_ = np.linalg.lstsq(A, y, rcond=None)
    got = np.concatenate([model[0].weight.detach().numpy().ravel(), model[0].bias.detach().numpy()])
    # LM stops once the loss stops falling, and the loss is flat to round-off within ~1e-11 of the
    # minimiser; the last digits differ from run to run (BLAS reductions depend on memory alignment)
    assert np.max(np.abs(got - exact)) < 1e-9
    assert res.rmse_train == pytest.approx(np.sqrt(np.mean((A @ exact - y) ** 2)), rel=1e-12)
    assert "round-off" in res.stopped or "1e30" in res.stopped


def test_student_of_the_teachers_shape_reaches_round_off():
    """A 1-2-1 tanh student of a 1-2-1 tanh teacher (different init) fits it to ≤ 1e-13 in < 100 steps."""
    t = targets.teacher((1, 2, 1), seed=0)
    data = targets.sample(t, 300, 1000, seed=1)
    student = models.mlp(1, 2, 2, "tanh", seed=2)
    res = lm.train_lm(student, data.x_train, data.y_train, 200, data.x_test, data.y_test, record_every=5)
    assert res.history[0, 1] > 1e-2
    assert res.rmse_train <= 1e-13 and res.rmse_test <= 1e-13
    assert res.steps < 100 and res.stopped != "reached max_steps=200"
    h = res.history
    assert h.shape[1] == 3 and np.all(np.diff(h[:, 1]) <= 0)  # only accepted steps move: monotone


def test_geodesic_acceleration_helps_in_the_canyon():
    """Near a 1-3-3-1 teacher (sloppy: Jacobian singular values spanning 1e-16…20) the
    accelerated steps get much further in the same number of steps."""
    t = targets.teacher()
    data = targets.sample(t, 300, 1000, seed=1)
    out = {}
    for geodesic in (True, False):
        student = models.mlp(1, 3, 3, "tanh", seed=0)
        with torch.no_grad():
            g = torch.Generator().manual_seed(1)
            for p in student.parameters():
                p.add_(1e-3 * torch.randn(p.shape, dtype=torch.float64, generator=g))
        out[geodesic] = lm.train_lm(student, data.x_train, data.y_train, 60, geodesic=geodesic).rmse_train
    assert out[True] < 1e-11 and out[True] < out[False]


def test_damped_step_solvers_agree_and_svd_matches_augmented_lstsq():
    rng = np.random.default_rng(1)
    J = torch.from_numpy(rng.standard_normal((40, 6)) @ np.diag([1, 1e-2, 1e-4, 1, 3, 1e-6]))
    r = torch.from_numpy(rng.standard_normal(40))
    mu = 1e-6
    aug = torch.cat([J, mu ** 0.5 * torch.eye(6, dtype=torch.float64)])
    expected = -torch.linalg.lstsq(aug, torch.cat([r, torch.zeros(6, dtype=torch.float64)])).solution
    assert torch.allclose(lm.lm_step(J, r, mu), expected, rtol=1e-9, atol=1e-12)
    assert torch.allclose(lm.lm_step(J, r, mu, solver="cholesky"), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kwargs, words", [
    (dict(max_steps=0), "max_steps must be a positive integer"),
    (dict(damping="trust"), "damping must be one of"),
    (dict(solver="qr"), "solver must be one of"),
    (dict(mu0=-1.0), "mu0 must be a positive number"),
    (dict(stop_rmse=-1.0), "stop_rmse must be a non-negative number"),
    (dict(geodesic="yes"), "geodesic must be True or False"),
    (dict(time_limit=0), "time_limit must be a positive number"),
    (dict(time_limit=float("nan")), "time_limit must be a positive number"),
    (dict(slow_window=0), "slow_window must be a positive integer"),
    (dict(slow_factor=1.0), "slow_factor must be a number above 1"),
])
def test_bad_options_raise_before_training(kwargs, words):
    model = models.mlp(1, 3, 2, "tanh")
    with pytest.raises(ValueError, match=words):
        lm.train_lm(model, np.zeros((4, 1)), np.zeros(4), **{"max_steps": 5, **kwargs})


def test_boost_with_lm_stages():
    data = targets.sample(targets.get_target("Z.002"), 300, 1000, seed=0)  # sin x on [0, 6]
    res = boosting.boost(lambda k: models.mlp(1, 6, 3, "tanh", seed=k), data.x_train, data.y_train, 2,
                         data.x_test, data.y_test, bfgs_steps=80, optimizer="lm", scale="max")
    first, second = res.stages
    assert first.optimizer == "lm" and second.scale > 1e2
    assert first.rmse_test < 1e-3 and second.rmse_train <= first.rmse_train
    with pytest.raises(ValueError, match="optimizer must be one of"):
        boosting.boost(lambda k: models.mlp(1, 3, 2), data.x_train, data.y_train, optimizer="newton")
    with pytest.raises(ValueError, match="adam_steps must be a non-negative integer"):
        boosting.boost(lambda k: models.mlp(1, 3, 2), data.x_train, data.y_train, adam_steps=-1)


def test_adam_warm_up_keeps_lm_weights_small():
    """LM straight from PyTorch's init can fit sin x on [0, 6] with huge weights and a test error
    far above the training error; a short Adam warm-up first keeps the weights O(1)."""
    data = targets.sample(targets.get_target("Z.002"), 300, 1000, seed=0)
    x, xt = data.x_train / 3 - 1, data.x_test / 3 - 1
    res = boosting.boost(lambda k: models.mlp(1, 8, 3, "tanh", seed=k), x, data.y_train, 1, xt, data.y_test,
                         bfgs_steps=150, optimizer="lm", adam_steps=300, lr=1e-2)
    stage = res.stages[0]
    assert stage.adam is not None and stage.adam.steps <= 300
    assert max(float(p.detach().abs().max()) for p in stage.model.parameters()) < 20
    assert res.rmse_test < 1e-5 and res.rmse_test < 10 * res.rmse_train


def test_time_limit_slow_rule_and_callback():
    """The stopping rules a multi-stage fit relies on: wall-clock time, progress slower than a
    factor per window, and a callback after every step; stop_kind reads why it stopped."""
    data = targets.sample(targets.get_target("Z.002"), 400, 100, seed=0)
    x = data.x_train / 3 - 1
    seen = []
    res = lm.train_lm(models.mlp(1, 12, 3, "tanh", seed=0), x, data.y_train, 10**6, time_limit=0.3,
                      patience=10**6, callback=lambda step, rmse: seen.append((step, rmse)))
    assert lm.stop_kind(res.stopped) == "time_limit" and 0.3 <= res.seconds < 0.3 + 0.5
    assert [s for s, _ in seen] == list(range(1, res.steps + 1)) and seen[-1][1] == res.rmse_train
    slow = lm.train_lm(models.mlp(1, 12, 3, "tanh", seed=0), x, data.y_train, 10**6, slow_window=5,
                       slow_factor=100.0, patience=10**6)
    assert lm.stop_kind(slow.stopped) == "slow" and 5 <= slow.steps < 200
    stop = lm.train_lm(models.mlp(1, 12, 3, "tanh", seed=0), x, data.y_train, 500, stop_rmse=1e-3)
    assert lm.stop_kind(stop.stopped) == "stop_rmse" and stop.rmse_train <= 1e-3
    assert lm.stop_kind("anything else") == "other"


def test_fit_lm_honours_a_short_time_limit_in_every_phase():
    """A 2 s limit holds through a long Adam warm-up (it was ignored: 100 000 steps ran on)."""
    import time

    from precision import fitting

    data = targets.sample(targets.get_target("Z.009"), 200, 200, seed=0)
    start = time.perf_counter()
    res = fitting.fit_lm(data, adam_steps=100_000, time_limit=2.0, progress=False)
    assert time.perf_counter() - start < 4.0 and res.stop_reason == "time_limit"


def test_fit_lm_of_zero_labels_is_an_exact_fit():
    from precision import fitting

    data = targets.sample(targets.from_expression("x-x", {"x": (0.0, 1.0)}), 100, 100, seed=0)
    for adam_steps in (0, 20):
        res = fitting.fit_lm(data, adam_steps=adam_steps, time_limit=30.0, progress=False)
        assert res.rmse_train == 0 and res.rmse_test == 0 and res.floor == 0 and res.rmse_over_floor == 0
        assert res.stop_reason == "floor" and lm.stop_kind(res.extra["stages"][0]["stopped"]) == "exact"


def test_labels_too_large_or_small_for_least_squares_are_refused():
    from precision import fitting

    data = targets.sample(targets.from_expression("exp(700*x)", {"x": (0.0, 1.0)}), 50, 50, seed=0)
    with pytest.raises(ValueError, match=r"max \|y\| = 1.\d+e\+303.*squares overflow"):
        fitting.fit_lm(data, progress=False)
    with pytest.raises(ValueError, match="squares underflow"):
        lm.train_lm(models.mlp(1, 4, 2, "tanh"), np.zeros((5, 1)), np.full(5, 1e-200), 5)
    with pytest.raises(ValueError, match="finite"):
        lm.train_lm(models.mlp(1, 4, 2, "tanh"), np.zeros((5, 1)), np.array([1.0, np.nan, 0, 0, 0]), 5)
    lm.check_label_scale(np.zeros(3), np.array([1e150, -1e-150]), None)  # within range, or all 0: accepted
