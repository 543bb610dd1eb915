"""Measure the paper's combined pipeline (§4.2, Figure 8): a width-20 depth-3 tanh net
trained by BFGS then low-curvature subspace steps, then one boosting stage with a fresh
width-20 net trained the same way. Prints per-stage train/test RMSE and wall times as JSON.

Run: ``nice -n 10 python benchmarks/boost_pipeline.py --target teacher --n-train 1000``

Measured on 2 shared CPU cores (one thread, BFGS ≤ 25 000 steps, 100 low-curvature steps
with a fresh Hessian every 10, τ = 1e-15, c = 1/mean|r|), final test RMSE:
teacher n=1000 6.0e-13 (372 s); teacher n=2000 2.3e-12 (442 s); y = x² n=2000 2.9e-13 (409 s).
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from precision.boosting import boost
from precision.models import mlp
from precision.targets import get_target, sample, teacher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="teacher", help="'teacher' or an equation id such as Z.001")
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--stages", type=int, default=2)
    parser.add_argument("--width", type=int, default=20)
    parser.add_argument("--bfgs-steps", type=int, default=25_000)
    parser.add_argument("--lowcurv-steps", type=int, default=100)
    parser.add_argument("--hessian-every", type=int, default=10)
    parser.add_argument("--tau", type=float, default=1e-15)
    parser.add_argument("--scale", default="mean", help="residual rescaling: mean (paper), max or none")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    target = teacher() if args.target == "teacher" else get_target(args.target)
    data = sample(target, args.n_train, args.n_test, seed=0)
    start = time.perf_counter()
    res = boost(lambda k: mlp(1, args.width, 3, "tanh", seed=k), data.x_train, data.y_train, args.stages,
                data.x_test, data.y_test, bfgs_steps=args.bfgs_steps, lowcurv_steps=args.lowcurv_steps,
                tau=args.tau, hessian_every=args.hessian_every, record_every=100,
                scale=args.scale)
    stages = []
    for k, s in enumerate(res.stages):
        lc = s.lowcurv
        stages.append({"stage": k + 1, "scale": s.scale,
                       "bfgs": {"steps": s.main.steps, "seconds": s.main.seconds, "rmse_train": s.main.rmse_train / s.scale,
                                "rmse_test": s.main.rmse_test / s.scale, "stopped": s.main.stopped},
                       "lowcurv": None if lc is None else {"steps": lc.steps, "seconds": lc.seconds,
                                                          "rmse_train": lc.rmse_train / s.scale,
                                                          "rmse_test": lc.rmse_test / s.scale, "stopped": lc.stopped},
                       "combined_rmse_train": s.rmse_train, "combined_rmse_test": s.rmse_test})
    print(json.dumps({"target": target.name, **vars(args), "stages": stages, "rmse_test": res.rmse_test,
                      "seconds": time.perf_counter() - start}, indent=1))


if __name__ == "__main__":
    main()
