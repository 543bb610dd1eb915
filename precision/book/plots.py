"""What the chapters' figures share: tick labels that read on every log axis, and panel titles.

Matplotlib's default log axis shows no label at all when the data span less than a decade,
and crowded labels when they span a little more; :func:`label_log_axes` and
:func:`label_narrow_log_axis` choose ticks that always read. :func:`panel_title` writes a
target as mathematics.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .text import short

__all__ = ["label_log_axes", "label_narrow_log_axis", "panel_title"]


def label_log_axes(ax: Any) -> None:
    """At least two tick labels on every log axis of ``ax``: powers of ten where two are in
    view, else the fewest of 1-3, 1-2-5, ... times them that give two."""
    import matplotlib.ticker as ticker

    for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log":
            continue
        lo, hi = sorted(lim)
        decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
        for mantissas in ((1,), (1, 3), (1, 2, 5), (1, 2, 3, 5), (1, 2, 3, 4, 5, 6, 8)):
            ticks = [m * 10.0**k for k in decades for m in mantissas if lo <= m * 10.0**k <= hi]
            if len(ticks) >= 2:
                break
        if mantissas == (1,):
            axis.set_major_locator(ticker.LogLocator(numticks=6))
        else:
            axis.set_major_locator(ticker.FixedLocator(ticks))
            axis.set_major_formatter(ticker.LogFormatterSciNotation(labelOnlyBase=False,
                                                                    minor_thresholds=(np.inf, np.inf)))
        axis.set_minor_formatter(ticker.NullFormatter())


def label_narrow_log_axis(axis: Any) -> None:
    """A log ``axis`` that spans under two decades gets a few ticks written by
    :func:`~precision.book.text.short`, so that its labels neither vanish (under one decade)
    nor run into each other; a wider axis is left as it is."""
    import matplotlib.ticker as ticker

    lo, hi = sorted(axis.get_view_interval())
    if not 0 < lo < hi or hi / lo >= 100:
        return
    axis.set_major_locator(ticker.MaxNLocator(4) if hi / lo < 10 else ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: short(v)))
    axis.set_minor_locator(ticker.NullLocator())


def panel_title(name: str, teacher: str = "teacher–student data") -> str:
    """A target as a panel title: its id and formula as mathematics (``Z.001: $y = x^{2}$``),
    or ``teacher`` for the teacher net, which has no formula."""
    import sympy

    from ..targets import target_by_name

    t = target_by_name(name)
    if t.expr is None:
        return teacher
    return f"{name}: ${t.formula.split('=')[0].strip()} = {sympy.latex(t.expr)}$"
