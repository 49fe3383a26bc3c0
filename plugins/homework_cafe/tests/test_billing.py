"""``homework_cafe.fixed_fee``: a fixed amount a year, invoiced yearly or quarterly; each part billed once, however periods are cut."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from plugins.homework_cafe import FixedFee


def _lines(start: date, first: date, last: date, end: date | None = None, **parameters):
    agreement = {**FixedFee.parameters().load({"amount_per_year": "60000", **parameters}), "start": start, "end": end}
    return [(line.period_start, line.period_end, line.amount) for line in FixedFee().lines(agreement, first, last)]


def test_yearly_is_the_default_and_bills_each_year_once(app_ctx):
    assert _lines(date(2025, 1, 1), date(2026, 1, 1), date(2026, 12, 31)) == [(date(2026, 1, 1), date(2026, 12, 31), Decimal("60000.00"))]
    # The year is billed in the period holding 1 January, whatever the periods.
    assert _lines(date(2025, 1, 1), date(2026, 2, 1), date(2026, 12, 31)) == []
    # An agreement starting mid-year is billed from the next year.
    assert _lines(date(2026, 5, 1), date(2026, 1, 1), date(2027, 12, 31)) == [(date(2027, 1, 1), date(2027, 12, 31), Decimal("60000.00"))]


def test_quarterly_bills_a_quarter_of_the_fee_per_quarter_in_force_on_its_first_day(app_ctx):
    lines = _lines(date(2026, 5, 1), date(2026, 1, 1), date(2026, 12, 31), end=date(2026, 11, 15), invoiced="quarterly")
    assert lines == [
        (date(2026, 7, 1), date(2026, 9, 30), Decimal("15000.00")),
        (date(2026, 10, 1), date(2026, 11, 15), Decimal("15000.00")),
    ]
    by_quarter = [
        line for q in (1, 4, 7, 10) for line in _lines(date(2026, 1, 1), date(2026, q, 1), date(2026, q + 2, 28), invoiced="quarterly")
    ]
    assert by_quarter == _lines(date(2026, 1, 1), date(2026, 1, 1), date(2026, 12, 31), invoiced="quarterly")  # one line per quarter
    assert _lines(date(2026, 1, 1), date(2027, 1, 1), date(2027, 3, 31), end=date(2026, 12, 31), invoiced="quarterly") == []


def test_the_lines_are_described_in_danish_and_bad_parameters_are_refused(app_ctx):
    from flask_babel import force_locale

    agreement = {"amount_per_year": Decimal("1000"), "invoiced": "quarterly", "start": date(2026, 1, 1), "end": None}
    with force_locale("da"):
        (line,) = FixedFee().lines(agreement, date(2026, 4, 1), date(2026, 6, 30))
    assert line.description.startswith("Lektiecafé ") and line.amount == Decimal("250.00")
    for bad in ({"amount_per_year": 0}, {"amount_per_year": 100, "invoiced": "monthly"}, {}):
        with pytest.raises(ValidationError):
            FixedFee.parameters().load(bad)
