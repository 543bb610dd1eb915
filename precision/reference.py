"""The paper's own numbers: values read from the figures its authors' notebooks store, each with
its uncertainty and its source (``precision/data/paper_values.csv``; how it was read:
``precision/data/README.md``).

A row is selected by its figure, panel, series and quantity, the table's own words::

    >>> from precision import reference
    >>> v = reference.one("8", "top: teacher-student", "BFGS width 20", "end value")   # doctest: +SKIP
    >>> v.value, v.low, v.high                                                         # doctest: +SKIP

:func:`one` refuses a selection that matches no row or several, naming what it found, so a
reference typed in the book that drifts from the table fails loudly.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["PaperValue", "TABLE", "values", "select", "one", "series_points"]

TABLE = Path(__file__).resolve().parent / "data" / "paper_values.csv"


@dataclass(frozen=True)
class PaperValue:
    """One row of the table.

    Attributes
    ----------
    figure, panel, series, quantity
        Which number, in the table's words.
    value
        The number (a float), or the row's text where it holds a sentence.
    uncertainty
        ± decades for an RMSE or MSE; ± the value itself for a slope, a step count or a count.
    source
        Where it was printed or read.
    notes
        How it was read.
    """

    figure: str
    panel: str
    series: str
    quantity: str
    value: float | str
    uncertainty: float
    source: str
    notes: str

    @property
    def is_number(self) -> bool:
        """Whether :attr:`value` is a number."""
        return isinstance(self.value, float)

    @property
    def in_decades(self) -> bool:
        """Whether the uncertainty is in decades (an RMSE or MSE), not in the value's own units."""
        q = self.quantity.lower()
        if "mse" in q.split(" ")[0] or q.startswith("relative rmse"):  # an RMSE or MSE at some point
            return True
        units = ("slope", "step", "number of", "count", "index", "ends", "starts")
        return not (self.series == "phase boundary" or "uncertainty column =" in self.notes or any(w in q for w in units))

    @property
    def low(self) -> float:
        """The lower end of the value's range."""
        return self.value / 10 ** self.uncertainty if self.in_decades else self.value - self.uncertainty

    @property
    def high(self) -> float:
        """The upper end of the value's range."""
        return self.value * 10 ** self.uncertainty if self.in_decades else self.value + self.uncertainty

    def text(self) -> str:
        """``"4.0e-08 ± 0.15 dex"`` or ``"-0.40 ± 0.06"``: the value as a table shows it."""
        if not self.is_number:
            return str(self.value)
        if self.in_decades:
            return f"{self.value:.1e} ± {self.uncertainty:g} dex"
        if float(self.value).is_integer() and abs(self.value) >= 10:  # a count or a step number
            return f"{self.value:.0f} ± {self.uncertainty:g}"
        return f"{self.value:.2f} ± {self.uncertainty:g}"


def _number(text: str) -> float | str:
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


@lru_cache(maxsize=1)
def values() -> tuple[PaperValue, ...]:
    """Every row of the table, in its order.

    Returns
    -------
    tuple of PaperValue
    """
    with TABLE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return tuple(PaperValue(r["figure"], r["panel"], r["series"], r["quantity"], _number(r["value"]),
                            float(r["uncertainty_dex"] or 0.0), r["source"], r["notes"]) for r in rows)


def select(figure: str, panel: str | None = None, series: str | None = None,
           quantity: str | None = None) -> list[PaperValue]:
    """The rows of ``figure`` whose panel, series and quantity equal those given (``None``: any).

    Parameters
    ----------
    figure
        ``"1"`` … ``"9"``, ``"6a"``, ``"A2"`` … as the table writes it.
    panel, series, quantity
        Exact texts of those columns, or ``None`` for any.

    Returns
    -------
    list of PaperValue
        In the table's order (empty when nothing matches).
    """
    return [v for v in values() if v.figure == str(figure) and (panel is None or v.panel == panel)
            and (series is None or v.series == series) and (quantity is None or v.quantity == quantity)]


def one(figure: str, panel: str, series: str, quantity: str) -> PaperValue:
    """The one row with these four texts.

    Raises
    ------
    KeyError
        When no row or several match, with the near matches named.
    """
    found = select(figure, panel, series, quantity)
    if len(found) == 1:
        return found[0]
    near = sorted({f"{v.panel} | {v.series} | {v.quantity}" for v in select(figure, panel)} or
                  {f"{v.panel} | {v.series}" for v in select(figure)})
    raise KeyError(f"{'no' if not found else len(found)} rows of the paper's table for figure {figure!r}, "
                   f"panel {panel!r}, series {series!r}, quantity {quantity!r}; figure {figure} has: "
                   + "; ".join(near[:12]) + (" …" if len(near) > 12 else ""))


def series_points(figure: str, panel: str, series: str) -> list[tuple[float, PaperValue]]:
    """A scaling curve's digitized vertices, ``(N, row)`` sorted by N: the rows whose quantity is
    ``rmse@N=<N>`` (Figures 2, 3, 5, 6a).

    Returns
    -------
    list of (float, PaperValue)
    """
    out = []
    for v in select(figure, panel, series):
        if v.quantity.startswith("rmse@N=") and v.is_number:
            out.append((float(v.quantity.split("=", 1)[1]), v))
    return sorted(out, key=lambda p: p[0])
