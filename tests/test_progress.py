"""The progress line of self-stopping fits: on a terminal only, never on stdout."""
from __future__ import annotations

import io

from precision.progress import FitProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only():
    tty = _Terminal()
    with FitProgress(10, file=tty) as bar:
        bar.update(2, 3.2e-12, 5e-17, force=True)
    assert "stage 2" in tty.getvalue() and "3.20e-12" in tty.getvalue() and "5.0e-17" in tty.getvalue()
    pipe = io.StringIO()  # not a terminal: silent
    with FitProgress(10, file=pipe) as bar:
        bar.update(1, 1e-3, force=True)
    assert pipe.getvalue() == ""
    off = _Terminal()
    with FitProgress(10, enabled=False, file=off) as bar:
        bar.update(1, 1e-3, force=True)
    assert off.getvalue() == ""
