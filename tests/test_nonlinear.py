"""Chapter 3 / Appendix C experiment definitions (precision.chapters.nonlinear)."""
from __future__ import annotations

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
    all_simplex, all_nets = figure2_configs(resolve("piecewise", "smoke"))
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
