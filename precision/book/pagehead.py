"""The box at the head of every chapter: the profile that built it, how long its cells ran,
and how many of its scorecard claims this run reproduced.

A chapter's first cell (input hidden) is one line::

    from precision.book.pagehead import profile_box; profile_box("introduction")

The box is displayed there, before the chapter has run, and updated in place after every
cell (an IPython ``post_run_cell`` hook and a display id, which nbclient and papermill
write back into the executed notebook); after the last cell it holds the final numbers.
It reads the profile from the notebook's ``profile`` variable once the ``parameters``
cell has set it, and counts the verdicts of the scorecard records this kernel wrote for
the chapter's claims (:mod:`precision.book.scorecard`).
"""
from __future__ import annotations

import time
from typing import Any, Mapping

from .text import markdown_table, seconds, table_cell

__all__ = ["profile_box", "box_markdown", "claim_counts"]

_ACTIVE: dict[str, Any] = {}  # the hook of the box shown last in this kernel (re-running the cell replaces it)


def _docname(chapter: str) -> str:
    return chapter if "/" in chapter else f"book/{chapter}"


def claim_counts(docname: str, profile: str, since: float) -> dict[str, int]:
    """Verdict → how many of ``docname``'s claims were recorded at ``profile`` at or after
    ``since`` (a ``time.time()``), with ``"claims"``: how many claims the chapter has."""
    import json

    from . import scorecard

    counts = dict.fromkeys(("claims", *scorecard.VERDICTS), 0)
    for c in scorecard.CLAIMS:
        if c.chapter != docname:
            continue
        counts["claims"] += 1
        path = scorecard.record_path(c.key, profile)
        try:
            if path.stat().st_mtime < since:
                continue
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if entry.get("verdict") in scorecard.VERDICTS:
            counts[entry["verdict"]] += 1
    return counts


def box_markdown(profile: str | None, elapsed: float, counts: Mapping[str, int] | None, done: bool = True) -> str:
    """The box as MyST Markdown: an admonition titled with the profile, saying how long the
    chapter's cells ran and how many of its claims were reproduced (``counts`` as
    :func:`claim_counts` gives them; ``None`` where the profile is not known yet)."""
    title = f"Built at the `{profile}` profile" if profile else "Building"
    ran = f"Its cells ran in {seconds(elapsed)}" if done else f"Running: {seconds(elapsed)} so far"
    if not counts:
        claims = "."
    elif counts["claims"] == 0:
        claims = "; it records no claim of the paper's scorecard."
    else:
        n = counts["claims"]
        recorded = sum(counts[v] for v in ("reproduced", "partly", "differs"))
        parts = [f"it reproduced {counts['reproduced']} of its {n} scorecard claim{'s' if n != 1 else ''}"]
        if counts["partly"]:
            parts.append(f"{counts['partly']} in part")
        if counts["differs"]:
            parts.append(f"{counts['differs']} differ{'s' if counts['differs'] == 1 else ''}")
        if recorded < n:
            parts.append(f"{n - recorded} not recorded")
        claims = "; " + ", ".join(parts) + "."
    note = ("" if profile != "smoke" else
            " The `smoke` profile runs every code path at tiny sizes: its numbers test the book, not the paper.")
    # a tilde fence: CommonMark allows no backtick in the info string of a backtick fence
    return "\n".join([f"~~~{{admonition}} {title}", ":class: note", "",
                      ran + claims + note + " Details on the {doc}`build status page </book/status>`.", "~~~"])


def _short(value: Any, keep: int = 6) -> Any:
    """A long sequence cut to its first and last items (a knob may hold 38 grid sizes)."""
    if isinstance(value, (list, tuple)) and len(value) > keep:
        return f"{', '.join(table_cell(v) for v in value[:keep - 2])}, …, {table_cell(value[-1])} ({len(value)} values)"
    return value


def config_markdown(cfg: Any) -> str:
    """A chapter's resolved configuration as the reader sees it: a folded box with one row
    per knob, this build's value beside the ``paper`` profile's (the authors' sizes)."""
    import dataclasses

    from ..chapters.registry import chapters

    record = next((c for c in chapters() if c.config is not None and isinstance(cfg, c.config)), None)
    paper = record.sizes("paper") if record else {}
    rows = [(f"`{f.name}`", _short(getattr(cfg, f.name)), _short(paper.get(f.name)))
            for f in dataclasses.fields(cfg) if f.name != "profile"]
    table = markdown_table(("knob", f"this build (`{cfg.profile}`)", "`paper` profile"), rows, align="lll")
    return (f"~~~{{admonition}} The chapter's sizes at the `{cfg.profile}` profile\n:class: dropdown\n\n"
            f"{table}\n~~~\n")


def _show_configs_as_tables(shell: Any) -> None:
    """Let a cell that ends with a chapter's config show it as :func:`config_markdown`."""
    from ..chapters.registry import chapters

    formatter = shell.display_formatter.formatters["text/markdown"]
    for record in chapters():
        if record.config is not None:
            formatter.for_type(record.config, config_markdown)


def profile_box(chapter: str, profile_variable: str = "profile") -> None:
    """Show the profile box of ``chapter`` (its notebook's name, e.g. ``"introduction"``) and
    keep it current after every cell of the notebook; returns nothing, so the cell shows
    only the box."""
    from IPython import get_ipython
    from IPython.display import Markdown, display

    docname = _docname(chapter)
    shell = get_ipython()
    start, since = time.perf_counter(), time.time()
    handle = display(Markdown(box_markdown(None, 0.0, None, done=False)), display_id=True)
    if shell is None or handle is None:  # not in a kernel: the box stays as shown
        return None

    def update(result: Any = None) -> None:
        profile = shell.user_ns.get(profile_variable)
        counts = None
        if isinstance(profile, str):
            try:
                counts = claim_counts(docname, profile, since)
            except ValueError:  # an unknown profile: the parameters cell will say so
                profile = None
        handle.update(Markdown(box_markdown(profile, time.perf_counter() - start, counts)))

    _show_configs_as_tables(shell)
    old = _ACTIVE.pop("hook", None)
    if old is not None:
        try:
            shell.events.unregister("post_run_cell", old)
        except ValueError:
            pass
    shell.events.register("post_run_cell", update)
    _ACTIVE["hook"] = update
    return None

