"""A smoke build of the whole book (warnings are errors), opened page by page in headless Chromium."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from precision.book.build import STATUS_PAGE, SWEEP_PARAMETERS, _toc_files, section_notebooks


@pytest.fixture(scope="module")
def smoke_book(root):
    """Build (or re-render from cache) the smoke book; return the html folder."""
    run = subprocess.run([sys.executable, "-m", "precision.book", "build", "--profile", "smoke"], cwd=root,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    html = root / "_build" / "stage" / "smoke" / "_build" / "html"
    assert str(html / "index.html") in run.stdout
    return html


def test_build_record_says_every_notebook_ran(root, smoke_book):
    record = json.loads((root / "_build" / "executed" / "smoke" / "build-record.json").read_text())
    assert [nb["docname"] for nb in record["notebooks"]] == section_notebooks(root)
    for nb in record["notebooks"]:
        assert nb["all_cells_executed"] and nb["errors"] == 0 and nb["figures"] > 0
    assert record["profile"] == "smoke"


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("id", "name") and v:
                self.ids.add(v)


def _ids(path: Path, cache={}):
    if path not in cache:
        parser = _Ids()
        parser.feed(path.read_text(encoding="utf-8"))
        cache[path] = parser.ids
    return cache[path]


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "the browser test needs Debian's chromium and chromium-driver (make test installs them)"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--window-size=1280,1600"):
        options.add_argument(flag)
    web = webdriver.Chrome(service=Service(driver), options=options)
    web.set_page_load_timeout(60)
    yield web
    web.quit()


def test_every_page_renders_with_its_figures_and_links(root, smoke_book, browser):
    record = json.loads((root / "_build" / "executed" / "smoke" / "build-record.json").read_text())
    figures = {nb["docname"]: nb["figures"] for nb in record["notebooks"]}
    pages = _toc_files(root)
    assert STATUS_PAGE in pages
    for doc in pages:
        page = smoke_book / f"{doc}.html"
        assert page.exists(), f"{doc} was not rendered"
        browser.get(page.as_uri())
        assert browser.execute_script("return document.readyState") == "complete"
        heading = browser.execute_script("var h = document.querySelector('main h1'); return h && h.textContent;")
        assert heading and heading.strip(), f"{doc}: no title rendered"
        images = browser.execute_script(
            "return Array.from(document.querySelectorAll('main img')).map(i => [i.src, i.complete, i.naturalWidth]);")
        broken = [src for src, complete, width in images if not (complete and width > 0)]
        assert not broken, f"{doc}: images that did not load: {broken}"
        if doc in figures:
            shown = browser.execute_script("return document.querySelectorAll('main figure img').length;")
            assert shown == figures[doc], f"{doc}: {shown} figures on the page, {figures[doc]} in the notebook"
        errors = browser.execute_script(
            "return Array.from(document.querySelectorAll('main .output.traceback, main .output.stderr')).length;")
        assert errors == 0, f"{doc}: error output shown on the page"
        for href in browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);"):
            url = urlparse(href)
            if url.scheme != "file":
                continue
            target = Path(unquote(url.path))
            assert target.exists(), f"{doc}: broken link to {href}"
            if url.fragment and target.suffix == ".html":
                assert unquote(url.fragment) in _ids(target), f"{doc}: link to missing anchor {href}"


def test_every_page_works_offline_with_typeset_math(root, smoke_book, browser):
    """No page loads a script or stylesheet from the network, and math is typeset by the
    MathJax copy inside the book: MathJax's elements exist and no raw \\( or \\[ is left."""
    typeset_pages = 0
    for doc in _toc_files(root):
        page = smoke_book / f"{doc}.html"
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', html)
        remote = [u for u in remote if u.endswith((".js", ".css")) or "script" in u]
        assert not remote, f"{doc}: loads from the network: {remote}"
        browser.get(page.as_uri())
        has_math = 'class="math' in html
        if has_math:
            done = browser.execute_async_script(
                "var cb = arguments[arguments.length - 1];"
                "var t0 = Date.now(); (function wait() {"
                "  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {"
                "    MathJax.startup.promise.then(() => cb(true), () => cb(false));"
                "  } else if (Date.now() - t0 > 20000) { cb(false); } else { setTimeout(wait, 100); } })();")
            assert done, f"{doc}: MathJax did not start (is _static/mathjax there?)"
            assert browser.execute_script("return document.querySelectorAll('main mjx-container').length;") > 0, \
                f"{doc}: math on the page but nothing typeset"
            text = browser.execute_script("return document.querySelector('main').innerText;")
            assert "\\(" not in text and "\\[" not in text, f"{doc}: raw TeX left on the page"
            typeset_pages += 1
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => /^https?:/.test(n));")
        assert not loaded, f"{doc}: fetched from the network: {loaded}"
    assert typeset_pages >= 5, f"math typeset on only {typeset_pages} pages"


def test_no_page_shows_what_a_reader_must_not_meet(root, smoke_book):
    """Python reprs, paths of this machine, a bare nan, unrendered roles, knob names where a
    value belongs, ragged tables, figures whose caption hides whose figure they are, and
    unresolved references (precision.book.pagecheck says what each check looks for)."""
    from precision.book.pagecheck import check_book

    found = check_book(smoke_book, _toc_files(root), roots=[str(root), str(Path.home())])
    assert not found, f"{len(found)} problems on the built pages:\n" + "\n".join(map(str, found))


def test_each_chapter_with_a_profile_box_opens_with_it_filled_in(root, smoke_book):
    """The box under the title names the smoke profile, says how long the cells ran, and counts
    the chapter's claims as the scorecard of the Conclusions shows them in this build."""
    from bs4 import BeautifulSoup

    from precision.book import scorecard

    def soup(doc):
        return BeautifulSoup((smoke_book / f"{doc}.html").read_text(encoding="utf-8"), "html.parser").article

    table = next(t for t in soup("book/conclusions").find_all("table")
                 if [th.get_text().strip() for th in t.find_all("th")][-2:] == ["this build", "verdict"]
                 and t.find("th").get_text().strip() == "figure")
    verdicts = [tr.find_all("td")[-1].get_text().strip() for tr in table.find_all("tr") if tr.find("td")]
    assert len(verdicts) == len(scorecard.CLAIMS)
    boxed = [d for d in section_notebooks(root) if "profile_box(" in (root / f"{d}.md").read_text(encoding="utf-8")]
    assert "book/introduction" in boxed and "book/conclusions" in boxed
    for doc in boxed:
        first = soup(doc).find("h1").find_next(lambda tag: tag.name in ("p", "div") and (
            "admonition" in tag.get("class", []) or tag.name == "p"))
        assert first is not None and "admonition" in first.get("class", []), f"{doc}: no box under the title"
        text = " ".join(first.get_text(" ").split())
        assert "Built at the smoke profile" in text and "Its cells ran in" in text, f"{doc}: {text}"
        mine = [v for v, c in zip(verdicts, scorecard.CLAIMS) if c.chapter == doc]
        if mine:
            done = mine.count("reproduced")
            assert f"reproduced {done} of its {len(mine)} scorecard claim" in text, f"{doc}: {text}"
        else:
            assert "records no claim" in text, f"{doc}: {text}"


def test_conclusions_execute_last_but_render_in_toc_order(root):
    """The scorecard of the Conclusions reads the records of every other chapter, the appendices
    included, so the build runs it after them; the book keeps the order of _toc.yml."""
    from precision.book.build import RUN_LAST, execution_order

    docs = section_notebooks(root)
    assert "book/conclusions" in RUN_LAST and "book/conclusions" in docs
    order = execution_order(docs)
    assert sorted(order) == sorted(docs) and order[-1] == "book/conclusions"
    assert [d for d in order if d not in RUN_LAST] == [d for d in docs if d not in RUN_LAST]
    toc = _toc_files(root)
    later = [d for d in docs if toc.index(d) > toc.index("book/conclusions")]
    assert later, "expected chapters after the Conclusions in the table of contents (the appendices)"
    assert toc.index(STATUS_PAGE) > max(toc.index(d) for d in docs)
    assert execution_order(["book/a", "book/b"]) == ["book/a", "book/b"]


def _tiny_book(tmp_path):
    header = ("---\njupytext:\n  formats: md:myst\n  text_representation:\n    extension: .md\n    format_name: myst\n"
              "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n")
    (tmp_path / "book").mkdir()
    for name in ("intro", "a", "conclusions", "b"):
        (tmp_path / "book" / f"{name}.md").write_text(header + f"\n# {name}\n")
    (tmp_path / "_config.yml").write_text("title: tiny\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/a\n"
                                       "  - file: book/conclusions\n  - file: book/b\n")
    return tmp_path


def test_build_runs_conclusions_last_and_reruns_them_when_another_chapter_changes(tmp_path, monkeypatch):
    import nbformat

    import precision.book.build as book

    root = _tiny_book(tmp_path)
    ran = []

    def fake_execute(root_, docname, out_path, parameters, strip=False, exact=False):
        ran.append(docname)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {docname}"),
                                             nbformat.v4.new_code_cell("1", execution_count=1)])
        nb.metadata["precision"] = {"seconds": 0.01}
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(nbformat.writes(nb))
        return 0.01

    monkeypatch.setattr(book, "execute_notebook", fake_execute)
    book.build(root, "smoke", render=False)
    assert ran == ["book/intro", "book/a", "book/b", "book/conclusions"]
    record = json.loads((root / "_build" / "executed" / "smoke" / "build-record.json").read_text())
    assert [nb["docname"] for nb in record["notebooks"]] == ["book/intro", "book/a", "book/conclusions", "book/b"]
    ran.clear()
    book.build(root, "smoke", render=False)
    assert ran == []  # nothing changed: everything reused
    (root / "book" / "b.md").write_text((root / "book" / "b.md").read_text() + "\nmore\n")
    book.build(root, "smoke", render=False)
    assert ran == ["book/b", "book/conclusions"]


def test_an_exact_build_runs_every_kernel_pinned_and_records_it(tmp_path, monkeypatch):
    """make book EXACT=1: every notebook executed in the pinned mode, never reusing a native
    build's notebooks, and the build record names the mode (the status page shows it)."""
    import nbformat

    import precision.book.build as book

    root = _tiny_book(tmp_path)
    modes = []

    def fake_execute(root_, docname, out_path, parameters, strip=False, exact=False):
        modes.append(exact)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=1)])
        nb.metadata["precision"] = {"seconds": 0.01}
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(nbformat.writes(nb))
        return 0.01

    monkeypatch.setattr(book, "execute_notebook", fake_execute)
    record = root / "_build" / "executed" / "smoke" / "build-record.json"
    book.build(root, "smoke", render=False)
    assert modes and not any(modes) and json.loads(record.read_text())["numeric"] == "native"
    modes.clear()
    book.build(root, "smoke", render=False, exact=True)  # nothing reused from the native build
    assert len(modes) == 4 and all(modes) and json.loads(record.read_text())["numeric"] == "pinned"


def test_every_knob_is_a_notebook_parameter_or_documented_as_fixed():
    from precision.book.build import notebook_parameters
    from precision.chapters import registry

    root = Path(__file__).resolve().parents[2]
    records = {c.docname: c for c in registry.chapters()}
    for docname in section_notebooks(root):
        params = set(notebook_parameters(root, docname)) - {"profile", *SWEEP_PARAMETERS}
        if docname not in records or records[docname].config is None:
            assert not params, docname
            continue
        knobs, fixed = set(records[docname].knobs), set(records[docname].fixed)
        assert params <= knobs, (docname, params - knobs)
        assert not params & fixed, (docname, params & fixed)
        assert params | fixed == knobs, (docname, knobs - params - fixed)


def test_every_notebook_that_sweeps_takes_workers_scheduler_and_device():
    from precision.book.build import notebook_parameters

    root = Path(__file__).resolve().parents[2]
    sweeping = [d for d in section_notebooks(root) if "run_batch(" in (root / f"{d}.md").read_text()]
    assert len(sweeping) >= 8, sweeping
    for docname in sweeping:
        params = notebook_parameters(root, docname)
        assert set(SWEEP_PARAMETERS) <= set(params), (docname, set(SWEEP_PARAMETERS) - set(params))
        assert params["device"]["default"].strip("'\"") == "cpu", docname
        assert "sweep_options(workers, scheduler, device)" in (root / f"{docname}.md").read_text(), docname


def test_the_chapter_runner_refuses_unknown_parameters_before_running():
    root = Path(__file__).resolve().parents[2]
    for args in (["-p", "bogus", "1"], ["-p", "adam_steps", "-1"], ["-p", "equatons", "['I.8.14']"]):
        out = subprocess.run([sys.executable, "-m", "precision", "run", "conclusions", *args], cwd=root,
                             capture_output=True, text=True)
        assert out.returncode == 2, out.stdout
        assert f"no parameter '{args[1]}'" in out.stderr and "profile, equations, precisions" in out.stderr
        assert "Traceback" not in out.stderr
        assert not (root / "conclusions.ipynb").exists()


def test_the_chapter_runner_executes_a_chapter_with_literal_values(tmp_path):
    root = Path(__file__).resolve().parents[2]
    out_path = tmp_path / "c.ipynb"
    out = subprocess.run([sys.executable, "-m", "precision", "run", "conclusions", "-p", "profile", "smoke",
                          "-p", "precisions", "[1e-3]", "-o", str(out_path)], cwd=root, capture_output=True,
                         text=True, env={**os.environ, "PRECISION_CACHE_DIR": str(tmp_path / "cache")})
    assert out.returncode == 0, out.stderr[-2000:]
    nb = json.loads(out_path.read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "precisions = [0.001]" in "".join(injected[0]["source"])


def test_build_passes_scheduler_and_device_only_to_the_notebooks_that_sweep(tmp_path, monkeypatch):
    import nbformat

    import precision.book.build as book

    root = _tiny_book(tmp_path)
    cell = '\n```{code-cell} ipython3\n:tags: [parameters]\n\nprofile = "book"\nworkers = None\n' \
           'scheduler = None\ndevice = "cpu"\n```\n'
    (root / "book" / "a.md").write_text((root / "book" / "a.md").read_text() + cell)
    given = {}

    def fake_execute(root_, docname, out_path, parameters, strip=False, exact=False):
        given[docname] = parameters
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=1)])
        nb.metadata["precision"] = {"seconds": 0.01}
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(nbformat.writes(nb))
        return 0.01

    monkeypatch.setattr(book, "execute_notebook", fake_execute)
    assert book.sweep_parameters() == {} and book.sweep_parameters(None, "cpu") == {}
    book.build(root, "smoke", render=False, sweep=book.sweep_parameters())
    assert given["book/a"] == given["book/b"] == {"profile": "smoke"}  # the defaults add nothing
    given.clear()
    book.build(root, "smoke", render=False, sweep=book.sweep_parameters("tcp://10.0.0.1:8786", "cpu"))
    assert given == {"book/a": {"profile": "smoke", "scheduler": "tcp://10.0.0.1:8786"},
                     "book/conclusions": {"profile": "smoke"}}  # b has no such parameter: reused


@pytest.mark.parametrize("args, says", [
    (["--device", "gpu"], "device must be one of 'cpu', 'cuda', 'cuda:N', 'auto'"),
    (["--device", "cuda:x"], "device must be one of"),
    (["--profile", "papr"], "profile must be one of"),
] + ([] if __import__("torch").cuda.is_available() else [(["--device", "cuda"], "needs CUDA")]))
def test_build_refuses_a_bad_device_or_profile_before_anything_runs(args, says, tmp_path):
    root = _tiny_book(tmp_path)
    out = subprocess.run([sys.executable, "-m", "precision.book", "--root", str(root), "build", *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and says in out.stderr, out.stderr
    assert not (root / "_build").exists()


@pytest.mark.parametrize("value, says", [("gpu", "device must be one of"), ("auto", None)]
                         + ([] if __import__("torch").cuda.is_available() else [("cuda", "needs CUDA")]))
def test_the_chapter_runner_checks_the_device_before_running(value, says, tmp_path, monkeypatch):
    import precision.book.build as book

    ran = []
    monkeypatch.setattr(book, "execute_notebook", lambda *a, **k: ran.append(a))
    root = Path(__file__).resolve().parents[2]
    if says is None:
        book.run_chapter(root, "appendix-d", {"device": value}, tmp_path / "out.ipynb")
        assert len(ran) == 1
        return
    with pytest.raises(ValueError, match=says):
        book.run_chapter(root, "appendix-d", {"device": value}, tmp_path / "out.ipynb")
    assert ran == []


def test_a_paper_build_prints_the_plan_before_anything_runs(tmp_path, monkeypatch, capsys):
    import precision.book.build as book
    import precision.book.plan_report as plan_cli

    root = _tiny_book(tmp_path)
    order = []
    monkeypatch.setattr(plan_cli, "main", lambda argv: order.append(("plan", tuple(argv))) or 0)
    monkeypatch.setattr(book, "build", lambda root_, profile, render=True, sweep=None, exact=False:
                        order.append(("build", profile, tuple(sorted((sweep or {}).items())))) or root_ / "index.html")
    assert book.main(["--root", str(root), "build", "--profile", "paper", "--scheduler", "tcp://h:8786"]) == 0
    assert order[0][0] == "plan" and "--profile" in order[0][1] and "paper" in order[0][1]
    assert order[1] == ("build", "paper", (("scheduler", "tcp://h:8786"),))
    order.clear()
    assert book.main(["--root", str(root), "build", "--profile", "smoke"]) == 0
    assert [o[0] for o in order] == ["build"]  # no plan below paper
