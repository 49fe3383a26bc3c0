"""An agreement's terms as declared in its TOML file: notice, review and governance rhythm.

Pure functions and frozen dataclasses (no database), so views, jobs and reports
compute the same dates. The ``describe`` texts are gettext message ids, in the viewer's
language (Danish in a job or the CLI). Declarations look like::

    notice = { working_days = 30 }                 # Ishøj–DRC: 30 working days' written notice
    notice = { months = 6, to = "year_end" }       # Fredericia–Mødrehjælpen
    review = { every = "year", by = "06-30" }      # once a year before the end of Q2
    governance = [ { body = "steering_group", every_months = 6 },
                   { body = "follow_group", every_months = 3 } ]

``from_dict`` raises ``ValueError`` with an English reason, ``"key: reason"`` where one key
is at fault, so a file loader can report ``"notice.months: ..."``. Working days come from
:mod:`core.calendar`; calendar months from ``dateutil.relativedelta`` (31 August plus
6 months is 28/29 February).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel import dates
from dateutil.relativedelta import relativedelta
from flask_babel import gettext, lazy_gettext, ngettext

from core.calendar import add_working_days, parse_month_day

MAX_NOTICE_WORKING_DAYS = 260  # about a year
MAX_NOTICE_MONTHS = 36
NOTICE_TO = ("year_end",)
REVIEW_EVERY = ("year",)
GOVERNANCE_BODIES = {
    "joint_meeting": lazy_gettext("Joint meeting"),
    "steering_group": lazy_gettext("Steering group"),
    "follow_group": lazy_gettext("Follow group"),
}
GOVERNANCE_EVERY_MONTHS = {
    1: lazy_gettext("monthly"),
    2: lazy_gettext("every other month"),
    3: lazy_gettext("quarterly"),
    4: lazy_gettext("every fourth month"),
    6: lazy_gettext("half-yearly"),
    12: lazy_gettext("yearly"),
}


def _mapping(d: Any, keys: Iterable[str], example: str) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise ValueError(f"must be a table like {example}, not {type(d).__name__}")
    unknown = sorted(set(d) - set(keys))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(keys)}")
    return d


def _whole(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key}: must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{key}: must be between {low} and {high}, not {value}")
    return value


def _check_date(name: str, value: Any) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")


# --- Notice (opsigelsesvarsel) -------------------------------------------------------------


@dataclass(frozen=True)
class NoticeTerms:
    """Either ``working_days`` or ``months`` (optionally ``to="year_end"``), never both."""

    working_days: int | None = None
    months: int | None = None
    to: str | None = None

    def __post_init__(self) -> None:
        if (self.working_days is None) == (self.months is None):
            raise ValueError("give either working_days or months, not both or neither")
        if self.working_days is not None:
            _whole("working_days", self.working_days, 1, MAX_NOTICE_WORKING_DAYS)
            if self.to is not None:
                raise ValueError("to: only allowed with months, not with working_days")
        else:
            _whole("months", self.months, 1, MAX_NOTICE_MONTHS)
            if self.to is not None and self.to not in NOTICE_TO:
                raise ValueError(f"to: must be one of {', '.join(NOTICE_TO)}, not {self.to!r}")

    def in_months(self) -> int:
        """The months of notice, for terms not given in working days."""
        if self.months is None:  # __post_init__ lets only working-day terms leave it out
            raise ValueError("notice is given in working days, not months")
        return self.months

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NoticeTerms:
        d = _mapping(d, ("working_days", "months", "to"), "{ working_days = 30 }")
        return cls(working_days=d.get("working_days"), months=d.get("months"), to=d.get("to"))

    def describe(self) -> str:
        """``30 working days' written notice`` (Danish: ``30 arbejdsdages skriftligt varsel``)."""
        if self.working_days is not None:
            return ngettext("%(num)d working day's written notice", "%(num)d working days' written notice", self.working_days)
        if self.to == "year_end":
            return ngettext(
                "%(num)d month's notice to the end of a calendar year",
                "%(num)d months' notice to the end of a calendar year",
                self.in_months(),
            )
        return ngettext("%(num)d month's notice", "%(num)d months' notice", self.in_months())


def earliest_end(
    terms: NoticeTerms,
    given: date,
    *,
    declared_days_off: Iterable[str] = (),
    agreement_end: date | None = None,
) -> date:
    """The earliest day the agreement can end when notice is given on ``given``.

    - working days: the N-th working day after ``given`` (``given`` not counted);
    - months to the year end: 31 December of the year in which ``given`` + N months falls
      (6 months: notice on or before 30 June ends the same year, later the next year);
    - plain months: ``given`` + N calendar months (day clamped to the month's end).

    Never later than ``agreement_end``: an agreement ending earlier by its own terms just
    ends then. Notice given after ``agreement_end`` is a ``ValueError``.
    """
    _check_date("given", given)
    if agreement_end is not None:
        _check_date("agreement_end", agreement_end)
        if given > agreement_end:
            raise ValueError(f"notice given {given} after the agreement ended {agreement_end}")
    if terms.working_days is not None:
        end = add_working_days(given, terms.working_days, declared_days_off)
    else:
        end = given + relativedelta(months=terms.in_months())
        if terms.to == "year_end":
            end = date(end.year, 12, 31)
    if agreement_end is not None and end > agreement_end:
        return agreement_end
    return end


def remedy_deadline(breach_notice_on: date, working_days: int, declared_days_off: Iterable[str] = ()) -> date:
    """The last day to remedy a material breach: the ``working_days``-th working day after
    the written notice of it (14 in the Ishøj–DRC agreement)."""
    _check_date("breach_notice_on", breach_notice_on)
    return add_working_days(breach_notice_on, working_days, declared_days_off)


# --- Review (aftalen drøftes) -------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSchedule:
    """The agreement is reviewed ``every`` year, by the ``by`` date (``"MM-DD"``)."""

    every: str
    by: str

    def __post_init__(self) -> None:
        if self.every not in REVIEW_EVERY:
            raise ValueError(f"every: must be one of {', '.join(REVIEW_EVERY)}, not {self.every!r}")
        try:
            parse_month_day(self.by)
        except ValueError as exc:
            raise ValueError(f"by: {exc}") from None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReviewSchedule:
        d = _mapping(d, ("every", "by"), '{ every = "year", by = "06-30" }')
        missing = [key for key in ("every", "by") if key not in d]
        if missing:
            raise ValueError(f"{missing[0]}: missing")
        return cls(every=d["every"], by=d["by"])

    def describe(self) -> str:
        """``once a year before June 30`` (Danish: ``én gang om året inden 30. juni``)."""
        from core.i18n import language

        month, day = parse_month_day(self.by)
        when = dates.format_skeleton("MMMMd", date(2000, month, day), locale=language())  # 2000: a leap year, for 02-29
        return gettext("once a year before %(day)s", day=when)

    def next_review(self, today: date) -> date:
        """The next by-date on or after ``today``."""
        _check_date("today", today)
        month, day = parse_month_day(self.by)
        this_year = date(today.year, month, day)
        return this_year if this_year >= today else date(today.year + 1, month, day)


# --- Governance rhythm (mødekadence) ----------------------------------------------------


@dataclass(frozen=True)
class GovernanceRhythm:
    """A governance ``body`` meets every ``every_months`` months, periods cut from 1 January."""

    body: str
    every_months: int

    def __post_init__(self) -> None:
        if self.body not in GOVERNANCE_BODIES:
            raise ValueError(f"body: must be one of {', '.join(GOVERNANCE_BODIES)}, not {self.body!r}")
        value = self.every_months
        if isinstance(value, bool) or value not in GOVERNANCE_EVERY_MONTHS:
            allowed = ", ".join(map(str, GOVERNANCE_EVERY_MONTHS))
            raise ValueError(f"every_months: must be one of {allowed}, not {value!r}")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GovernanceRhythm:
        d = _mapping(d, ("body", "every_months"), '{ body = "follow_group", every_months = 3 }')
        missing = [key for key in ("body", "every_months") if key not in d]
        if missing:
            raise ValueError(f"{missing[0]}: missing")
        return cls(body=d["body"], every_months=d["every_months"])

    @classmethod
    def from_list(cls, items: Any) -> tuple[GovernanceRhythm, ...]:
        """The ``governance`` list; errors name the entry (``"[2]: every_months: ..."``)
        and a body listed twice is refused."""
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"must be a list of tables, not {type(items).__name__}")
        rhythms: list[GovernanceRhythm] = []
        for index, item in enumerate(items):
            try:
                rhythm = cls.from_dict(item)
            except ValueError as exc:
                raise ValueError(f"[{index}]: {exc}") from None
            if any(r.body == rhythm.body for r in rhythms):
                raise ValueError(f"[{index}]: body: {rhythm.body!r} listed twice")
            rhythms.append(rhythm)
        return tuple(rhythms)

    @property
    def name(self) -> str:
        return str(GOVERNANCE_BODIES[self.body])

    def describe(self) -> str:
        """How often the body meets: ``half-yearly`` (Danish: ``halvårligt``)."""
        return str(GOVERNANCE_EVERY_MONTHS[self.every_months])

    def next_due(self, today: date) -> date:
        """The last day of the period ``today`` falls in (every 6 months: 30 June or
        31 December; every 3: the quarter's end)."""
        _check_date("today", today)
        last_month = ((today.month - 1) // self.every_months + 1) * self.every_months
        return date(today.year, last_month, 1) + relativedelta(day=31)
