"""Chapter 4's runs (precision.chapters.optimization) and timings (precision.chapters.optimization_speed)."""
from __future__ import annotations

import numpy as np
import pytest

from precision.chapters import optimization as opt
from precision.chapters import profiles, optimization_speed as speed
from precision.chapters.runs import run_jobs

PIPE = opt.PipelineRun("teacher", n_train=120, n_test=300, bfgs_steps=400, lowcurv_steps=4, hessian_every=2,
                       record_every=20)


@pytest.fixture(scope="module")
def pipeline():
    return run_jobs([PIPE], workers=1, progress=False)[0]


def test_boosting_stage_lowers_the_error(pipeline):
    s1, s2 = pipeline["stages"]
    assert s2["scale"] > 10  # the residual of stage 1 is small, so c = 1/mean|r| is large
    assert pipeline["rmse_train"] < s1["rmse_train"] / 3
    assert pipeline["rmse_test"] < s1["rmse_test"]
    assert pipeline["n_params"] == 2 * 481


def test_pipeline_pieces_run_on_one_after_another(pipeline):
    pieces = opt.pipeline_stages(pipeline)
    assert [(s, p) for s, p, _ in pieces] == [(1, "BFGS"), (1, "low-curvature"), (2, "BFGS"), (2, "low-curvature")]
    steps = np.concatenate([h[:, 0] for _, _, h in pieces])
    assert np.all(np.diff(steps) >= 0)
    # the last recorded test RMSE is the combined predictor's final one
    assert pieces[-1][2][-1, 2] == pytest.approx(pipeline["rmse_test"], rel=1e-6)


def test_rescaled_net_starts_where_stage_one_ended(pipeline):
    res = run_jobs([opt.RescaleRun(PIPE)], workers=1, progress=False)[0]
    assert res["scale"] == pytest.approx(pipeline["stages"][1]["scale"], rel=1e-12)
    # scaling the output layer by c and the targets by c leaves the (unscaled) RMSE unchanged
    assert res["bfgs"]["history"][0, 1] == pytest.approx(pipeline["stages"][0]["rmse_train"], rel=1e-8)
    assert res["rmse_train"] <= pipeline["stages"][0]["rmse_train"]


def test_tau_run_never_raises_the_loss_and_spectrum_is_complete(pipeline):
    tau = run_jobs([opt.TauRun(PIPE, 1e-10, 3, 3)], workers=1, progress=False)[0]
    assert tau["rmse_train"] <= pipeline["stages"][0]["bfgs"]["rmse_train"] * (1 + 1e-12)
    spec = run_jobs([opt.SpectrumRun(PIPE)], workers=1, progress=False)[0]
    assert len(spec["eigenvalues"]) == 481
    assert np.sum(spec["projections"] ** 2) == pytest.approx(spec["gradient_norm"] ** 2, rel=1e-8)
    assert spec["rmse_train"] == pipeline["stages"][0]["bfgs"]["rmse_train"]


def test_test_points_cover_the_whole_box_as_in_the_authors_scripts():
    assert opt.AUTHORS_TEST_SHRINK == 1.0
    whole = opt.get_data("Z.008", 10, 20_000)  # f = xy on [1, 5]^2
    low, high = np.array(whole.target.low), np.array(whole.target.high)
    width = high - low
    assert np.all(whole.x_test.min(axis=0) < low + 0.01 * width)
    assert np.all(whole.x_test.max(axis=0) > high - 0.01 * width)
    assert np.all(whole.x_test >= low) and np.all(whole.x_test <= high)
    central = opt.get_data("Z.008", 10, 20_000, test_shrink=0.8)  # the paper's sweeps' box
    assert np.all(central.x_test.min(axis=0) >= low + 0.1 * width)
    assert np.all(central.x_test.max(axis=0) <= high - 0.1 * width)
    teacher = opt.get_data("teacher", 10, 5000)  # the teacher's box, [-1, 1]
    assert teacher.x_test.min() < -0.99 and teacher.x_test.max() > 0.99
    # same training set whatever the test box; deterministic
    assert np.array_equal(whole.x_train, central.x_train)
    assert np.array_equal(whole.x_test, opt.get_data("Z.008", 10, 20_000).x_test)


def test_test_box_is_a_field_of_the_runs_and_of_their_cache_key():
    cfg = profiles.resolve("optimization", "smoke")
    for figure in (8, 9):
        for per in opt.figure_jobs(cfg, figure).values():
            assert all(j.test_shrink == opt.AUTHORS_TEST_SHRINK for j in (*per["adam"], per["bfgs"], per["pipeline"]))
    assert PIPE.test_shrink == 1.0 and opt.CurveRun("Z.001", "adam", 1, 1, 1).test_shrink == 1.0
    from dataclasses import replace

    from precision.cache import config_key
    assert replace(PIPE, test_shrink=0.8) != PIPE
    assert config_key(replace(PIPE, test_shrink=0.8)) != config_key(PIPE)
    # a run on the central box scores its test set there (same training set, same fit)
    job = opt.CurveRun("Z.001", "adam", 20, 50, 400, width=4, lr=1e-2, record_every=10)
    whole, central = job.run(), replace(job, test_shrink=0.8).run()
    assert whole["rmse_train"] == central["rmse_train"] and whole["rmse_test"] != central["rmse_test"]
    for bad in (0.0, 1.5, -1.0):
        with pytest.raises(ValueError, match="test_shrink must be a number in"):
            replace(job, test_shrink=bad).run()
        with pytest.raises(ValueError, match="test_shrink must be a number in"):
            opt.PipelineRun("Z.001", 10, 10, 10, 0, test_shrink=bad).run()


def test_curve_run_records_history_and_spectrum():
    job = opt.CurveRun("Z.001", "adam", 60, 50, 100, width=6, lr=1e-2, record_every=20, spectrum=True)
    res = (job).run()
    assert res["history"][:, 0].tolist() == [0, 20, 40, 60]
    assert res["best_test"] <= res["history"][0, 2]
    assert len(res["spectrum"]["eigenvalues"]) == res["n_params"] == 6 * 1 + 6 + 6 * 6 + 6 + 6 + 1


@pytest.mark.parametrize("change, message", [(dict(optimizer="sgd"), "optimizer must be one of adam, bfgs"),
                                             (dict(lr=-1.0), "lr must be a positive number"),
                                             (dict(width=0), "width must be a positive integer")])
def test_bad_curve_runs_are_refused(change, message):
    base = dict(target="Z.001", optimizer="adam", steps=10, n_train=10, n_test=10)
    with pytest.raises(ValueError, match=message):
        (opt.CurveRun(**{**base, **change})).run()


def test_bad_jobs_are_refused():
    with pytest.raises(TypeError, match="must be a chapter run"):
        run_jobs([{"kind": "curve"}], workers=1, progress=False)
    with pytest.raises(ValueError, match="scale must be one of"):
        (opt.PipelineRun("Z.001", 10, 10, 10, 0, scale="median")).run()
    with pytest.raises(ValueError, match="needs stages >= 2"):
        (opt.RescaleRun(opt.PipelineRun("Z.001", 10, 10, 10, 0, stages=1))).run()


def test_figure_jobs_take_one_spectrum_at_the_lr_nearest_1e3():
    cfg = profiles.resolve("optimization", "smoke")
    jobs = opt.figure_jobs(cfg, 8)
    flagged = [j for per in jobs.values() for j in per["adam"] if j.spectrum]
    assert len(flagged) == 1 and flagged[0].lr == 1e-3 and flagged[0].target == cfg.fig8_targets[0]
    cfg = profiles.resolve("optimization", "smoke", adam_lrs=[1e-1, 2e-3, 1e-5])
    flagged = [j for per in opt.figure_jobs(cfg, 8).values() for j in per["adam"] if j.spectrum]
    assert [j.lr for j in flagged] == [2e-3]
    assert not any(j.spectrum for per in opt.figure_jobs(cfg, 9).values() for j in per["adam"])
    with pytest.raises(ValueError, match="figure must be 8 or 9"):
        opt.figure_jobs(cfg, 7)
    # the appendices' pipelines are the chapter's: same config, so one cache entry
    assert opt.pipeline_for(cfg, "teacher") == jobs["teacher"]["pipeline"]


def test_chapter_profiles_resolve_and_reject_bad_values():
    for chapter in ("optimization", "appendix-a", "appendix-b", "appendix-d"):
        for profile in profiles.PROFILES:
            profiles.resolve(chapter, profile)
    with pytest.raises(ValueError, match="unknown equation 'X.9'"):
        profiles.resolve("appendix-a", "smoke", targets=["teacher", "X.9"])
    with pytest.raises(ValueError, match="taus must be a non-empty list of positive numbers"):
        profiles.resolve("appendix-b", "smoke", taus=[1e-10, 0])
    with pytest.raises(ValueError, match="target must be one equation id or 'teacher'"):
        profiles.resolve("appendix-b", "smoke", target=3)


def test_projection_is_vectorised_and_agrees_with_the_loop():
    res = speed.projection_speed(p=400, keep=300, repeats=2)
    assert res["max_difference"] < 1e-12
    assert res["speedup"] > 3


def test_hessian_cost_reports_time_and_memory():
    res = speed.hessian_cost(width=5, n=50)
    assert res["P"] == 5 + 5 + 25 + 5 + 5 + 1
    assert res["step_s"] >= res["hessian_s"] > 0
    assert res["matrix_bytes"] == 8 * res["P"] ** 2
    assert res["peak_bytes"] is None or res["peak_bytes"] >= 0
    assert speed.total_memory() > 2 ** 30


def test_our_bfgs_and_scipy_reach_the_same_target():
    res = speed.BfgsTiming(width=5, n=100, rmse=1e-2, max_steps=2000).run()
    assert res["ours"]["reached"] and res["scipy"]["reached"]
    assert res["ours"]["rmse_train"] <= 1e-2 and res["scipy"]["rmse_train"] <= 1e-2
    assert res["ratio"] > 0


def test_the_paper_profile_takes_the_authors_low_curvature_steps():
    book, paper = profiles.sizes("optimization", "book"), profiles.sizes("optimization", "paper")
    for t in book.fig8_targets + book.fig9_targets:  # the book's default search and convention everywhere
        p = opt.pipeline_for(book, t)
        assert (p.search_low, p.search_points, p.search_zooms, p.always_step) == ((1e-12,), 15, 4, False)
    xy, dot = opt.pipeline_for(paper, "Z.008"), opt.pipeline_for(paper, "I.11.19")
    assert xy.lowcurv_options(0)["low"] == xy.lowcurv_options(1)["low"] == 1e-25 and xy.search_points == 70
    assert dot.lowcurv_options(0)["low"] == 1e-30 and dot.lowcurv_options(1)["low"] == 1e-50
    square = opt.pipeline_for(paper, "Z.001")
    assert square.lowcurv_options(0) == dict(low=1e-12, high=1e12, points=15, zooms=3, always_step=True)
    assert "authors' convention" in opt.lowcurv_convention(paper) and "1e-50 (stage 2)" in opt.lowcurv_convention(paper)
    assert "book's convention" in opt.lowcurv_convention(book)


def test_the_book_defaults_are_the_methods_defaults():
    # the `book` and `smoke` pipelines call train_lowcurv exactly as its defaults would
    import inspect

    from precision.lowcurv import train_lowcurv

    defaults = {k: v.default for k, v in inspect.signature(train_lowcurv).parameters.items()
                if k in ("low", "high", "points", "zooms", "always_step")}
    for profile in ("smoke", "book"):
        cfg = profiles.sizes("optimization", profile)
        for t in cfg.fig8_targets + cfg.fig9_targets:
            assert opt.pipeline_for(cfg, t).lowcurv_options(0) == defaults


def test_authors_mode_pipeline_runs_every_low_curvature_step():
    run = opt.PipelineRun("Z.001", 80, 100, 60, 5, stages=1, width=4, tau=1e-4, record_every=10, always_step=True,
                          search_low=(1e-25,), search_points=20, search_zooms=3)
    res = run_jobs([run], workers=1, progress=False)[0]
    assert res["stages"][0]["lowcurv"]["steps"] == 5
    tau = run_jobs([opt.TauRun(run, 1e-6, 4, 2, True)], workers=1, progress=False)[0]
    assert tau["steps"] == 4 and tau["history"][-1, 0] == 4


@pytest.mark.parametrize("change, message", [(dict(search_low=(0.0,)), "search_low"),
                                             (dict(search_low=(1e13,)), "search_low"),
                                             (dict(search_points=1), "search_points"),
                                             (dict(search_zooms=-1), "search_zooms"),
                                             (dict(always_step="yes"), "always_step")])
def test_bad_line_search_settings_are_refused_before_any_training(change, message):
    with pytest.raises(ValueError, match=message):
        opt.PipelineRun("Z.001", 10, 10, 10, 2, **change).run()


def test_new_knobs_are_validated_with_their_names():
    with pytest.raises(ValueError, match="lowcurv_mode must be one of 'book', 'authors'"):
        profiles.resolve("optimization", "smoke", lowcurv_mode="always")
    with pytest.raises(ValueError, match="lowcurv_mode must be one of"):
        profiles.resolve("appendix-b", "smoke", lowcurv_mode=True)
    with pytest.raises(ValueError, match="fig9_search_low"):
        profiles.resolve("optimization", "smoke", fig9_search_low={"Z.008": [0]})
    with pytest.raises(ValueError, match="fig9_search_low"):
        profiles.resolve("optimization", "smoke", fig9_search_low=5)
    with pytest.raises(ValueError, match="search_points must be an integer >= 2"):
        profiles.resolve("optimization", "smoke", fig9_search_points=1)
    cfg = profiles.resolve("optimization", "smoke", fig9_search_low={"I.11.19": [1e-30, 1e-50]})
    assert cfg.fig9_search_low == (("I.11.19", (1e-30, 1e-50)),)
    assert opt.pipeline_for(cfg, "I.11.19").search_low == (1e-30, 1e-50)
    assert opt.pipeline_for(cfg, "Z.008").search_low == (1e-12,)  # not named: the chapter's search


def test_appendix_b_starts_from_the_chapter_pipeline_or_a_bfgs_run_of_the_same_net():
    chapter = profiles.sizes("optimization", "book")
    assert opt.tau_start(chapter, "teacher", chapter.fig8_n_train) == opt.pipeline_for(chapter, "teacher")
    paper_b, paper = profiles.sizes("appendix-b", "paper"), profiles.sizes("optimization", "paper")
    start = opt.tau_start(paper, paper_b.target, paper_b.n_train)
    assert (start.target, start.n_train, start.stages, start.lowcurv_steps) == ("quintic", 50_000, 1, 0)
    assert (start.width, start.bfgs_steps) == (paper.pipeline_width, paper.pipeline_bfgs_steps)
    assert paper_b.lowcurv_mode == "authors" and {1e-14, 1e-16} <= set(paper_b.taus)
    with pytest.raises(ValueError, match="n_train"):
        opt.tau_start(chapter, "teacher", 0)


def test_appendix_d_trains_the_same_net_by_adam():
    cfg = profiles.sizes("optimization", "book")
    p = opt.pipeline_for(cfg, "Z.001")
    twin = opt.adam_twin(cfg, p)
    assert (twin.target, twin.n_train, twin.n_test, twin.width, twin.depth, twin.seed, twin.test_shrink) == \
        (p.target, p.n_train, p.n_test, p.width, p.depth, p.seed, p.test_shrink)
    assert twin.optimizer == "adam" and twin.spectrum and twin.lr == 1e-3 and twin.steps == cfg.adam_steps_fig8
    # same initial weights: the pipeline's stage 1 is built with seed p.seed + 0
    a = opt._model(1, twin.width, twin.depth, twin.seed)
    b = opt._model(1, p.width, p.depth, p.seed + 0)
    assert all(bool((x == y).all()) for x, y in zip(a.parameters(), b.parameters()))


def test_canyon_stats_count_the_top_and_the_bulk():
    lam = np.array([-1e-12, 5.0, 1e-20, 2e-3, 4e-3, 1e-11, 1.0] + [1e-13] * 13)
    s = opt.canyon_stats(lam)
    assert s["top"] == 5.0 and s["n"] == 20
    assert s["big"] == 2  # 5 and 1 (4e-3 < 5e-3)
    assert s["bulk"] == pytest.approx(16 / 20)  # 1e-20, 1e-11, -1e-12 and thirteen 1e-13 lie below 5e-9
    assert s["ratio10"] == pytest.approx(1e-13 / 5.0)  # sorted: 5, 1, 4e-3, 2e-3, 1e-11, 1e-12, 1e-13, ...
    with pytest.raises(ValueError, match="eigenvalues"):
        opt.canyon_stats(np.zeros(3))


def test_gradient_share_counts_the_top_directions():
    proj = np.array([0.0, 3.0, 1.0] + [0.1] * 20)
    s = opt.gradient_share(proj)
    total = 9 + 1 + 0.2
    assert abs(s["top10"] - (9 + 1 + 8 * 0.01) / total) < 1e-12
    assert s["k90"] == 2 and opt.gradient_share([0.0, 5.0])["k90"] == 1
    with pytest.raises(ValueError, match="projections must hold"):
        opt.gradient_share(np.zeros(4))


def test_figure7_run_is_the_first_targets_adam_run_with_a_spectrum():
    cfg = profiles.resolve("optimization", "smoke")
    run = opt.figure7_run(cfg)
    assert run.spectrum and run.optimizer == "adam" and run.target == cfg.fig8_targets[0]
