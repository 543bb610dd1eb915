"""A progress line on stderr for fits that stop by themselves (beyond the paper).

:func:`precision.multistage.train_multistage` and the ``lm`` method run until they reach
the float64 floor, stop improving or run out of time; this shows, while they run, the
stage, the training RMSE, the floor and the time used. It writes to stderr only (stdout
of the command line is JSON), and only when stderr is a terminal: in a pipe, a log file,
a test or a notebook it is silent. It uses ``tqdm`` when installed, else one plain line
rewritten in place.
"""
from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

__all__ = ["FitProgress"]


class FitProgress:
    """A time bar: ``FitProgress(total=120)`` as a context manager, then :meth:`update`.

    Parameters
    ----------
    total : float, optional
        The time limit in seconds (the bar's length); ``None``: no bar, a running count.
    enabled : bool, optional
        ``False``: silent. ``None`` or ``True``: shown when ``file`` is a terminal.
    file : file object, optional
        Where to write; default ``sys.stderr``.
    every : float, default 0.25
        Least seconds between two redraws.
    """

    def __init__(self, total: float | None = None, enabled: bool | None = None, file: TextIO | None = None,
                 every: float = 0.25):
        self.file = sys.stderr if file is None else file
        isatty = getattr(self.file, "isatty", None)
        self.enabled = enabled is not False and bool(isatty and isatty())
        self.total, self.every = total, every
        self._bar, self._last, self._start = None, -1e300, time.perf_counter()
        self._text = ""

    def __enter__(self) -> "FitProgress":
        self._start = time.perf_counter()
        if self.enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:  # the width asked once: a terminal that reports 0 columns gets 100
                self._bar = tqdm(total=None if self.total is None else round(self.total, 1), file=self.file,
                                 unit="s", leave=False, ncols=shutil.get_terminal_size((100, 24)).columns,
                                 bar_format="{desc} |{bar}| {n:.0f}/{total:.0f} s" if self.total else "{desc} {n:.0f} s")
        return self

    def update(self, stage: int, rmse: float, floor: float | None = None, force: bool = False) -> None:
        """Show stage ``stage`` (1-based), training RMSE ``rmse`` and the floor."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < self.every:
            return
        self._last = now
        elapsed = now - self._start
        text = f"stage {stage}  train RMSE {rmse:.2e}" + ("" if floor is None else f"  floor {floor:.1e}")
        if self._bar is not None:
            self._bar.set_description_str(text, refresh=False)
            self._bar.n = min(elapsed, self.total) if self.total else elapsed
            self._bar.refresh()
        else:
            limit = f"/{self.total:.0f}" if self.total else ""
            line = f"{text}  {elapsed:.0f}{limit} s"
            self.file.write("\r" + line + " " * max(0, len(self._text) - len(line)))
            self.file.flush()
            self._text = line

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.enabled and self._text:
            self.file.write("\r" + " " * len(self._text) + "\r")
            self.file.flush()
