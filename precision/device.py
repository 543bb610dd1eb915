"""Where a fit's tensors live: ``cpu`` (the default), ``cuda``, ``cuda:N`` or ``auto``.

:func:`resolve_device` checks a device name before any compute and says in one sentence
why one cannot be used; :func:`on_device` is the context a fit runs in, so that every
tensor a trainer makes (``torch.as_tensor``, ``torch.zeros``, a new ``Linear``) is made
there. Everything stays float64 on every device.
"""
from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator

import torch

__all__ = ["DEVICES", "resolve_device", "on_device"]

DEVICES = ("cpu", "cuda", "cuda:N", "auto")
_CUDA_N = re.compile(r"cuda:(\d+)")


def resolve_device(name: Any = "cpu") -> torch.device:
    """The ``torch.device`` for ``name`` (one of :data:`DEVICES`; ``auto`` is ``cuda`` when
    CUDA is available, else ``cpu``).

    Raises
    ------
    ValueError
        For any other name, or a CUDA device this machine does not have (one sentence).
    """
    if not isinstance(name, str) or not (name in ("cpu", "cuda", "auto") or _CUDA_N.fullmatch(name)):
        raise ValueError(f"device must be one of {', '.join(DEVICES)}; got {name!r}")
    if name == "cpu":
        return torch.device("cpu")
    available = torch.cuda.is_available()
    if name == "auto":
        return torch.device("cuda" if available else "cpu")
    if not available:
        raise ValueError(f"device {name!r} needs CUDA, and this machine has none "
                         "(torch.cuda.is_available() is False); use device 'cpu' or 'auto'")
    match = _CUDA_N.fullmatch(name)
    if match and int(match.group(1)) >= torch.cuda.device_count():
        raise ValueError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s), "
                         f"cuda:0 … cuda:{torch.cuda.device_count() - 1}")
    return torch.device(name)


@contextlib.contextmanager
def on_device(device: torch.device) -> Iterator[torch.device]:
    """Make ``device`` the default for new tensors inside the block (nothing changes for cpu)."""
    if device.type == "cpu":
        yield device
        return
    with torch.device(device):
        yield device
