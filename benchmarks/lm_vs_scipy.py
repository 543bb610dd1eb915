"""Our Levenberg–Marquardt against SciPy's MINPACK ``lm`` and ``trf`` on one multi-stage stage.

The stage is stage 1 of an adaptive multi-stage fit (:mod:`precision.multistage`): a
tanh net after its Adam warm-up, on the target rescaled by ``c = 2/max|y|`` with inputs
mapped onto [−1, 1]. Every method starts from those weights, gets the same analytic
Jacobian and the same wall-clock budget; the table gives each one's time to the common
training RMSE (the worst final one) as a ratio to ours, and its cost per residual
evaluation (ours: per step; SciPy: per call of the residual). One thread everywhere.

    python benchmarks/lm_vs_scipy.py                 # about 4 × 20 s
    python benchmarks/lm_vs_scipy.py --seconds 5 --n-train 500 --width 10 --json out.json
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core for numpy/SciPy too
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from precision.lmbench import LM_METHODS, compare_lm  # noqa: E402
from precision.multistage import AUTO, stage_net  # noqa: E402
from precision.optimizers import train_adam  # noqa: E402
from precision.targets import from_expression, sample, to_unit_box  # noqa: E402


def stage_one(expr: str, n_train: int, width: int, depth: int = 3, seed: int = 0):
    """Stage 1 of an adaptive multi-stage fit of ``expr`` on x ∈ [−1, 1], after its Adam warm-up:
    (net, inputs, scaled targets)."""
    data = sample(from_expression(expr, {"x": (-1.0, 1.0)}), n_train, 1, seed=seed)
    x = torch.from_numpy(to_unit_box(data.x_train, data.x_train.min(0), data.x_train.max(0)))
    y = torch.from_numpy(data.y_train)
    y = y * (2 / float(y.abs().max()))
    net = stage_net(1, width, depth, seed=seed)
    train_adam(net, x, y, AUTO["adam_first"], lr=1e-3)
    return net, x, y


def run(expr: str = "log(x+2)*cos(2*x+x**3)", n_train: int = 2000, width: int = 20, seconds: float = 20.0,
        methods: tuple[str, ...] = LM_METHODS) -> dict:
    torch.set_num_threads(1)
    net, x, y = stage_one(expr, n_train, width)
    comparison = compare_lm(net, x, y, seconds, methods)
    return {"target": expr, "width": width, "seconds_each": seconds, **comparison.to_dict()}


def table(result: dict) -> str:
    lines = [f"{result['target']}: n={result['n_train']}, P={result['n_params']}, {result['seconds_each']:g} s each; "
             f"common train RMSE {result['level']:.3e}",
             f"{'method':10s} {'final RMSE':>11s} {'evals':>6s} {'ms/eval':>8s} {'time to common':>15s} {'÷ ours':>7s}"]
    for m, row in result["methods"].items():
        per = 1e3 * row["seconds"] / max(row["evaluations"], 1)
        lines.append(f"{m:10s} {row['final_rmse']:11.3e} {row['evaluations']:6d} {per:8.1f} "
                     f"{row['time_to_level']:14.2f}s {result['ratio_to_ours'][m]:7.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expr", default="log(x+2)*cos(2*x+x**3)", help="1-D target on [-1, 1]")
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--width", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0, help="wall-clock budget of each method")
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args(argv)
    result = run(args.expr, args.n_train, args.width, args.seconds)
    print(table(result))
    text = json.dumps(result, default=lambda v: None if not np.isfinite(v) else v)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
