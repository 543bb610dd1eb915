"""Sphinx extension: wipe myst-nb's execution cache when the package code changes.

jupyter-cache keys a notebook on its cell sources only, so after a change to
``precision`` a plain ``jupyter-book build .`` would show outputs computed by the old
code. This guard stores :func:`precision.cache.code_hash` beside the cache and clears
the cache when the hash differs.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ..cache import code_hash


def _check(app, config) -> None:
    path = getattr(config, "nb_execution_cache_path", "") or ""
    if not path:
        return
    cache = Path(app.srcdir) / path if not Path(path).is_absolute() else Path(path)
    stamp = cache.parent / "precision-code-hash.txt"
    current = code_hash()
    if cache.exists() and (not stamp.exists() or stamp.read_text().strip() != current):
        shutil.rmtree(cache)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current)


def setup(app):
    app.connect("config-inited", _check, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
