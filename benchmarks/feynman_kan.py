"""KAN's Feynman table (Liu et al. 2024, arXiv 2404.19756, Table 2) on its own terms.

Each row of :data:`precision.kanbench.KAN_ROWS` is fitted from 1000 training points and
tested on 1000 points uniform over the same box, best of the seeds, by our methods (see
:func:`precision.kanbench.run_row`), next to KAN's reported lowest test RMSE and their MLP's,
the float64 floor of the labels and the simplex / spline baselines. One thread.

    python benchmarks/feynman_kan.py --size smoke          # 2 rows, 1 seed, 8 s per fit
    python benchmarks/feynman_kan.py --size book           # 27 rows, 1 seed, 20 s per fit
    python benchmarks/feynman_kan.py --size paper --json kan.json   # 27 rows, 3 seeds, 120 s, multistage + lm
    python benchmarks/feynman_kan.py --rows I.44.4 I.6.2 --seeds 0 1 2 --time-limit 60
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from precision.kanbench import KAN_ROWS, METHODS, SIZES, SOURCE, run_row  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="smoke")
    parser.add_argument("--rows", nargs="*", help="equation ids (default: the size's)")
    parser.add_argument("--seeds", nargs="*", type=int, help="seeds (default: the size's)")
    parser.add_argument("--methods", nargs="*", choices=METHODS, help="our methods (default: the size's)")
    parser.add_argument("--time-limit", type=float, help="seconds per fit (default: the size's)")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--json", help="write every row's result here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    size = SIZES[args.size]
    rows = args.rows or size["rows"] or [r.eq for r in KAN_ROWS]
    seeds = tuple(args.seeds) if args.seeds else size["seeds"]
    methods = tuple(args.methods) if args.methods else size["methods"]
    limit = args.time_limit or size["time_limit"]
    print(f"# {SOURCE}\n# size {args.size}: {len(rows)} rows, seeds {seeds}, methods {methods}, {limit:g} s per fit")
    head = (f"{'eq':10s} {'d':>1s} {'ours test':>9s} {'train':>9s} {'floor':>9s} {'KAN low':>9s} {'ratio':>8s} "
            f"{'simplex':>9s} {'spline':>9s} {'stop':>10s} {'s':>5s}")
    print(head)
    out, start = [], time.perf_counter()
    for eq in rows:
        res = run_row(eq, seeds=seeds, methods=methods, time_limit=limit, baselines=not args.no_baselines)
        out.append(res.to_dict())
        spline = "—" if res.spline_test is None else f"{res.spline_test:9.2e}"
        print(f"{res.eq:10s} {res.d:1d} {res.rmse_test:9.2e} {res.rmse_train:9.2e} {res.floor:9.2e} "
              f"{res.kan_lowest:9.2e} {res.ratio:8.2g} {res.simplex_test:9.2e} {spline:>9s} "
              f"{str(res.stop_reason):>10s} {res.seconds:5.0f}" + (f"  ← {res.why}" if res.why else ""), flush=True)
        if args.json:  # after every row: an interrupted run keeps what it measured
            _write(args.json, args, seeds, methods, limit, time.perf_counter() - start, out)
    total = time.perf_counter() - start
    beaten = sum(r["ratio"] >= 100 for r in out)
    ratios = [r["ratio"] for r in out if math.isfinite(r["ratio"])]
    print(f"# {beaten}/{len(out)} rows >= 100x below KAN's lowest; median ratio "
          f"{sorted(ratios)[len(ratios) // 2]:.3g}; {total:.0f} s total")
    if args.json:
        _write(args.json, args, seeds, methods, limit, total, out)
    return 0


def _write(path, args, seeds, methods, limit, seconds, rows) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"size": args.size, "seeds": seeds, "methods": methods, "time_limit": limit,
                   "seconds": seconds, "rows": rows}, fh, indent=1, default=float)


if __name__ == "__main__":
    sys.exit(main())
