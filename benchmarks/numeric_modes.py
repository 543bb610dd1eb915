"""Does the pinned numeric mode give the same bits under other settings of this machine?

Runs one long BFGS fit (and, with ``--notebook``, one smoke chapter) in fresh processes under
several settings — native and pinned kernels, one thread or two, another OpenBLAS core type —
and prints, per setting, the final RMSEs and whether they equal the first pinned setting's bit
for bit::

    python benchmarks/numeric_modes.py
    python benchmarks/numeric_modes.py --notebook appendix-a   # every number the chapter prints

Settings whose ``OPENBLAS_CORETYPE`` this processor cannot run are reported, not hidden.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from precision.numeric import PINNED  # noqa: E402

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
SETTINGS = {
    "native": {},
    "native, 1 thread": ONE_THREAD,
    "pinned": PINNED,
    "pinned, 1 thread": {**PINNED, **ONE_THREAD},
    "pinned, OpenBLAS Prescott kernels": {**PINNED, "OPENBLAS_CORETYPE": "Prescott"},
}
FIT = ["-m", "precision", "fit", "--target", "Z.001", "--method", "mlp", "--activation", "tanh",
       "--optimizer", "bfgs", "--steps", "1500", "--width", "20", "--seed", "0"]
NUMBER = re.compile(r"\d\.\d+e[-+]\d+|\d+\.\d+")


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {*PINNED, *ONE_THREAD, "OPENBLAS_CORETYPE"}}
    return {**env, **extra}


def fit(extra: dict[str, str]) -> dict:
    start = time.perf_counter()
    run = subprocess.run([sys.executable, *FIT], env=_env(extra), capture_output=True, text=True, cwd=ROOT)
    if run.returncode:
        return {"error": run.stderr.strip().splitlines()[-1:]}
    out = json.loads(run.stdout)
    return {"rmse_test": out["rmse_test"], "rmse_train": out["rmse_train"],
            "seconds": round(time.perf_counter() - start, 1)}


def notebook_numbers(name: str, extra: dict[str, str]) -> list[str]:
    """Every number printed or shown by the smoke chapter ``name`` (run in a fresh cache)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _env({**extra, "PRECISION_CACHE_DIR": tmp})
        code = ("import sys; from pathlib import Path; from precision.book.build import execute_notebook; "
                f"execute_notebook(Path('.'), 'book/{name}', Path('{tmp}/out.ipynb'), {{'profile': 'smoke'}})")
        subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True)
        nb = json.loads(Path(tmp, "out.ipynb").read_text())
    numbers = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/markdown", ""))
            text = re.sub(r"\d+(\.\d+)? ?s\b|ran in [^;]*;", "", text)  # run times
            numbers += NUMBER.findall(text)
    return numbers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", help="also compare every number of this smoke chapter (e.g. appendix-a)")
    args = parser.parse_args()
    reference = None
    for label, extra in SETTINGS.items():
        result = fit(extra)
        if "error" in result:
            print(f"{label:36s} could not run: {result['error']}")
            continue
        if reference is None and label.startswith("pinned"):
            reference = result
        same = "" if reference is None else (
            "  same bits as 'pinned'" if (result["rmse_test"], result["rmse_train"]) ==
            (reference["rmse_test"], reference["rmse_train"]) else "  differs from 'pinned'")
        print(f"{label:36s} test {result['rmse_test']!r:24} train {result['rmse_train']!r:24} "
              f"{result['seconds']:6.1f} s{same}", flush=True)
    if args.notebook:
        base = None
        for label, extra in SETTINGS.items():
            numbers = notebook_numbers(args.notebook, extra)
            if base is None:
                base = numbers
            differ = sum(a != b for a, b in zip(numbers, base)) + abs(len(numbers) - len(base))
            print(f"{args.notebook} {label:36s} {len(numbers)} numbers shown, {differ} differ from native", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
