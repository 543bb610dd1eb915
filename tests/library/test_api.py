"""The public API, ``precision.fit``: arrays or a Dataset, checked in one place before any method runs."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import precision
from precision import fitting
from precision.inputs import data_target, fit_data
from precision.targets import Dataset, get_target, sample

# Tiny budgets: every method runs in well under a second on 40 points.
OPTIONS = {"simplex": {}, "mlp": {"steps": 20}, "boost": {"stages": 1, "steps": 10, "lowcurv_steps": 0},
           "spline": {}, "lm": {"steps": 3, "progress": False},
           "multistage": {"stages": 1, "steps": 3, "adam_steps": 0, "progress": False},
           "chebyshev": {"degree": 6}}
METHODS = list(OPTIONS)


def test_every_registered_method_is_covered():
    assert set(OPTIONS) == set(fitting.METHODS)


@pytest.fixture(scope="module")
def data() -> Dataset:
    return sample(get_target("Z.001"), 40, 30, seed=0)  # y = x**2 on [-1, 1]


def replace(data: Dataset, **arrays) -> Dataset:
    fields = {"x_train": data.x_train, "y_train": data.y_train, "x_test": data.x_test, "y_test": data.y_test}
    return Dataset(data.target, **{**fields, **arrays})


def numbers(result: fitting.FitResult) -> tuple:
    return result.rmse_train, result.rmse_test, result.n_params, result.n_train, result.n_test


# --------------------------------------------------------------------------- the entry point
def test_precision_fit_is_the_registry_entry_point_and_import_stays_cheap():
    assert precision.fit is fitting.fit and precision.METHODS is fitting.METHODS
    heavy = "('precision.fitting', 'torch', 'sympy')"
    code = f"import sys, precision; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        precision.nothing  # noqa: B018


def test_the_public_api_is_a_few_names():
    from precision import methods, results, targets

    assert precision.register is methods.register and precision.FitResult is results.FitResult
    assert precision.Dataset is targets.Dataset and precision.Target is targets.Target
    assert precision.get_target is targets.get_target and precision.sample is targets.sample
    assert set(precision.__all__) <= set(dir(precision))


def test_a_valid_dataset_reaches_the_method_unchanged(data):
    assert fit_data(data, method="mlp") is data


def test_every_method_receives_n_by_d_inputs_and_flat_labels_float64_c_contiguous(data):
    seen = {}

    @fitting.register("probe", help="records what it is given (a test method)")
    def fit_probe(d: Dataset) -> fitting.FitResult:
        seen.update(x_train=d.x_train, y_train=d.y_train, x_test=d.x_test, y_test=d.y_test, d=d.target.d)
        return fitting.FitResult("probe", d.target.name, d.target.d, 0.0, 0.0, 0, len(d.y_train), len(d.y_test), 0.0)

    try:
        x = np.asfortranarray(np.c_[np.linspace(0, 1, 6), np.linspace(1, 3, 6)].astype(np.float32))
        y = np.arange(6)[:, None]  # ints, (n, 1)
        precision.fit(x, y, method="probe", x_test=x[:2], y_test=y[:2, 0])
        for name in ("x_train", "x_test"):
            assert seen[name].shape[1] == 2 and seen[name].dtype == np.float64 and seen[name].flags.c_contiguous
        for name in ("y_train", "y_test"):
            assert seen[name].ndim == 1 and seen[name].dtype == np.float64 and seen[name].flags.c_contiguous
        assert seen["d"] == 2 and seen["y_train"].tolist() == [0, 1, 2, 3, 4, 5]
        precision.fit(np.linspace(0, 1, 5), np.ones(5), method="probe")  # x (n,): d = 1; no test set: the training set
        assert seen["x_train"].shape == (5, 1) and seen["x_test"] is seen["x_train"] and seen["d"] == 1
    finally:
        del fitting.METHODS["probe"]


# --------------------------------------------------------------------------- y of shape (n, 1)
@pytest.mark.parametrize("method", METHODS)
def test_labels_of_shape_n_by_1_give_the_same_fit_as_flat_labels(data, method):
    column = replace(data, y_train=data.y_train[:, None], y_test=data.y_test[:, None])
    assert numbers(precision.fit(column, method, **OPTIONS[method])) == numbers(
        precision.fit(data, method, **OPTIONS[method]))


@pytest.mark.parametrize("method", ["chebyshev", "spline"])
def test_exact_methods_stay_exact_with_labels_of_shape_n_by_1(data, method):
    """They broadcast (n,) against (n, 1) before, reporting an RMSE of about 0.3 for x**2."""
    column = replace(data, y_train=data.y_train[:, None], y_test=data.y_test[:, None])
    assert precision.fit(column, method, **OPTIONS[method]).rmse_test < 1e-12


# --------------------------------------------------------------------------- refused before any compute
def _with_bad(array: np.ndarray, value: float) -> np.ndarray:
    out = array.copy()
    out.flat[3] = value
    return out


BAD_DATA = {
    "nan in x_train": (lambda d: replace(d, x_train=_with_bad(d.x_train, np.nan)),
                       r"^x_train holds 1 NaN or infinite value; every value must be finite$"),
    "inf in y_train": (lambda d: replace(d, y_train=_with_bad(d.y_train, np.inf)), "^y_train holds 1 NaN or infinite"),
    "nan in x_test": (lambda d: replace(d, x_test=_with_bad(d.x_test, np.nan)), "^x_test holds 1 NaN or infinite"),
    "-inf in y_test": (lambda d: replace(d, y_test=_with_bad(d.y_test, -np.inf)), "^y_test holds 1 NaN or infinite"),
    "short y_train": (lambda d: replace(d, y_train=d.y_train[:30]),
                      r"^y_train has 30 values but x_train has 40 points; give one label per point$"),
    "short y_test": (lambda d: replace(d, y_test=d.y_test[:10]), "^y_test has 10 values but x_test has 30 points"),
    "y_train (n, 2)": (lambda d: replace(d, y_train=np.c_[d.y_train, d.y_train]),
                       r"^y_train has shape \(40, 2\); expected \(n,\) or \(n, 1\)$"),
    "x_train d=2": (lambda d: replace(d, x_train=np.c_[d.x_train, d.x_train]),
                    r"^x_train has 2 columns but target 'Z.001' has d=1$"),
    "x_test d=2": (lambda d: replace(d, x_test=np.c_[d.x_test, d.x_test]), "^x_test has 2 columns but target"),
    "x_train 3-D": (lambda d: replace(d, x_train=d.x_train[:, :, None]),
                    r"^x_train has shape \(40, 1, 1\); expected \(n, d\) with d ≥ 1, or \(n,\)$"),
    "empty training set": (lambda d: replace(d, x_train=d.x_train[:0], y_train=d.y_train[:0]),
                           "^x_train holds no points; give at least one$"),
    "empty test set": (lambda d: replace(d, x_test=d.x_test[:0], y_test=d.y_test[:0]), "^x_test holds no points"),
    "text labels": (lambda d: replace(d, y_train=d.y_train.astype(str)), "^y_train must be an array of real numbers"),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_is_refused_in_one_sentence_naming_the_argument(data, case, method):
    make, message = BAD_DATA[case]
    with pytest.raises(ValueError, match=message):
        precision.fit(make(data), method, **OPTIONS[method])


@pytest.mark.parametrize("method", ["simplex", "lm", "multistage"])
def test_methods_that_need_two_distinct_points_say_so(data, method):
    same = replace(data, x_train=np.zeros((40, 1)), y_train=np.zeros(40))  # lm divided by a zero floor here
    with pytest.raises(ValueError, match=rf"^x_train holds 40 copies of one point; method '{method}' needs at least 2"):
        precision.fit(same, method, **OPTIONS[method])
    with pytest.raises(ValueError, match="^x_train holds 1 point; "):
        precision.fit(np.array([0.5]), np.array([0.25]), method=method, **OPTIONS[method])


@pytest.mark.parametrize("method", ["lm", "multistage"])
def test_labels_that_are_all_zero_are_an_exact_fit(method):
    """An exact fit is a result, not an error (lm divided by the zero floor before)."""
    result = precision.fit(np.linspace(-1, 1, 20), np.zeros(20), method=method, **OPTIONS[method])
    assert result.rmse_train == 0 and result.rmse_test == 0


@pytest.mark.parametrize("method", ["mlp", "boost"])
def test_methods_that_fit_anything_take_one_point(method):
    result = precision.fit(np.array([0.5]), np.array([0.25]), method=method, **OPTIONS[method])
    assert result.n_train == 1 and np.isfinite(result.rmse_train)


# --------------------------------------------------------------------------- the array form
@pytest.mark.parametrize("method", ["simplex", "mlp", "boost", "lm", "multistage", "chebyshev"])
def test_arrays_give_the_same_fit_as_the_dataset(method):
    target = get_target("Z.001")
    data = sample(target, 40, 30, seed=1)
    # the box's ends among the inputs: the arrays' box is then the target's (chebyshev maps it to [-1, 1])
    x = np.concatenate([[[-1.0], [1.0]], data.x_train])
    data = Dataset(target, x, target(x), data.x_test, data.y_test)
    from_arrays = precision.fit(data.x_train[:, 0], data.y_train, method=method, x_test=data.x_test,
                                y_test=data.y_test[:, None], **OPTIONS[method])
    assert numbers(from_arrays) == numbers(precision.fit(data, method, **OPTIONS[method]))
    assert from_arrays.target == "data" and from_arrays.d == 1


def test_a_fit_to_arrays_reaches_the_float64_floor_with_no_target():
    x = np.linspace(-1, 1, 200)
    result = precision.fit(x, np.sin(3 * x), method="chebyshev", degree=30)
    assert result.rmse_train < 1e-14 and result.rmse_test == result.rmse_train and result.n_test == 200
    lm = precision.fit(x, np.sin(3 * x), method="lm", steps=2, progress=False)
    assert lm.floor > 0 and lm.extra["floor_source"].startswith("estimate")


@pytest.mark.parametrize("call, message", [
    (lambda x, y: precision.fit(x, y, method="mlp", x_test=x), "^y_test is missing: give x_test and y_test together"),
    (lambda x, y: precision.fit(x, y, method="mlp", x_test=np.c_[x, x], y_test=y),
     "^x_test has 2 columns but x_train has d=1$"),
    (lambda x, y: precision.fit(x, method="mlp"), "^y_train is missing"),
    (lambda x, y: precision.fit(x, y + 0j, method="mlp"), "^y_train must be an array of real numbers, got .*complex"),
    (lambda x, y: precision.fit("x", y, method="mlp"), "^x_train must be an array of real numbers"),
    (lambda x, y: precision.fit(x, y), "^method must be one of simplex, mlp"),
    (lambda x, y: precision.fit(x, y, method="spline"), "^method 'spline' cannot fit bare arrays: it interpolates"),
    (lambda x, y: precision.fit(x, y, method="chebyshev", kind="interpolate"),
     "^kind 'interpolate' evaluates the target"),
    (lambda x, y: precision.fit(x, y, method="multistage", data_growth=2), "^data_growth > 1 labels new points"),
    (lambda x, y: precision.fit(x, y, method="mlp", seed=2**70), r"^seed must be an integer from 0 to 2\*\*63 - 1"),
    (lambda x, y: precision.fit(x, y, method="boost", seed=-1), r"^seed must be an integer from 0 to 2\*\*63 - 1"),
    (lambda x, y: precision.fit(sample(get_target("Z.001"), 10, 10), y, method="mlp"),
     "^y_train, x_test and y_test go with arrays"),
])
def test_bad_array_calls_are_refused_in_one_sentence(call, message):
    x = np.linspace(-1, 1, 20)
    with pytest.raises(ValueError, match=message):
        call(x, x**2)


def test_the_target_of_bare_arrays_cannot_label_new_points():
    target = data_target(np.array([[0.0, 1.0], [2.0, 1.0]]), np.array([[1.0, 1.0]]))
    assert target.low == (0.0, 1.0) and target.high == (2.0, 2.0)  # an axis where all agree: widened to length 1
    assert not target.can_evaluate and get_target("Z.001").can_evaluate
    with pytest.raises(ValueError, match="known only through its samples"):
        target(np.zeros((1, 2)))
