"""The figures' shared helpers (precision.book.plots) and the words they use (text.short, text.listing)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402
import pytest  # noqa: E402

from precision.book.plots import label_log_axes, label_narrow_log_axis, panel_title  # noqa: E402
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
