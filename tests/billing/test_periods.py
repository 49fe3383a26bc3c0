"""Billing periods: what a run accepts, and the canonical period an invoice covers."""

from __future__ import annotations

from datetime import date

import pytest

from core.billing.periods import PeriodError, canonical_period, parse_period


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31), "quarter"),
        ("2024-q4", date(2024, 10, 1), date(2024, 12, 31), "quarter"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        (" 2023-12 ", date(2023, 12, 1), date(2023, 12, 31), "month"),
    ],
)
def test_a_year_a_quarter_or_a_month(text, start, end, kind):
    period = parse_period(text)
    assert (period.start, period.end, period.kind) == (start, end, kind)


@pytest.mark.parametrize("text", ["", "24", "2024-Q5", "2024-13", "2024-00", "2024-1", "2024/03", "1999", "2100", "2024-Q1-01", "x"])
def test_anything_else_is_refused_in_danish(app, text):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("da"), pytest.raises(PeriodError, match="Angiv perioden som et år"):
        parse_period(text)
    with app.test_request_context(), force_locale("en"), pytest.raises(PeriodError, match="Give the period as a year"):
        parse_period(text)


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (date(2024, 1, 1), date(2024, 3, 31), "2024-Q1"),  # a quarterly rule's line
        (date(2024, 7, 1), date(2024, 8, 15), "2024-Q3"),  # cut at the agreement's end
        (date(2024, 1, 1), date(2024, 12, 31), "2024"),  # the staircase's year
        (date(2024, 3, 1), date(2024, 12, 31), "2024"),  # a year from a start in March
        (date(2024, 3, 1), date(2024, 3, 31), "2024-03"),
    ],
)
def test_the_canonical_period_is_the_smallest_that_holds_the_lines(start, end, label):
    assert canonical_period(start, end).label == label


def test_no_canonical_period_across_a_year_end():
    assert canonical_period(date(2024, 12, 1), date(2025, 1, 31)) is None
