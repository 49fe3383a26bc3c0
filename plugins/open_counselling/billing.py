"""The municipality's fixed annual amount for the open counselling, invoiced quarterly.

Fredericia pays 160,000 DKK a year; Mødrehjælpen invoices each quarter, so
40,000 DKK a quarter. The agreement runs from 1 January 2020 without an end
and can be terminated by either party with 6 months' notice to the end of a
calendar year (seeds/002). In the tenant file::

    [agreements.billing]
    rule = "open_counselling.quarterly"
    parameters = { amount_per_year = 160000 }

``lines`` receives the parameters loaded by ``QuarterlyParameters`` plus the
agreement's ``start`` and ``end`` (core passes the end a recorded notice
brings, computed from the agreement's own notice terms); ``notice_given_on``
is still understood for callers that pass the notice date themselves.
``start``, ``end`` and ``notice_given_on`` are ISO dates, ``date`` objects or
``None`` (``start`` is required).

How a billing period becomes invoice lines:

- A quarter is billed when the agreement is in force on the quarter's first
  day, and it is billed in the period that contains that first day. So a start
  mid-quarter begins billing with the next quarter (a start on 2024-05-01
  bills Q3 and Q4 of 2024), and periods that follow one another bill every
  quarter exactly once, however they are cut. With whole quarters or years as
  periods this is simply "one line per quarter of the period in the agreement".
- Each line is ``amount_per_year / 4``, a ``Decimal`` rounded to 2 places
  (ROUND_HALF_UP): 40,000.00 for 160,000 a year. The line's dates are the
  quarter, cut at the agreement's end when it ends within the quarter (the
  quarter is still billed in full: the agreement was in force on its first day).
- Termination: with ``notice_given_on`` D, the agreement ends on 31 December
  of D's year when D is at least 6 months before that day (D on or before
  30 June), otherwise on 31 December of the next year. With an explicit
  ``end`` as well, the earlier of the two applies. Neither: no end.
- A period wholly outside the agreement gives no lines.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext, lazy_gettext
from marshmallow import Schema, fields, validate

from core.programme import InvoiceLine

CENTS = Decimal("0.01")


def _optional_date(value: date | str | None) -> date | None:
    """An optional date of the agreement file (left out or empty: None)."""
    if value is None or value == "":
        return None
    return _as_date(value)


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):  # a datetime is a date too; drop the time
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def termination_date(notice_given_on: date | str) -> date:
    """The last day of an agreement terminated with notice given on ``notice_given_on``.

    6 months' notice to the end of a calendar year: notice given on or before
    30 June ends the agreement on 31 December that year; later, on 31 December
    of the next year.
    """
    notice = _as_date(notice_given_on)
    year = notice.year if notice <= date(notice.year, 6, 30) else notice.year + 1
    return date(year, 12, 31)


def agreement_end(agreement: dict[str, Any]) -> date | None:
    """The agreement's last day: the earlier of ``end`` and the notice's end; None if open-ended."""
    ends = []
    explicit = _optional_date(agreement.get("end"))
    if explicit is not None:
        ends.append(explicit)
    if _optional_date(agreement.get("notice_given_on")) is not None:
        ends.append(termination_date(agreement["notice_given_on"]))
    return min(ends) if ends else None


def _quarters(first: date, last: date):
    """(year, quarter, first day, last day) of each quarter whose first day lies in [first, last]."""
    year, quarter = first.year, (first.month - 1) // 3 + 1
    while True:
        start = date(year, 3 * quarter - 2, 1)
        if start > last:
            return
        if start >= first:
            yield year, quarter, start, date(year, 3 * quarter, calendar.monthrange(year, 3 * quarter)[1])
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


class QuarterlyParameters(Schema):
    """``amount_per_year = 160000``: DKK a year, a quarter of it invoiced each quarter."""

    amount_per_year = fields.Decimal(required=True, validate=validate.Range(min=0, min_inclusive=False, error="must be more than 0"))


class QuarterlyRule:
    key = "open_counselling.quarterly"
    name = lazy_gettext("Fixed annual amount, invoiced quarterly")
    parameters = QuarterlyParameters

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        period_start, period_end = _as_date(period_start), _as_date(period_end)
        if period_start > period_end:
            raise ValueError(f"billing period starts after it ends: {period_start} > {period_end}")
        start = _as_date(agreement["start"])
        end = agreement_end(agreement)
        # str() so a float in the agreement becomes its written value, not its binary one.
        amount = (Decimal(str(agreement["amount_per_year"])) / 4).quantize(CENTS, rounding=ROUND_HALF_UP)
        lines = []
        for year, quarter, first, last in _quarters(period_start, period_end):
            if first < start or (end is not None and first > end):
                continue  # the agreement is not in force on the quarter's first day
            last = last if end is None else min(last, end)
            # In the caller's language: core bills in Danish (the invoice document), a preview follows the viewer.
            text = gettext("Open counselling, quarter %(quarter)d %(year)d", quarter=quarter, year=year)
            lines.append(InvoiceLine(text, first, last, amount))
        return lines


def billing_rules() -> list:
    return [QuarterlyRule()]
