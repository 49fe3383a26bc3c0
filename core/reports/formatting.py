"""How a report's cells read: Danish number and date forms, labels instead of keys.

On a page and in a PDF numbers are grouped ("1.234", "66,7 %", "1.234,50 kr.") and
dates read "1.12.2026", through the same formatters as every template (``core.i18n``);
in CSV numbers are plain numbers as Danish Excel reads them ("1234", "66,7") and dates
"1.12.2026" too (Danish Excel reads them as dates; English: ISO).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import get_locale, gettext

from core.i18n import format_amount, format_day, format_number, language
from core.reports.definitions import Column, text

MISSING = "–"  # a value the report does not have (no target agreed)


def display(column: Column, value: Any) -> str:
    """A cell as the page and the PDF show it."""
    if value is None:
        return ""
    if column.kind == "raw":
        return _raw(column, value)
    if isinstance(value, str) and column.kind in ("count", "number", "decimal", "percent", "money"):
        return value  # a marker the report put there itself ("–": no target)
    if column.kind == "label":
        return text(column.labels[value]) if value in column.labels else str(value)
    if column.kind in ("count", "number"):
        return format_number(value, 0)
    if column.kind == "decimal":
        return format_number(value, 1)
    if column.kind == "percent":
        return gettext("%(value)s %%", value=format_number(value, 1))
    if column.kind == "money":
        return format_amount(value)
    if column.kind == "date" and isinstance(value, date | datetime):
        return format_day(value)
    return str(value)


def _raw(column: Column, value: Any) -> str:
    # The old hook's cells, exactly as its viewer showed them: strings through its Danish labels.
    if isinstance(value, str) and str(get_locale() or "da") != "en":
        label = column.labels.get(value)
        return text(label) if label is not None else value
    return str(value)


def csv_value(column: Column, value: Any) -> str:
    """A cell in a CSV file for Danish Excel: a plain number with a decimal comma, or the text shown."""
    if value is None:
        return ""
    if column.numeric and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    if isinstance(value, date):
        return format_day(value) if language() == "da" else value.isoformat()
    return display(column, value)


def typed_value(column: Column, value: Any) -> Any:
    """A cell for a spreadsheet: a number or a date where it is one, else the text shown."""
    if value is None:
        return None
    if column.numeric and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value) if isinstance(value, Decimal) else value
    if column.kind == "raw" and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value) if isinstance(value, Decimal) else value
    if isinstance(value, date):
        return value
    return display(column, value)


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
