"""Our LM against SciPy's least_squares (MINPACK lm, trf): the benchmark runs and compares."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from precision import lmbench


def _script():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "lm_vs_scipy.py"
    spec = importlib.util.spec_from_file_location("lm_vs_scipy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_at_tiny_size_and_every_ratio_is_finite():
    script = _script()
    result = script.run(n_train=80, width=4, seconds=0.3)
    assert result["n_params"] == 4 + 4 + 20 + 5 and result["n_train"] == 80
    assert set(result["ratio_to_ours"]) == set(lmbench.LM_METHODS) and result["ratio_to_ours"]["ours"] == 1.0
    for method, ratio in result["ratio_to_ours"].items():
        assert math.isfinite(ratio) and ratio > 0, method
        row = result["methods"][method]
        assert row["evaluations"] > 0 and row["time_to_level"] <= row["seconds"] and row["seconds"] < 0.3 + 0.5
        assert row["final_rmse"] <= result["level"]
    assert "÷ ours" in script.table(result)


def test_compare_lm_checks_its_arguments():
    from precision import models

    net = models.mlp(1, 4, 3, "tanh")
    x, y = np.linspace(-1, 1, 10)[:, None], np.zeros(10)
    with pytest.raises(ValueError, match="at least as many points as parameters"):
        lmbench.compare_lm(net, x, y, 0.1)
    with pytest.raises(ValueError, match="methods must be among"):
        lmbench.compare_lm(net, x, y, 0.1, methods=("gauss-newton",))
    with pytest.raises(ValueError, match="seconds must be a positive number"):
        lmbench.compare_lm(net, x, y, 0)
