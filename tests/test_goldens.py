"""The nbval goldens: present for every chapter, really executed, in step with their
sources, and able to fail."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import jupytext
import pytest

from precision.book.build import section_notebooks

ROOT_DOCS = None


def _goldens(root):
    return {doc: root / "tests" / "notebooks" / f"{doc.split('/')[-1]}.ipynb" for doc in section_notebooks(root)}


def _code(cells):
    return [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in cells
            if c["cell_type"] == "code" and "injected-parameters" not in c.get("metadata", {}).get("tags", [])]


def test_every_chapter_has_an_executed_golden(root):
    goldens = _goldens(root)
    assert goldens, "no section notebooks found in _toc.yml"
    for doc, path in goldens.items():
        assert path.exists(), f"{path} missing: run `make goldens`"
        nb = json.loads(path.read_text())
        assert nb["metadata"]["papermill"]["parameters"] == {"profile": "smoke"}
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c["execution_count"] is not None for c in code), f"{path} has unexecuted cells"
        assert not any(o.get("output_type") == "error" for c in code for o in c["outputs"])
        checked = [c for c in code if "nbval-check-output" in c["metadata"].get("tags", [])]
        assert checked and all(c["outputs"] for c in checked), f"{path}: no checked cell with output"


def test_goldens_match_their_sources(root):
    for doc, path in _goldens(root).items():
        source = jupytext.read(root / f"{doc}.md")
        golden = json.loads(path.read_text())
        assert _code(golden["cells"]) == _code(source.cells), (
            f"{path.name} drifted from {doc}.md: run `make goldens` and review the diff")


def test_nbval_fails_when_a_checked_output_changes(root, tmp_path):
    """Flip one checked value in a copy of a golden: nbval must report a failure."""
    goldens = _goldens(root)
    doc = "book/introduction" if "book/introduction" in goldens else next(iter(goldens))  # the quickest one
    path = goldens[doc]
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if "nbval-check-output" in c["metadata"].get("tags", []))
    out = next(o for o in cell["outputs"] if o.get("output_type") == "stream")
    text = "".join(out["text"])
    assert "True" in text
    out["text"] = text.replace("True", "False", 1)
    shutil.copy(root / "tests" / "nbval-sanitize.cfg", tmp_path)
    tampered = tmp_path / path.name
    tampered.write_text(json.dumps(nb))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                          "--nbval-sanitize-with", str(tmp_path / "nbval-sanitize.cfg"), str(tampered)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "1 failed" in run.stdout


def _rendered_text(path):
    nb = json.loads(path.read_text())
    out = []
    for c in nb["cells"]:
        for o in c.get("outputs", []) if c["cell_type"] == "code" else []:
            data = o.get("data", {})
            out.append("".join(data.get("text/markdown", "")) + "".join(o.get("text", "")))
    return "\n".join(out)


def test_the_scorecard_golden_reflects_the_current_code(root):
    """The Conclusions golden is made last, after every chapter recorded its claims with the
    same code: no row may read "(earlier code)" or "not run"."""
    text = _rendered_text(root / "tests" / "notebooks" / "conclusions.ipynb")
    rows = [line for line in text.splitlines() if line.startswith("| ") and ("Fig." in line or "§" in line)]
    assert rows, "no scorecard rows in the Conclusions golden"
    stale = [r for r in rows if "(earlier code)" in r or r.rstrip().endswith("| not run |")]
    assert not stale, f"{len(stale)} scorecard rows are stale or not run: run `make goldens`:\n" + "\n".join(stale)
