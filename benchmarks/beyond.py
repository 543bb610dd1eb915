"""Beyond the paper: how close to float64 round-off does each method get, and how fast?

For each target (y = x², the 1-3-3-1 teacher, eˣ, sin x on [0, 6], xy on [1, 5]²) runs
Adam, BFGS, the paper's pipeline (BFGS → low-curvature steps → one boosting stage), LM,
LM + boosting, Wang & Lai multi-stage nets and Chebyshev series at the sizes of the
``beyond`` profile (``precision/profiles.py``), one torch thread, one run at a time, and
prints a markdown table (``--json`` for JSON) of test RMSE and time next to the floors:
``label floor`` = RMSE of the exact labels rounded to float64 (mpmath reference), ``net
floor`` = the float64 forward-pass rounding of the method's first net.

Run: ``nice -n 10 python benchmarks/beyond.py --profile book [--targets Z.001 teacher]``

Measured (profile book: 2000 train / 10 000 test points, width-20 depth-3 tanh nets;
"cpu s" = process CPU seconds of the one-thread run = its time on one idle core; the wall
times were 1.5–3× longer on the 2 shared, busy cores of the build machine):

RESULTS-PLACEHOLDER
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from precision import profiles
from precision.beyond import beyond_configs, label_floor, run_beyond


def _fmt(v) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="book", choices=profiles.PROFILES)
    parser.add_argument("--targets", nargs="*", help="subset of the profile's targets")
    parser.add_argument("--methods", nargs="*", help="subset of the methods (default all)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a markdown table")
    parser.add_argument("--out", help="also write the rows as JSON to this file")
    args = parser.parse_args()
    cfg = profiles.resolve("beyond", args.profile)
    targets = tuple(args.targets) if args.targets else cfg.targets
    runs = [r for r in beyond_configs(cfg, targets) if not args.methods or r.method in args.methods]
    floors = {t: label_floor(t, 2000) for t in targets}
    rows = []
    for run in runs:
        out = run_beyond(run)
        if "skipped" in out:
            continue
        out["label_floor"] = floors[run.target]
        rows.append(out)
        print(f"{run.target:8s} {run.method:17s} test {out['rmse_test']:.2e}  {out['cpu_seconds']:7.1f} cpu s  "
              f"{out['seconds']:7.1f} wall s", file=sys.stderr, flush=True)
        if args.out:
            with open(args.out, "w") as fh:
                json.dump(rows, fh, indent=1)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print("| target | method | test RMSE | train RMSE | cpu s | wall s | params | net floor | label floor |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['target']} | {r['method']} | {_fmt(r['rmse_test'])} | {_fmt(r['rmse_train'])} | "
              f"{r['cpu_seconds']:.0f} | {r['seconds']:.0f} | {r['n_params']} | {_fmt(r.get('forward_floor'))} | "
              f"{_fmt(r['label_floor'])} |")


if __name__ == "__main__":
    main()
