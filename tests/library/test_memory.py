"""Each method's memory estimate is registered with it (``register(..., memory=...)``) and
:func:`precision.fitting.fit_memory` looks it up; the numbers are those of the if-chain it
replaced (``precision.memory.fit_memory`` before the registry owned the estimates)."""
from __future__ import annotations

import pytest

from precision import fitting
from precision.memory import data_memory, data_only
from precision.models import mlp, mlp_param_count, n_params
from precision.modular import node_params
from precision.multistage import _stage_params

# (method, d, n_train, n_test, options) -> what the old if-chain returned, exactly
OLD = [
    (('simplex', 1, 1000, 30000, {}),
     [('--n-train/--n-test', 1984000.0, 'the samples and their labels'), ('--n-train', 48000.0, 'the Delaunay triangulation')]),
    (('simplex', 3, 500, 100, {}),
     [('--n-train/--n-test', 76800.0, 'the samples and their labels'), ('--n-train', 560000.0, 'the Delaunay triangulation')]),
    (('simplex', 7, 100, 10, {}),
     [('--n-train/--n-test', 28160.0, 'the samples and their labels'), ('--n-train', 380160000.0, 'the Delaunay triangulation')]),
    (('spline', 2, 4096, 1000, {'order': 3}),
     [('--n-train/--n-test', 489216.0, 'the samples and their labels'), ('--n-train', 262144.0, 'the grid and its spline coefficients')]),
    (('chebyshev', 1, 200, 50, {}),
     [('--n-train/--n-test', 16000.0, 'the samples and their labels'), ('--degree', 106888.0, '31 coefficients')]),
    (('chebyshev', 2, 200, 50, {'degree': 12}),
     [('--n-train/--n-test', 24000.0, 'the samples and their labels'), ('--degree', 769288.0, '169 coefficients')]),
    (('chebyshev', 1, 10, 10, {'kind': 'interpolate', 'degree': 100000}),
     [('--n-train/--n-test', 1280.0, 'the samples and their labels'), ('--degree', 160003200016.0, 'the interpolation matrix')]),
    (('mlp', 1, 1000, 3000, {}),
     [('--n-train/--n-test', 256000.0, 'the samples and their labels'), ('--width', 307840.0, 'a net of 481 parameters and its curvature matrices'), ('--n-train', 1920000.0, "the net's activations")]),
    (('mlp', 2, 50000, 100, {'width': 40, 'depth': 4, 'optimizer': 'bfgs', 'batch_cap': 500}),
     [('--n-train/--n-test', 4809600.0, 'the samples and their labels'), ('--width', 288576024.0, 'a net of 3,441 parameters and its curvature matrices'), ('--n-train', 2880000.0, "the net's activations")]),
    (('mlp', 3, 100, 100, {'depth': 1, 'width': 0, 'batch_cap': True}),
     [('--n-train/--n-test', 25600.0, 'the samples and their labels'), ('--width', 2560.0, 'a net of 4 parameters and its curvature matrices'), ('--n-train', 96000.0, "the net's activations")]),
    (('boost', 1, 1000, 100, {}),
     [('--n-train/--n-test', 70400.0, 'the samples and their labels'), ('--width', 5860504.0, 'a net of 481 parameters and its curvature matrices'), ('--n-train', 1920000.0, "the net's activations")]),
    (('boost', 2, 300, 10, {'stages': 3, 'width': 10, 'depth': 2}),
     [('--n-train/--n-test', 29760.0, 'the samples and their labels'), ('--width', 53464.0, 'a net of 41 parameters and its curvature matrices'), ('--n-train', 144000.0, "the net's activations")]),
    (('lm', 1, 200, 500, {}),
     [('--n-train/--n-test', 44800.0, 'the samples and their labels'), ('--width', 5860504.0, 'a net of 481 parameters and its curvature matrices'), ('--n-train', 384000.0, "the net's activations"), ('--n-train', 1539200.0, 'the Levenberg–Marquardt Jacobian')]),
    (('lm', 4, 2000, 50, {'width': 30, 'depth': 5, 'stages': 2}),
     [('--n-train/--n-test', 328000.0, 'the samples and their labels'), ('--width', 214696344.0, 'a net of 2,971 parameters and its curvature matrices'), ('--n-train', 11520000.0, "the net's activations"), ('--n-train', 95072000.0, 'the Levenberg–Marquardt Jacobian')]),
    (('multistage', 1, 1000, 30000, {}),
     [('--n-train/--n-test', 1984000.0, 'the samples and their labels'), ('--width', 5860504.0, 'a net of 481 parameters and its curvature matrices'), ('--data-growth', 123136.0, '1,924 training points in the last stage'), ('--n-train', 3694080.0, "the net's activations"), ('--n-train', 14807104.0, 'the Levenberg–Marquardt Jacobian')]),
    (('multistage', 1, 100, 10, {'data_growth': 2, 'stages': 3}),
     [('--n-train/--n-test', 7040.0, 'the samples and their labels'), ('--width', 5860504.0, 'a net of 481 parameters and its curvature matrices'), ('--data-growth', 25600.0, '400 training points in the last stage'), ('--data-growth', 768000.0, "the net's activations"), ('--data-growth', 3078400.0, 'the Levenberg–Marquardt Jacobian')]),
    (('multistage', 2, 100, 10, {'data_growth': 1000000}),
     [('--n-train/--n-test', 10560.0, 'the samples and their labels'), ('--width', 6344664.0, 'a net of 501 parameters and its curvature matrices'), ('--data-growth', 9600000000.0, '100,000,000 training points in the last stage'), ('--data-growth', 192000000000.0, "the net's activations"), ('--data-growth', 801600000000.0, 'the Levenberg–Marquardt Jacobian')]),
    (('multistage', 1, 100, 10, {'data_growth': 3}),
     [('--n-train/--n-test', 7040.0, 'the samples and their labels'), ('--width', 5860504.0, 'a net of 481 parameters and its curvature matrices'), ('--data-growth', 19200.0, '300 training points in the last stage'), ('--data-growth', 576000.0, "the net's activations"), ('--data-growth', 2308800.0, 'the Levenberg–Marquardt Jacobian')]),
    (('multistage', 2, 5000, 10, {'data_growth': 1, 'width': 50}),
     [('--n-train/--n-test', 480960.0, 'the samples and their labels'), ('--width', 186033624.0, 'a net of 2,751 parameters and its curvature matrices'), ('--data-growth', 480000.0, '5,000 training points in the last stage'), ('--n-train', 24000000.0, "the net's activations"), ('--n-train', 220080000.0, 'the Levenberg–Marquardt Jacobian')]),
]


@pytest.mark.parametrize("case, expected", OLD, ids=[f"{c[0]}-{i}" for i, (c, _) in enumerate(OLD)])
def test_every_estimate_is_the_old_one_to_the_bit(case, expected):
    assert fitting.fit_memory(*case) == expected


def test_every_method_has_its_own_estimate_and_every_case_is_covered():
    assert {case[0] for case, _ in OLD} == set(fitting.METHODS)
    assert all(m.memory is not data_only for m in fitting.METHODS.values())


def test_a_method_registered_with_an_estimate_is_checked_with_it():
    calls = []

    def toy_memory(d, n_train, n_test, options):
        calls.append((d, n_train, n_test, options))
        return [data_memory(d, n_train, n_test), ("--size", 2.0**80 * options.get("size", 1), "a huge table")]

    @fitting.register("toy", help="a test method", options={"size": "table size"}, memory=toy_memory)
    def fit_toy(data, size: int = 1):
        raise AssertionError("never runs: the memory check comes first")

    try:
        assert fitting.fit_memory("toy", 2, 10, 5, {"size": 3}) == toy_memory(2, 10, 5, {"size": 3})
        assert calls[0] == (2, 10, 5, {"size": 3})
        with pytest.raises(ValueError, match=r"^--size asks for about .* of memory \(a huge table\)"):
            fitting.fit([[0.0], [1.0]], [0.0, 1.0], method="toy", size=3)
    finally:
        del fitting.METHODS["toy"]


def test_a_method_registered_without_an_estimate_counts_its_data_only():
    @fitting.register("toy", help="a test method")
    def fit_toy(data):
        return None

    try:
        assert fitting.METHODS["toy"].memory is data_only
        assert fitting.fit_memory("toy", 3, 100, 50, {}) == [data_memory(3, 100, 50)]
    finally:
        del fitting.METHODS["toy"]


@pytest.mark.parametrize("d, width, depth", [(1, 20, 3), (3, 7, 2), (2, 1, 5), (4, 30, 1), (1, 64, 4)])
def test_one_parameter_count_for_every_mlp(d, width, depth):
    count = mlp_param_count(d, width, depth)
    assert count == n_params(mlp(d, width, depth)) == node_params(d, width, depth)
    if depth >= 2:
        assert count == _stage_params(d, width, depth)
