"""The equation table, formula evaluation in every backend, and the sampling conventions."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from precision import targets


def test_table_has_the_paper_equations_and_rejects_broken_rows():
    ids = targets.list_equations()
    for eq in ("Z.001", "II.8.31", "I.30.5", "I.8.14", "I.44.4", "II.6.15a", "I.11.19", "Z.008", "Z.009"):
        assert eq in ids
    broken = targets.broken_equations()
    assert set(broken) == {"II.15.4", "II.15.5", "III.21.20", "II.37.1"}
    for eq in broken:
        assert eq not in ids
        with pytest.raises(ValueError, match=eq):
            targets.get_target(eq)
    with pytest.raises(KeyError, match="list_equations"):
        targets.get_target("I.99.9")


def test_dimensions_and_domains_of_the_figure_2_targets():
    dims = {"Z.001": 1, "II.8.31": 2, "I.30.5": 3, "I.8.14": 4, "I.44.4": 5, "II.6.15a": 6}
    for eq, d in dims.items():
        assert targets.get_target(eq).d == d
    t = targets.get_target("II.6.15a")
    assert t.variables == ("epsilon", "p_d", "r", "x", "y", "z") and t.low == (1,) * 6 and t.high == (3,) * 6


@pytest.mark.parametrize("eq", targets.list_equations())
def test_every_equation_evaluates_alike_in_numpy_torch_and_mpmath(eq):
    t = targets.get_target(eq)
    x = targets.sample(t, 20, 1, seed=3).x_train
    y = t(x)
    assert y.dtype == np.float64 and np.all(np.isfinite(y))
    scale = 1e-13 * np.max(np.abs(y))  # absolute tolerance: some formulas cancel (I.12.11)
    assert np.allclose(t.torch(torch.from_numpy(x)).numpy(), y, rtol=1e-13, atol=scale)
    ref = np.array([float(v) for v in t.reference(x[:5], dps=30)])
    assert np.allclose(ref, y[:5], rtol=1e-13, atol=scale)


def test_known_values():
    assert targets.get_target("Z.001")(np.array([[0.5]]))[0] == 0.25
    x = np.array([[1.0, 2.0, 4.0, 5.0]])  # x1, x2, y1, y2 of I.8.14: distance between (1,4) and (2,5)
    assert targets.get_target("I.8.14")(x)[0] == pytest.approx(np.sqrt(2), rel=1e-15)


def test_lower_precision_evaluation_stays_in_its_format():
    t = targets.get_target("I.6.2a")
    x = np.linspace(1, 3, 7)[:, None]
    for dtype in (np.float16, np.float32):
        y = t.evaluate(x, dtype)
        assert y.dtype == dtype
        assert np.max(np.abs(y - t(x))) < 20 * np.finfo(dtype).eps


def test_sampling_conventions():
    t = targets.get_target("I.8.14")
    ds = targets.sample(t, 500, 2000, seed=7)
    assert ds.x_train.shape == (500, 4) and ds.x_test.shape == (2000, 4)
    assert ds.x_train.min() >= 1 and ds.x_train.max() <= 5
    # test points lie in the central 80 %: [1.4, 4.6] for a [1, 5] box
    assert ds.x_test.min() >= 1.4 and ds.x_test.max() <= 4.6
    assert ds.x_train.min() < 1.4 or ds.x_train.max() > 4.6
    again = targets.sample(t, 500, 2000, seed=7)
    assert np.array_equal(ds.x_train, again.x_train) and np.array_equal(ds.y_test, again.y_test)
    std = ds.standardized()
    assert np.allclose(std.x_train.mean(0), 0, atol=1e-12) and np.allclose(std.x_train.std(0), 1)
    assert np.array_equal(std.y_train, ds.y_train)
    with pytest.raises(ValueError, match="n_train"):
        targets.sample(t, -3)


def test_user_expressions():
    t = targets.from_expression("sin(x)*y", {"x": (-1, 1), "y": (0, 2)})
    assert t.d == 2 and t(np.array([[0.5, 2.0]]))[0] == pytest.approx(2 * np.sin(0.5), rel=1e-15)
    with pytest.raises(ValueError, match="z"):
        targets.from_expression("x*z", {"x": (0, 1)})
    with pytest.raises(ValueError, match="low < high"):
        targets.from_expression("x", {"x": (1, 0)})
    with pytest.raises(ValueError, match="cannot parse formula"):
        targets.from_expression("sin(x", {"x": (0, 1)})


def test_teacher_network_target():
    t = targets.teacher((1, 3, 3, 1), seed=0)
    x = np.linspace(-1, 1, 11)[:, None]
    y = t(x)
    assert y.shape == (11,) and np.all(np.isfinite(y)) and np.std(y) > 0
    assert np.allclose(targets.teacher((1, 3, 3, 1), seed=0)(x), y)
    assert not np.allclose(targets.teacher((1, 3, 3, 1), seed=1)(x), y)
    ref = np.array([float(v) for v in t.reference(x, dps=30)])
    assert np.max(np.abs(ref - y)) < 1e-15


@pytest.mark.parametrize("formula, box", [("log(x)", (-1.0, 1.0)), ("asin(x)", (-2.0, 2.0)), ("sqrt(x)", (-1.0, 0.5))])
def test_labels_undefined_on_part_of_the_box_are_refused(formula, box):
    target = targets.from_expression(formula, {"x": box})
    with pytest.raises(ValueError, match=r"undefined .* x in \[.*\]: \d+ of 50 training and \d+ of 40 test labels"):
        targets.sample(target, 50, 40)
    ok = targets.from_expression(formula, {"x": (0.25, 0.75)})
    assert np.all(np.isfinite(targets.sample(ok, 50, 40).y_train))


def test_random_quintic_is_seeded_float64_and_exact():
    q = targets.target_by_name("quintic")
    assert q.d == 1 and q.low == (-1.0,) and q.high == (1.0,)
    coefficients = np.random.default_rng(0).uniform(-1.5, 1.5, 6)
    x = np.linspace(-1, 1, 101)[:, None]
    y = q(x)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, np.polynomial.polynomial.polyval(x[:, 0], coefficients), rtol=0, atol=1e-14)
    # the formula holds the float64 coefficients exactly: the 50-digit reference agrees to round-off
    ref = np.array([float(v) for v in q.reference(x[:7])])
    assert np.max(np.abs(ref - y[:7])) < 1e-14
    assert torch.allclose(q.torch(torch.from_numpy(x)), torch.from_numpy(y), rtol=0, atol=1e-14)
    assert targets.random_polynomial(5, seed=0).formula == q.formula
    assert targets.random_polynomial(5, seed=1).formula != q.formula
    assert targets.check_target("target", "quintic") == "quintic"
    assert targets.check_targets("targets", ["quintic", "teacher", "Z.001"]) == ("quintic", "teacher", "Z.001")


def test_random_polynomial_refuses_bad_arguments():
    for kwargs, name in ((dict(degree=-1), "degree"), (dict(seed=-2), "seed"), (dict(scale=0), "scale"),
                         (dict(low=1.0, high=1.0), "low < high")):
        with pytest.raises(ValueError, match=name):
            targets.random_polynomial(**kwargs)
