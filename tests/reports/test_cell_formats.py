"""A report's cells through ``Formats`` (once per report) read exactly as through Babel (once per cell)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext

from core.i18n import format_amount, format_number
from core.reports.definitions import Column
from core.reports.formatting import Formats


def _values() -> list[object]:
    rng = random.Random(13)
    values: list[object] = [0, 1, 4, 5, 999, 1000, 1001, 9999, 10000, 123456, 999999, 1000000, 12345678, 10**12]
    values += [rng.randint(0, 10 ** rng.randint(1, 9)) for _ in range(300)]
    values += [Decimal(rng.randint(0, 10**7)) / Decimal(10 ** rng.randint(0, 3)) for _ in range(300)]
    values += [Decimal("0.05"), Decimal("0.15"), Decimal("0.25"), Decimal("2.675"), Decimal("999.95"), Decimal("999.995"), Decimal("100.0")]
    values += [Decimal("1E+3"), Decimal("0E-2"), Decimal("-0.0"), -1, -1234, Decimal("-1234.5"), 0.15, 1234.5, 2.675]  # Babel's own
    return values


@pytest.mark.parametrize("lang", ["da", "en"])
def test_numbers_amounts_and_rates_read_as_babel_writes_them(app, lang):
    with app.test_request_context(), force_locale(lang):
        formats = Formats()
        for value in _values():
            for places in (0, 1, 2):
                assert formats.number(value, places) == format_number(value, places), (value, places)
            assert formats.amount(value) == format_amount(value), value
            assert formats.number(value, 0) == format_number(value, 0)  # from the memo, the same
        rate = Column("rate", "Rate", kind="percent")
        assert formats.display(rate, Decimal("85.7")) == gettext("%(value)s %%", value=format_number(Decimal("85.7"), 1))


def test_the_language_is_the_viewers(app):
    with app.test_request_context(), force_locale("da"):
        amount = Formats().amount(Decimal("1234.5"))
        assert amount.startswith("1.234,50") and amount.endswith("kr.")
        assert Formats().number(1234567, 0) == "1.234.567"
    with app.test_request_context(), force_locale("en"):
        assert Formats().number(1234567, 0) == "1,234,567"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_rendered_cell_has_the_csv_and_spreadsheet_values_of_its_column(app, lang):
    """Formats.cell's whole-count shortcut gives what csv_value and typed_value give every other cell."""
    from datetime import date

    from core.reports.definitions import Table, TableData
    from core.reports.engine import _render_table
    from core.reports.formatting import typed_value

    columns = [
        Column("name", "Name", kind="text"),
        Column("count", "Count", kind="count"),
        Column("amount", "Amount", kind="money"),
        Column("rate", "Rate", kind="percent"),
        Column("day", "Day", kind="date"),
    ]
    values = [v for v in _values() if not isinstance(v, float)]
    rows = [
        {"name": f"row {i}", "count": v, "amount": v, "rate": v, "day": date(2026, 1 + i % 12, 1 + i % 28)} for i, v in enumerate(values)
    ]
    rows.append({"name": "empty", "count": None, "amount": None, "rate": None, "day": None})
    with app.test_request_context(), force_locale(lang):
        formats = Formats()
        rendered = _render_table(Table("t", "T", columns), TableData(rows, columns), None, formats)
        for row, cells in zip(rows, rendered.rows, strict=True):
            for column, cell in zip(columns, cells, strict=True):
                value = row[column.key]
                assert cell.text == formats.display(column, value)
                assert cell.csv == formats.csv_value(column, value), (column.key, value)
                assert cell.value == typed_value(column, value, formats) and type(cell.value) is type(typed_value(column, value, formats))
