"""The agreement's rules for courses, as plain functions over plain values.

Kept free of Flask (only Flask-Babel's ``ngettext``, which works outside a
request too) so they are easy to test and reuse in views, API, jobs and reports. The numbers (courses, mothers per course, volunteers per
course, health-visitor visits) are the covering agreement's targets
(``core.partnerships.targets_for``), passed in by the caller: a bound of
``None`` means the agreement sets none, and that check is skipped.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import gettext, ngettext

from core.programme import closed_days, format_number, optional_days_off

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
        return gettext(
            "The course lasts %(months)s months; the agreement says %(low)s-%(high)s months.",
            months=format_number(months, 1),
            low=low,
            high=high,
        )
    return None


def capacity_warning(enrolled: int, agreed_min: int | None, agreed_max: int | None) -> str | None:
    """Enrolled mothers outside the agreement's mothers per course (a missing bound is not checked)."""
    if agreed_max is not None and enrolled > agreed_max:
        return ngettext(
            "%(num)s mother is enrolled; at most %(max)s agreed.",
            "%(num)s mothers are enrolled; at most %(max)s agreed.",
            enrolled,
            max=agreed_max,
        )
    if agreed_min is not None and enrolled < agreed_min:
        return ngettext(
            "%(num)s mother is enrolled; at least %(min)s agreed.",
            "%(num)s mothers are enrolled; at least %(min)s agreed.",
            enrolled,
            min=agreed_min,
        )
    return None


def is_full(enrolled: int, capacity_max: int) -> bool:
    return enrolled >= capacity_max


def danish_holidays(start: date, end: date) -> set[date]:
    """Public holidays plus the optional days many agreements treat as days off
    (1 May, Constitution Day, 24 and 31 December), from ``start`` to ``end`` inclusive:
    the core calendar every programme uses."""
    return {day for day, _ in closed_days(start, end + timedelta(days=1), optional_days_off())}


def weekly_dates(start: date, end: date, weekday: int) -> tuple[list[date], list[date]]:
    """The course's weekly dates on ``weekday`` and the ones skipped as holidays."""
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    closed = danish_holidays(start, end)
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
        return ngettext(
            "Only %(num)s volunteer with a valid child-protection certificate and insurance; at least %(min)s agreed.",
            "Only %(num)s volunteers with a valid child-protection certificate and insurance; at least %(min)s agreed.",
            ready_volunteers,
            min=agreed_min,
        )
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
