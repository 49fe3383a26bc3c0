"""Opening hours and closures of the open counselling: pure functions, no database.

The agreement (seeds/002) closes the open counselling on 1 May, Constitution
Day (5 June) and the day after Ascension Day, and "between Christmas and New
Year". Those days are computed here each year; ad-hoc closures (the
counsellor is ill and no one can step in, ...) are rows of
``models.Closure``, each with a notice for citizens such as "Ring til
telefonrådgivningen i stedet".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.easter import easter

LOCAL = ZoneInfo("Europe/Copenhagen")

MAY_DAY = "1. maj"
CONSTITUTION_DAY = "Grundlovsdag"
DAY_AFTER_ASCENSION = "Dagen efter Kristi himmelfartsdag"
CHRISTMAS_EVE = "Juleaftensdag"
CHRISTMAS_DAY = "Juledag"
BOXING_DAY = "2. juledag"
BETWEEN_CHRISTMAS_AND_NEW_YEAR = "Mellem jul og nytår"
NEW_YEARS_EVE = "Nytårsaftensdag"
NEW_YEARS_DAY = "Nytårsdag"


def ascension_day(year: int) -> date:
    """Ascension Day (Kristi himmelfartsdag): the Thursday 39 days after Easter Sunday."""
    return easter(year) + timedelta(days=39)


def fixed_closures(year: int) -> list[tuple[date, str]]:
    """The agreement's closed days of ``year``, sorted, each with its Danish name.

    - 1 May ("1. maj") and Constitution Day, 5 June ("Grundlovsdag");
    - the day after Ascension Day, a Friday: Easter Sunday + 40 days
      ("Dagen efter Kristi himmelfartsdag"; 2025-05-30, 2026-05-15);
    - the days between Christmas and New Year, 27-30 December.

    24, 25 and 26 December and 31 December / 1 January are closed as holidays
    anyway (Christmas Eve, Christmas Day, Boxing Day, New Year's Eve and Day);
    they are listed too (1 January of ``year``, 24-31 December), so the
    public list of closed days is complete. Should two reasons fall on one
    day (the day after Ascension can be 1 May), the day is listed once with
    both names.
    """
    days: dict[date, list[str]] = {}
    for day, reason in (
        (date(year, 1, 1), NEW_YEARS_DAY),
        (date(year, 5, 1), MAY_DAY),
        (date(year, 6, 5), CONSTITUTION_DAY),
        (ascension_day(year) + timedelta(days=1), DAY_AFTER_ASCENSION),
        (date(year, 12, 24), CHRISTMAS_EVE),
        (date(year, 12, 25), CHRISTMAS_DAY),
        (date(year, 12, 26), BOXING_DAY),
        *((date(year, 12, d), BETWEEN_CHRISTMAS_AND_NEW_YEAR) for d in range(27, 31)),
        (date(year, 12, 31), NEW_YEARS_EVE),
    ):
        days.setdefault(day, []).append(reason)
    return sorted((day, " og ".join(reasons)) for day, reasons in days.items())


def _field(obj: Any, name: str, index: int) -> Any:
    if isinstance(obj, dict):
        return obj[name]
    if isinstance(obj, tuple | list):
        return obj[index]
    return getattr(obj, name)


def _closure_day(closure: Any) -> date:
    """A closure given as a date, a (date, reason) pair, a mapping or a row with ``day``."""
    if isinstance(closure, datetime):
        return closure.date()
    if isinstance(closure, date):
        return closure
    return _field(closure, "day", 0)


def is_open(office_hours: Iterable[Any], closures: Iterable[Any], moment: datetime) -> bool:
    """Whether an office is open at ``moment``.

    ``office_hours``: that office's weekly hours, rows with ``weekday``
    (0 = Monday), ``opens`` and ``closes`` (or tuples in that order);
    ``closures``: its closed days, fixed and ad-hoc (dates, (date, reason)
    pairs or rows with ``day``). An aware ``moment`` is taken in Danish time;
    a naive one is Danish time already. Open means ``opens <= time < closes``.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL)
    day, clock = moment.date(), moment.time().replace(tzinfo=None)
    if any(_closure_day(c) == day for c in closures):
        return False
    return any(_field(h, "weekday", 0) == day.weekday() and _field(h, "opens", 1) <= clock < _field(h, "closes", 2) for h in office_hours)


@dataclass(frozen=True)
class UpcomingClosure:
    day: date
    reason: str
    notice: str | None = None
    office_id: int | None = None  # None: a fixed closure, for every office
    closure_id: int | None = None  # the ad-hoc row, for staff to delete

    @property
    def fixed(self) -> bool:
        return self.closure_id is None


def next_closures(fixed: Iterable[tuple[date, str]], adhoc: Iterable[Any], today: date, limit: int | None = None) -> list[UpcomingClosure]:
    """The closures from ``today`` on, soonest first, at most ``limit`` (None: all).

    ``fixed``: (date, reason) pairs, e.g. ``fixed_closures(y) + fixed_closures(y + 1)``;
    ``adhoc``: ``Closure`` rows (or anything with ``day``, ``reason``,
    ``notice``, ``office_id``, ``id``). On one day the fixed closure comes
    first; a fixed day listed twice counts once.
    """
    upcoming = {UpcomingClosure(day, reason) for day, reason in fixed if day >= today}
    for row in adhoc:
        if row.day >= today:
            upcoming.add(
                UpcomingClosure(
                    row.day, row.reason, getattr(row, "notice", None), getattr(row, "office_id", None), getattr(row, "id", None)
                )
            )
    ordered = sorted(upcoming, key=lambda c: (c.day, not c.fixed, c.office_id or 0, c.closure_id or 0, c.reason))
    return ordered if limit is None else ordered[: max(limit, 0)]


def weekly_hours(office_hours: Iterable[Any]) -> list[tuple[int, time, time]]:
    """(weekday, opens, closes) sorted by weekday and time."""
    return sorted((_field(h, "weekday", 0), _field(h, "opens", 1), _field(h, "closes", 2)) for h in office_hours)
