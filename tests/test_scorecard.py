"""The reproduction scorecard: every figure listed, records stored per profile, joined in order."""
from __future__ import annotations

import json

import pytest

from precision.book import scorecard
from precision.cache import code_hash

FIGURES = [str(i) for i in range(1, 11)] + ["A1", "A2", "A3", "A4"]
CHAPTER4_KEYS = ("fig7-spectrum", "fig8-adam", "fig8-bfgs", "fig8-teacher-boosted", "fig8-square-boosted", "fig9-xy",
                 "fig9-i1119", "figA1-boost-vs-rescale", "figA2-tau", "figA4-canyon")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PRECISION_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_every_figure_has_a_claim_and_keys_are_unique():
    assert {c.figure for c in scorecard.CLAIMS if c.figure} == set(FIGURES)
    keys = scorecard.keys()
    assert len(keys) == len(set(keys))
    assert all(c.chapter.startswith("book/") and c.claim and c.paper for c in scorecard.CLAIMS)


def test_claims_follow_the_papers_order():
    order = [None] + FIGURES
    ranks = [order.index(c.figure) for c in scorecard.CLAIMS]
    assert ranks == sorted(ranks)


def test_chapter_4_keys_are_the_agreed_ones():
    assert set(CHAPTER4_KEYS) <= set(scorecard.keys())
    assert scorecard.claim("fig8-teacher-boosted").chapter == "book/optimization"
    assert scorecard.claim("figA2-tau").chapter == "book/appendix-b"


def test_record_then_load(cache):
    path = scorecard.record("fig2-simplex-exponents", "−1.98 … −0.33", "reproduced", note="six equations",
                            profile="smoke")
    assert path == cache / "scorecard" / "smoke" / "fig2-simplex-exponents.json"
    entry = json.loads(path.read_text())
    assert entry["ours"] == "−1.98 … −0.33" and entry["verdict"] == "reproduced" and entry["profile"] == "smoke"
    assert entry["code_hash"] == code_hash() and entry["recorded_at"].endswith("UTC")
    rows = scorecard.load("smoke")
    assert [r.key for r in rows] == scorecard.keys()
    row = next(r for r in rows if r.key == "fig2-simplex-exponents")
    assert row.verdict == "reproduced" and row.note == "six equations" and row.current
    others = [r for r in rows if r.key != "fig2-simplex-exponents"]
    assert all(r.verdict == "not run" and r.ours == scorecard.NOT_RUN for r in others)
    assert scorecard.summary(rows) == {"reproduced": 1, "partly": 0, "differs": 0, "not run": len(rows) - 1}
    # profiles are kept apart; a new record replaces the old one
    assert all(r.verdict == "not run" for r in scorecard.load("book"))
    scorecard.record("fig2-simplex-exponents", "−1.5", "differs", profile="smoke")
    assert next(r for r in scorecard.load("smoke") if r.key == "fig2-simplex-exponents").verdict == "differs"


def test_a_record_from_other_code_is_marked(cache):
    path = scorecard.record("fig10-guide", "redrawn", "partly", profile="book")
    entry = json.loads(path.read_text())
    path.write_text(json.dumps({**entry, "code_hash": "0" * 16}))
    row = next(r for r in scorecard.load("book") if r.key == "fig10-guide")
    assert row.verdict == "partly" and not row.current


@pytest.mark.parametrize("args, kwargs, message", [
    (("fig99", "x", "reproduced"), dict(profile="smoke"), "unknown scorecard key 'fig99'; known keys: sec1-"),
    (("fig2-simplex-exponents", "x", "yes"), dict(profile="smoke"),
     "verdict must be one of 'reproduced', 'partly', 'differs'; got 'yes'"),
    (("fig2-simplex-exponents", "x", "reproduced"), dict(profile="fast"), "profile must be one of"),
    (("fig2-simplex-exponents", "", "reproduced"), dict(profile="smoke"), "ours must be a non-empty string"),
    (("fig2-simplex-exponents", 0.5, "reproduced"), dict(profile="smoke"), "ours must be a non-empty string"),
])
def test_bad_records_are_refused(cache, args, kwargs, message):
    with pytest.raises(ValueError) as err:
        scorecard.record(*args, **kwargs)
    assert message in str(err.value)
    assert not (cache / "scorecard").exists() or not any((cache / "scorecard").rglob("*.json"))


def test_profile_is_required():
    with pytest.raises(TypeError):
        scorecard.record("fig2-simplex-exponents", "x", "reproduced")  # type: ignore[call-arg]


def test_load_rejects_an_unknown_profile(cache):
    with pytest.raises(ValueError, match="profile must be one of"):
        scorecard.load("fast")


@pytest.mark.parametrize("checks, verdict", [
    ((True, True), "reproduced"),
    ((True, False), "partly"),
    ((False, False), "differs"),
    (("reproduced", "partly"), "partly"),
    (("differs", False), "differs"),
    (("partly",), "partly"),
])
def test_combine(checks, verdict):
    assert scorecard.combine(*checks) == verdict


@pytest.mark.parametrize("checks, message", [((), "at least one"), (("maybe",), "got 'maybe'")])
def test_combine_refuses_bad_checks(checks, message):
    with pytest.raises(ValueError, match=message):
        scorecard.combine(*checks)
