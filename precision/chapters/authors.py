"""The authors' settings, knob by knob, with where each one is stated.

:data:`SETTINGS` lists every value that the paper (Michaud, Liu & Tegmark, *Precision Machine Learning*, Entropy 2023),
the figure-by-figure specification (``SPEC.md`` beside it, read from the authors' experiment
code) or the authors' experiment code itself states for an experiment this book runs. A
:class:`Setting` names a chapter (:func:`precision.chapters.registry.get`) and either one of
its config knobs or, with ``is_knob=False``, a setting that no knob expresses (the seed of a
random draw, ...).

The ``paper`` profile equals the authors' value wherever a knob can hold it. Where it cannot,
or where the authors give only a range or an end point, :attr:`Setting.note` says in one
sentence why the ``paper`` profile differs; :func:`differs` tells which settings need one.
Nothing here is invented: a knob the authors do not state is not listed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .registry import get

__all__ = ["Setting", "SETTINGS", "differs", "paper_value", "settings_for"]

_SPEC = "SPEC"
_CODE = "authors' experiment code (issue \"Reproduce at the authors' settings\")"


@dataclass(frozen=True)
class Setting:
    """One setting of the authors.

    ``value`` is the authors' value in the knob's own type when they state it exactly, else a
    sentence (a range, an end point, a description). ``source`` cites where it is stated.
    ``note`` says why the ``paper`` profile differs from it (required whenever it does).
    ``is_knob=False`` marks a setting that no config knob of ``chapter`` expresses; ``knob`` is
    then a short label for it.
    """

    chapter: str
    knob: str
    value: Any
    source: str
    note: str = ""
    is_knob: bool = True


def paper_value(setting: Setting) -> Any:
    """The ``paper`` profile's value of the setting's knob (``None`` for a setting that is no knob).

    Parameters
    ----------
    setting : Setting
        One of :data:`SETTINGS`.

    Returns
    -------
    Any
        The knob's value at the ``paper`` profile, or ``None``.
    """
    return get(setting.chapter).sizes("paper")[setting.knob] if setting.is_knob else None


def differs(setting: Setting) -> bool:
    """Whether the ``paper`` profile does not run the authors' value exactly (so a note must say why).

    Parameters
    ----------
    setting : Setting
        One of :data:`SETTINGS`.

    Returns
    -------
    bool
        ``True`` for a setting that is no knob, or whose ``paper`` value is not ``setting.value``.
    """
    return not setting.is_knob or paper_value(setting) != setting.value


_FIG2_EQUATIONS = ("Z.001", "II.8.31", "I.30.5", "I.8.14", "I.44.4", "II.6.15a")
_FIG5_EQUATIONS = ("I.30.5", "I.8.14", "I.44.4", "II.6.15a")
_LRS = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5)
_FIG9_SCRIPTS = ("authors' scripts/non-seml/combined-techniques-eqn-2.py (I.11.19) and -eqn-3.py (Z.008), "
                 "ejmichaud/precision-ml: logarithmic_line_search(f, low=…, points=70)")
_LOWCURV_NB = "authors' notebooks/low-curvature-subspace-training-mse.ipynb (ejmichaud/precision-ml)"
_BFGS_SWEEPS = ("authors' seml-experiments/lowd-network-bfgs-{0,1,2}/*.yaml (MAX_TRAIN_ITERS: 20000) running "
                "scripts/feynman-network-subexperiment-v2-simplexcompare-bfgs.py (ejmichaud/precision-ml)")
_CUBIC = ("authors' seml-experiments/feynman-cubic-0/feynman-cubic-0.yaml (TRAIN_POINTS 256 … 262 144) running "
          "scripts/feynman-tricubic-subexperiment.py (root_D = int(TRAIN_POINTS ** (1/3)) points per side)")

SETTINGS: tuple[Setting, ...] = (
    # ----------------------------------------------------------------- Chapter 2
    Setting("piecewise-linear", "fig1_steps", 25_000, f"{_SPEC} §2, Fig. 1 (a), (b)"),
    Setting("piecewise-linear", "equations", _FIG2_EQUATIONS, f"{_SPEC} §2, Fig. 2"),
    Setting("piecewise-linear", "simplex_sizes", (64, 256, 1024, 4096, 16_384, 65_536, 262_144), f"{_SPEC} §2, Fig. 2"),
    Setting("piecewise-linear", "simplex_seeds", 4, f"{_SPEC} §2, Fig. 2"),
    Setting("piecewise-linear", "net_sizes", "N from ~2.5e2 to ~2.6e5 (depth 2 widths 51…52 428, depth 3 13…509, "
            "depth 4 9…360)", f"{_SPEC} §2, Fig. 2",
            note="the authors state the range only; the `paper` profile covers it with the ×4 grid 256…262 144 "
                 "and picks each depth's width for every N"),
    Setting("piecewise-linear", "depths", (2, 3, 4), f"{_SPEC} §2, Fig. 2"),
    Setting("piecewise-linear", "seeds", 4, f"{_SPEC} §2, Fig. 2 and conventions (median over 4 seeds)"),
    Setting("piecewise-linear", "steps", 20_000, f"{_SPEC} conventions (Adam in sweeps)"),
    Setting("piecewise-linear", "batch_cap", 10_000, f"{_SPEC} conventions (ReLU sweeps, Fig. 2)"),
    Setting("piecewise-linear", "n_test", 30_000, f"{_SPEC} conventions (test inputs)"),
    Setting("piecewise-linear", "modular_targets", ("I.8.14", "II.6.15a"), f"{_SPEC} §2, Fig. 3"),
    Setting("piecewise-linear", "modular_node_depths", (2, 3), f"{_SPEC} §2, Fig. 3 (I.8.14 depth 4 or 6 in two "
            "stages, II.6.15a depth 6 or 9 in three)"),
    Setting("piecewise-linear", "modular_sizes", "N up to ~1e6", _CODE,
            note="the authors' end point only; the `paper` profile continues its ×4 grid from 256 to 1 048 576"),
    Setting("piecewise-linear", "modular_batch_cap", 30_000, f"{_SPEC} conventions (30 000 for tanh/modular); {_CODE} "
            "(MAX_BATCH_SIZE 30 000 for the modular nets and their dense baselines)"),
    # ----------------------------------------------------------------- Chapter 3
    Setting("nonlinear", "sizes_1d", tuple(int(1.5**i) for i in range(6, 37)),
            "authors' Figure 4 notebook (1d-2d-3d-nonlinear: ⌊1.5^i⌋ points, i = 6…36)"),
    Setting("nonlinear", "sizes_2d", tuple(int(int(1.5**i) ** 0.5) for i in range(9, 36)),
            "authors' Figure 4 notebook (1d-2d-3d-nonlinear: ⌊√⌊1.5^i⌋⌋ points per side, i = 9…35)"),
    Setting("nonlinear", "sizes_3d", (6, 10, 15, 25, 40, 63), _CUBIC),
    Setting("nonlinear", "spline_test", "grid", "authors' Figure 4 notebook (1d-2d-3d-nonlinear: 1-D 2000 evenly "
            "spaced points on [−0.9, 0.9], 2-D a 121 × 121 grid on [−0.8, 0.8]²) and tricubic script (3-D: 30 000 "
            "uniform points in the central 80 % box), as precision.chapters.nonlinear.TEST_GRIDS holds them"),
    Setting("nonlinear", "spline_seeds", 4, f"{_CODE} (3-D tricubic runs of I.30.5 at seeds 0–3, mean ± std over "
            "the test draws)"),
    Setting("nonlinear", "equations", _FIG5_EQUATIONS, f"{_SPEC} §3, Fig. 5"),
    Setting("nonlinear", "depths", (2, 3, 4), f"{_SPEC} §3, Fig. 5 (same grid as Fig. 2)"),
    Setting("nonlinear", "seeds", 4, f"{_SPEC} conventions (median over 4 seeds)"),
    Setting("nonlinear", "steps", 20_000, f"{_SPEC} conventions (Adam in sweeps)"),
    Setting("nonlinear", "n_test", 30_000, f"{_SPEC} conventions (test inputs)"),
    Setting("nonlinear", "simplex_seeds", 4, f"{_SPEC} §2, Fig. 2 (the simplex curve Fig. 5 repeats)"),
    # ----------------------------------------------------------------- Appendix C
    Setting("appendix-c", "equations", _FIG5_EQUATIONS, "paper App. C, Fig. A3 caption (\"same setup as in "
            "Figure 5\"); SPEC §Appendices C"),
    Setting("appendix-c", "depths", (2, 3, 4), "paper App. C, Fig. A3 caption (\"depth 2–4\")"),
    Setting("appendix-c", "net_sizes", "as Figure 5 (N up to ~2.6e5)", "paper App. C, Fig. A3 caption (\"same "
            "setup as in Figure 5\")",
            note="dense BFGS stores P² float64 numbers: the `paper` profile runs Figure 5's sizes up to 65 536 "
                 "parameters (34 GB) and leaves out 262 144 (550 GB, more memory than any machine here)"),
    Setting("appendix-c", "seeds", 4, f"{_SPEC} conventions (median over 4 seeds)"),
    Setting("appendix-c", "adam_steps", 20_000, f"{_SPEC} conventions (Adam in sweeps)"),
    Setting("appendix-c", "bfgs_steps", 20_000, f"{_BFGS_SWEEPS}; SPEC's 25 000 is Figure 8's budget"),
    Setting("appendix-c", "bfgs_standardize", False, f"{_BFGS_SWEEPS}: the inputs are used as drawn"),
    Setting("appendix-c", "BFGS stopping tolerance", "scipy BFGS gtol 1e-40 (never reached: it runs to maxiter "
            "or until the line search fails)", _BFGS_SWEEPS,
            note="the book's BFGS (precision.optimizers.train_bfgs) has no gradient tolerance: it stops when no "
                 "step lowers the loss or at the step budget, which is what gtol 1e-40 amounts to",
            is_knob=False),
    # ----------------------------------------------------------------- Chapter 4
    Setting("optimization", "fig8_targets", ("teacher", "Z.001"), f"{_SPEC} §4, Fig. 8"),
    Setting("optimization", "fig9_targets", ("Z.008", "I.11.19"), f"{_SPEC} §4, Fig. 9"),
    Setting("optimization", "fig8_n_train", 100_000, f"{_SPEC} §4, Figs. 7 and 8"),
    Setting("optimization", "fig9_n_train", 100_000, f"{_SPEC} §4, Fig. 9 (\"the same\" as Fig. 8)"),
    Setting("optimization", "n_test", 10_000, f"{_SPEC} §4, Figs. 7 and 8"),
    Setting("optimization", "adam_lrs", _LRS, f"{_SPEC} §4, Fig. 8"),
    Setting("optimization", "adam_steps_fig8", 30_000, f"{_SPEC} §4, Figs. 7 and 8"),
    Setting("optimization", "adam_steps_fig9", 50_000, f"{_SPEC} §4, Fig. 9"),
    Setting("optimization", "adam_width", 40, f"{_SPEC} §4, Figs. 7 and 8"),
    Setting("optimization", "bfgs_steps", 25_000, f"{_SPEC} conventions (scipy BFGS, maxiter 25 000)"),
    Setting("optimization", "pipeline_width", 20, f"{_SPEC} §4, Fig. 8 (481 parameters)"),
    Setting("optimization", "pipeline_bfgs_steps", 25_000, f"{_SPEC} conventions (scipy BFGS, maxiter 25 000)"),
    Setting("optimization", "lowcurv_steps", 500, f"{_SPEC} §4.2.1 and Fig. 8"),
    Setting("optimization", "tau", 1e-15, f"{_SPEC} §4.2.1"),
    Setting("optimization", "stages", 2, f"{_SPEC} §4.2.2 and Fig. 8 (a second width-20 net)"),
    Setting("optimization", "lowcurv_mode", "authors", f"{_SPEC} §4.2.1 (a fixed 500 steps); {_CODE}: every "
            "step the line search returns is taken"),
    Setting("optimization", "search_low", 1e-12, f"{_SPEC} §4.2.1 (α ∈ [1e-12, 1e12])"),
    Setting("optimization", "search_points", 15, f"{_SPEC} §4.2.1"),
    Setting("optimization", "search_zooms", 3, f"{_CODE}: logarithmic_line_search(depth=4) evaluates four grids, "
            "the first and three zoomed ones (SPEC §4.2.1 says \"4 zoom rounds\")"),
    Setting("optimization", "fig9_search_low", (("Z.008", (1e-25,)), ("I.11.19", (1e-30, 1e-50))),
            f"{_FIG9_SCRIPTS}: low=1e-25 in both stages on xy; 1e-30 in stage 1 and 1e-50 in stage 2 on I.11.19"),
    Setting("optimization", "fig9_search_points", 70, _FIG9_SCRIPTS),
    Setting("optimization", "low-curvature step to a NaN loss", "taken (np.argmin picks the NaN)", _CODE,
            note="when every trial step size gives a NaN or infinite loss the authors' search returns a step "
                 "to it; precision.lowcurv ends the run there instead, since every later step would be NaN",
            is_knob=False),
    # ----------------------------------------------------------------- Appendices B and D
    Setting("appendix-b", "target", "quintic", f"{_LOWCURV_NB}: a random 5th-order polynomial, coefficients "
            "uniform in [-1.5, 1.5], x uniform in [-1, 1]"),
    Setting("appendix-b", "n_train", 50_000, _LOWCURV_NB),
    Setting("appendix-b", "quintic coefficients", "drawn unseeded (np.random.uniform)", _LOWCURV_NB,
            note="an unseeded draw cannot be repeated; the `paper` profile's quintic is the draw of "
                 "precision.targets.random_polynomial(5, seed=0), so it is a random quintic, not theirs",
            is_knob=False),
    Setting("appendix-b", "taus", "1e-6 … 1e-16, with 1e-14 and 1e-16 (authors' code); SPEC lists 1e-6, 1e-8, "
            "1e-10, 1e-12, 1e-15, 1e-18", f"{_CODE}; {_SPEC} §Appendices B (Fig. A2)",
            note="the two sources disagree, so the `paper` profile runs both lists together"),
    Setting("appendix-b", "steps", 200, f"{_LOWCURV_NB}: 200 low-curvature steps per τ; SPEC §4.2.1's 500 is "
            "the paper's Figure 8 text"),
    Setting("appendix-b", "lowcurv_mode", "authors", f"{_SPEC} §4.2.1 (a fixed 500 steps); {_LOWCURV_NB}"),
    Setting("appendix-d", "targets", ("Z.001",), "paper App. D, Fig. A4 caption (y = x²)",
            note="the teacher is this book's addition (Figure 7's target, after BFGS) beside the authors' x²"),
    Setting("appendix-d", "Adam spectrum compared with", "Figure 7's (a width-40 net on the teacher)",
            "paper App. D, Fig. A4 caption (\"more obvious … than Adam finds\")",
            note="Appendix D compares each target's width-20 net after BFGS with the same net (data, initial "
                 "weights) trained by Adam, so the comparison does not mix in a change of width or target",
            is_knob=False),
)


def settings_for(chapter: str) -> tuple[Setting, ...]:
    """The authors' settings of ``chapter``, in the order of :data:`SETTINGS`.

    Parameters
    ----------
    chapter : str
        The chapter's notebook name.

    Returns
    -------
    tuple of Setting
        Its settings; empty if none are listed.
    """
    return tuple(s for s in SETTINGS if s.chapter == chapter)
