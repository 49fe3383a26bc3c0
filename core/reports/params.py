"""A report's parameters (marshmallow schemas) and the period they cover.

``YearParameters`` (``year``) and ``YearPeriodParameters`` (``year`` and
``period``: the whole year, a half or a quarter) are what most reports take;
a report may add its own fields (a course, a municipality) in a subclass.
Values come from the query string, a form or the command line, always as
text, and are loaded through the schema: a malformed value is a Danish 400,
never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from flask_babel import format_date
from marshmallow import EXCLUDE, ValidationError, fields, validate

from core.schemas import N_, Schema

if TYPE_CHECKING:
    from core.reports.definitions import Report

FIRST_YEAR = 2000
LAST_YEAR = 2100
CURRENT_YEAR_FROM = (3, 1)  # before 1 March, reports default to last year: the annual report is written then
PERIODS = ("year", "h1", "h2", "q1", "q2", "q3", "q4")
_PERIOD_MONTHS = {"year": (1, 12), "h1": (1, 6), "h2": (7, 12), "q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12)}
PERIOD_LABELS = {
    "year": N_("The whole year"),
    "h1": N_("First half"),
    "h2": N_("Second half"),
    "q1": N_("1st quarter"),
    "q2": N_("2nd quarter"),
    "q3": N_("3rd quarter"),
    "q4": N_("4th quarter"),
}


class BadParameters(ValueError):
    """A report's parameters did not load; ``messages`` per field, in the UI language."""

    def __init__(self, messages: Mapping[str, Any]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in messages.items()))
        self.messages = dict(messages)


def default_year(today: date | None = None) -> int:
    """Last year before 1 March, this year from then on."""
    from core.calendar import copenhagen_today

    today = today or copenhagen_today()
    return today.year - 1 if (today.month, today.day) < CURRENT_YEAR_FROM else today.year


def year_choices(today: date | None = None, back: int = 6) -> list[int]:
    """The years a picker offers by default: the last ``back`` years up to this one, newest first."""
    from core.calendar import copenhagen_today

    this = (today or copenhagen_today()).year
    return list(range(this, this - back, -1))


@dataclass(frozen=True)
class Period:
    """The days a report covers, both included."""

    start: date
    end: date

    def label(self) -> str:
        """ "1. januar 2025 – 31. december 2025" in the UI language."""
        return f"{format_date(self.start, 'long')} – {format_date(self.end, 'long')}"

    @classmethod
    def of_year(cls, year: int, period: str = "year") -> Period:
        first, last = _PERIOD_MONTHS[period]
        end_day = 31 if last in (3, 12) else 30
        return cls(date(year, first, 1), date(year, last, end_day))


class YearParameters(Schema):
    """``year``: a calendar year (default: last year before 1 March, this year from then on)."""

    class Meta:
        unknown = EXCLUDE  # other query values (a language switch, a page) are not the report's

    year = fields.Integer(
        load_default=default_year,
        validate=validate.Range(FIRST_YEAR, LAST_YEAR),
        metadata={"label": N_("Year")},
    )


class YearPeriodParameters(YearParameters):
    """``year`` and ``period``: the whole year, a half (h1, h2) or a quarter (q1..q4)."""

    period = fields.String(
        load_default="year",
        validate=validate.OneOf(PERIODS),
        metadata={"label": N_("Period"), "choice_labels": PERIOD_LABELS},
    )


def load_parameters(report: Report, raw: Mapping[str, str]) -> dict[str, Any]:
    """The report's parameters loaded from text values; ``BadParameters`` when they do not load."""
    values = {k: v for k, v in raw.items() if v != ""}  # an empty field is "not given": the default applies
    try:
        return dict(report.parameters().load(values))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise BadParameters(messages) from None


def period_of(report: Report, params: Mapping[str, Any]) -> Period | None:
    """The period the report covers for these parameters (None when it names none)."""
    if report.period is not None:
        return report.period(dict(params))
    year = params.get("year")
    if isinstance(year, int):
        return Period.of_year(year, str(params.get("period") or "year"))
    return None


def years_for(report: Report) -> Sequence[int]:
    return list(report.years()) if report.years is not None else year_choices()
