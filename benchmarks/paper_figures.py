"""Figures 6 and 7 at the authors' sizes, where this machine can hold them: time against the plan.

``python benchmarks/paper_figures.py fig7 [fig6] [--json OUT]`` runs, at the ``paper`` profile:

* ``fig7``: Figure 7's Adam run (the spectrum after Adam, Chapter 4) at the paper's sizes;
* ``fig6``: Figure 6(b)'s hand-built product network, with its test set at the paper's size,
  and Figure 6(a)'s simplex interpolants of I.11.19 that fit in memory (the trained tanh nets
  of 6(a) are days of CPU at ``paper``; ``make plan PROFILE=paper`` says how many).

For each it prints the plan's estimate (:mod:`precision.chapters.plan`), the measured time and
this process's peak memory, the measurements the scorecard grades, and the scorecard's verdict
at ``paper`` and at ``book`` (the same code at the book's sizes; cached runs are read back).
Runs go through ``run_jobs``, so they are cached under ``$PRECISION_CACHE_DIR``: an
interrupted run loses nothing that finished.
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

import numpy as np

from precision import gadgets, targets
from precision.book import scorecard
from precision.book.plan_report import parse_bytes
from precision.chapters import nets, optimization as opt, plan
from precision.chapters.profiles import resolve
from precision.chapters.runs import run_jobs


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _estimate(jobs: list, coefficients: dict[str, float]) -> dict[str, float]:
    works = [j.work() for j in jobs]
    return {"core_seconds": sum(plan.estimate_seconds(w, coefficients) for w in works),
            "peak_bytes": max(plan.peak_bytes(w) for w in works)}


def figure7(profile: str) -> dict[str, Any]:
    job = opt.figure7_run(resolve("optimization", profile))
    start = time.perf_counter()
    spec = run_jobs([job], workers=1, desc=f"Figure 7 at {profile}")[0]["spectrum"]
    seconds = time.perf_counter() - start
    lam = spec["eigenvalues"]
    m = dict(big=opt.canyon_stats(lam)["big"], n_eigenvalues=len(lam), top10=opt.gradient_share(spec["projections"])["top10"])
    return {"job": repr(job), "seconds": seconds, "measurements": m, "verdict": scorecard.verdict("fig7-spectrum", **m)}


def figure6(profile: str, workers: int | None = None, limit: float | None = None) -> dict[str, Any]:
    cfg = resolve("nonlinear", profile)
    start = time.perf_counter()
    hand = gadgets.best_product_network(n_test=cfg.n_test)
    rms = float(np.sqrt(np.mean(targets.sample(targets.get_target("I.11.19"), 10, cfg.n_test).y_test ** 2)))
    gadget_seconds = time.perf_counter() - start
    limit = plan.total_memory() if limit is None else limit
    simplex = [nets.SimplexRun("I.11.19", n, s, n_test=cfg.n_test) for n in cfg.simplex_sizes
               for s in range(cfg.simplex_seeds)]
    fits = [j for j in simplex if plan.peak_bytes(j.work()) <= limit]
    start = time.perf_counter()
    rows = run_jobs(fits, workers=workers, desc=f"Figure 6a simplex at {profile}")
    m = dict(gadget_rmse=hand.test_rmse, rms_f=rms)
    best = {}
    for job, row in zip(fits, rows):
        best[job.n_train] = min(best.get(job.n_train, np.inf), row["rmse_test"])
    return {"gadget_seconds": gadget_seconds, "simplex_seconds": time.perf_counter() - start,
            "simplex_runs": len(fits), "simplex_left_out": [repr(j) for j in simplex if j not in fits],
            "simplex_best_rmse": {int(k): float(v) for k, v in sorted(best.items())},
            "measurements": m, "verdict": scorecard.verdict("fig6-gadget-net", **m), "jobs": fits}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("figures", nargs="+", choices=("fig6", "fig7"))
    parser.add_argument("--json", default=None, help="write the results here as JSON")
    parser.add_argument("--limit", default=None, help="leave out Figure 6's simplex runs the plan puts above this "
                        "much memory, e.g. 4GiB (default: this machine's RAM)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for Figure 6's simplex runs (default: one per core; 1 bounds memory)")
    args = parser.parse_args()
    limit = parse_bytes(args.limit) if args.limit else None
    coefficients = plan.calibrate()["coefficients"]
    out: dict[str, Any] = {}
    for name in args.figures:
        paper = figure7("paper") if name == "fig7" else figure6("paper", args.workers, limit)
        jobs = [opt.figure7_run(resolve("optimization", "paper"))] if name == "fig7" else paper.pop("jobs")
        paper["plan"] = _estimate(jobs, coefficients)
        paper["peak_bytes_so_far"] = _peak_bytes()
        book = figure7("book") if name == "fig7" else figure6("book", args.workers, limit)
        book.pop("jobs", None)
        out[name] = {"paper": paper, "book": book}
        seconds = paper["seconds"] if name == "fig7" else paper["gadget_seconds"] + paper["simplex_seconds"]
        print(f"{name}: paper ran in {seconds:.0f} s (plan: {paper['plan']['core_seconds']:.0f} core-s of runs, "
              f"peak {paper['plan']['peak_bytes'] / 2**30:.2f} GiB per run); peak of this process "
              f"{paper['peak_bytes_so_far'] / 2**30:.2f} GiB")
        print(f"  paper: {paper['measurements']} -> {paper['verdict']}")
        print(f"  book:  {book['measurements']} -> {book['verdict']}")
        if name == "fig6":
            print(f"  simplex best RMSE by |D|, paper: {paper['simplex_best_rmse']}")
            print(f"  left out (over the memory limit): {len(paper['simplex_left_out'])} runs")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
