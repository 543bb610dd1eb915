"""One chapter, one place: the chapter records, profiles as defaults plus overrides, and the plan
that reads the runs a notebook executes from the chapter itself."""
from __future__ import annotations

import dataclasses
import sys
import textwrap
from pathlib import Path

import pytest

from precision.book import build, status
from precision.chapters import plan, registry, runs
from precision.chapters.nets import SimplexRun

TOY_MODULE = '''
"""A toy chapter: three simplex fits of y = x², declared as a new chapter would be."""
from dataclasses import dataclass

from precision.checks import check_positive_int, check_sizes
from precision.chapters import costs
from precision.chapters.nets import SimplexRun
from precision.chapters.registry import Chapter, knob, register


@dataclass(frozen=True)
class ToyConfig:
    profile: str = "book"
    sizes: tuple = knob(check_sizes, (64, 256, 1024))
    n_test: int = knob(check_positive_int, 500, fixed=True)


def batches(cfg):
    return [costs.Batch("toy fits", tuple(SimplexRun("Z.001", n, 0, n_test=cfg.n_test) for n in cfg.sizes))]


CHAPTER = register(Chapter("toy", "7", "A toy chapter", ToyConfig, smoke=dict(sizes=(64, 128)),
                           paper=dict(sizes=(64, 256, 1024, 4096), n_test=2000), batches=batches))
'''


@pytest.fixture
def toy_chapter(tmp_path, monkeypatch):
    """A new chapter with compute: its module (here written to a temporary folder, as a file of
    precision/chapters/ would be), its notebook and its line in _toc.yml. Nothing else."""
    (tmp_path / "toy_chapter.py").write_text(TOY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = dict(registry._REGISTRY)
    import toy_chapter  # noqa: F401  (registers the chapter)

    yield registry.get("toy")
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
    sys.modules.pop("toy_chapter", None)


def test_a_new_chapter_is_seen_by_the_plan_the_build_order_and_resolve(toy_chapter, tmp_path):
    assert "toy" in plan.chapter_names()
    names = plan.chapter_names()
    assert names.index("beyond") < names.index("toy") < names.index("appendix-a")  # 7: after 6, before A
    cfg = toy_chapter.resolve("smoke")
    assert cfg.sizes == (64, 128) and cfg.n_test == 500  # smoke overrides one knob; the others are book's
    assert toy_chapter.resolve("paper").n_test == 2000
    assert [len(b.items) for b in plan.chapter_batches("toy", "book")] == [3]
    coef = {name: 1e-9 for name in plan.COEFFICIENTS}
    made = plan.make_plan("smoke", workers=1, memory_limit=2 ** 34, coefficients=coef, chapters=["toy"])
    assert [c.chapter for c in made.chapters] == ["toy"] and made.chapters[0].runs == 2
    # the build: the toy notebook is executed in the toc's order, the Conclusions still last
    (tmp_path / "book").mkdir()
    for name in ("intro", "toy", "conclusions"):
        (tmp_path / "book" / f"{name}.md").write_text("---\nkernelspec:\n  name: python3\n---\n# x\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: book/conclusions\n  - file: book/toy\n")
    assert build.execution_order(["book/conclusions", "book/toy"]) == ["book/toy", "book/conclusions"]


def test_profiles_are_defaults_plus_small_overrides():
    for record in registry.chapters():
        if record.config is None:
            continue
        book = record.sizes("book")
        assert book == {name: f.default for name, f in record.knobs.items()}  # the config's defaults
        for profile in ("smoke", "paper"):
            overrides = getattr(record, profile)
            assert set(overrides) <= set(record.knobs)
            assert all(overrides[k] != book[k] for k in overrides), (record.name, profile)  # only what differs


def test_an_override_that_names_no_knob_is_refused():
    from precision.chapters.appendix_a import AppendixAConfig

    with pytest.raises(TypeError, match="smoke profile sets widht, which are not knobs of AppendixAConfig"):
        registry.Chapter("typo", "9", "Typo", AppendixAConfig, smoke=dict(widht=3))


def test_a_notebook_passes_its_parameters_as_one_mapping():
    names = {"profile": "smoke", "targets": ["Z.001"], "n_test": 5, "np": object(), "workers": 2}
    cfg = registry.get("beyond").resolve("smoke", names)
    assert cfg.targets == ("Z.001",)
    assert cfg.n_test == registry.get("beyond").sizes("smoke")["n_test"]  # fixed: not taken from the notebook
    with pytest.raises(ValueError, match="targets"):
        registry.get("beyond").resolve("smoke", {"targets": ["Q.404"]})


def test_every_chapter_has_one_name_its_notebook_and_a_distinct_number():
    records = registry.chapters()
    assert len({c.number for c in records}) == len(records)
    root = Path(__file__).resolve().parents[2]
    while not (root / "_toc.yml").exists():
        root = root.parent
    for c in records:
        assert (root / f"{c.docname}.md").exists(), c.name
        assert c.config is None or c.config.__module__ == "precision.chapters." + c.name.replace("-", "_")
    assert registry.get("piecewise-linear").heading == "Chapter 2, piecewise linear methods"
    with pytest.raises(ValueError, match="chapter must be one of introduction, piecewise-linear"):
        registry.get("piecewise")


def test_the_status_page_lists_chapters_from_their_records():
    text = status.settings_tables()
    assert "**Chapter 2, piecewise linear methods** (`piecewise-linear`)" in text
    assert text.index("Chapter 2,") < text.index("Chapter 4,") < text.index("Appendix B,")


def test_ran_as_planned_fails_when_a_notebook_runs_what_its_record_does_not_list(monkeypatch, tmp_path):
    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(runs, "RAN", [])
    record = registry.get("appendix-c")
    cfg = record.resolve("smoke")
    planned = record.plan(cfg)
    assert record.ran_as_planned(cfg) is False  # nothing ran yet
    runs.RAN.extend(planned["Figure A3: adam"].items + planned["Figure A3: bfgs"].items)
    assert record.ran_as_planned(cfg) is True
    runs.run_jobs([SimplexRun("Z.001", 16, 0, n_test=50)], workers=1, progress=False)  # one run more
    assert record.ran_as_planned(cfg) is False


def test_a_run_that_reads_another_from_the_cache_is_not_a_notebook_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(runs, "RAN", [])

    @dataclasses.dataclass(frozen=True)
    class Reader(runs.Job):
        def run(self):
            return {"inner": runs.run_jobs([SimplexRun("Z.001", 16, 0, n_test=50)], workers=1, progress=False)[0]
                    ["rmse_test"]}

    reader = Reader()
    runs.run_jobs([reader], workers=1, progress=False)
    assert runs.RAN == [reader]


def test_a_notebook_that_adds_a_run_fails_its_plan_check(tmp_path, monkeypatch):
    """The check every chapter notebook ends with, in a kernel: a notebook that runs one job
    more than its chapter's record lists prints False."""
    pytest.importorskip("papermill")
    import nbformat
    import papermill

    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path / "cache"))
    code = textwrap.dedent('''
        from precision.book import checked
        from precision.chapters import profiles
        from precision.chapters.nets import SimplexRun
        from precision.chapters.registry import get
        from precision.chapters.runs import run_batch, run_jobs
        profile = "smoke"
        cfg = profiles.resolve("appendix-c", profile, globals())
        planned = get("appendix-c").plan(cfg)
        import precision.chapters.runs as runs
        runs.RAN.extend(planned["Figure A3: adam"].items + planned["Figure A3: bfgs"].items)  # as if run
        run_jobs([SimplexRun("Z.001", 16, 0, n_test=50)], workers=1, progress=False)  # a run the plan does not see
        checked.exact("ran what the plan counts", get("appendix-c").ran_as_planned(cfg))
    ''')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, path)
    out = papermill.execute_notebook(str(path), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False)
    printed = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert "ran what the plan counts: False  [exact]" in printed
