"""Shared fixtures: the repository root and a private cache for every test session.

The tests run in the pinned numeric mode (torch's portable kernels, MKL's reproducible
branch), set here before anything imports torch; the nbval kernels inherit it, as the goldens
were made in it (:mod:`precision.numeric`). ``PRECISION_NUMERIC=native`` leaves torch and MKL
to choose for this processor: the goldens must pass either way (their checked lines are bounds
with a margin), which is how to check that they hold on another machine.
"""
from __future__ import annotations

import os
from pathlib import Path

from precision import numeric

if os.environ.get("PRECISION_NUMERIC", "pinned") != "native":
    numeric.pin()

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    os.environ["PRECISION_CACHE_DIR"] = str(tmp_path_factory.mktemp("precision-cache"))
    os.environ.pop("MPLBACKEND", None)
    yield
