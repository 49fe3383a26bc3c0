"""How a report's cells read: Danish number and date forms, labels instead of keys.

On a page and in a PDF numbers are grouped ("1.234", "66,7 %", "1.234,50 kr.") and
dates read "1.12.2026", through the same formatters as every template (``core.i18n``);
in CSV numbers are plain numbers as Danish Excel reads them ("1234", "66,7") and dates
"1.12.2026" too (Danish Excel reads them as dates; English: ISO).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, numbers
from flask_babel import gettext

from core.i18n import format_amount, format_day, format_number, language
from core.reports.definitions import Column, text

MISSING = "–"  # a value the report does not have (no target agreed)
_NUMBERS = (int, float, Decimal)


@lru_cache(maxsize=4)
def _symbols(lang: str) -> tuple[str, str]:
    """The language's grouping and decimal signs (from Babel's locale data, once per language)."""
    locale = Locale.parse(lang)
    return numbers.get_group_symbol(locale), numbers.get_decimal_symbol(locale)


class Formats:
    """The UI language's number forms, looked up once per report rather than once per cell.

    A national table set has some 10,000 cells; Babel parses its pattern and looks up the locale
    for every call, which was most of the page's time. Here the signs come from Babel's locale
    data once, a number is grouped by Python's own formatting (the same digits: ``#,##0`` groups
    by three, and a ``Decimal`` rounds half-even as Babel does), and an amount takes the prefix and
    suffix Babel gives. A negative or non-finite number, or a float, goes through Babel itself.
    ``tests/reports/test_cell_formats.py`` compares the two on many values in both languages.
    """

    def __init__(self) -> None:
        self.lang = language()
        self.group, self.point = _symbols(self.lang)
        self._table = str.maketrans({",": self.group, ".": self.point})
        self.percent = gettext("%(value)s %%")  # the template, translated once
        probe = Decimal("1234.5")
        shown, digits = format_amount(probe), self._grouped(probe, 2)
        self._amount = tuple(shown.split(digits, 1)) if digits in shown else None
        self._memo: dict[tuple[Any, int], str] = {}

    def _grouped(self, value: int | Decimal, places: int) -> str:
        return format(value, f",.{places}f").translate(self._table)

    def _fast(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return value >= 0
        return isinstance(value, Decimal) and value.is_finite() and not value.is_signed()

    def number(self, value: Any, places: int) -> str:
        """``format_number(value, places)``, cheaply."""
        if not self._fast(value):
            return format_number(value, places)
        key = (value, places)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._grouped(value, places)
        return found

    def amount(self, value: Any) -> str:
        """``format_amount(value)``, cheaply."""
        if self._amount is None or not self._fast(value):
            return format_amount(value)
        prefix, suffix = self._amount
        return f"{prefix}{self._grouped(value, 2)}{suffix}"

    def display(self, column: Column, value: Any) -> str:
        """A cell as the page and the PDF show it."""
        if value is None:
            return ""
        kind = column.kind
        if kind == "raw":
            return _raw(column, value, self.lang)
        if isinstance(value, str) and kind in ("count", "number", "decimal", "percent", "money"):
            return value  # a marker the report put there itself ("–": no target)
        if kind == "label":
            return text(column.labels[value]) if value in column.labels else str(value)
        if kind in ("count", "number"):
            return self.number(value, 0)
        if kind == "decimal":
            return self.number(value, 1)
        if kind == "percent":
            return self.percent % {"value": self.number(value, 1)}
        if kind == "money":
            return self.amount(value)
        if kind == "date" and isinstance(value, date | datetime):
            return format_day(value)
        return str(value)

    def cell(self, column: Column, value: Any) -> tuple[str, str, Any]:
        """A cell as the page shows it, as the CSV has it and as a spreadsheet types it."""
        shown = self.display(column, value)
        if column.numeric and type(value) is int:
            # Most cells of a report are whole counts (a national view: about 4,700): their CSV and
            # spreadsheet values are the number itself, what csv_value and typed_value would give.
            return shown, str(value), value
        return shown, self.csv_value(column, value, shown), typed_value(column, value, self, shown)

    def csv_value(self, column: Column, value: Any, shown: str | None = None) -> str:
        """A cell in a CSV file for Danish Excel: a plain number with a decimal comma, or the text shown (``shown``: already made)."""
        if value is None:
            return ""
        if column.numeric and isinstance(value, _NUMBERS) and not isinstance(value, bool):
            return str(value).replace(".", ",")
        if isinstance(value, date):
            return format_day(value) if self.lang == "da" else value.isoformat()
        return self.display(column, value) if shown is None else shown


def display(column: Column, value: Any) -> str:
    """A cell as the page and the PDF show it (one cell; a report's cells share one ``Formats``)."""
    return Formats().display(column, value)


def _raw(column: Column, value: Any, lang: str) -> str:
    # The old hook's cells, exactly as its viewer showed them: strings through its Danish labels.
    if isinstance(value, str) and lang != "en":
        label = column.labels.get(value)
        return text(label) if label is not None else value
    return str(value)


def csv_value(column: Column, value: Any) -> str:
    """A cell in a CSV file for Danish Excel: a plain number with a decimal comma, or the text shown."""
    return Formats().csv_value(column, value)


def typed_value(column: Column, value: Any, formats: Formats | None = None, shown: str | None = None) -> Any:
    """A cell for a spreadsheet: a number or a date where it is one, else the text shown."""
    if value is None:
        return None
    if column.numeric and isinstance(value, _NUMBERS) and not isinstance(value, bool):
        return float(value) if isinstance(value, Decimal) else value
    if column.kind == "raw" and isinstance(value, _NUMBERS) and not isinstance(value, bool):
        return float(value) if isinstance(value, Decimal) else value
    if isinstance(value, date):
        return value
    return shown if shown is not None else (formats or Formats()).display(column, value)


def number_format(column: Column) -> str | None:
    """The spreadsheet number format of a column (Excel shows it in the reader's own locale)."""
    return {
        "count": "#,##0",
        "number": "#,##0",
        "decimal": "#,##0.0",
        "percent": '#,##0.0" %"',
        "money": '#,##0.00" kr."',
        "date": "d.m.yyyy",
    }.get(column.kind)
