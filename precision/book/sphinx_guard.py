"""Sphinx extension of the book: no stale outputs, no math from the network.

* jupyter-cache keys a notebook on its cell sources only, so after a change to
  ``precision`` a plain ``jupyter-book build .`` would show outputs computed by the old
  code. The guard stores :func:`precision.cache.code_hash` beside the cache and clears
  the cache when the hash differs.
* MathJax is served from the built book itself: the MathJax 3 distribution that the
  ``django-static-mathjax`` wheel ships (plain files; Django is not needed) is copied to
  ``_static/mathjax/`` and ``mathjax_path`` points there, so math typesets offline.
* ``numfig`` keeps the value the book's ``_config.yml`` gives it (``false``: the captions
  carry the paper's figure numbers). ``sphinx_jupyterbook_latex``, which Jupyter Book
  loads, sets ``numfig = True`` for every builder, and the HTML pages then showed
  "Fig. 20" before "Figure A2.".
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

from ..cache import code_hash

MATHJAX_SCRIPT = "tex-mml-chtml.js"  # the component Sphinx loads from the CDN by default


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


def mathjax_dir() -> Path:
    """The installed MathJax 3 ``es5`` directory (holding ``tex-mml-chtml.js``)."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError("offline math needs MathJax: pip install 'django-static-mathjax==3.2.2.1' "
                             "(in the book extras: pip install -e '.[book]')")
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (es5 / MATHJAX_SCRIPT).exists():
        raise ExtensionError(f"no {MATHJAX_SCRIPT} in {es5}: reinstall django-static-mathjax")
    return es5


def _local_mathjax(app, config) -> None:
    mathjax_dir()  # fail before the build, not with a page that waits for a CDN
    config.mathjax_path = f"mathjax/{MATHJAX_SCRIPT}"  # relative to _static


def _copy_mathjax(app) -> None:
    if app.builder.format == "html":
        shutil.copytree(mathjax_dir(), Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def _remember_numfig(app, config) -> None:
    app.precision_numfig = config.numfig  # before any extension's config-inited handler


def _restore_numfig(app, config) -> None:
    config.numfig = getattr(app, "precision_numfig", config.numfig)


def setup(app):
    app.connect("config-inited", _remember_numfig, priority=1)
    app.connect("config-inited", _restore_numfig, priority=999)
    app.connect("config-inited", _check, priority=900)
    app.connect("config-inited", _local_mathjax, priority=900)
    app.connect("builder-inited", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
