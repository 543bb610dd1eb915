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


def test_progress_without_tqdm_is_one_plain_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails: the plain line
    tty = _Terminal()
    with FitProgress(10, file=tty) as bar:
        assert bar._bar is None
        bar.update(3, 1e-9, 2e-17, force=True)
    text = tty.getvalue()
    assert text.startswith("\rstage 3  train RMSE 1.00e-09  floor 2.0e-17") and "/10 s" in text
    assert text.endswith("\r")  # cleared at the end
