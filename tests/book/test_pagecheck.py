"""The checks of built pages catch each thing a reader must not meet, and pass a clean page.
(tests/book/test_book.py runs them over the smoke build of the whole book.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from precision.book import scorecard
from precision.book.pagecheck import BOOK_FIGURE, KINDS, PAPER_FIGURES, check_page, page_knobs

ROOT = Path(__file__).resolve().parents[2]


def page(body: str) -> str:
    return f"<html><body><div class='sidebar'>/tmp/ nan</div><main><article>{body}</article></main></body></html>"


CLEAN = page("""
<h1>1. Introduction</h1>
<div class="admonition note"><p>Built at the <code>smoke</code> profile</p></div>
<p>We fit Z.002 with a 1-6-1 net; nanometres and NaN-free values; see <a href="#x"><span class="std std-ref">here</span></a>.</p>
<div class="cell"><div class="cell_input"><pre>x = PosixPath('/tmp/a'); np.float64(1.0); nan</pre></div>
<div class="cell_output"><table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr>
<tr><td colspan="2">both</td></tr></table></div></div>
<p>Set <code>example_target = 'Z.002'</code> or pass <code>-p example_target Z.001</code>: the knob
<code>example_target</code> picks the equation.</p>
<figure id="fig-scaling-relu"><figcaption><p>
<span class="caption-text">Test RMSE of ReLU nets (paper's Figure 2).</span></p></figcaption></figure>
<figure id="fig-floors"><figcaption><p>
<span class="caption-text">Book figure (not in the paper). Floors.</span></p></figcaption></figure>
""")


def test_a_clean_page_passes():
    assert check_page(CLEAN, "book/introduction", page_knobs("book/introduction"), roots=[str(ROOT)]) == []


@pytest.mark.parametrize("body, kind", [
    ("<div class='cell_output'><pre>PosixPath('/data/x')</pre></div>", "repr"),
    ("<p>the value np.float64(0.25)</p>", "repr"),
    ("<div class='cell_output'><pre>&lt;Figure size 640x480 with 1 Axes&gt;</pre></div>", "repr"),
    ("<div class='cell_output'><pre>[&lt;matplotlib.lines.Line2D at 0x7f&gt;]</pre></div>", "repr"),
    ("<p>written to /tmp/cache/x.json</p>", "path"),
    ("<p>see /home/someone/precision</p>", "path"),
    (f"<p>from {ROOT}/book</p>", "path"),
    ("<td>nan</td>", "nan"),
    ("<p>an RMSE of nan at N = 10</p>", "nan"),
    ("<p>reached {glue:text}`rmse:.1e` here</p>", "markup"),
    ("<p>see {numref}`fig-x`</p>", "markup"),
    ("<p>```{admonition} Built at the smoke profile :class: note</p>", "markup"),
    ("<p>a 1-6-1 net fitted to <code>example_target</code> on its box</p>", "knob"),
    ("<ul><li>on <code>scaling_targets</code>, over the sizes</li></ul>", "knob"),
    ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "table"),
    ("<div class='cell_output'><p>| a | (|λ|) | |—|—| | 1 | 2 |</p></div>", "table"),
    ("<figure id='fig-modular'><figcaption><span class='caption-text'>Modular nets.</span></figcaption></figure>",
     "figure"),
    ("<figure id='fig-new'><figcaption><span class='caption-text'>Something new.</span></figcaption></figure>",
     "figure"),
    ("<figure id='fig-new'><img src='x.png'/></figure>", "figure"),
    ("<figure id='fig-tau'><figcaption><span class='caption-number'>Fig. 20 </span>"
     "<span class='caption-text'>Figure A2. Low-curvature steps.</span></figcaption></figure>", "figure"),
    ("<figure id='fig-guide'><figcaption><span class='caption-text'>As Figure 1.</span></figcaption></figure>",
     "figure"),  # Figure 10's caption must say 10, not 1
    ("<p>as in Fig. ??</p>", "xref"),
    ("<p>see <span class='xref std std-ref'>ch-missing</span></p>", "xref"),
])
def test_each_kind_of_violation_is_caught(body, kind):
    found = check_page(page(body), "book/introduction", page_knobs("book/introduction"), roots=[str(ROOT)])
    assert [v.kind for v in found] == [kind], found
    assert kind in KINDS


@pytest.mark.parametrize("root", ["/check/work/main", "/tmp/clone", "/srv/precision"])
def test_a_repository_under_a_refused_folder_is_one_path_not_two(root):
    found = check_page(page(f"<p>from {root}/book and {root}/precision</p>"), "book/x", roots=[root])
    assert [v.kind for v in found] == ["path", "path"], found


def test_the_sidebar_and_the_cells_source_are_not_checked():
    assert check_page(page("<p>fine</p>"), "book/x") == []


def test_knobs_are_the_chapters_own():
    assert {"example_target", "scaling_targets", "floor_points"} <= page_knobs("book/introduction")
    assert "profile" not in page_knobs("book/introduction")
    assert "fit_min_points" in page_knobs("book/piecewise-linear")  # the notebook name maps to its chapter
    assert page_knobs("book/status") == set()


def test_every_paper_figure_is_mapped_to_a_figure_of_the_book():
    """Each figure of the paper the scorecard names has a figure of the book that redraws it, and
    each mapped name is a figure some chapter makes."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md"))
    names = set(re.findall(r"^\s+name:\s*(fig-[\w-]+)", sources, re.M))
    assert set(PAPER_FIGURES) <= names, set(PAPER_FIGURES) - names
    assert {c.figure for c in scorecard.CLAIMS if c.figure} == set(PAPER_FIGURES.values())
    assert BOOK_FIGURE == "Book figure"
