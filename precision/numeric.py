"""The numeric mode: torch's CPU kernels and MKL's code branch, pinned or native.

A long optimisation amplifies the last bit of every sum. Which SIMD kernels torch chooses
(AVX-512, AVX2 or none) and which code branch MKL takes depend on the processor, so the same
seed gives a different final RMSE on another machine: on one machine the BFGS fit of
``fit --target Z.001 --method mlp --activation tanh --optimizer bfgs --steps 1500 --width 20``
ends at a test RMSE of 1.85e-6 with the native kernels and 1.80e-6 with the pinned ones.

The *pinned* mode fixes both (``ATEN_CPU_CAPABILITY=default``, ``MKL_CBWR=COMPATIBLE``): torch's
portable kernels and MKL's conditional-numerical-reproducibility branch, which MKL documents
as giving the same results on any x86-64 processor for a given version and thread count (here,
one thread and two gave the same bits too) — about 10 % slower on this kind of machine. The tests run pinned; ``make book EXACT=1`` builds the book pinned. NumPy's BLAS
(OpenBLAS) still picks its kernels by processor, which is one reason the regression tests'
checked lines state bounds with a margin rather than digits (:mod:`precision.book.checked`).

Both variables are read when torch loads, so :func:`pin` must run before ``import torch``.
"""
from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

__all__ = ["PINNED", "pin", "is_pinned", "mode", "describe"]

#: The environment of the pinned mode.
PINNED = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}


def pin(environ: MutableMapping[str, str] | None = None) -> None:
    """Set the pinned mode's variables in ``environ`` (default ``os.environ``).

    Raises
    ------
    RuntimeError
        When pinning ``os.environ`` after torch was imported in this process with other
        settings: torch has chosen its kernels already, and pinning now would be a silent no-op.
    """
    target = os.environ if environ is None else environ
    if target is os.environ and "torch" in sys.modules and not is_pinned():
        raise RuntimeError("precision.numeric.pin() must run before torch is imported: torch reads "
                           + " and ".join(PINNED) + " when it loads")
    target.update(PINNED)


def is_pinned(environ: MutableMapping[str, str] | None = None) -> bool:
    """Whether ``environ`` (default ``os.environ``) asks for the pinned mode."""
    env = os.environ if environ is None else environ
    return all(env.get(k, "").lower() == v.lower() for k, v in PINNED.items())


def mode() -> dict:
    """What this process computes with: pinned or native, torch's kernel level, MKL's branch
    and the thread count (imports torch).

    Returns
    -------
    dict
        ``{"mode": "pinned" | "native", "torch_kernels": "DEFAULT" | "AVX2" | ...,
        "mkl_cbwr": str | None, "threads": int}``.
    """
    import torch

    return {"mode": "pinned" if is_pinned() else "native",
            "torch_kernels": torch.backends.cpu.get_cpu_capability(),
            "mkl_cbwr": os.environ.get("MKL_CBWR"), "threads": torch.get_num_threads()}


def describe(m: dict | None = None) -> str:
    """One sentence for a reader: the mode and what it fixes (of :func:`mode` by default)."""
    m = mode() if m is None else m
    if m["mode"] == "pinned":
        return (f"pinned: torch's portable kernels ({m['torch_kernels']}) and MKL's reproducible branch "
                f"({m['mkl_cbwr']}), {m['threads']} threads")
    return (f"native: torch's {m['torch_kernels']} kernels and MKL's branch for this processor, "
            f"{m['threads']} threads (results of long optimisations differ slightly between processors)")
