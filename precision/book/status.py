"""The book's status page: per-notebook run times, regenerated figures, software, machine."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
from importlib import metadata
from pathlib import Path

from typing import Any

from .. import numeric
from ..cache import code_hash
from ..chapters import authors
from ..chapters.registry import chapters, get
from .text import markdown_table, number, seconds

__all__ = ["build_report", "environment_report", "settings_table", "settings_tables"]

PACKAGES = ("precision", "numpy", "scipy", "sympy", "mpmath", "torch", "matplotlib", "jupyter-book", "myst-nb",
            "sphinx", "papermill", "nbval")


def build_report(profile: str, record_path: str | None) -> str:
    """Markdown: the build record of ``python -m precision.book build`` as a table."""
    if not record_path:
        return (f"**Profile:** `{profile}`. This copy was built by `jupyter-book build .`, which executed the "
                "notebooks through myst-nb with their default parameters; per-notebook run times are in "
                "myst-nb's execution report. `make book` records them here.")
    record = json.loads(Path(record_path).read_text())
    rows = []
    complete = True
    for nb in record["notebooks"]:
        ok = nb["all_cells_executed"] and nb["errors"] == 0
        complete &= ok
        how = f"reused (unchanged since {nb['executed_at']})" if nb["reused"] else f"executed {nb['executed_at']}"
        rows.append((f"{{doc}}`{nb['title']} </{nb['docname']}>`", seconds(nb["seconds"]), how, nb["figures"],
                     "yes" if ok else "**no**"))
    total = sum(nb["seconds"] for nb in record["notebooks"])
    verdict = ("Every notebook ran to the end at this profile with this package code "
               f"(`{record['code_hash']}`), so every figure on these pages comes from it."
               if complete else "**Some notebook did not run to the end: its figures are missing or stale.**")
    table = markdown_table(("chapter", "run time", "this build", "figures", "every cell ran, no errors"), rows,
                           align="lrlrl")
    mode = {"pinned": "pinned numeric mode", "native": "native numeric mode"}.get(record.get("numeric"), "")
    return "\n".join([f"**Profile:** `{record['profile']}`" + (f", {mode}" if mode else "")
                      + f" — total notebook time {seconds(total)}.", "", table, "",
                      verdict, ""])


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def environment_report() -> str:
    """Markdown: date, machine and the versions of the packages that computed the results."""
    import torch

    versions = []
    for name in PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    cpu = platform.processor() or platform.machine()
    return "\n".join([
        f"**Date:** {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC  ",
        f"**Machine:** {platform.platform()}, {cpu}, {os.cpu_count()} cores, {_memory()} memory, "
        f"torch using {torch.get_num_threads()} threads  ",
        f"**Python:** {platform.python_version()} — **package code hash:** `{code_hash()}`  ",
        f"**Numeric mode:** {numeric.describe()}. `make book EXACT=1` builds in the pinned mode, which the "
        "regression tests use.",
        "", markdown_table(("package", "version"), versions), ""])


# --------------------------------------------------------------------------- settings
SETTINGS_HEADER = ("knob", "paper's value", "`paper` profile", "`book` profile", "note")


def _format(value: Any) -> str:
    """A setting as written in a config: exact, so floats in ``g`` form (``0.001``, ``1e-12``)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return ", ".join(_format(v) for v in value)
    return str(value)


def settings_rows(chapter: str) -> list[tuple[str, ...]]:
    """The cells of :func:`settings_table`'s rows for ``chapter`` (header first), unescaped."""
    rows = [SETTINGS_HEADER]
    for s in authors.settings_for(chapter):
        if s.is_knob:
            paper, book = (_format(get(chapter).sizes(p)[s.knob]) for p in ("paper", "book"))
            knob = f"`{s.knob}`"
        else:
            paper = book = "— (no knob)"
            knob = s.knob
        note = s.note if authors.differs(s) else ""
        rows.append((knob, f"{_format(s.value)} ({s.source})", paper, book, note))
    return rows


def settings_table(chapter: str) -> str:
    """Markdown: knob | the paper's value (with its citation) | the ``paper`` profile | the
    ``book`` profile | why the ``paper`` profile differs — from :data:`precision.chapters.authors.SETTINGS`
    and the chapter's record (:mod:`precision.chapters.registry`)."""
    rows = settings_rows(chapter)
    return markdown_table(rows[0], rows[1:], align="lllll")


def settings_tables() -> str:
    """Markdown: one :func:`settings_table` per chapter that has settings of the authors, in book order."""
    parts = []
    for record in chapters():
        if authors.settings_for(record.name):
            parts += [f"**{record.heading}** (`{record.name}`)", "", settings_table(record.name), ""]
    return "\n".join(parts)
