"""The paper-shape check: every kind of run of the book at its full ``paper`` sizes, a few steps each.

The ``paper`` profile costs thousands of core-hours; its shapes cost minutes to hours. For
every chapter this runs, one at a time, per kind of run the one the plan expects to need the
most memory within ``--limit`` (:func:`precision.chapters.shape.shape_jobs`), with every step
budget capped at ``--steps`` and staged runs cut to 2 stages (:func:`~precision.chapters.shape.shrink`),
in a fresh one-thread process (:func:`~precision.chapters.shape.measure`). It prints per
chapter a table — kind, run, the plan's estimated peak memory, the measured peak, their
ratio, seconds, OK or the error — then the runs too big for the limit, with the plan's
sentence. A run of the same shape as one measured before (same kind, same allocations in
the plan: the appendices' pipelines on other 1-D targets) is not measured again. Some steps
cost the full run's time at these sizes (a Delaunay triangulation, an exact Hessian of
100 000 points, a test pass of a 262 144-parameter net): expect hours, not minutes;
``--timeout`` bounds each run.

Run: ``nice -n 10 python benchmarks/paper_shape.py --profile paper --json paper_shape.json``

With ``--json`` every finished run is written at once (the file is rewritten atomically), so
an interrupted check loses nothing; ``--resume`` reads that file back and skips the runs it
holds. Exit status 1 if any run raised, was killed or timed out.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from precision.cache import atomic_write_bytes
from precision.chapters import plan, profiles
from precision.chapters.shape import measure, shape_jobs, shrink
from precision.memory import format_bytes

_UNITS = {"": 1, "b": 1, "k": 2 ** 10, "kb": 10 ** 3, "kib": 2 ** 10, "m": 2 ** 20, "mb": 10 ** 6, "mib": 2 ** 20,
          "g": 2 ** 30, "gb": 10 ** 9, "gib": 2 ** 30, "t": 2 ** 40, "tb": 10 ** 12, "tib": 2 ** 40}


def parse_bytes(text: str) -> int:
    """``"20GiB"``, ``"512 MiB"``, ``"1.5e9"`` → bytes."""
    m = re.fullmatch(r"\s*([0-9.]+(?:e[0-9]+)?)\s*([a-z]*)\s*", text.lower())
    if not m or m.group(2) not in _UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 20GiB, 512MiB)")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def _chapters(text: str) -> list[str]:
    names = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in names if c not in plan.chapter_names()]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown chapter(s) {', '.join(bad)}; one of {', '.join(plan.chapter_names())}")
    return names


def _table(rows: list[dict]) -> str:
    lines = ["| kind | run | plan peak | measured peak | measured/plan | seconds | status |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        peak = r["measured_bytes"]
        ratio = f"{peak / r['plan_bytes']:.2f}" if peak else "—"
        secs = "—" if r["seconds"] is None else f"{r['seconds']:.1f}"
        status = "OK" if r["error"] is None else f"ERROR: {r['error']}"
        label = r["label"].replace("|", "\\|")  # |D| in a simplex run's label
        lines.append(f"| {r['kind']} | {label} | {format_bytes(r['plan_bytes'])} | "
                     f"{format_bytes(peak) if peak else '—'} | {ratio} | {secs} | {status}"
                     + (f" (same shape as {r['same_as']})" if r.get("same_as") else "") + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="paper", choices=profiles.PROFILES)
    parser.add_argument("--chapters", type=_chapters, default=list(plan.chapter_names()),
                        help="comma-separated subset of " + ",".join(plan.chapter_names()))
    parser.add_argument("--steps", type=int, default=3, help="cap of every step budget (default 3)")
    parser.add_argument("--limit", type=parse_bytes, default=None,
                        help="memory a run may need, e.g. 20GiB (default: this machine's RAM)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run before it is killed")
    parser.add_argument("--json", dest="out", help="write the results here, after every run")
    parser.add_argument("--resume", action="store_true", help="skip the runs already in the --json file")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be a positive integer, got {args.steps}")
    if args.resume and not args.out:
        parser.error("--resume needs --json")
    limit = plan.total_memory() if args.limit is None else args.limit
    report = {"profile": args.profile, "steps": args.steps, "limit_bytes": limit, "machine_bytes": plan.total_memory(),
              "cpu_count": os.cpu_count(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "runs": [], "refused": []}
    done: dict[str, dict] = {}  # a shape (kind and the plan's allocations) → the row that measured it
    if args.resume and Path(args.out).exists():
        old = json.loads(Path(args.out).read_text())
        done = {r["shape"]: r for r in old.get("runs", []) if r.get("steps") == args.steps}

    def save() -> None:
        if args.out:
            atomic_write_bytes(Path(args.out), json.dumps(report, indent=1).encode())

    print(f"paper-shape check: profile {args.profile}, steps capped at {args.steps}, memory limit "
          f"{format_bytes(limit)} (this machine: {format_bytes(plan.total_memory())})", flush=True)
    failed = 0
    for chapter in args.chapters:
        shapes = shape_jobs(chapter, args.profile, limit)
        todo = [s for s in shapes if s.refused is None]
        rows = []
        print(f"\n## {chapter}: {len(todo)} kind{'s' if len(todo) != 1 else ''} of run to check", flush=True)
        for i, s in enumerate(todo, 1):
            key = f"{s.kind} {s.job.work().memory!r}"
            row = {"chapter": chapter, "kind": s.kind, "label": s.label, "runs_of_kind": s.runs,
                   "plan_bytes": s.plan_bytes, "steps": args.steps, "shape": key,
                   "job": repr(shrink(s.job, args.steps))}
            if key in done:
                prev = done[key]
                row.update({k: prev[k] for k in ("measured_bytes", "seconds", "error", "wall_s")},
                           same_as=prev.get("same_as") or f"{prev['chapter']}: {prev['label']}")
                print(f"  [{i}/{len(todo)}] {s.kind}: {s.label}: same shape as {row['same_as']}, not measured again",
                      flush=True)
            else:
                print(f"  [{i}/{len(todo)}] {s.kind}: {s.label} (plan {format_bytes(s.plan_bytes)}) ...",
                      end=" ", flush=True)
                start = time.perf_counter()
                m = measure(s.job, args.steps, timeout=args.timeout)
                row.update(measured_bytes=m.peak_bytes, seconds=m.seconds, error=m.error,
                           wall_s=time.perf_counter() - start)
                print("OK" if m.ok else f"ERROR: {m.error}", f"({row['wall_s']:.0f} s)", flush=True)
                done[key] = row
            failed += row["error"] is not None
            rows.append(row)
            report["runs"].append(row)
            save()
        refused = [s for s in shapes if s.refused is not None]
        report["refused"] += [{"chapter": chapter, "kind": s.kind, "label": s.label, "runs_of_kind": s.runs,
                               "plan_bytes": s.plan_bytes, "sentence": s.refused} for s in refused]
        save()
        print()
        print(_table(rows) if rows else "(no run within the limit)")
        if refused:
            print(f"\nToo big for {format_bytes(limit)} (not run):")
            for s in refused:
                print(f"- {s.kind} ({s.runs} run{'s' if s.runs > 1 else ''} over the limit; the largest): {s.refused}")
        sys.stdout.flush()
    n = len(report["runs"])
    print(f"\n{n - failed} of {n} runs OK, {len(report['refused'])} kinds with runs too big for {format_bytes(limit)}"
          + (f"; results in {args.out}" if args.out else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
