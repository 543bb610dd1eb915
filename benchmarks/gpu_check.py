"""The GPU check of issue "The paper profile runs": minutes on a machine with CUDA.

Run ``python benchmarks/gpu_check.py`` there. It fits the same data with the same options
on ``cpu`` and on ``cuda`` through :func:`precision.fitting.fit` and prints, per method,
both test RMSEs, their relative difference (float64 reductions in another order: expect
≲1e-10 for short runs) and both wall times, then the time per Adam step of a wide ReLU net
(Figure 2's largest, P ≈ 262 144) on each device, then Chapter 4's Figure 8 runs at
``--profile`` (default ``smoke``; ``book`` takes longer) through the chapters' own
``run_jobs(..., device=...)`` on both devices, with the same comparison. Without CUDA it says
so and exits 0.
"""
from __future__ import annotations

import json
import time

import torch

from precision.fitting import fit
from precision.models import mlp, n_params
from precision.targets import get_target, sample


def _timed(data, method, device, **options):
    start = time.perf_counter()
    result = fit(data, method, device=device, **options)
    if device != "cpu":
        torch.cuda.synchronize()
    return result, time.perf_counter() - start


def _adam_step_seconds(device: str, width: int = 510, depth: int = 3, n: int = 10_000, steps: int = 20) -> float:
    """Seconds per full-batch Adam step of a 1-w-w-1 ReLU net (w = 510: P ≈ 262 000, Figure 2's largest)."""
    dev = torch.device(device)
    net = mlp(1, width, depth, activation="relu").to(dev)
    x = torch.rand(n, 1, dtype=torch.float64, device=dev)
    y = torch.sin(3 * x)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for i in range(steps + 2):
        if i == 2:  # the first steps warm up kernels and caches
            if device != "cpu":
                torch.cuda.synchronize()
            start = time.perf_counter()
        opt.zero_grad()
        loss = torch.mean((net(x) - y) ** 2)
        loss.backward()
        opt.step()
    if device != "cpu":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def _chapter4(profile: str) -> list[dict]:
    """Figure 8's runs of Chapter 4 at ``profile`` on cpu and on cuda (each cached apart)."""
    from precision.chapters import optimization as opt
    from precision.chapters.profiles import resolve
    from precision.chapters.runs import run_jobs

    cfg = resolve("optimization", profile)
    jobs = [j for per in opt.figure_jobs(cfg, 8).values() for j in (*per["adam"][:1], per["bfgs"], per["pipeline"])]
    timed = {}
    for device in ("cpu", "cuda"):
        start = time.perf_counter()
        timed[device] = (run_jobs(jobs, device=device, workers=1, desc=f"Chapter 4 on {device}"),
                         time.perf_counter() - start)
    rows = []
    for job, a, b in zip(jobs, timed["cpu"][0], timed["cuda"][0]):
        ra, rb = a["rmse_test"], b["rmse_test"]
        rows.append({"run": f"{type(job).__name__} {job.target}", "rmse_cpu": ra, "rmse_cuda": rb,
                     "relative_difference": abs(ra - rb) / max(ra, 1e-300)})
        print(f"{rows[-1]['run']:24s} cpu {ra:.3e}  cuda {rb:.3e}  relative difference {rows[-1]['relative_difference']:.1e}")
    print(f"Chapter 4 ({profile}): cpu {timed['cpu'][1]:.0f} s, cuda {timed['cuda'][1]:.0f} s (cache hits count as 0)")
    return rows


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="smoke", help="Chapter 4's profile: smoke (default), book or paper")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device on this machine: nothing to check (the script is ready for one that has)")
        return 0
    print("device:", torch.cuda.get_device_name(0))
    data = sample(get_target("Z.001"), 2000, 10_000, seed=0)
    rows = []
    for method, options in (("mlp", {"steps": 2000, "activation": "tanh"}), ("lm", {"steps": 200}),
                            ("boost", {}), ("multistage", {"stages": 2, "steps": 300, "adam_steps": 200})):
        cpu, t_cpu = _timed(data, method, "cpu", **options)
        gpu, t_gpu = _timed(data, method, "cuda", **options)
        rel = abs(gpu.rmse_test - cpu.rmse_test) / max(cpu.rmse_test, 1e-300)
        rows.append({"method": method, "rmse_cpu": cpu.rmse_test, "rmse_cuda": gpu.rmse_test, "relative_difference": rel,
                     "seconds_cpu": t_cpu, "seconds_cuda": t_gpu})
        print(f"{method:11s} cpu {cpu.rmse_test:.3e} ({t_cpu:.1f} s)  cuda {gpu.rmse_test:.3e} ({t_gpu:.1f} s)  "
              f"relative difference {rel:.1e}")
    step = {d: _adam_step_seconds(d) for d in ("cpu", "cuda")}
    print(f"Adam step, 1-510-510-1 ReLU net (P = {n_params(mlp(1, 510, 3, activation='relu'))}), 10 000 points: "
          f"cpu {step['cpu'] * 1e3:.1f} ms, cuda {step['cuda'] * 1e3:.1f} ms")
    chapter4 = _chapter4(args.profile)
    print(json.dumps({"fits": rows, "adam_step_seconds": step, "chapter4": chapter4}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
