"""The reproduction scorecard: every figure and quantitative claim of the paper, and what
this build measured for it.

:data:`CLAIMS` lists the claims in the paper's order, each with a stable key, the figure,
the chapter that tests it and the authors' value (a citation of the paper). A chapter
notebook calls :func:`record` with the value it measured (a display string it formats from
its own run) and a verdict; the record lands in
``cache_dir()/scorecard/<profile>/<key>.json``. :func:`load` joins the records of a profile
with :data:`CLAIMS` for the Conclusions chapter, which the build executes after every
other notebook.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..cache import atomic_write_bytes, cache_dir, code_hash
from ..chapters.profiles import check_profile

__all__ = ["Claim", "Row", "CLAIMS", "VERDICTS", "NOT_RUN", "record", "load", "summary", "claim", "keys",
           "record_path", "combine"]

VERDICTS = ("reproduced", "partly", "differs")
NOT_RUN = "not run in this build"


@dataclass(frozen=True)
class Claim:
    """One figure or quantitative claim: ``figure`` is "1" … "10", "A1" … "A4" or ``None``
    (a claim of the text), ``chapter`` the docname of the notebook that measures it."""

    key: str
    figure: str | None
    chapter: str
    claim: str
    paper: str


_I, _P, _N, _O, _C = "book/introduction", "book/piecewise-linear", "book/nonlinear", "book/optimization", \
    "book/conclusions"
CLAIMS: tuple[Claim, ...] = (
    Claim("sec1-float64-precision", None, _I, "float64 sets the precision limit: machine epsilon, and the rounding "
          "error of O(1) labels", "ε₀ ≈ 1e-16 (2⁻⁵² ≈ 2.2e-16); labels ~2e-17 … 1.5e-16 RMSE"),
    Claim("sec1-simplex-exponent", None, _I, "linear simplex interpolation scales as N^(−2/d), so a 10× gain "
          "costs 10^(d/2)× more parameters", "exponent −2/d"),
    Claim("fig1-standardize", "1", _P, "standardising the inputs improves a ReLU net's fit (cos 2x; xy)",
          "cos 2x: 7.8e-2 → 2.4e-2; xy: 0.54 → 0.057"),
    Claim("fig1-simplex-vs-relu", "1", _P, "linear simplex interpolation of the same points does at least as well "
          "as the standardised net in low dimension", "cos 2x: 2.2e-2 vs 2.4e-2; xy: 0.019 vs 0.057"),
    Claim("fig2-simplex-exponents", "2", _P, "simplex interpolation follows N^(−2/d) on six equations, d = 1 … 6",
          "slope −2/d"),
    Claim("fig2-relu-high-d", "2", _P, "for d ≥ 3 ReLU nets scale like N^(−2/d*), d* = 2, and beat simplex "
          "interpolation at small N", "ReLU below simplex on the d ≥ 3 panels"),
    Claim("fig2-simplex-low-d", "2", _P, "in low dimension simplex interpolation beats ReLU nets, which plateau "
          "(optimisation error)", "simplex better on d = 1, 2"),
    Claim("fig3-modular", "3", _P, "modular ReLU nets scale at least as well as dense nets of the same depth and "
          "keep improving where dense nets plateau", "I.8.14: dense ~1e-2, modular ~1e-3 at N ≈ 1e5"),
    Claim("fig4-spline-exponents", "4", _N, "splines of order n scale as D^(−(n+1)/d) (1-D eˣ, 2-D e^(xy), "
          "3-D I.30.5)", "slope −(n+1)/d"),
    Claim("fig4-float64-floor", "4", _N, "in 1-D the high-order splines reach the float64 floor", "~1e-16"),
    Claim("fig5-tanh-vs-relu", "5", _N, "tanh nets are often better than ReLU nets at moderate N, but follow no "
          "clean power law", "tanh often below ReLU"),
    Claim("fig6-trained-tanh", "6", _N, "trained tanh nets on I.11.19 stall far above the precision limit",
          "~1e-2 … 1e-3"),
    Claim("fig6-gadget-net", "6", _N, "a depth-2 tanh net of width 12 (three multiplication gadgets) has "
          "architecture error at the precision limit", "at the machine-precision limit"),
    Claim("fig6-gap", "6", _N, "training does not get within 10 orders of magnitude of what the architecture "
          "allows", "≥ 10 orders of magnitude"),
    Claim("fig7-spectrum", "7", _O, "after Adam: a few large Hessian eigenvalues and a bulk near zero; the "
          "gradient lies mostly in the top directions", "few large eigenvalues, bulk near zero"),
    Claim("fig8-adam", "8", _O, "Adam plateaus, whatever its learning rate", "1e-3 … 1e-7"),
    Claim("fig8-bfgs", "8", _O, "BFGS alone gets much lower than Adam", "~1e-8"),
    Claim("fig8-teacher-boosted", "8", _O, "teacher–student: BFGS, then low-curvature steps and boosting",
          "BFGS 4.1e-8 → boosted 3.2e-13"),
    Claim("fig8-square-boosted", "8", _O, "y = x²: the full pipeline with boosting", "≈ 1e-14"),
    Claim("fig9-xy", "9", _O, "2-D xy: the tricks still help", "BFGS ~1e-6 → boosted ~3e-8"),
    Claim("fig9-i1119", "9", _O, "6-D I.11.19: the tricks help less as the dimension grows",
          "BFGS ~1e-4 → boosted ~5e-5"),
    Claim("fig10-guide", "10", _C, "a user's guide: which method to use by dimension, smoothness, grid and "
          "modularity", "the flowchart of Figure 10"),
    Claim("figA1-boost-vs-rescale", "A1", "book/appendix-a", "boosting's advantage is not just a rescaled loss",
          "boosting beats training one net on a loss rescaled by the same factor"),
    Claim("figA2-tau", "A2", "book/appendix-b", "low-curvature subspace steps: small thresholds τ help, large τ "
          "barely move the loss", "τ ≤ 1e-10 helps; τ ∈ {1e-6, 1e-8} barely moves"),
    Claim("figA3-bfgs-vs-adam", "A3", "book/appendix-c", "tanh nets: BFGS beats Adam on the 3-D equation and is "
          "roughly similar on the others", "BFGS better on I.30.5, similar elsewhere"),
    Claim("figA4-canyon", "A4", "book/appendix-d", "after BFGS on y = x², a few top Hessian eigenvalues far above "
          "the bulk (the canyon is clearer at low loss)", "a clear set of top eigenvalues"),
)
_BY_KEY = {c.key: c for c in CLAIMS}


def keys() -> list[str]:
    """Every claim key, in the paper's order."""
    return [c.key for c in CLAIMS]


def claim(key: str) -> Claim:
    """The claim with this key; ``ValueError`` listing the keys if unknown."""
    try:
        return _BY_KEY[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown scorecard key {key!r}; known keys: {', '.join(keys())}") from None


def combine(*results: str | bool) -> str:
    """One verdict from several checks, each ``True``/``False`` (reproduced or not) or a verdict:
    all reproduced → "reproduced"; none reproduced or partly → "differs"; else "partly"."""
    if not results:
        raise ValueError("combine needs at least one check")
    verdicts = []
    for r in results:
        if isinstance(r, (bool, np.bool_)):
            verdicts.append("reproduced" if r else "differs")
        elif r in VERDICTS:
            verdicts.append(r)
        else:
            raise ValueError(f"each check must be True, False or one of {', '.join(repr(v) for v in VERDICTS)}; "
                             f"got {r!r}")
    if all(v == "reproduced" for v in verdicts):
        return "reproduced"
    return "differs" if all(v == "differs" for v in verdicts) else "partly"


def record_path(key: str, profile: str) -> Path:
    """Where the record of ``key`` at ``profile`` lives: ``cache_dir()/scorecard/<profile>/<key>.json``."""
    return cache_dir() / "scorecard" / check_profile(profile) / f"{claim(key).key}.json"


def record(key: str, ours: str, verdict: str, note: str = "", *, profile: str) -> Path:
    """Store this build's value for a claim; returns the record's path.

    Parameters
    ----------
    key : a key of :data:`CLAIMS`.
    ours : the measured value as the chapter displays it, e.g. ``"−1.98 ± 0.02"``.
    verdict : "reproduced", "partly" or "differs".
    note : one optional sentence (e.g. why a value differs).
    profile : the profile the notebook ran at ("smoke", "book" or "paper").
    """
    c = claim(key)
    check_profile(profile)
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(repr(v) for v in VERDICTS)}; got {verdict!r}")
    if not isinstance(ours, str) or not ours.strip():
        raise ValueError(f"ours must be a non-empty string (the value as displayed), got {ours!r}")
    if not isinstance(note, str):
        raise ValueError(f"note must be a string, got {note!r}")
    entry = {"key": c.key, "figure": c.figure, "chapter": c.chapter, "ours": ours, "verdict": verdict,
             "note": note, "profile": profile,
             "recorded_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
             "code_hash": code_hash()}
    path = record_path(key, profile)
    atomic_write_bytes(path, (json.dumps(entry, indent=1, ensure_ascii=False) + "\n").encode())
    return path


@dataclass(frozen=True)
class Row:
    """A claim joined with this build's record; ``verdict`` is ``"not run"`` where there is
    none, and ``current`` says whether the record was made by the present package code."""

    claim: Claim
    ours: str
    verdict: str
    note: str = ""
    recorded_at: str | None = None
    current: bool = False

    @property
    def key(self) -> str:
        return self.claim.key


def load(profile: str) -> list[Row]:
    """Every claim of :data:`CLAIMS`, in order, with this profile's record (or "not run")."""
    check_profile(profile)
    rows = []
    for c in CLAIMS:
        path = record_path(c.key, profile)
        try:
            entry: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            rows.append(Row(c, NOT_RUN, "not run"))
            continue
        rows.append(Row(c, str(entry.get("ours", "")), str(entry.get("verdict", "not run")),
                        str(entry.get("note", "")), entry.get("recorded_at"), entry.get("code_hash") == code_hash()))
    return rows


def summary(rows: list[Row]) -> dict[str, int]:
    """How many rows have each verdict: reproduced, partly, differs, not run."""
    counts = dict.fromkeys((*VERDICTS, "not run"), 0)
    for row in rows:
        counts[row.verdict if row.verdict in counts else "not run"] += 1
    return counts
