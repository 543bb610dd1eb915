"""The paper-shape check (precision.chapters.shape, benchmarks/paper_shape.py) at the smoke profile."""
from __future__ import annotations

import dataclasses
import importlib.util
import json

import pytest

from precision.chapters import plan, shape
from precision.chapters.beyond import BeyondRun, DimsRun
from precision.chapters.nets import NetRun, SimplexRun
from precision.chapters.optimization import PipelineRun, SpectrumRun, TauRun
from precision.chapters.runs import Job


def _load_cli(root):
    spec = importlib.util.spec_from_file_location("paper_shape", root / "benchmarks" / "paper_shape.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _job_classes() -> list[type]:
    import precision.chapters.beyond, precision.chapters.nets, precision.chapters.optimization  # noqa: E401,F401
    import precision.chapters.optimization_speed, precision.chapters.piecewise_linear  # noqa: E401,F401

    out, todo = [], list(Job.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if dataclasses.is_dataclass(cls) and cls.__module__.startswith("precision.chapters.") \
                and cls.__module__ != shape.__name__:
            out.append(cls)
    return out


def test_every_step_field_of_every_run_is_known():
    classes = _job_classes()
    assert {"NetRun", "PipelineRun", "TauRun", "BeyondRun", "DimsRun", "BfgsTiming", "ToyRun"} <= {
        c.__name__ for c in classes}
    for cls in classes:
        for f in dataclasses.fields(cls):
            if f.name.endswith("steps"):
                assert f.name in shape.STEP_FIELDS, f"{cls.__name__}.{f.name} is not capped by shrink"
            if f.name.endswith("_every"):
                assert f.name in shape.EVERY_FIELDS, f"{cls.__name__}.{f.name} is not kept in [1, steps]"


def test_shrink_caps_nested_steps_and_keeps_sizes():
    pipe = PipelineRun("teacher", 5000, 700, bfgs_steps=25_000, lowcurv_steps=500, stages=4, width=30,
                       hessian_every=10, record_every=50)
    tau = TauRun(pipe, 1e-15, steps=400, hessian_every=20)
    small = shape.shrink(tau, steps=3)
    assert (small.steps, small.hessian_every) == (3, 3)
    p = small.pipeline
    assert (p.bfgs_steps, p.lowcurv_steps, p.stages, p.hessian_every, p.record_every) == (3, 3, 2, 3, 3)
    assert (p.target, p.n_train, p.n_test, p.width, p.depth, p.tau) == ("teacher", 5000, 700, 30, 3, 1e-15)
    assert shape.shrink(SpectrumRun(pipe)).pipeline == shape.shrink(pipe)
    net = shape.shrink(NetRun("I.30.5", 2, 500, steps=20_000, batch_cap=30_000, n_test=30_000, n_train=9000))
    assert (net.steps, net.batch_cap, net.n_test, net.n_train, net.width) == (3, 30_000, 30_000, 9000, 500)
    assert shape.shrink(net, steps=5).steps == 3  # only ever lowered
    assert shape.shrink(tau, steps=1).pipeline.record_every == 1  # stays valid


def test_shrink_special_fields():
    cheb = BeyondRun("Z.001", "chebyshev-lstsq", 5000, 1000, steps=30)
    assert shape.shrink(cheb) == cheb  # a degree, not steps
    lm = shape.shrink(BeyondRun("Z.001", "lm-boost", 5000, 1000, steps=750, stages=3, adam_steps=2000))
    assert (lm.steps, lm.adam_steps, lm.stages, lm.lowcurv_steps) == (3, 3, 2, 0)  # 0 stays "none"
    dims = shape.shrink(DimsRun("I.11.19", 20_000, 1000, later_width=30))  # 0: adaptive, unbounded
    assert (dims.steps, dims.adam_steps, dims.stages, dims.n_train, dims.later_width) == (3, 3, 2, 20_000, 30)
    simplex = SimplexRun("I.30.5", 65_536)
    assert shape.shrink(simplex) == simplex


@pytest.mark.parametrize("thing", [object(), {"steps": 5}, "NetRun", Job()])
def test_shrink_refuses_what_is_not_a_run(thing):
    with pytest.raises(TypeError, match="chapter run"):
        shape.shrink(thing)


def test_shrink_checks_steps():
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        shape.shrink(SimplexRun("Z.001", 10), steps=0)


def test_shrunk_smoke_runs_keep_the_plan_memory():
    """Every kind of run of the book, shrunk: step fields capped, the plan's memory unchanged."""
    kinds = 0
    for chapter in plan.chapter_names():
        for s in shape.shape_jobs(chapter, "smoke", limit_bytes=float("inf")):
            small = shape.shrink(s.job)
            assert small.work().memory == s.job.work().memory, s.label
            for f in dataclasses.fields(small):
                if f.name in shape.STEP_FIELDS and not (isinstance(small, BeyondRun) and f.name == "steps"
                                                         and small.method.startswith("chebyshev")):
                    assert getattr(small, f.name) <= 3, (s.label, f.name)
            kinds += 1
    assert kinds >= 25


def test_shape_jobs_one_per_kind_largest_first():
    shapes = shape.shape_jobs("appendix-d", "smoke")
    assert shapes and all(s.refused is None for s in shapes)
    assert {s.kind for s in shapes} == {"PipelineRun pipeline", "SpectrumRun", "CurveRun adam"}
    # the runs listed, each after the runs it reads from the cache (the pipelines of Chapter 4)
    jobs = [n for b in plan.chapter_batches("appendix-d", "smoke") for j in b.items for n in (*j.needs(), j)]
    for s in shapes:
        same = [plan.peak_bytes(j.work()) for j in jobs if type(j) is type(s.job)]
        assert s.plan_bytes == max(same) and s.runs == len(set(j for j in jobs if type(j) is type(s.job)))


def test_shape_jobs_refuses_what_exceeds_the_limit():
    shapes = shape.shape_jobs("appendix-d", "smoke", limit_bytes=2 ** 20)
    assert shapes and all(s.refused for s in shapes)
    assert all("needs" in s.refused and "1.0 MiB" in s.refused for s in shapes)
    limit = min(s.plan_bytes for s in shape.shape_jobs("optimization", "smoke"))
    mixed = shape.shape_jobs("optimization", "smoke", limit_bytes=limit)
    assert [s for s in mixed if s.refused is None] and [s for s in mixed if s.refused]
    assert all(s.plan_bytes <= limit for s in mixed if s.refused is None)
    assert all(s.plan_bytes > limit for s in mixed if s.refused)


def test_measure_runs_a_shrunk_run_in_its_own_process():
    job = next(s.job for s in shape.shape_jobs("appendix-c", "smoke") if s.kind.startswith("NetRun bfgs"))
    m = shape.measure(dataclasses.replace(job, steps=10 ** 9), timeout=60)  # shrunk, or it would not end
    assert m.ok and m.error is None, m.error
    assert 50 * 2 ** 20 < m.peak_bytes < 4 * 2 ** 30 and 0 <= m.seconds < 60


def test_measure_reports_an_error_and_a_timeout():
    bad = shape.measure(NetRun("no-such-equation", 3, 10))
    assert not bad.ok and bad.error.startswith("ValueError:") and "\n" not in bad.error
    assert bad.peak_bytes > 0
    slow = shape.measure(NetRun("Z.001", 3, 10), timeout=0.2)
    assert slow.error == "timed out after 0.2 s" and slow.seconds is None


def test_measure_computes_the_nested_pipeline_first():
    spectrum = next(s.job for s in shape.shape_jobs("appendix-d", "smoke") if s.kind == "SpectrumRun")
    m = shape.measure(spectrum)
    assert m.ok, m.error
    assert m.peak_bytes > 0
    broken = shape.measure(SpectrumRun(dataclasses.replace(spectrum.pipeline, n_train=0)))
    assert broken.error.startswith("its pipeline (PipelineRun): ValueError: n_train"), broken.error


def test_cli_refuses_without_running(root, tmp_path, monkeypatch, capsys):
    cli = _load_cli(root)
    monkeypatch.setattr(cli, "measure", lambda *a, **k: pytest.fail("a refused run was started"))
    out = tmp_path / "shape.json"
    assert cli.main(["--profile", "smoke", "--chapters", "appendix-d", "--limit", "1MiB", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["runs"] == [] and {r["kind"] for r in report["refused"]} == {"PipelineRun pipeline", "SpectrumRun",
                                                                                "CurveRun adam"}
    assert "Too big for 1.0 MiB (not run)" in capsys.readouterr().out


def test_cli_writes_each_run_and_fails_on_an_error(root, tmp_path, monkeypatch, capsys):
    cli = _load_cli(root)
    calls = []

    def fake(job, steps, timeout=None):
        calls.append(job)
        if len(calls) == 2:  # the file holds the first run before the second one starts
            assert len(json.loads(out.read_text())["runs"]) == 1
        return shape.Measurement(0.5, 2 ** 29, "RuntimeError: boom" if isinstance(job, SpectrumRun) else None)

    monkeypatch.setattr(cli, "measure", fake)
    out = tmp_path / "shape.json"
    argv = ["--profile", "smoke", "--chapters", "appendix-a,appendix-d", "--json", str(out)]
    assert cli.main(argv) == 1
    text = capsys.readouterr().out
    assert "ERROR: RuntimeError: boom" in text and "| OK |" in text
    rows = json.loads(out.read_text())["runs"]
    assert [r["error"] for r in rows] == [None, None, None, "RuntimeError: boom", None]
    # appendix-d's pipeline (Z.001) has the shape of appendix-a's (teacher): not measured again
    assert [type(j).__name__ for j in calls] == ["PipelineRun", "RescaleRun", "SpectrumRun", "CurveRun"]
    assert rows[2]["same_as"] == "appendix-a: " + rows[0]["label"] and rows[2]["chapter"] == "appendix-d"
    assert cli.main(argv + ["--resume"]) == 1 and len(calls) == 4  # nothing measured twice
    assert cli.parse_bytes("20GiB") == 20 * 2 ** 30 and cli.parse_bytes("1.5e9") == 1_500_000_000
