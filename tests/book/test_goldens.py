"""The nbval goldens: present for every chapter, really executed, in step with their
sources, and able to fail."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import jupytext
import pytest

from precision.book import checked
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


# ----------------------------------------------------------------------- any machine
MIN_MARGIN = 3  # a checked line closer than this to its threshold could flip on another processor
# a float's digits or a decade; an equation id such as I.8.14 is not one
_MEASURED_DIGITS = re.compile(r"(?<![\w.])(\d\.\d+e[-+]?\d+|10\^-?\d+|\d\.\d{2,})(?![\w.])")


def _checked_lines(path):
    nb = json.loads(path.read_text())
    for c in nb["cells"]:
        if c["cell_type"] == "code" and "nbval-check-output" in c["metadata"].get("tags", []):
            for o in c["outputs"]:
                if o.get("output_type") == "stream":
                    yield from "".join(o["text"]).splitlines()


def margin_problems(lines) -> list[str]:
    """Checked lines that could differ between machines: a margin under MIN_MARGIN, a line
    with neither a margin nor ``[exact]``, or measured digits printed outside the margin."""
    bad = []
    for line in lines:
        if not line.strip():
            continue
        found = checked.margins(line)
        if found:
            if found[0][1] < MIN_MARGIN:
                bad.append(f"margin ×{found[0][1]:g} < {MIN_MARGIN}: {line}")
            body = checked.MARGIN.sub("", line)
        elif line.rstrip().endswith("[exact]"):
            body = line
        else:
            bad.append(f"no margin and not [exact]: {line}")
            continue
        if _MEASURED_DIGITS.search(body.split(":")[-1]):
            bad.append(f"prints measured digits: {line}")
    return bad


def test_every_checked_line_is_far_from_its_threshold(root):
    """Every line a checked cell prints states a bound that holds with a margin of at least 3
    (or is exact), so the goldens pass on a processor that rounds differently."""
    problems = {}
    for path in _goldens(root).values():
        lines = list(_checked_lines(path))
        assert lines, f"{path.name}: no checked output"
        bad = margin_problems(lines)
        if bad:
            problems[path.name] = bad
    assert not problems, "checked lines too close to their thresholds:\n" + json.dumps(problems, indent=1,
                                                                                       ensure_ascii=False)


def test_the_margin_check_can_fail():
    assert margin_problems(["boosting below 1e-4: True  [margin ×38]", "runs: 12  [exact]"]) == []
    assert margin_problems(["boosting below 1e-4: True  [margin ×2.1]"])  # too close
    assert margin_problems(["teacher boosting 10^-7"])  # the old kind of line: a decade, no bound
    assert margin_problems(["Z.001: simplex RMSE: 2.18e-02  [exact]"])  # digits of a measurement
    assert margin_problems(["compared: ['I.8.14 depth 4']  [exact]"]) == []  # an equation id is no measurement


def test_checked_lines_state_their_margin(capsys):
    assert checked.below("a", 1e-6, 1e-4).endswith("True  [margin ×100]")
    assert checked.below("a", [1e-6, 1e-5], 1e-4).endswith("[margin ×10]")
    assert checked.above("a", 1e-6, 1e-4).startswith("a: False")
    assert checked.near("slope", -1.9, -2.0, 0.3).endswith("True  [margin ×3]")
    assert checked.between("q", 0.2, 0.02, 2).endswith("True  [margin ×10]")
    assert checked.below("exact fit", 0.0, 1e-12).endswith("[margin ×inf]")
    with pytest.raises(ValueError, match="finite"):
        checked.below("a", float("nan"), 1.0)


def test_margins_are_stripped_before_comparison(root):
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns((root / "tests" / "nbval-sanitize.cfg").read_text(encoding="utf-8"))
    line = "teacher: pipeline below 1e-4: True  [margin ×38.5]"
    for regex, replace in patterns:  # as nbval applies them
        line = re.sub(regex, replace, line)
    assert line == "teacher: pipeline below 1e-4: True  [margin]"
