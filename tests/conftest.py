"""Shared fixtures: the repository root and a private cache for every test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    os.environ["PRECISION_CACHE_DIR"] = str(tmp_path_factory.mktemp("precision-cache"))
    os.environ.pop("MPLBACKEND", None)
    yield
