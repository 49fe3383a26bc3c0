"""Billing periods: a year ``2024``, a quarter ``2024-Q1`` or a month ``2024-03``.

Pure functions. A run is asked for one period; the invoices it writes each
cover the *canonical* period of their lines: the smallest year, quarter or
month that contains the lines' dates. So Fredericia's quarterly rule, run
for ``2024``, gives four invoices (2024-Q1 ... 2024-Q4) and Ishøj's yearly
staircase one (2024), and two runs cut differently can never bill the same
months twice without the overlap being seen (``overlaps``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from flask_babel import gettext

PeriodKind = Literal["year", "quarter", "month"]
FIRST_YEAR, LAST_YEAR = 2000, 2099
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>\d{2})))?$")


class PeriodError(ValueError):
    """Not a billing period; the message is Danish and says what is accepted."""


@dataclass(frozen=True, order=True)
class BillingPeriod:
    start: date
    end: date
    kind: PeriodKind
    label: str  # "2024", "2024-Q1", "2024-03"

    def contains(self, start: date, end: date) -> bool:
        return self.start <= start and end <= self.end

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


def year(y: int) -> BillingPeriod:
    return BillingPeriod(date(y, 1, 1), date(y, 12, 31), "year", f"{y}")


def quarter(y: int, q: int) -> BillingPeriod:
    last_month = 3 * q
    return BillingPeriod(date(y, last_month - 2, 1), date(y, last_month, calendar.monthrange(y, last_month)[1]), "quarter", f"{y}-Q{q}")


def month(y: int, m: int) -> BillingPeriod:
    return BillingPeriod(date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), "month", f"{y}-{m:02d}")


def parse_period(text: str) -> BillingPeriod:
    """``"2024"``, ``"2024-Q1"`` or ``"2024-03"``; ``PeriodError`` (in the UI language; Danish in the CLI) otherwise."""
    value = (text or "").strip().upper()
    match = _PATTERN.match(value)
    hint = gettext("Give the period as a year (2024), a quarter (2024-Q1) or a month (2024-03).")
    if not match:
        raise PeriodError(gettext("%(text)s is not a billing period.", text=repr(text)) + " " + hint)
    y = int(match["year"])
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise PeriodError(
            gettext("The year %(year)s lies outside %(first)s–%(last)s.", year=y, first=FIRST_YEAR, last=LAST_YEAR) + " " + hint
        )
    if match["quarter"]:
        return quarter(y, int(match["quarter"]))
    if match["month"]:
        m = int(match["month"])
        if not 1 <= m <= 12:
            raise PeriodError(gettext("Month %(month)s does not exist.", month=f"{m:02d}") + " " + hint)
        return month(y, m)
    return year(y)


def canonical_period(start: date, end: date) -> BillingPeriod | None:
    """The smallest month, quarter or year containing [start, end]; None when it spans years."""
    if start > end or start.year != end.year:
        return None
    if start.month == end.month:
        return month(start.year, start.month)
    q = (start.month - 1) // 3 + 1
    if (end.month - 1) // 3 + 1 == q:
        return quarter(start.year, q)
    return year(start.year)
