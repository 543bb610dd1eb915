"""The figures' shared helpers (precision.book.plots) and the words they use (text.short, text.listing)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402
import pytest  # noqa: E402

from precision.book.plots import (  # noqa: E402
    PAPER_LABEL, label_log_axes, label_narrow_log_axis, panel_title, paper_curve, paper_markers, paper_panel)
from precision.book.text import listing, short  # noqa: E402


@pytest.mark.parametrize("v, text", [(2.0, "2"), (0.25, "0.25"), (1.5e-8, "1.5e-8"), (0.125, "0.125"), (1000.0, "1000")])
def test_short_keeps_the_value_with_the_fewest_digits(v, text):
    assert short(v) == text


def test_listing_reads_as_a_sentence():
    assert listing([64]) == "64"
    assert listing([64, 256]) == "64 and 256"
    assert listing([64, 256, 1024]) == "64, 256 and 1024"
    with pytest.raises(ValueError, match="at least one item"):
        listing([])


def _labels(ax, axis):
    ax.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]


def test_a_log_axis_under_a_decade_gets_two_labels_or_more():
    fig, ax = plt.subplots()
    ax.semilogy([0, 1], [2.0, 5.0])
    ax.set_ylim(2.0, 5.0)
    label_log_axes(ax)
    assert isinstance(ax.yaxis.get_major_locator(), ticker.FixedLocator)
    assert len(_labels(ax, ax.yaxis)) >= 2
    plt.close(fig)


def test_a_log_axis_over_decades_keeps_powers_of_ten():
    fig, ax = plt.subplots()
    ax.loglog([1, 1e6], [1e-3, 1e3])
    label_log_axes(ax)
    assert isinstance(ax.yaxis.get_major_locator(), ticker.LogLocator)
    plt.close(fig)


def test_a_narrow_log_axis_is_labelled_by_short_and_a_wide_one_is_left_alone():
    fig, (a, b) = plt.subplots(1, 2)
    a.semilogy([0, 1], [2.0, 5.0])
    a.set_ylim(2.0, 5.0)
    label_narrow_log_axis(a.yaxis)
    labels = _labels(a, a.yaxis)
    assert len(labels) >= 2 and all("e" not in t and "$" not in t for t in labels), labels
    b.semilogy([0, 1], [1e-6, 1.0])
    before = b.yaxis.get_major_locator()
    label_narrow_log_axis(b.yaxis)
    assert b.yaxis.get_major_locator() is before
    plt.close(fig)


def test_panel_titles_are_mathematics_or_words():
    assert panel_title("Z.001") == "Z.001: $y = x^{2}$"
    assert panel_title("teacher") == "teacher–student data"
    assert panel_title("teacher", teacher="the teacher net") == "the teacher net"


def test_paper_markers_draw_hollow_grey_points_with_bars_and_label_the_axes_once():
    fig, ax = plt.subplots()
    ax.loglog([1e2, 1e4], [1e-2, 1e-4], label="ours")
    first = paper_markers(ax, [1e2, 1e3], [1e-2, 1e-3], lows=[5e-3, 5e-4], highs=[2e-2, 2e-3])
    second = paper_markers(ax, [1e4], [1e-4], notes=["end"])
    line = first.lines[0]
    assert line.get_markerfacecolor() == "none" and list(line.get_xdata()) == [1e2, 1e3]
    assert first.has_yerr and not second.has_yerr
    labels = ax.get_legend_handles_labels()[1]
    assert labels.count(PAPER_LABEL) == 1 and "ours" in labels
    assert [t.get_text() for t in ax.texts] == ["end"]
    plt.close(fig)


def test_paper_markers_draw_nothing_for_an_empty_panel():
    fig, ax = plt.subplots()
    assert paper_markers(ax, [], []) is None
    assert paper_curve(ax, "2", None, "ReLU (median of 4 seeds) depth 2") is None
    assert paper_curve(ax, "2", "I.30.5 (d=3)", "no such series") is None
    assert not ax.lines and not ax.containers and not ax.get_legend_handles_labels()[1]
    with pytest.raises(ValueError, match="2 x positions for 1 values"):
        paper_markers(ax, [1, 2], [3])
    plt.close(fig)


def test_paper_curve_draws_the_tables_vertices_at_the_papers_n():
    from precision import reference

    assert paper_panel("2", "I.30.5") == "I.30.5 (d=3)"
    assert paper_panel("3", "I.8.14") == "I.8.14"
    assert paper_panel("2", "I.30") is None and paper_panel("2", "X.1") is None
    fig, ax = plt.subplots()
    drawn = paper_curve(ax, "2", "I.30.5 (d=3)", "linear simplex (mean of 4 seeds)")
    points = reference.series_points("2", "I.30.5 (d=3)", "linear simplex (mean of 4 seeds)")
    assert list(drawn.lines[0].get_xdata()) == [n for n, _ in points]
    assert list(drawn.lines[0].get_ydata()) == [v.value for _, v in points]
    plt.close(fig)


def test_paper_markers_place_notes_on_the_side_asked():
    fig, ax = plt.subplots()
    paper_markers(ax, [1.0, 2.0], [1.0, 2.0], notes=["a", ""], note_side="below")
    assert [(t.get_text(), t.get_va()) for t in ax.texts] == [("a", "top")]
    with pytest.raises(ValueError, match="note_side"):
        paper_markers(ax, [1.0], [1.0], note_side="inside")
    plt.close(fig)
