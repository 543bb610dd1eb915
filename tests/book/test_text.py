"""Tables, numbers and run times as the pages show them; the scorecard's tables; the profile box."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from precision.book import scorecard
from precision.book.pagehead import box_markdown, claim_counts
from precision.book.text import markdown_table, number, plain, seconds, table_cell


def _cells(line: str) -> list[str]:
    """The cells of one Markdown table row, an escaped pipe staying inside its cell."""
    assert line.startswith("|") and line.endswith("|")
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


@pytest.mark.parametrize("t, text", [
    (0.0, "0 s"), (0.0421, "0.042 s"), (0.004, "0.0040 s"), (3.14, "3.1 s"), (42.4, "42 s"), (59.97, "1.0 min"),
    (72, "1.2 min"), (3599, "1.0 h"), (7200, "2.0 h"), (9.96, "10 s"), (1e-5, "1.0e-5 s"),
])
def test_seconds_has_two_significant_digits_and_a_readable_unit(t, text):
    assert seconds(t) == text


@pytest.mark.parametrize("t", [-1.0, math.nan, math.inf, "3", True])
def test_seconds_refuses_what_is_not_a_duration(t):
    with pytest.raises(ValueError, match="duration"):
        seconds(t)


def test_seconds_never_reads_zero_for_a_short_time():
    for t in np.geomspace(1e-6, 1e5, 200):
        text = seconds(float(t))
        assert not re.match(r"0(\.0+)? ", text), text
        value, unit = text.split()
        scale = {"s": 1, "min": 60, "h": 3600}[unit]
        assert abs(float(value) * scale - t) <= 0.051 * t  # two significant digits


@pytest.mark.parametrize("x, digits, text", [
    (2.220446049250313e-16, 2, "2.2e-16"), (0.0421, 2, "0.042"), (3.0, 2, "3.0"), (1234.5, 2, "1200"),
    (12345.0, 2, "1.2e4"), (-0.5, 1, "-0.5"), (0.0, 2, "0"), (9.99, 2, "10"), (np.float64(1.5e-8), 2, "1.5e-8"),
    (7, 2, "7"), (123456, 2, "123\u2009456"), (np.int64(2000), 2, "2000"),
    (math.nan, 2, "NaN"), (math.inf, 2, "∞"), (-math.inf, 2, "−∞"),
])
def test_number(x, digits, text):
    assert number(x, digits) == text


def test_number_refuses_what_is_not_a_real_number():
    for bad in ("1", None, True, 1j):
        with pytest.raises(ValueError):
            number(bad)
    with pytest.raises(ValueError, match="digits"):
        number(1.0, 0)


def test_a_table_escapes_pipes_and_line_breaks_and_keeps_its_shape():
    table = markdown_table(("name", "value", "ok"), [("a|b", 0.5, True), ("line\nbreak", np.float64(2e-16), False),
                                                     ("`x | y`", None, None)])
    lines = table.splitlines()
    assert len(lines) == 5
    assert {len(_cells(line)) for line in lines} == {3}
    assert _cells(lines[2]) == ["a\\|b", "0.50", "yes"]
    assert _cells(lines[3]) == ["line break", "2.0e-16", "no"]
    assert _cells(lines[4])[1:] == ["—", "—"]
    assert lines[1] == "|---|--:|---|"  # a column of numbers is right-aligned
    assert "np.float64" not in table and "nan" not in table


def test_a_table_refuses_a_ragged_row_and_a_bad_alignment():
    with pytest.raises(ValueError, match="row 2 has 1 cells, the header 2"):
        markdown_table(("a", "b"), [(1, 2), (3,)])
    with pytest.raises(ValueError, match="align"):
        markdown_table(("a", "b"), [(1, 2)], align="lx")
    with pytest.raises(ValueError, match="at least one column"):
        markdown_table((), [])


def test_table_cell_and_plain():
    assert table_cell("already \\| escaped") == "already \\| escaped"
    assert table_cell([1, 2.5]) == "1, 2.5"
    assert plain("d* = 2, x_1 and `code`") == "d\\* = 2, x\\_1 and \\`code\\`"


def test_the_chapter_table_and_the_scorecard_table():
    text = scorecard.chapter_table([("a | b", "1", "2", "reproduced"), ("c", "3", "4", "differs")])
    lines = text.splitlines()
    assert _cells(lines[0]) == ["claim", "paper ± uncertainty", "this build", "verdict"]
    assert _cells(lines[2])[0] == "a \\| b" and _cells(lines[3])[3] == "**differs**"
    with pytest.raises(ValueError, match="verdict"):
        scorecard.chapter_table([("c", "p", "o", "maybe")])
    rows = [scorecard.Row(scorecard.claim("fig2-relu-high-d"), "x | y*z", "partly", "a note", None, True),
            scorecard.Row(scorecard.claim("sec1-float64-precision"), scorecard.NOT_RUN, "not run"),
            scorecard.Row(scorecard.claim("fig8-adam"), "1e-3", "differs", "", None, False)]
    lines = scorecard.table(rows).splitlines()
    assert {len(_cells(line)) for line in lines} == {5}
    first, second, third = (_cells(line) for line in lines[2:])
    assert first[0] == "Figure 2" and "d\\*" in first[1] and first[3] == "x \\| y\\*z — a note"
    assert second[0] == "§1" and second[4] == "not run"
    assert third[3].endswith("(earlier code)") and third[4] == "**differs**"


def test_the_float64_rule_needs_labels():
    with pytest.raises(ValueError, match="labels is empty"):
        scorecard.verdict("sec1-float64-precision", labels=[])


# --- the profile box ---------------------------------------------------------------------------

def test_the_box_names_profile_time_and_claims():
    counts = {"claims": 3, "reproduced": 1, "partly": 1, "differs": 0}
    text = box_markdown("book", 72.0, counts)
    assert text.startswith("~~~{admonition} Built at the `book` profile") and text.endswith("~~~")
    assert "1.2 min" in text and "reproduced 1 of its 3 scorecard claims, 1 in part, 1 not recorded" in text
    assert "smoke" not in text
    assert "tiny sizes" in box_markdown("smoke", 1.0, counts)
    assert "records no claim" in box_markdown("book", 1.0, {"claims": 0, "reproduced": 0, "partly": 0, "differs": 0})
    assert box_markdown(None, 0.0, None, done=False).startswith("~~~{admonition} Building")


def test_the_box_is_a_directive_that_markdown_parses_as_one():
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(box_markdown("smoke", 3.0, None))
    assert tokens[0].type == "fence" and tokens[0].info == "{admonition} Built at the `smoke` profile"


def test_the_box_counts_only_this_runs_records(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path))
    scorecard.record("sec1-simplex-exponent", "x", profile="smoke", exponents={"a": -1.0}, dims={"a": 1})
    since = time.time() + 1
    assert claim_counts("book/introduction", "smoke", since)["reproduced"] == 0  # recorded before the box
    counts = claim_counts("book/introduction", "smoke", since - 60)
    n = sum(c.chapter == "book/introduction" for c in scorecard.CLAIMS)
    assert counts == {"claims": n, "reproduced": 0, "partly": 0, "differs": 1}


def test_a_chapter_config_shows_as_a_folded_table_of_its_knobs_beside_the_paper_profile():
    import dataclasses

    from precision.book.pagehead import config_markdown
    from precision.chapters import profiles, registry

    for chapter in [c.name for c in registry.chapters() if c.config is not None]:
        cfg = profiles.resolve(chapter, "smoke")
        text = config_markdown(cfg)
        knobs = [f.name for f in dataclasses.fields(cfg) if f.name != "profile"]
        rows = [line for line in text.splitlines() if line.startswith("| `")]
        assert [r.split("`")[1] for r in rows] == knobs, chapter
        assert all(r.count(" | ") == 2 for r in rows), chapter  # three cells: no value broke its row
        assert text.startswith("~~~{admonition}") and ":class: dropdown" in text and "(" not in rows[0].split("|")[1]
    long = config_markdown(profiles.resolve("nonlinear", "paper"))
    assert "2 184 164" in long and "values)" in long  # a 31-size grid is cut, its last size kept
