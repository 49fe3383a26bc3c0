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
(``"12-24"``), the token ``"day_after_ascension"``, or the token
``"between_christmas_and_new_year"`` (27-30 December; 24 and 31 December are declared
on their own, as ``"12-24"`` and ``"12-31"``).

"Today" and "now" are Danish time (``copenhagen_today``/``copenhagen_now``), whatever
the server's time zone: at 23:30 UTC on 31 December it is already 1 January in Denmark.

Names are in the UI language (``core.i18n.language()``: Danish outside a request), asked for
explicitly (``language="da"`` or ``"en_US"``): without it the package picks the language from
the process locale (``LANG=C.UTF-8`` gives English names). The agreements' own day names are
English message ids with their Danish in core's catalogue, looked up with Babel for the language
explicitly (the results are cached per language, so never through the request's locale).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from babel import support

from core.schemas import N_

DAY_AFTER_ASCENSION = "day_after_ascension"
BETWEEN_CHRISTMAS_AND_NEW_YEAR = "between_christmas_and_new_year"
TOKENS = (DAY_AFTER_ASCENSION, BETWEEN_CHRISTMAS_AND_NEW_YEAR)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

_ASCENSION_DA = "Kristi himmelfartsdag"  # the package's Danish name, to find the day (never shown from here)
_DAY_AFTER_ASCENSION = N_("Day after Ascension Day")
_BETWEEN_CHRISTMAS_AND_NEW_YEAR = N_("Between Christmas and New Year")
_DECLARED = N_("Agreed day off")
_PACKAGE_LANGUAGE = {"da": "da", "en": "en_US"}
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
        if value in TOKENS:
            continue
        if isinstance(value, str) and not _MM_DD.match(value):
            errors.append(f"{value!r}: must be 'MM-DD' (e.g. '12-24'), '{DAY_AFTER_ASCENSION}' or '{BETWEEN_CHRISTMAS_AND_NEW_YEAR}'")
            continue
        try:
            parse_month_day(value)
        except ValueError as exc:
            errors.append(f"{value!r}: {exc}")
    return errors


def _language() -> str:
    from core.i18n import language

    return language()


@lru_cache(maxsize=4)
def _catalogue(lang: str) -> support.NullTranslations:
    from core.i18n import TRANSLATIONS

    return support.Translations.load(str(TRANSLATIONS), [lang]) if lang != "en" else support.NullTranslations()


def _name(message: str, lang: str) -> str:
    return _catalogue(lang).gettext(str.__str__(message))


@lru_cache(maxsize=128)
def _public(year: int, lang: str = "da") -> dict[date, str]:
    return dict(holidays.country_holidays("DK", years=year, categories=(holidays.PUBLIC,), language=_PACKAGE_LANGUAGE[lang]))


@lru_cache(maxsize=128)
def _optional(year: int, lang: str = "da") -> dict[date, str]:
    return dict(holidays.country_holidays("DK", years=year, categories=(holidays.OPTIONAL,), language=_PACKAGE_LANGUAGE[lang]))


def _ascension(year: int) -> date:
    found = [day for day, name in _public(year, "da").items() if name == _ASCENSION_DA]
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
def _closed(year: int, declared: tuple[str, ...], lang: str = "da") -> dict[date, str]:
    closed = dict(_public(year, lang))
    for value in declared:
        for day, name in _declared_days(year, value, lang):
            closed.setdefault(day, name)  # a public holiday keeps its own name
    return closed


def _declared_days(year: int, value: str, lang: str = "da") -> list[tuple[date, str]]:
    if value == DAY_AFTER_ASCENSION:
        return [(_ascension(year) + timedelta(days=1), _name(_DAY_AFTER_ASCENSION, lang))]
    if value == BETWEEN_CHRISTMAS_AND_NEW_YEAR:
        return [(date(year, 12, dom), _name(_BETWEEN_CHRISTMAS_AND_NEW_YEAR, lang)) for dom in range(27, 31)]
    month, dom = parse_month_day(value)
    day = date(year, month, dom)
    return [(day, _optional(year, lang).get(day) or _name(_DECLARED, lang))]


def _check_date(day: date) -> None:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, not {type(day).__name__}")


def days_off(year: int, declared: Iterable[str] = ()) -> dict[date, str]:
    """Public holidays of ``year`` plus the declared days off, each with its name in the UI
    language (weekends not included). ``ValueError`` on an invalid declaration."""
    return dict(sorted(_closed(year, _normalise(declared), _language()).items()))


def closed_days(start: date, end: date, declared: Iterable[str] = ()) -> list[tuple[date, str]]:
    """The public holidays and declared days off from ``start`` up to, not including, ``end``
    (across years), soonest first, each with its name in the UI language. What every programme closes on.

    Weekends are not listed unless a holiday falls on one (Easter Sunday, Whit Sunday).
    """
    _check_date(start)
    _check_date(end)
    key, lang = _normalise(declared), _language()
    return [
        (day, name)
        for year in range(start.year, end.year + 1)
        for day, name in sorted(_closed(year, key, lang).items())
        if start <= day < end
    ]


def optional_days_off() -> tuple[str, ...]:
    """The ``holidays`` package's optional Danish days (1 May, Constitution Day, 24 and 31
    December) as declarations, for a programme that closes on all of them."""
    return tuple(sorted(day.strftime("%m-%d") for day in _optional(2025)))


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


def copenhagen_now() -> datetime:
    """Now in Denmark: an aware datetime in Europe/Copenhagen, whatever the server's time zone."""
    return datetime.now(COPENHAGEN)


def copenhagen_today() -> date:
    """Today's date in Denmark (Europe/Copenhagen), whatever the server's time zone.

    The one place "today" is asked for: code in core/ and plugins/ never calls ``date.today()``
    (a test fails if it does), since the servers run in UTC and Danish midnight is 22:00 or 23:00 UTC.
    """
    return copenhagen_now().date()
