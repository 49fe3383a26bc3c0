"""The agreement's rules for courses, as plain functions over plain values.

Kept free of Flask so they are easy to test and reuse in views, API, jobs
and reports. The numbers (courses, mothers per course, volunteers per
course, health-visitor visits) are the covering agreement's targets
(``core.partnerships.targets_for``), passed in by the caller: a bound of
``None`` means the agreement sets none, and that check is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays
from dateutil.relativedelta import relativedelta

COURSE_MONTHS = (9, 10)  # the programme's course of 9-10 months
BABY_MAX_AGE = relativedelta(years=1)


def course_months(start: date, end: date) -> float:
    """Length in months, counting a partial month by its days."""
    delta = relativedelta(end + timedelta(days=1), start)
    return delta.years * 12 + delta.months + delta.days / 30.0


def course_length_warning(start: date, end: date) -> str | None:
    months = course_months(start, end)
    low, high = COURSE_MONTHS
    if months < low - 0.01 or months > high + 0.01:
        return f"Forløbet varer {months:.1f} måneder; aftalen siger {low}-{high} måneder."
    return None


def capacity_warning(enrolled: int, agreed_min: int | None, agreed_max: int | None) -> str | None:
    """Enrolled mothers outside the agreement's mothers per course (a missing bound is not checked)."""
    if agreed_max is not None and enrolled > agreed_max:
        return f"{enrolled} mødre er indskrevet; højst {agreed_max} er aftalt."
    if agreed_min is not None and enrolled < agreed_min:
        return f"{enrolled} mødre er indskrevet; mindst {agreed_min} er aftalt."
    return None


def is_full(enrolled: int, capacity_max: int) -> bool:
    return enrolled >= capacity_max


def danish_holidays(years: Iterable[int]) -> holidays.HolidayBase:
    """Public holidays plus the optional days many agreements treat as days off
    (1 May, Constitution Day, 24 and 31 December)."""
    return holidays.country_holidays("DK", years=list(years), categories=("public", "optional"))


def weekly_dates(start: date, end: date, weekday: int) -> tuple[list[date], list[date]]:
    """The course's weekly dates on ``weekday`` and the ones skipped as holidays."""
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    closed = danish_holidays(range(start.year, end.year + 1))
    dates: list[date] = []
    skipped: list[date] = []
    day = first
    while day <= end:
        (skipped if day in closed else dates).append(day)
        day += timedelta(days=7)
    return dates, skipped


def volunteer_warning(ready_volunteers: int, agreed_min: int | None) -> str | None:
    """Fewer ready volunteers than the agreement's volunteers per course (None: not checked)."""
    if agreed_min is not None and ready_volunteers < agreed_min:
        return f"Kun {ready_volunteers} frivillig(e) med gyldig børneattest og forsikring; mindst {agreed_min} er aftalt."
    return None


def in_last_month(end: date, today: date) -> bool:
    return end - relativedelta(months=1) <= today <= end


def visit_missing(end: date, today: date, visits: int, agreed: int | None) -> bool:
    """Flag: a course in its last month with fewer health-visitor visits than agreed (None: no flag)."""
    return agreed is not None and in_last_month(end, today) and visits < agreed


def baby_too_old(birth_date: date | None, on: date) -> bool:
    return birth_date is not None and birth_date + BABY_MAX_AGE < on


def overlapping(start: date, end: date, other_start: date, other_end: date) -> bool:
    return start <= other_end and other_start <= end
