"""The municipality's co-financing on the staircase model (trappemodel).

The agreement names an amount per calendar year, for Ishøj 14,000 DKK in
2023, 28,000 in 2024 and 42,000 in 2025 (84,000 in all). In the tenant file::

    [agreements.billing]
    rule = "mother_groups.staircase"
    parameters = { amounts = { "2023" = 14000, "2024" = 28000, "2025" = 42000 } }

``lines`` receives the parameters loaded by ``StaircaseParameters`` plus the
agreement's ``start`` and ``end`` (ISO dates or ``date`` objects; ``end`` None when open-ended); the keys
of ``amounts`` may be strings or integers.

How a billing period becomes invoice lines:

- One line per calendar year that overlaps both the period and the agreement
  (its dates are that overlap).
- The year's amount is pro-rated by whole calendar months: a month counts
  only when the overlap includes every day of it (1st to last day). A full
  year is 12/12 of the amount; 2024-01-01..2024-06-30 is 6/12 of 28,000.
  A partly covered month counts for nothing, so a year whose overlap holds no
  whole month yields no line (there is nothing to bill).
- Amounts are ``Decimal`` rounded to 2 places, ROUND_HALF_UP, per line.
  Billing a year month by month can therefore differ from the yearly amount
  by a few øre; bill by whole years or quarters to avoid that.
- A period wholly outside the agreement gives no lines; a year missing from
  ``amounts`` gives no line (the agreement does not finance it).
- An open-ended agreement (no ``end``: valid in a tenant file, and core
  passes ``end = None`` until notice is given) runs until the end of the
  period asked. The staircase is the steps the agreement writes down, year by
  year: after the last year named in ``amounts`` it neither climbs further nor
  stays on its last step, because the agreement text finances exactly the
  named years (Ishøj: "14.000 kr. i 2023, 28.000 kr. i 2024 og 42.000 kr. i
  2025. I alt 84.000 kr.") and changes only in writing. Continuing after that
  is a new written step: a year added to ``amounts`` in the tenant file.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext, lazy_gettext
from marshmallow import Schema, ValidationError, fields, validate, validates

from core.programme import InvoiceLine

CENTS = Decimal("0.01")


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):  # a datetime is a date too; drop the time
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _whole_months(start: date, end: date) -> int:
    """Calendar months of ``start``'s year lying entirely within [start, end]."""
    year = start.year
    return sum(
        1 for month in range(1, 13) if start <= date(year, month, 1) and date(year, month, calendar.monthrange(year, month)[1]) <= end
    )


class StaircaseParameters(Schema):
    """``amounts = { "2023" = 14000, "2024" = 28000, "2025" = 42000 }``: DKK per calendar year."""

    amounts = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^\d{4}$", error='a year must be four digits, e.g. "2024"')),
        values=fields.Decimal(validate=validate.Range(min=0, error="an amount cannot be negative"), as_string=False),
        required=True,
    )

    @validates("amounts")
    def _not_empty(self, value: dict, **kwargs: Any) -> None:
        if not value:
            raise ValidationError("name the amount of at least one year")


class StaircaseRule:
    key = "mother_groups.staircase"
    name = lazy_gettext("Staircase model (municipal co-financing)")
    parameters = StaircaseParameters

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        period_start, period_end = _as_date(period_start), _as_date(period_end)
        if period_start > period_end:
            raise ValueError(f"billing period starts after it ends: {period_start} > {period_end}")
        start = max(period_start, _as_date(agreement["start"]))
        # Open-ended (no end, and no notice given): the agreement runs on past any period asked.
        end = period_end if agreement.get("end") is None else min(period_end, _as_date(agreement["end"]))
        amounts = agreement.get("amounts") or {}
        lines = []
        for year in range(start.year, end.year + 1):  # empty when the period is outside the agreement
            per_year = amounts.get(str(year), amounts.get(year))
            if per_year is None:
                continue
            first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
            months = _whole_months(first, last)
            if months == 0:
                continue
            # str() so a float in the agreement becomes its written value, not its binary one.
            amount = (Decimal(str(per_year)) * months / 12).quantize(CENTS, rounding=ROUND_HALF_UP)
            # In the caller's language: core bills in Danish (the invoice document), a preview follows the viewer.
            label = (
                gettext("Staircase model (municipal co-financing) %(year)d", year=year)
                if months == 12
                else gettext("Staircase model (municipal co-financing) %(year)d (%(months)d of 12 months)", year=year, months=months)
            )
            lines.append(InvoiceLine(label, first, last, amount))
        return lines


def billing_rules() -> list:
    return [StaircaseRule()]
