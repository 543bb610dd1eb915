"""Where a fit runs: --device / fit(device=...) checked before any compute; float64 everywhere."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from precision.device import resolve_device
from precision.fitting import fit
from precision.targets import get_target, sample

CUDA = torch.cuda.is_available()


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "precision", *args], capture_output=True, text=True, timeout=120)


def test_fit_on_the_cpu_device_prints_json():
    run = _cli("fit", "--target", "Z.001", "--method", "mlp", "--device", "cpu", "--n-train", "64", "--n-test",
               "200", "--steps", "20")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["rmse_test"] > 0


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "CPU", "cuda:-1"])
def test_an_unknown_device_is_refused_naming_the_allowed_ones(name):
    run = _cli("fit", "--target", "Z.001", "--method", "simplex", "--device", name)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "device must be one of cpu, cuda, cuda:N, auto" in run.stderr


@pytest.mark.skipif(CUDA, reason="this machine has CUDA")
def test_cuda_without_cuda_exits_2_with_one_sentence():
    run = _cli("fit", "--target", "Z.001", "--method", "simplex", "--device", "cuda")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "needs CUDA, and this machine has none" in run.stderr
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="needs CUDA"):
        fit(sample(get_target("Z.001"), 32, 64), "simplex", device="cuda:0")


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device (never required by CI)")
@pytest.mark.parametrize("method, options", [("mlp", {"steps": 200, "activation": "tanh"}),
                                             ("lm", {"steps": 50})])
def test_cuda_matches_cpu_to_float64_reduction_accuracy(method, options):
    data = sample(get_target("Z.001"), 256, 1000, seed=0)
    on_cpu = fit(data, method, device="cpu", **options)
    on_gpu = fit(data, method, device="cuda", **options)
    assert np.isfinite(on_gpu.rmse_test)
    assert abs(on_gpu.rmse_test - on_cpu.rmse_test) <= 1e-6 * max(on_cpu.rmse_test, 1e-12) + 1e-13
