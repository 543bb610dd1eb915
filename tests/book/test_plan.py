"""The cost plan (precision.chapters.plan, precision.book.plan_report): every chapter enumerated at
every profile, memory refusals, clear errors, estimates that grow with size."""
from __future__ import annotations

import json

import pytest

from precision.book import plan_report as book_plan
from precision.chapters import costs, plan, registry, runs
from precision.chapters.nets import NetRun, SimplexRun
from precision.chapters.profiles import PROFILES

# fixed coefficients: the tests check the plan's logic, not this machine's speed (no calibration)
COEF = {name: 1e-9 for name in plan.COEFFICIENTS}
GiB = 2 ** 30


@pytest.fixture(scope="module")
def plans():
    return {p: plan.make_plan(p, workers=2, memory_limit=24 * GiB, coefficients=COEF) for p in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_chapter_is_planned_with_runs(plans, profile):
    p = plans[profile]
    assert [c.chapter for c in p.chapters] == list(plan.chapter_names())
    for c in p.chapters:
        assert len(c.works) > 0, c.chapter
        if c.chapter != "introduction":  # the introduction computes inline only
            assert c.runs > 0, c.chapter
        assert c.core_seconds > 0 and c.wall_s > 0 and c.peak > plan.BASE_BYTES, c.chapter
    text = book_plan.format_plan(p)
    for c in p.chapters:
        assert registry.get(c.chapter).short in text
    json.dumps(book_plan.plan_json(p))  # JSON-able


def test_shared_runs_are_counted_once(plans):
    book = {c.chapter: c for c in plans["book"].chapters}
    # Appendix C's Adam runs are Chapter 3's, Appendix A/B/D's pipelines are Chapter 4's
    assert book["appendix-c"].shared > 0 and book["appendix-a"].shared == 2
    jobs = [w.job for c in plans["book"].chapters for w in c.works if w.job is not None]
    assert len(jobs) == len(set(jobs))


def test_a_run_too_big_for_memory_is_reported_and_refused():
    big = NetRun("I.30.5", 3, 200, optimizer="bfgs", activation="tanh", steps=10, n_test=100)  # P ≈ 41 000
    work = big.work()
    assert plan.peak_bytes(work) > 12 * GiB  # the dense inverse Hessian alone is 8·P²
    with pytest.raises(MemoryError, match=r"dense BFGS inverse Hessian at P=.*needs .*this machine has 8\.0 GiB"):
        plan.refuse_if_too_big(big, limit=8 * GiB, where="Appendix C")
    plan.refuse_if_too_big(NetRun("I.30.5", 3, 10, steps=10), limit=8 * GiB)  # a small one passes

    p = plan.make_plan("book", workers=2, memory_limit=1 * GiB, coefficients=COEF)
    too_big = {c.chapter: [w.label for w, _ in c.too_big] for c in p.chapters}
    assert any("Hessian timing width 60" in label for label in too_big["optimization"])
    assert not too_big["appendix-a"]  # small runs fit
    text = book_plan.format_plan(p)
    assert "cannot fit in 1.0 GiB" in text and "4 Optimization: Hessian timing width 60" in text


def test_paper_profile_reports_the_dense_bfgs_of_appendix_c(plans):
    c = {c.chapter: c for c in plans["paper"].chapters}["appendix-c"]
    assert any("dense BFGS" in max(w.memory, key=lambda m: m[1])[0] for w, _ in c.too_big)


@pytest.mark.parametrize("call, name", [(lambda: plan.make_plan("huge", coefficients=COEF), "profile"),
                                        (lambda: plan.make_plan("book", "tpu", coefficients=COEF), "device"),
                                        (lambda: plan.chapter_batches("chapter-7", "book"), "chapter")])
def test_unknown_values_are_clear_errors(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must be one of "):
        call()


def test_cli_rejects_unknown_profile_and_device(capsys):
    for argv, words in ((["--profile", "huge"], ("profile must be one of", "'smoke'", "'book'", "'paper'", "'huge'")),
                        (["--device", "tpu"], ("device must be one of", "'cpu'", "'cuda'", "'tpu'"))):
        with pytest.raises(SystemExit) as err:
            book_plan.main(argv)
        assert err.value.code == 2
        message = capsys.readouterr().err
        assert all(w in message for w in words), message


def test_estimates_grow_with_size(plans):
    def cost(job):
        w = job.work()
        return plan.estimate_seconds(w, COEF), plan.peak_bytes(w)

    for small, large in [(NetRun("Z.001", 3, 10, steps=100), NetRun("Z.001", 3, 10, steps=1000)),
                         (NetRun("Z.001", 3, 10, steps=100), NetRun("Z.001", 3, 100, steps=100)),
                         (NetRun("Z.001", 3, 50, optimizer="bfgs"), NetRun("Z.001", 3, 200, optimizer="bfgs")),
                         (SimplexRun("I.8.14", 1000), SimplexRun("I.8.14", 10_000)),
                         (SimplexRun("I.30.5", 1000), SimplexRun("II.6.15a", 1000))]:
        (t0, m0), (t1, m1) = cost(small), cost(large)
        assert t1 > t0 and m1 >= m0, (small, large)
    totals = plans
    for i, chapter in enumerate(plan.chapter_names()):
        s, b, p = (totals[q].chapters[i].core_seconds for q in PROFILES)
        assert s <= b <= p, chapter
    assert totals["smoke"].core_seconds < totals["book"].core_seconds < totals["paper"].core_seconds


def test_gpu_estimate_is_labelled_and_uses_the_assumption():
    p = plan.make_plan("smoke", "cuda", coefficients=COEF)
    assert "NOT calibrated" in " ".join(p.notes)
    assert "GPU-h" in book_plan.format_plan(p)
    w = NetRun("Z.001", 3, 100, steps=100).work()
    assert plan.gpu_seconds(w, COEF) != plan.estimate_seconds(w, COEF)


def test_calibration_is_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path))
    path = plan._calibration_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"coefficients": {"adam_step": 1.0}, "when": "test"}))
    assert plan.calibrate()["coefficients"] == {"adam_step": 1.0}  # no timing run
    assert "calibration-" in path.name and path.parent == tmp_path / "plan"


def test_lpt_makespan_and_byte_sizes():
    assert plan.lpt_makespan([3, 3, 2, 2], 2) == 5  # longest first, each on the least loaded worker
    assert plan.lpt_makespan([5, 1], 4) == 5
    assert book_plan.parse_bytes("24GiB") == 24 * GiB and book_plan.parse_bytes("1GB") == 1e9
    with pytest.raises(ValueError, match="--memory"):
        book_plan.parse_bytes("lots")


def test_run_jobs_refuses_a_run_that_cannot_fit_before_starting(monkeypatch, tmp_path):
    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(costs, "total_memory", lambda: 2 ** 30)
    small, big = SimplexRun("Z.001", 64), SimplexRun("II.6.15a", 262_144)
    with pytest.raises(MemoryError, match="Delaunay"):  # refused at once: no Delaunay of 262 144 points in 6-D ran
        runs.run_jobs([small, big], workers=1, progress=False)
    assert runs.run_jobs([small], workers=1, progress=False)[0]["rmse_test"] > 0


def test_a_chapter_alone_pays_for_the_runs_it_shares(plans):
    for p in plans.values():
        by = {c.chapter: c for c in p.chapters}
        assert by["appendix-d"].shared > 0
        assert by["appendix-d"].alone_wall_s > by["appendix-d"].wall_s  # the pipelines of Chapter 4 as well
        for c in p.chapters:
            assert c.alone_wall_s >= c.wall_s - 1e-9
            if c.shared == 0:
                assert abs(c.alone_wall_s - c.wall_s) < 1e-6 * max(1.0, c.wall_s)


def test_appendix_d_is_planned_with_its_adam_twins():
    from precision.chapters import optimization as opt
    from precision.chapters.profiles import resolve

    chapter4 = resolve("optimization", "smoke")
    items = {j for b in plan.chapter_batches("appendix-d", "smoke") for j in b.items}
    for t in resolve("appendix-d", "smoke").targets:
        pipe = opt.pipeline_for(chapter4, t)
        assert {opt.SpectrumRun(pipe), opt.adam_twin(chapter4, pipe)} <= items
        assert opt.SpectrumRun(pipe).needs() == (pipe,)  # read from Chapter 4's cache: the plan counts it there
