"""What the chapters' figures share: tick labels that read on every log axis, and panel titles.

Matplotlib's default log axis shows no label at all when the data span less than a decade,
and crowded labels when they span a little more; :func:`label_log_axes` and
:func:`label_narrow_log_axis` choose ticks that always read. :func:`panel_title` writes a
target as mathematics. :func:`paper_markers` draws the paper's own values (read from its
published figures, :mod:`precision.reference`) on a figure, the same way in every chapter:
hollow grey markers, one legend entry :data:`PAPER_LABEL`; :func:`paper_curve` draws one of its
scaling curves so, and :func:`paper_panel` finds the panel that shows an equation.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .text import short

__all__ = ["PAPER_LABEL", "label_log_axes", "label_narrow_log_axis", "panel_title", "paper_markers", "paper_panel",
           "paper_curve"]


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


PAPER_LABEL = "paper (read from the published figure)"
"""The legend entry of the paper's values, the same in every figure."""

PAPER_GREY = "0.45"
"""The colour of the paper's values: a grey none of the chapters' curves uses."""


_NOTE_BOX = dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.7)  # a note reads over a busy curve
_NOTE_PLACES = {"right": ((5, 0), "left", "center"), "left": ((-5, 0), "right", "center"),
                "above": ((0, 5), "center", "bottom"), "below": ((0, -5), "center", "top")}


def paper_markers(ax: Any, xs: Any, values: Any, lows: Any = None, highs: Any = None, *,
                  label: str = PAPER_LABEL, notes: Any = None, note_side: str = "right", marker: str = "o",
                  ms: float = 6.0) -> Any:
    """Draw the paper's values on ``ax`` the way every figure of the book does: hollow grey
    markers behind our own curves, with a grey vertical bar from ``lows`` to ``highs`` where
    those are given.

    Parameters
    ----------
    ax
        A matplotlib axes.
    xs, values
        Where the paper's points lie (the x of our own axis, already converted) and their values.
    lows, highs
        The ends of each value's range (``PaperValue.low``, ``.high``), or ``None`` for no bars.
    label
        The legend entry; given once per axes, however many calls draw on it.
    notes
        Optional short texts written in small grey type beside each marker (what the point is,
        where a figure's markers are not all of one curve); an empty text writes nothing.
    note_side
        Where the notes go: ``"right"``, ``"left"``, ``"above"`` or ``"below"`` the markers.
    marker, ms
        The marker's shape and size.

    Returns
    -------
    matplotlib.container.ErrorbarContainer or None
        What was drawn; ``None`` when there is nothing to draw (a panel the paper's table
        has no row for), in which case the axes is left as it was.
    """
    if note_side not in _NOTE_PLACES:
        raise ValueError(f"paper_markers: note_side must be one of {sorted(_NOTE_PLACES)}, got {note_side!r}")
    xs = np.asarray(xs, dtype=float).ravel()
    values = np.asarray(values, dtype=float).ravel()
    if xs.size != values.size:
        raise ValueError(f"paper_markers: {xs.size} x positions for {values.size} values")
    if xs.size == 0:
        return None
    yerr = None
    if lows is not None and highs is not None:
        lows = np.asarray(lows, dtype=float).ravel()
        highs = np.asarray(highs, dtype=float).ravel()
        yerr = np.vstack([values - lows, highs - values])
    labelled = label in ax.get_legend_handles_labels()[1]
    drawn = ax.errorbar(xs, values, yerr=yerr, fmt=marker, ls="none", mfc="none", mec=PAPER_GREY, mew=1.0,
                        ms=ms, ecolor=PAPER_GREY, elinewidth=0.9, capsize=0, zorder=1.6,
                        label="_nolegend_" if labelled else label)
    offset, ha, va = _NOTE_PLACES[note_side]
    for x, y, note in zip(xs, values, notes or ()):
        if note:
            ax.annotate(note, (x, y), xytext=offset, textcoords="offset points", fontsize=6, color=PAPER_GREY,
                        ha=ha, va=va, zorder=1.6, bbox=_NOTE_BOX)
    return drawn


def paper_panel(figure: str, name: str) -> str | None:
    """The panel of the paper's ``figure`` (in the table's words) that shows equation ``name``:
    the panel named ``name``, or whose name starts with ``name`` and a space
    (``"I.30.5"`` → ``"I.30.5 (d=3)"``); ``None`` when the table has none."""
    from .. import reference

    panels = dict.fromkeys(v.panel for v in reference.select(figure))
    found = [p for p in panels if p == name or p.startswith(name + " ")]
    return found[0] if found else None


def paper_curve(ax: Any, figure: str, panel: str | None, series: str, **kwargs: Any) -> Any:
    """Draw one of the paper's scaling curves (its digitized vertices ``rmse@N=…``, at the
    paper's N) on ``ax`` by :func:`paper_markers`; nothing when ``panel`` is ``None`` or the
    table has no such curve.

    Parameters
    ----------
    ax
        A matplotlib axes whose x is parameters N.
    figure, panel, series
        The curve, in the words of :func:`precision.reference.series_points`.
    **kwargs
        Passed on to :func:`paper_markers`.

    Returns
    -------
    matplotlib.container.ErrorbarContainer or None
    """
    from .. import reference

    points = reference.series_points(figure, panel, series) if panel is not None else []
    return paper_markers(ax, [n for n, _ in points], [v.value for _, v in points], [v.low for _, v in points],
                         [v.high for _, v in points], **kwargs)
