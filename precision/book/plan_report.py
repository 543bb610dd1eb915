"""``python -m precision.book plan``: what a build at a profile will cost, before any compute.

Per chapter (in the order the build executes them): the number of runs (a run an earlier
chapter already computed is a cache hit, counted there), the estimated core-hours (or
GPU-hours, under a stated assumption), the wall time on this machine's workers, the peak
memory of the largest run, and every run that cannot fit in this machine's memory. The
estimates come from :mod:`precision.chapters.plan` (operation counts × coefficients timed
on small runs here). With a build record (``_build/executed/<profile>/build-record.json``,
or ``--compare PATH``) the measured wall time of each notebook is shown next to the estimate.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from ..chapters import plan as cp
from ..chapters.profiles import PROFILES
from ..memory import format_bytes

__all__ = ["main", "format_plan", "plan_json", "measured_seconds", "parse_bytes"]



def _title(chapter: str) -> str:
    """A chapter's row label in the plan (``"2 Piecewise linear methods"``), from its record."""
    from ..chapters.registry import get

    return get(chapter).short


def parse_bytes(text: str) -> float:
    """``"24GiB"``, ``"141 GB"``, ``"512MiB"`` or a number of bytes → bytes."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMGTP]?)(i?)B?\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"--memory must be a size like 24GiB, 141GB or 512MiB; got {text!r}")
    value, unit, binary = float(m.group(1)), m.group(2).upper(), m.group(3)
    power = "KMGTP".index(unit) + 1 if unit else 0
    return value * (1024 if binary or not unit else 1000) ** power


def measured_seconds(record_path: Path) -> dict[str, float]:
    """Measured wall seconds per chapter from a build record (only notebooks executed in it or
    reused from an earlier execution; a notebook re-run on a warm cache is not a cold time)."""
    record = json.loads(Path(record_path).read_text())
    out = {}
    for entry in record.get("notebooks", []):
        out[Path(entry["docname"]).name] = float(entry["seconds"])
    return out


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} d"


def _hours(seconds: float) -> str:
    h = seconds / 3600
    return f"{h:.3f}" if h < 1 else f"{h:.2f}" if h < 100 else f"{h:,.0f}"


def plan_json(plan: cp.Plan, measured: dict[str, float] | None = None) -> dict[str, Any]:
    """The plan as plain JSON-able values."""
    unit = "gpu_hours" if plan.device == "cuda" else "core_hours"
    chapters = []
    for c in plan.chapters:
        kinds: dict[str, dict[str, float]] = {}
        for w, s in zip(c.works, c.seconds):
            k = kinds.setdefault(w.kind + (" (inline)" if w.inline else ""), {"items": 0, "seconds": 0.0})
            k["items"] += 1
            k["seconds"] += s
        chapters.append({
            "chapter": c.chapter, "runs": c.runs, "inline_items": len(c.works) - c.runs, "shared_runs": c.shared,
            unit: c.core_seconds / 3600, "estimated_wall_s": c.wall_s, "alone_wall_s": c.alone_wall_s,
            "inline_s": c.inline_s,
            "measured_wall_s": (measured or {}).get(c.chapter), "peak_bytes": c.peak, "peak_run": c.peak_label,
            "by_kind": kinds,
            "too_big": [{"run": w.label, "needs_bytes": p, "largest": max(w.memory, key=lambda m: m[1])[0]}
                        for w, p in c.too_big]})
    return {"profile": plan.profile, "device": plan.device, "workers": plan.workers,
            "memory_limit_bytes": plan.memory_limit, "coefficients": plan.coefficients, "chapters": chapters,
            "total": {"runs": sum(c.runs for c in plan.chapters), unit: plan.core_seconds / 3600,
                      "estimated_wall_s": plan.wall_s,
                      "measured_wall_s": sum(measured[c.chapter] for c in plan.chapters if c.chapter in measured)
                      if measured else None,
                      "too_big": sum(len(c.too_big) for c in plan.chapters)},
            "assumptions": _assumptions(plan), "notes": plan.notes}


def _assumptions(plan: cp.Plan) -> list[str]:
    out = ["time = Σ coefficient × operation count per kind of run; coefficients from CPU seconds of small "
           "one-thread runs on this machine (precision.chapters.plan.calibrate)",
           "BFGS and LM are counted at their full step budgets (they often stop earlier): an upper bound",
           f"wall = runs of each run_jobs call started longest first on {plan.workers} worker(s) + inline work "
           f"+ {cp.NOTEBOOK_SECONDS:g} s per notebook (imports, figures)",
           "a run an earlier chapter computed is a cache hit in a build, counted once where it first runs "
           "(\"shared\"); \"alone\" is the chapter's wall time run by itself, its shared runs computed too "
           "(\"=\": it shares none)",
           f"peak memory per run = {format_bytes(cp.BASE_BYTES)} worker baseline + data + the run's large arrays"]
    if plan.device == "cuda":
        out.append(cp._GPU_NOTE.format(**cp.GPU_ASSUMPTION))
    return out


def format_plan(plan: cp.Plan, measured: dict[str, float] | None = None) -> str:
    """The plan as a plain-text table, a total, the runs that cannot fit and the assumptions."""
    gpu = plan.device == "cuda"
    hours = "GPU-h" if gpu else "core-h"
    lines = [f"Cost plan: profile={plan.profile}, device={plan.device}, {plan.workers} worker(s), "
             f"memory limit {format_bytes(plan.memory_limit)}", ""]
    head = ["chapter", "runs", "shared", hours, "est. wall", "alone"] + \
        (["measured", "est/meas"] if measured else []) + ["peak/run", "largest run (memory)"]
    rows = []
    for c in plan.chapters:
        inline = len(c.works) - c.runs
        row = [_title(c.chapter), f"{c.runs}" + (f" +{inline} inline" if inline else ""), str(c.shared),
               _hours(c.core_seconds), _duration(c.wall_s), _duration(c.alone_wall_s) if c.shared else "="]
        if measured:
            m = measured.get(c.chapter)
            warm = m and c.wall_s / m > 10  # a notebook re-run on a warm cache is no cold time
            row += [_duration(m) if m else "—", (f"{c.wall_s / m:.2f}" + ("*" if warm else "")) if m else "—"]
        row += [format_bytes(c.peak), c.peak_label[:60]]
        rows.append(row)
    total = ["total", str(sum(c.runs for c in plan.chapters)), str(sum(c.shared for c in plan.chapters)),
             _hours(plan.core_seconds), _duration(plan.wall_s), ""]
    if measured:
        m = sum(measured[c.chapter] for c in plan.chapters if c.chapter in measured)
        total += [_duration(m), f"{plan.wall_s / m:.2f}" if m else "—"]
    peak = max(plan.chapters, key=lambda c: c.peak)
    total += [format_bytes(peak.peak), f"({_title(peak.chapter)})"]
    widths = [max(len(r[i]) for r in [head, *rows, total]) for i in range(len(head))]

    def fmt(r: list[str]) -> str:
        return "  ".join(v.ljust(w) if i in (0, len(r) - 1) else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))

    lines += [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows), fmt(["-" * w for w in widths]), fmt(total)]
    too_big = [(c, w, p) for c in plan.chapters for w, p in c.too_big]
    lines.append("")
    if too_big:
        lines.append(f"Runs that cannot fit in {format_bytes(plan.memory_limit)} ({len(too_big)}; runs that differ "
                     f"only by seed on one line):")
        groups: dict[tuple, list[str]] = {}
        for c, w, p in too_big:
            what, size = max(w.memory, key=lambda m: m[1])
            label, _, seed = w.label.rpartition(" seed ")
            key = (_title(c.chapter), label or w.label, what, size, p)
            groups.setdefault(key, []).append(seed if label else "")
        for (title, label, what, size, p), seeds in groups.items():
            times = f" (×{len(seeds)}, seeds {', '.join(seeds)})" if len(seeds) > 1 else ""
            lines.append(f"  {title}: {label}{times}: {what} needs {format_bytes(size)} ({format_bytes(p)} in all); "
                         f"this machine has {format_bytes(plan.memory_limit)}")
    else:
        lines.append(f"Every run fits in {format_bytes(plan.memory_limit)}.")
    inline = [(c, w) for c in plan.chapters for w in c.works if w.inline]
    if inline:
        lines += ["", "Inline work (computed in the notebook itself, no Job; estimated with the same cost model):"]
        by_chapter: dict[str, float] = {}
        for c in plan.chapters:
            s = sum(t for w, t in zip(c.works, c.seconds) if w.inline)
            if s:
                by_chapter[c.chapter] = s
        for ch, s in by_chapter.items():
            labels = sorted({w.label.split(" (")[0] if w.kind == "delaunay" else w.label
                             for c, w in inline if c.chapter == ch})
            lines.append(f"  {_title(ch)}: {_duration(s)} — " + "; ".join(labels[:4])
                         + (f"; … ({len(labels) - 4} more)" if len(labels) > 4 else ""))
    lines += ["", "Assumptions:"] + [f"  - {a}" for a in _assumptions(plan)]
    if measured:
        lines.append("  - measured: wall seconds per notebook from the build record; * more than 10× below the "
                     "estimate: that notebook most likely re-ran on a warm cache (not a cold time)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m precision.book plan", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="book", help=f"{', '.join(PROFILES)} (default book)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (cuda: GPU-hours under a stated assumption)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--memory", default=None, help="memory limit per run, e.g. 24GiB (default: this machine's RAM)")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument("--recalibrate", action="store_true", help="time the small calibration runs again")
    parser.add_argument("--compare", default=None, metavar="RECORD",
                        help="a build-record.json to compare with (default: _build/executed/PROFILE/ under --root)")
    parser.add_argument("--root", default=".", help="the book's root folder (for the default build record)")
    args = parser.parse_args(argv)
    try:
        from ..chapters.profiles import check_profile

        check_profile(args.profile)
        cp.check_device(args.device)
        if args.workers is not None and args.workers < 1:
            raise ValueError(f"workers must be a positive integer; got {args.workers}")
        limit = parse_bytes(args.memory) if args.memory is not None else None
    except ValueError as err:
        parser.exit(2, f"python -m precision.book plan: error: {err}\n")
    calibration = cp.calibrate(recalibrate=args.recalibrate)
    plan = cp.make_plan(args.profile, args.device, args.workers, limit, calibration["coefficients"])
    record = Path(args.compare) if args.compare else Path(args.root) / "_build" / "executed" / args.profile / \
        "build-record.json"
    measured = measured_seconds(record) if record.exists() and args.device == "cpu" else None
    if args.json:
        out = plan_json(plan, measured)
        out["calibration"] = {k: calibration.get(k) for k in ("when", "code_hash", "cpu_seconds", "memory_check")}
        print(json.dumps(out, indent=1))
    else:
        print(format_plan(plan, measured))
        check = calibration.get("memory_check") or []
        if check:
            print("  - memory model checked on small runs (measured peak above the process's level): "
                  + "; ".join(f"{m['what']}: model {format_bytes(m['model_bytes'])}, measured "
                              f"{format_bytes(m['measured_bytes']) if m['measured_bytes'] is not None else '?'}"
                              for m in check))
        print(f"  - calibration: {calibration.get('when')}, code {calibration.get('code_hash')}, "
              f"{calibration.get('cpu_seconds', 0):.0f} CPU s (--recalibrate to redo)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
