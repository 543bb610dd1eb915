"""A smoke build of the whole book (warnings are errors), opened page by page in headless Chromium."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from precision.book import STATUS_PAGE, _toc_files, section_notebooks


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
