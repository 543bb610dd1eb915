"""Text the book's pages show: Markdown tables, numbers and run times.

Every table a chapter prints goes through :func:`markdown_table`, which formats each cell
by its type and escapes what would break the table (a ``|`` or a line break in a cell);
numbers are written by :func:`number` (significant digits, never ``nan`` or ``0.0``) and
run times by :func:`seconds` (two significant digits in s, min or h).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable, Sequence

__all__ = ["markdown_table", "number", "short", "listing", "seconds", "plain", "table_cell"]


def _significant(x: float, digits: int) -> str:
    """``x`` (finite, non-zero) to ``digits`` significant digits, fixed or e-notation."""
    rounded = float(f"{x:.{digits - 1}e}")  # rounding may carry into the next decade (9.96 → 10)
    exponent = math.floor(math.log10(abs(rounded)))
    if -3 <= exponent < 4:
        return f"{rounded:.{max(0, digits - 1 - exponent)}f}"
    mantissa, _, power = f"{rounded:.{digits - 1}e}".partition("e")
    return f"{mantissa}e{int(power)}"


def number(x: Any, digits: int = 2) -> str:
    """A number as a page shows it: integers in full (digits grouped by thin spaces from
    10 000 on), other reals to ``digits`` significant digits — fixed between 0.001 and
    10 000 (``0.042``, ``3.1``, ``1200``), e-notation outside (``2.2e-16``, ``3.5e5``).
    Zero is ``0``; a NaN is ``NaN`` and infinities ``∞`` / ``−∞``, so a failed value is
    visible and never reads as the word ``nan``."""
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"number() formats a real number, got {x!r}")
    if isinstance(x, numbers.Integral):
        x = int(x)
        return f"{x:,}".replace(",", "\u2009") if abs(x) >= 10_000 else str(x)
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    return _significant(x, digits)


def short(v: float) -> str:
    """``v`` by :func:`number` with the fewest significant digits (up to 3) that keep its value
    (a tick label: ``2``, ``0.25``, ``1.5e-08``)."""
    v = float(v)
    return next((t for d in (1, 2, 3) if abs(float(t := number(v, d)) - v) <= 1e-9 * abs(v)), number(v, 3))


def listing(items: Iterable[Any]) -> str:
    """Items as a sentence lists them: ``"256, 1024 and 4096"``."""
    items = [str(i) for i in items]
    if not items:
        raise ValueError("listing needs at least one item")
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def seconds(t: float) -> str:
    """A duration to two significant digits in the unit that reads best: ``"0.042 s"``,
    ``"3.1 s"``, ``"42 s"``, ``"1.2 min"``, ``"2.0 h"``; never ``"0.0 s"``."""
    if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(float(t)) or t < 0:
        raise ValueError(f"a duration must be a finite number of seconds ≥ 0, got {t!r}")
    t = float(t)
    if t == 0:
        return "0 s"
    for unit, size in (("h", 3600.0), ("min", 60.0)):
        if float(f"{t:.1e}") >= size:  # as rounded to two digits: 59.97 s is "1.0 min", not "60 s"
            return f"{_significant(t / size, 2)} {unit}"
    return f"{_significant(t, 2)} s"


def plain(text: str) -> str:
    """``text`` with Markdown's emphasis and code characters escaped, for a cell (or a
    sentence) that holds plain words such as a claim's wording ("d* = 2" stays a star)."""
    out = str(text)
    for ch in "\\`*_[]<":
        out = out.replace(ch, "\\" + ch)
    return out


def table_cell(value: Any, digits: int = 2) -> str:
    """One Markdown table cell: a real number through :func:`number`, a bool as yes / no,
    ``None`` as an em dash, a sequence as its items joined by commas, anything else as its
    text (Markdown kept); then ``|`` escaped and line breaks folded into spaces."""
    if value is None:
        text = "—"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, numbers.Real):
        text = number(value, digits)
    elif isinstance(value, (list, tuple)):
        text = ", ".join(table_cell(v, digits) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    # an already escaped pipe stays escaped once
    return text.replace("\\|", "|").replace("|", "\\|")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def markdown_table(header: Sequence[Any], rows: Iterable[Sequence[Any]], align: str | None = None,
                   digits: int = 2) -> str:
    """A Markdown table with one cell per item of ``header`` in every row.

    Parameters
    ----------
    header : the column titles.
    rows : the rows, each with exactly ``len(header)`` cells; each cell is written by
        :func:`table_cell` (numbers to ``digits`` significant digits, ``|`` escaped).
    align : one letter per column, ``l``, ``r`` or ``c``; by default a column whose every
        non-empty cell is a number is right-aligned and the others are left-aligned.
    digits : significant digits of real numbers.

    A row of the wrong length is a ``ValueError`` (a table with ragged rows renders with
    cells in the wrong columns); so is an empty header.
    """
    header = list(header)
    if not header:
        raise ValueError("a table needs at least one column")
    rows = [list(r) for r in rows]
    for i, row in enumerate(rows, 1):
        if len(row) != len(header):
            raise ValueError(f"row {i} has {len(row)} cells, the header {len(header)}: {row!r}")
    if align is None:
        align = "".join("r" if any(_is_number(r[j]) for r in rows)
                        and all(_is_number(r[j]) or r[j] is None for r in rows) else "l"
                        for j in range(len(header)))
    if len(align) != len(header) or set(align) - set("lrc"):
        raise ValueError(f"align must be one of l, r, c per column ({len(header)} letters), got {align!r}")
    rule = {"l": "---", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(table_cell(h, digits) for h in header) + " |",
             "|" + "|".join(rule[a] for a in align) + "|"]
    lines += ["| " + " | ".join(table_cell(c, digits) for c in row) + " |" for row in rows]
    return "\n".join(lines)
