"""The numeric mode: the tests run pinned, the mode is visible, and pinning late is refused."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from precision import numeric


def test_the_tests_run_in_the_pinned_mode_unless_asked_not_to():
    import torch

    if os.environ.get("PRECISION_NUMERIC") == "native":
        pytest.skip("PRECISION_NUMERIC=native: this run checks the goldens with the native kernels")
    assert numeric.is_pinned()
    assert torch.backends.cpu.get_cpu_capability() == "DEFAULT"
    m = numeric.mode()
    assert m["mode"] == "pinned" and m["mkl_cbwr"] == "COMPATIBLE"
    assert numeric.describe(m).startswith("pinned")


def test_a_fresh_process_without_the_variables_is_native():
    env = {k: v for k, v in os.environ.items() if k not in numeric.PINNED}
    out = subprocess.run([sys.executable, "-c", "from precision import numeric; print(numeric.mode()['mode'])"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "native"


def test_pinning_after_torch_loaded_natively_is_refused():
    env = {k: v for k, v in os.environ.items() if k not in numeric.PINNED}
    code = "import torch\nfrom precision import numeric\nnumeric.pin()"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "before torch is imported" in run.stderr


def test_pinning_a_mapping_sets_exactly_the_pinned_variables():
    env: dict[str, str] = {"PATH": "/bin"}
    numeric.pin(env)
    assert numeric.is_pinned(env) and env == {"PATH": "/bin", **numeric.PINNED}


def test_a_pinned_build_keys_its_notebooks_apart(root):
    from precision.book.build import _key

    doc = "book/introduction"
    assert _key(root, doc, {"profile": "smoke"}) != _key(root, doc, {"profile": "smoke"}, exact=True)
