"""The authors' settings: each names a real chapter and knob, every difference of the `paper`
profile from them is explained, and the status page's tables are well formed."""
from __future__ import annotations

import dataclasses

import pytest

from precision.book import status
from precision.chapters import authors, profiles, registry

SETTINGS = authors.SETTINGS


def _id(s: authors.Setting) -> str:
    return f"{s.chapter}:{s.knob}"


@pytest.mark.parametrize("setting", SETTINGS, ids=_id)
def test_every_setting_names_a_chapter_and_a_knob_or_says_why_not(setting):
    knobs = set(registry.get(setting.chapter).knobs)  # get() refuses a chapter that has no record
    if setting.is_knob:
        assert setting.knob in knobs
    else:
        assert setting.knob not in knobs, "a setting that is a knob must say so"
        assert setting.note.strip(), "a setting that no knob expresses needs a reason"
    assert setting.source.strip()


@pytest.mark.parametrize("setting", SETTINGS, ids=_id)
def test_every_difference_of_the_paper_profile_has_a_reason(setting):
    if authors.differs(setting):
        assert setting.note.strip(), f"{_id(setting)}: `paper` differs from the authors' value without a reason"
    else:
        assert authors.paper_value(setting) == setting.value


def test_settings_are_unique_and_frozen():
    keys = [(s.chapter, s.knob) for s in SETTINGS]
    assert len(keys) == len(set(keys))
    with pytest.raises(dataclasses.FrozenInstanceError):
        SETTINGS[0].value = 0


def test_known_differences_are_recorded():
    by_key = {(s.chapter, s.knob): s for s in SETTINGS}
    assert by_key["optimization", "lowcurv_steps"].value == 500
    assert profiles.sizes("optimization", "paper").lowcurv_steps == 500
    assert profiles.sizes("appendix-b", "paper").steps == by_key["appendix-b", "steps"].value == 200  # their notebook
    c = profiles.sizes("appendix-c", "paper")  # the authors' BFGS sweeps: 20 000 iterations on inputs as drawn
    assert (c.bfgs_steps, c.bfgs_standardize) == (by_key["appendix-c", "bfgs_steps"].value, False) == (20_000, False)
    assert profiles.sizes("nonlinear", "paper").sizes_3d == by_key["nonlinear", "sizes_3d"].value == (6, 10, 15, 25, 40, 63)
    assert {1e-14, 1e-16} <= set(profiles.sizes("appendix-b", "paper").taus)
    assert max(profiles.sizes("piecewise-linear", "paper").modular_sizes) >= 10**6
    assert max(profiles.sizes("nonlinear", "paper").sizes_1d) >= 2_000_000  # the authors': ⌊1.5^36⌋ = 2 184 164
    assert by_key["piecewise-linear", "modular_batch_cap"].value == profiles.sizes("piecewise-linear", "paper").modular_batch_cap
    assert profiles.sizes("piecewise-linear", "paper").batch_cap == by_key["piecewise-linear", "batch_cap"].value == 10_000
    paper = profiles.sizes("nonlinear", "paper")
    assert (paper.spline_test, paper.spline_seeds) == (by_key["nonlinear", "spline_test"].value,
                                                         by_key["nonlinear", "spline_seeds"].value) == ("grid", 4)
    # Chapters 2 and 3 now run every setting of the authors that a knob holds, and these exactly
    for key in (("piecewise-linear", "modular_batch_cap"), ("nonlinear", "sizes_1d"), ("nonlinear", "sizes_2d"),
                ("nonlinear", "sizes_3d"), ("appendix-b", "steps"), ("appendix-c", "bfgs_steps"),
                ("appendix-c", "bfgs_standardize"),
                ("nonlinear", "spline_test"), ("nonlinear", "spline_seeds")):
        assert by_key[key].is_knob and not authors.differs(by_key[key]), key
    assert not [s for s in SETTINGS if s.chapter in ("piecewise-linear", "nonlinear") and not s.is_knob]
    assert by_key["appendix-b", "quintic coefficients"].note and not by_key["appendix-b", "quintic coefficients"].is_knob


def test_the_paper_profile_runs_the_authors_low_curvature_settings():
    by_key = {(s.chapter, s.knob): s for s in SETTINGS}
    for chapter, knob in (("optimization", "lowcurv_mode"), ("optimization", "search_zooms"),
                          ("optimization", "fig9_search_low"), ("optimization", "fig9_search_points"),
                          ("appendix-b", "target"), ("appendix-b", "n_train"), ("appendix-b", "lowcurv_mode")):
        setting = by_key[chapter, knob]
        assert setting.is_knob and not authors.differs(setting), f"{chapter}:{knob}"
    paper = profiles.sizes("optimization", "paper")
    assert paper.lowcurv_mode == "authors" and paper.search_zooms == 3 and paper.fig9_search_points == 70
    assert dict(paper.fig9_search_low) == {"Z.008": (1e-25,), "I.11.19": (1e-30, 1e-50)}
    b = profiles.sizes("appendix-b", "paper")
    assert (b.target, b.n_train, b.lowcurv_mode, b.steps) == ("quintic", 50_000, "authors", 200)
    # the book keeps its own convention
    assert profiles.sizes("optimization", "book").lowcurv_mode == "book"


def test_smoke_and_book_are_not_the_authors_concern():
    # the tables read the `book` profile as is; it never has to match the authors
    for s in SETTINGS:
        if s.is_knob:
            profiles.resolve(s.chapter, "book")
            profiles.resolve(s.chapter, "paper")


def test_every_row_of_every_table_has_the_same_number_of_cells():
    chapters = sorted({s.chapter for s in SETTINGS})
    for chapter in chapters:
        table = status.settings_table(chapter)
        lines = table.splitlines()
        assert len(lines) == 2 + len(authors.settings_for(chapter))
        widths = {len(_split_row(line)) for line in lines}
        assert widths == {len(status.SETTINGS_HEADER)}, f"{chapter}: ragged table"
    text = status.settings_tables()
    assert all(f"(`{c}`)" in text for c in chapters)


def test_pipes_in_cells_are_escaped():
    from precision.book.text import table_cell

    assert table_cell("a | b\nc") == "a \\| b c"
    assert len(_split_row("| " + " | ".join(table_cell(c) for c in ("x|y", "z", "", "w", "v")) + " |")) == 5


def _split_row(line: str) -> list[str]:
    """Cells of a Markdown table row, honouring escaped pipes."""
    assert line.startswith("|") and line.endswith("|")
    cells, cell, i, body = [], "", 0, line[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            cell += "\\|"
            i += 2
            continue
        if body[i] == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += body[i]
        i += 1
    cells.append(cell)
    return cells
