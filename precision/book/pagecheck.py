"""What a reader must never meet on a rendered page, checked in the built HTML.

:func:`check_page` reads one page of the built book and returns its :class:`Violation` s;
:func:`check_book` does it for every page of the table of contents. The text checked is
what the reader sees of the article — prose, figure captions and cell outputs — not the
code of the cells (source code may name a path or ``np.float64`` legitimately). A
violation is one of these kinds:

``repr``
    a Python object's repr leaked into the page: ``PosixPath(``, ``np.float64(``,
    ``<Figure size``, ``<matplotlib``;
``path``
    an absolute path of the build machine (the repository root, ``/tmp/``, ``/home/``,
    ``/work/``, ``/root/``, ``/Users/``, a ``site-packages`` folder);
``nan``
    the word ``nan`` standing alone (a number that failed, printed by Python);
``markup``
    a role or directive that was not rendered (``{glue:text}`…```, ``{numref}``,
    ``{doc}``, a fence such as ````` ```{admonition} `````) or a ``{glue}`` leftover;
``knob``
    the name of one of the chapter's knobs (:attr:`precision.chapters.registry.Chapter.knobs`) in
    code font in a prose paragraph or list item, where the page should say its value
    ("fitted to `example_target` on its box"); a paragraph that is *about* the knobs —
    it says "knob", names the ``parameters`` cell, ``profiles.py`` or a ``-p`` option — and a
    knob followed by ``= value`` are not flagged;
``table``
    a rendered table whose rows have different numbers of cells, or a Markdown table left as
    text (its delimiter row ``|---|`` on the page: a header and a delimiter row that
    disagree, e.g. an unescaped ``|`` in a header, make it a paragraph);
``figure``
    a figure without a caption, a figure that redraws one of the paper's
    (:data:`PAPER_FIGURES`) whose caption does not name the paper's number ("Figure 2",
    "Figure A3"), or a figure the book adds whose caption does not start with
    "Book figure" (so that it cannot be taken for one of the paper's), or a caption with
    Sphinx's running number ("Fig. 20") beside the paper's;
``xref``
    a cross-reference Sphinx could not resolve (``??``, an unlinked ``xref`` span, an
    "undefined label").
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, NamedTuple

__all__ = ["Violation", "PAPER_FIGURES", "BOOK_FIGURE", "check_page", "check_book", "page_knobs", "KINDS"]

KINDS = ("repr", "path", "nan", "markup", "knob", "table", "figure", "xref")

#: The figures (by their ``name``, the HTML id) that redraw a figure of the paper, with the
#: paper's number; every other figure on a page is the book's own.
PAPER_FIGURES: dict[str, str] = {
    "fig-toy-1d": "1", "fig-regions": "1", "fig-scaling-relu": "2", "fig-modular": "3",
    "fig-spline-scaling": "4", "fig-tanh-relu": "5", "fig-gadget": "6", "fig-spectrum-adam": "7",
    "fig-curves-1d": "8", "fig-curves-nd": "9", "fig-guide": "10", "fig-boost-vs-rescale": "A1",
    "fig-tau": "A2", "fig-bfgs-adam": "A3", "fig-spectrum-bfgs": "A4",
}
#: How the caption of a figure the book adds begins.
BOOK_FIGURE = "Book figure"

#: Knobs every chapter has that name no size: a paragraph may mention them freely.
_GENERIC_KNOBS = {"profile", "workers", "scheduler", "device"}
_REPRS = ("PosixPath(", "WindowsPath(", "np.float64(", "np.int64(", "<Figure size", "<matplotlib")
_PATHS = ("/tmp/", "/home/", "/work/", "/root/", "/Users/", "site-packages")
_ROLE = re.compile(r"\{(glue|glue:text|glue:any|glue:md|glue:figure|numref|ref|doc|eq|cite|cite:p|cite:t|math)\}`"
                   r"|\{glue\}|\{glue:|(?:```|~~~|:::)\{[a-z-]+\}")
_NAN = re.compile(r"(?<![\w.\-])nan(?![\w(])")
# the delimiter row of a Markdown table left as text ("---" becomes "—" by smart quotes)
_UNRENDERED_TABLE = re.compile(r"\|(?:\s*:?(?:-{3,}|—|–)\s*:?\s*\|)+")
_ABOUT_KNOBS = re.compile(r"\bknobs?\b|\bparameters cell|(?<!\w)-p\b|profiles\.py", re.IGNORECASE)


class Violation(NamedTuple):
    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind}: {self.detail}"


def page_knobs(docname: str) -> set[str]:
    """The knob names of the chapter a page belongs to (empty for pages that have none)."""
    from ..chapters.registry import chapters

    records = {c.name: c for c in chapters()}
    record = records.get(Path(docname).name)
    return (set(record.knobs) if record else set()) - _GENERIC_KNOBS


def _short(text: str, at: int = 0, width: int = 60) -> str:
    return " ".join(text[max(0, at - width): at + width].split())


def _token_start(text: str, at: int) -> int:
    """Where the run of non-space characters holding ``text[at]`` begins."""
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _visible(node) -> str:
    """The text of ``node`` without the cells' source code, scripts and styles."""
    from bs4 import BeautifulSoup

    copy = BeautifulSoup(str(node), "html.parser")
    for drop in copy.select("div.cell_input, script, style, .headerlink"):
        drop.decompose()
    return copy.get_text(" ")


def _table_rows(table) -> list[int]:
    widths = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        widths.append(sum(int(c.get("colspan", 1) or 1) for c in tr.find_all(["td", "th"], recursive=False)))
    return widths


def _paper_number_in(caption: str, number: str) -> bool:
    return re.search(rf"\bFigures?\s+(?:\w+\s+)?{re.escape(number)}(?![0-9])", caption) is not None


def check_page(html: str, docname: str, knobs: Iterable[str] = (), roots: Iterable[str] = ()) -> list[Violation]:
    """The violations on one built page (``html``) of ``docname``; ``knobs`` are its chapter's
    knob names (:func:`page_knobs`), ``roots`` more absolute paths to refuse (the repository)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup.find("main") or soup
    text = _visible(article)
    found: list[Violation] = []

    def add(kind: str, detail: str) -> None:
        found.append(Violation(docname, kind, detail))

    for needle in _REPRS:
        for m in re.finditer(re.escape(needle), text):
            add("repr", _short(text, m.start()))
    # one violation per path (a run of non-space text), however many of the needles it holds:
    # the repository may itself sit under /work/ or /tmp/
    starts = sorted({_token_start(text, m.start())
                     for needle in (*_PATHS, *(r.rstrip("/") + "/" for r in roots if r))
                     for m in re.finditer(re.escape(needle), text)})
    for at in starts:
        add("path", _short(text, at))
    for m in _NAN.finditer(text):
        add("nan", _short(text, m.start()))
    for m in _ROLE.finditer(text):
        add("markup", _short(text, m.start()))

    knobs = set(knobs)
    for code in article.find_all("code"):
        word = code.get_text().strip()
        if word not in knobs or code.find_parent("div", class_="cell_input") or code.find_parent("table"):
            continue
        block = code.find_parent(["p", "li"])
        if block is None or code.find_parent(["h1", "h2", "h3", "h4", "figcaption", "dt"]):
            continue
        sentence = " ".join(block.get_text(" ").split())
        after = code.next_sibling
        if _ABOUT_KNOBS.search(sentence) or (isinstance(after, str) and after.lstrip().startswith("=")):
            continue  # a paragraph about the knobs, or "knob = value"
        add("knob", f"`{word}` in: {_short(sentence, sentence.find(word))}")

    for m in _UNRENDERED_TABLE.finditer(text):
        add("table", f"a Markdown table that did not render (a row with a stray | ?): {_short(text, m.start())}")
    for i, table in enumerate(article.find_all("table"), 1):
        widths = _table_rows(table)
        if len(set(widths)) > 1:
            add("table", f"table {i} has rows of {sorted(set(widths))} cells: "
                         f"{_short(table.get_text(' '), 0, 50)}")

    for figure in article.find_all("figure"):
        name = figure.get("id") or "(no id)"
        cap = figure.find(class_="caption-text") or figure.find("figcaption")
        caption = " ".join(cap.get_text(" ").split()) if cap else ""
        running = figure.find(class_="caption-number")
        if running is not None:  # Sphinx's own count ("Fig. 20") beside the paper's number
            add("figure", f"{name} has a running number {running.get_text().strip()!r} (numfig is on)")
        if not caption:
            add("figure", f"{name} has no caption")
        elif name in PAPER_FIGURES:
            if not _paper_number_in(caption, PAPER_FIGURES[name]):
                add("figure", f"{name} redraws the paper's Figure {PAPER_FIGURES[name]} but its caption does not "
                              f"say so: {caption[:80]}")
        elif not caption.startswith(BOOK_FIGURE):
            add("figure", f"{name} is the book's own figure but its caption does not start with "
                          f"{BOOK_FIGURE!r}: {caption[:80]}")

    for m in re.finditer(r"\?\?|undefined label", text):
        add("xref", _short(text, m.start()))
    for span in article.select("span.xref, code.xref"):
        if span.find_parent("a") is None:
            add("xref", f"unresolved reference {span.get_text().strip()!r}")
    return found


def check_book(html_dir: Path, docnames: Iterable[str], roots: Iterable[str] = ()) -> list[Violation]:
    """:func:`check_page` on ``<html_dir>/<docname>.html`` for each docname (a missing page is
    a violation of kind ``xref``)."""
    found: list[Violation] = []
    for doc in docnames:
        page = Path(html_dir) / f"{doc}.html"
        if not page.exists():
            found.append(Violation(doc, "xref", f"page {page} was not rendered"))
            continue
        found += check_page(page.read_text(encoding="utf-8"), doc, page_knobs(doc), roots)
    return found
