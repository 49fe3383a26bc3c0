"""Opening hours and closures of the open counselling: pure functions, no database.

The closed days every office shares are the Danish calendar's (``core.calendar``: the
public holidays of the ``holidays`` package) plus the days off the covering agreement
declares (Fredericia's: 1 May, Constitution Day, the day after Ascension Day, 24 December,
Christmas to New Year and 31 December); ``agreement_closures`` asks the core helper, so
no programme keeps a calendar of its own. Ad-hoc closures (the counsellor is ill and no
one can step in, ...) are rows of ``models.Closure``, each with a notice for citizens
such as "Ring til telefonrådgivningen i stedet".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from core.programme import COPENHAGEN, closed_days

LOCAL = COPENHAGEN


def agreement_closures(start: date, end: date, declared: Iterable[str] = ()) -> list[tuple[date, str]]:
    """The closed days from ``start`` up to (not including) ``end``, each with its Danish name:
    public holidays and the agreement's ``declared`` days off (see ``core.calendar``)."""
    return closed_days(start, end, declared)


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

    ``fixed``: (date, reason) pairs, e.g. ``agreement_closures(today, today + year, days_off)``;
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
