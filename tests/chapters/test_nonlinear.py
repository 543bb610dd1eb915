"""Chapter 3 / Appendix C experiment definitions (precision.chapters.nonlinear)."""
from __future__ import annotations

import numpy as np
import pytest

from precision.chapters import nonlinear
from precision.chapters.nets import NetRun, width_for
from precision.chapters.piecewise_linear import figure2_configs
from precision.chapters.profiles import resolve


def test_figure4_curves_and_theory():
    theory = {(c.dim, c.order): c.theory for c in nonlinear.FIGURE4}
    assert theory[1, 3] == -4 and theory[2, 5] == -3 and theory[3, "simplex"] == pytest.approx(-2 / 3)
    assert theory[3, 3] == pytest.approx(-4 / 3)
    assert {c.dim for c in nonlinear.FIGURE4} == {1, 2, 3}


@pytest.mark.parametrize("dim, order", [(1, 3), (2, 1)])
def test_run_curve_measures_the_theoretical_slope(dim, order):
    curve = next(c for c in nonlinear.FIGURE4 if (c.dim, c.order) == (dim, order))
    res = nonlinear.run_curve(curve, sizes=(8, 16), n_test=3000)
    assert abs(res.slope - curve.theory) <= 0.3
    assert res.in_fit.sum() == len(curve.fit_sizes) and len(res.D) == len(set(curve.fit_sizes) | {8, 16})


def test_bad_figure4_dimension():
    with pytest.raises(ValueError, match="dim 1, 2 and 3"):
        nonlinear.figure4_target(4)


def test_solver_trap_default_solver_stalls_ours_does_not():
    rows = nonlinear.solver_trap(sizes=(64,), n_test=2000)
    quintic = next(r for r in rows if r.method == "quintic")
    assert quintic.scipy_default > 1e-7 and quintic.ours < 1e-13
    assert quintic.scipy_spsolve == pytest.approx(quintic.ours, rel=0.1)


def test_tanh_configs_follow_the_conventions():
    cfgs = nonlinear.tanh_configs(("I.8.14",), (2, 3), (256,), 2, 100, 500, optimizer="bfgs")
    assert len(cfgs) == 4
    assert cfgs[0] == NetRun("I.8.14", 2, width_for("I.8.14", 2, 256), 0, activation="tanh", optimizer="bfgs",
                             steps=100, batch_cap=30_000, n_test=500)


def test_relu_configs_are_chapter_2s():
    simplex, nets = nonlinear.relu_configs(("I.30.5", "I.8.14"), "smoke")
    all_simplex, all_nets = figure2_configs(resolve("piecewise-linear", "smoke"))
    assert nets and set(nets) <= set(all_nets) and {c.target for c in nets} == {"I.30.5", "I.8.14"}
    assert simplex and set(simplex) <= set(all_simplex)


@pytest.mark.parametrize("chapter", ["nonlinear", "appendix-c"])
def test_profiles_resolve_and_reject_bad_values(chapter):
    for profile in ("smoke", "book", "paper"):
        resolve(chapter, profile)
    with pytest.raises(ValueError, match="net_sizes must be a non-empty list"):
        resolve(chapter, "smoke", net_sizes=[])
    with pytest.raises(ValueError, match="unknown parameter"):
        resolve(chapter, "smoke", widths=[3])


def test_appendix_c_adam_runs_are_chapter_3s():
    ch3, app = resolve("nonlinear", "book"), resolve("appendix-c", "book")
    adam = nonlinear.tanh_configs(app.equations, app.depths, app.net_sizes, app.seeds, app.adam_steps, app.n_test)
    fig5 = nonlinear.tanh_configs(ch3.equations, ch3.depths, ch3.net_sizes, ch3.seeds, ch3.steps, ch3.n_test)
    assert set(adam) <= set(fig5)


# ---------------------------------------------------------------- Figure 4's test sets (spline_test, spline_seeds)
def _curve(dim, order):
    return next(c for c in nonlinear.FIGURE4 if (c.dim, c.order) == (dim, order))


def test_spline_knobs_default_to_the_old_behaviour_and_paper_runs_the_authors():
    for profile in ("smoke", "book"):
        cfg = resolve("nonlinear", profile)
        assert (cfg.spline_test, cfg.spline_seeds) == ("uniform", 1)
    paper = resolve("nonlinear", "paper")
    assert (paper.spline_test, paper.spline_seeds) == ("grid", 4)
    assert paper.sizes_1d[0] == 11 and paper.sizes_1d[-1] == 2_184_164 and len(paper.sizes_1d) == 31
    assert paper.sizes_2d[0] == 6 and paper.sizes_2d[-1] == 1206 and len(paper.sizes_2d) == 27
    assert resolve("nonlinear", "book").sizes_1d[-1] == 2048  # the book's grids are unchanged


@pytest.mark.parametrize("kwargs, message", [
    (dict(spline_test="random"), "spline_test must be one of uniform, grid; got 'random'"),
    (dict(spline_test=["grid"]), "spline_test must be one of uniform, grid"),
    (dict(spline_seeds=0), "spline_seeds must be a positive integer, got 0"),
])
def test_spline_knobs_are_checked(kwargs, message):
    with pytest.raises(ValueError) as err:
        resolve("nonlinear", "smoke", **kwargs)
    assert message in str(err.value)
    with pytest.raises(ValueError) as err:
        nonlinear.run_curve(_curve(1, 1), (), 100, test=kwargs.get("spline_test", "uniform"),
                            seeds=kwargs.get("spline_seeds", 1))
    assert message in str(err.value)


def test_uniform_test_is_the_old_computation_bit_for_bit():
    from precision.splines import grid_scaling, loglog_slope

    curve = _curve(2, 3)
    res = nonlinear.run_curve(curve, (8, 11), n_test=3000)
    grid = sorted({8, 11} | set(curve.fit_sizes))
    rows = grid_scaling(nonlinear.figure4_target(2), grid, 3, n_test=3000, seed=0, relative=True)
    assert res.rmse.tolist() == [r[1] for r in rows] and res.D.tolist() == [r[0] for r in rows]
    assert res.slope == loglog_slope([r for r, keep in zip(rows, res.in_fit) if keep])
    assert (res.test, res.n_test, res.shrink, res.draws) == ("uniform", 3000, 0.8, 1)
    assert not res.rmse_std.any()


@pytest.mark.parametrize("dim, per_side, shrink", [(1, 2000, 0.9), (2, 121, 0.8)])
def test_grid_test_uses_the_authors_grid(dim, per_side, shrink):
    from precision.splines import fit_grid, test_grid

    assert nonlinear.TEST_GRIDS[dim] == (per_side, shrink)
    curve = _curve(dim, 1)
    res = nonlinear.run_curve(curve, (), n_test=3000, test="grid", seeds=4)
    assert (res.test, res.n_test, res.shrink, res.draws) == ("grid", per_side**dim, shrink, 1)  # a grid: one draw
    target = nonlinear.figure4_target(dim)
    x = test_grid(target, per_side, shrink)
    y = target(x)
    n = curve.fit_sizes[-1]
    expected = np.sqrt(np.mean((fit_grid(target, n, 1)(x) - y) ** 2)) / np.sqrt(np.mean(y**2))
    assert res.rmse[-1] == pytest.approx(expected, rel=1e-13)
    assert res.rmse[-1] != nonlinear.run_curve(curve, (), n_test=3000).rmse[-1]


def test_3d_grid_test_stays_on_random_draws_and_averages_the_seeds():
    curve = _curve(3, "simplex")
    one = nonlinear.run_curve(curve, (), n_test=2000, test="grid")
    four = nonlinear.run_curve(curve, (), n_test=2000, test="grid", seeds=4)
    assert (four.test, four.n_test, four.draws) == ("uniform", 2000, 4) and four.runs.shape == (4, len(curve.fit_sizes))
    assert four.runs[0].tolist() == one.rmse.tolist()  # the first draw is seed 0
    assert len({tuple(r) for r in four.runs.tolist()}) == 4  # four different test draws
    assert np.allclose(four.rmse, four.runs.mean(axis=0), rtol=1e-15)
    assert np.all(four.rmse_std > 0) and np.all(four.rmse_std < 0.2 * four.rmse)
    assert abs(four.slope - curve.theory) <= 0.15


def test_the_authors_1d_box_moves_the_quintic_slope_not_the_spacing():
    rows = {(r.curve.dim, r.curve.order): r for r in nonlinear.compare_conventions(5000)}
    assert set(rows) == {(c.dim, c.order) for c in nonlinear.FIGURE4 if c.dim in (1, 2)}
    linear = rows[1, 1]
    assert all(abs(s - linear.curve.theory) <= 0.1 for s in (linear.uniform, linear.grid, linear.same_box))
    quintic = rows[1, 5]
    assert abs(quintic.uniform - quintic.curve.theory) <= 0.3
    assert quintic.grid < quintic.uniform - 1.0  # the wider box: still in the boundary layer
    assert abs(quintic.grid - quintic.same_box) <= 0.05  # the box, not the spacing


def test_convention_sentences_follow_the_numbers():
    quintic, linear, quintic_2d = _curve(1, 5), _curve(1, 1), _curve(2, 5)
    row = nonlinear.ConventionRow
    calm = nonlinear.convention_summary([row(linear, -2.05, -2.06, -2.06), row(quintic, -6.2, -6.3, -6.31)])
    assert "does not matter" in calm and "No slope (degree 7 aside) moves by more than 0.3" in calm
    assert "largest change 0.10" in calm and "boundary layer" not in calm
    box = nonlinear.convention_summary([row(quintic, -6.24, -8.35, -8.36), row(quintic_2d, -3.15, -3.27, -3.15)])
    assert "matters somewhat" in box and "up to 0.12 apart (the 2-D quintic spline" in box
    assert "The box does matter for the 1-D quintic spline (-8.35 on the authors' grid against -6.24" in box
    assert "boundary layer" in box
    spacing = nonlinear.convention_summary([row(quintic, -6.24, -8.35, -6.3)])
    assert "The convention matters for the 1-D quintic" in spacing and "boundary layer" not in spacing
    flatter = nonlinear.convention_summary([row(quintic, -6.24, -5.5, -5.5)])
    assert "The box does matter" in flatter and "boundary layer" not in flatter  # not steeper: no such cause
    septic = nonlinear.convention_summary([row(_curve(1, 7), -10.6, -9.9, -9.9)])
    assert "No slope" in septic and "largest change 0.00" in septic  # degree 7 is not judged
    with pytest.raises(ValueError, match="rows must hold at least one ConventionRow"):
        nonlinear.convention_summary([])


def test_test_sets_sentence_names_every_panel_from_the_results():
    curves = [nonlinear.run_curve(c, (), n_test=1000, test="grid", seeds=2) for c in (_curve(1, 1), _curve(3, 3))]
    text = nonlinear.test_sets_sentence(curves)
    assert text.startswith("1-D: 2\u2009000 evenly spaced points spanning the central 90 % of each side of the box; 3-D: ")
    assert "1\u2009000 uniform random points in the central 80 %" in text and "averaged over 2 draws" in text
    same = [nonlinear.run_curve(c, (), n_test=1000) for c in (_curve(1, 1), _curve(2, 1), _curve(3, 3))]
    assert nonlinear.test_sets_sentence(same).startswith("1-D, 2-D and 3-D: 1\u2009000 uniform random points")
