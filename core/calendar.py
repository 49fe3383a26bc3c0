"""The Danish calendar every programme uses: public holidays, declared days off, working days.

Why this module exists: the agreements count in working days (*arbejdsdage*), e.g. the
Ishøj–DRC agreement's 30 working days' notice and 14 working days to remedy a breach, and
their days off differ (Fredericia's open counselling is closed 1 May, on Constitution Day
and on the day after Ascension Day). One helper keeps every count the same.

The source of public holidays is the ``holidays`` package (country ``DK``, category
``PUBLIC``), never a hand-written list. Its ``OPTIONAL`` category holds 1 May, Constitution
Day (5 June), 24 and 31 December; those, and the day after Ascension Day (in neither
category), are days off only when an agreement declares them.

A declared day off (``DayOff``) is a string: ``"MM-DD"`` for the same date every year
(``"12-24"``), or the token ``"day_after_ascension"``.

Names are always asked for in Danish (``language="da"``): without it the package picks the
language from the process locale (``LANG=C.UTF-8`` gives English names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAY_AFTER_ASCENSION = "day_after_ascension"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

_ASCENSION_DA = "Kristi himmelfartsdag"
_DAY_AFTER_ASCENSION_DA = "Dagen efter Kristi himmelfartsdag"
_DECLARED_DA = "Aftalt fridag"
_MM_DD = re.compile(r"^(\d{2})-(\d{2})$")
# Days in each month of a leap year; 29 February is refused below since it is not every year.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def parse_month_day(value: str) -> tuple[int, int]:
    """``"MM-DD"`` as ``(month, day)``; ``ValueError`` with the reason when it is not a
    date that occurs every year."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string like '12-24', not {type(value).__name__}")
    match = _MM_DD.match(value)
    if not match:
        raise ValueError("must be 'MM-DD' (e.g. '12-24')")
    month, day = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(f"month {month:02d} is not 01-12")
    if not 1 <= day <= _MONTH_DAYS[month - 1]:
        raise ValueError(f"day {day:02d} does not exist in month {month:02d}")
    if (month, day) == (2, 29):
        raise ValueError("29 February does not occur every year")
    return month, day


def validate_days_off(values: list[str]) -> list[str]:
    """Error messages (``"'13-40': month 13 is not 01-12"``) for a list of declared days
    off; empty when all are valid. Meant for a file loader to prefix with the field name."""
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        return [f"must be a list of strings, not {type(values).__name__}"]
    errors: list[str] = []
    seen: set[str] = set()
    for value in values:
        if isinstance(value, str):
            if value in seen:
                errors.append(f"{value!r}: listed twice")
                continue
            seen.add(value)
        if value == DAY_AFTER_ASCENSION:
            continue
        if isinstance(value, str) and not _MM_DD.match(value):
            errors.append(f"{value!r}: must be 'MM-DD' (e.g. '12-24') or '{DAY_AFTER_ASCENSION}'")
            continue
        try:
            parse_month_day(value)
        except ValueError as exc:
            errors.append(f"{value!r}: {exc}")
    return errors


@lru_cache(maxsize=64)
def _public(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("DK", years=year, categories=(holidays.PUBLIC,), language="da"))


@lru_cache(maxsize=64)
def _optional(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("DK", years=year, categories=(holidays.OPTIONAL,), language="da"))


def _ascension(year: int) -> date:
    found = [day for day, name in _public(year).items() if name == _ASCENSION_DA]
    if len(found) != 1:  # the package renamed it: fail loudly rather than count wrongly
        raise RuntimeError(f"holidays package has no single {_ASCENSION_DA!r} in {year}")
    return found[0]


def _normalise(declared: Iterable[str]) -> tuple[str, ...]:
    values = list(declared)
    errors = validate_days_off(values)
    if errors:
        raise ValueError("invalid days off: " + "; ".join(errors))
    return tuple(sorted(set(values)))


@lru_cache(maxsize=256)
def _closed(year: int, declared: tuple[str, ...]) -> dict[date, str]:
    closed = dict(_public(year))
    for value in declared:
        if value == DAY_AFTER_ASCENSION:
            day, name = _ascension(year) + timedelta(days=1), _DAY_AFTER_ASCENSION_DA
        else:
            month, dom = parse_month_day(value)
            day = date(year, month, dom)
            name = _optional(year).get(day, _DECLARED_DA)
        closed.setdefault(day, name)  # a public holiday keeps its own name
    return closed


def _check_date(day: date) -> None:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, not {type(day).__name__}")


def days_off(year: int, declared: Iterable[str] = ()) -> dict[date, str]:
    """Public holidays of ``year`` plus the declared days off, each with its Danish name
    (weekends not included). ``ValueError`` on an invalid declaration."""
    return dict(sorted(_closed(year, _normalise(declared)).items()))


def is_working_day(day: date, declared: Iterable[str] = ()) -> bool:
    """Monday to Friday, not a public holiday and not a declared day off."""
    _check_date(day)
    return day.weekday() < 5 and day not in _closed(day.year, _normalise(declared))


def add_working_days(start: date, count: int, declared: Iterable[str] = ()) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    _check_date(start)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a whole number >= 1, not {count!r}")
    key = _normalise(declared)
    day = start
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _closed(day.year, key):
            count -= 1
    return day


def copenhagen_today() -> date:
    """Today's date in Denmark (Europe/Copenhagen), whatever the server's time zone."""
    return datetime.now(COPENHAGEN).date()
