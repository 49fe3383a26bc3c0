"""The national key figures per municipality and year: one grouped query per programme, across tenants.

Runs inside ``cross_tenant()`` (the caller enters it, with ``reporting_reads``
where a replica is configured). Each query groups by tenant and year, over the
tenants a person covers, so the number of statements is the same for two
municipalities or ninety-eight, and no figure is ever a loop over persons.

A year is a calendar year: a course counts in every year it runs; a mother in
every year she is enrolled (joined by its end, not left before its start); a
contact, a session, a shift or an activity in the year of its day.

The programmes' own tables are read here because the national view compares
them side by side; core never imports a plugin (tests/test_plugins.py), so
they are found by name among the tables the installed plugins declared
(``samvirke_models``), only for a programme the installation has. A plugin
without figures here shows what its ``build_national`` gives. (Where this
belongs in the end: a hook through which each plugin gives its own national
figures, grouped by tenant and year.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Date, Integer, and_, case, func, literal, or_, select, union_all

from core.db import db

log = logging.getLogger(__name__)

Figures = dict[tuple[int, int], dict[str, Any]]  # (tenant id, year) -> measure -> value


def _count_if(condition: Any) -> Any:
    # SUM(CASE ...) rather than COUNT(...) FILTER: SQLite and PostgreSQL both take it.
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def years_table(years: Sequence[int]) -> Any:
    """The years as rows (year, first day, last day), to join on in SQL.

    Typed bind parameters, not CASTs: SQLite would read ``CAST('2025-01-01' AS DATE)``
    as the number 2025 (its DATE affinity is numeric); psycopg sends them typed.
    """
    rows = [
        select(
            literal(y, Integer).label("year"),
            literal(date(y, 1, 1), Date).label("first"),
            literal(date(y, 12, 31), Date).label("last"),
        )
        for y in years
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("years")


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None  # nothing recorded: a rate of 0 would mislead
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _table(name: str) -> Any:
    """A programme's table, from the metadata the installed plugins' models joined (no plugin import)."""
    return db.metadata.tables[name]


def _rows(query: Any) -> list[Any]:
    return list(db.session.execute(query).all())


# --- Mother groups ---------------------------------------------------------------------------


def mother_groups(tenant_ids: Sequence[int], years: Sequence[int]) -> Figures:
    """Courses, mothers enrolled, attendance rate, health-visitor visit compliance, volunteers: one statement."""
    Course, CourseSession, SessionActivity = (_table("mother_groups_" + n) for n in ("courses", "sessions", "session_activities"))
    Enrolment, CourseVolunteer, Attendance = (_table("mother_groups_" + n) for n in ("enrolments", "course_volunteers", "attendance"))

    y = years_table(years)
    running = and_(Course.c.start_date <= y.c.last, Course.c.end_date >= y.c.first, Course.c.tenant_id.in_(tenant_ids))
    visited = (
        select(CourseSession.c.tenant_id, CourseSession.c.course_id)
        .join(
            SessionActivity,
            and_(
                SessionActivity.c.tenant_id == CourseSession.c.tenant_id,
                SessionActivity.c.session_id == CourseSession.c.id,
                SessionActivity.c.activity == "health_visitor_visit",
            ),
        )
        .where(CourseSession.c.status == "held", CourseSession.c.tenant_id.in_(tenant_ids))
        .distinct()
        .subquery("visited")
    )
    courses = (
        select(
            Course.c.tenant_id.label("t"),
            y.c.year.label("y"),
            func.count(Course.c.id).label("courses"),
            func.count(visited.c.course_id).label("visited"),
        )
        .select_from(y)
        .join(Course, running)
        .outerjoin(visited, and_(visited.c.tenant_id == Course.c.tenant_id, visited.c.course_id == Course.c.id))
        .group_by(Course.c.tenant_id, y.c.year)
        .subquery("courses")
    )
    mothers = (
        select(Enrolment.c.tenant_id.label("t"), y.c.year.label("y"), func.count(func.distinct(Enrolment.c.mother_id)).label("n"))
        .select_from(y)
        .join(Course, running)
        .join(Enrolment, and_(Enrolment.c.tenant_id == Course.c.tenant_id, Enrolment.c.course_id == Course.c.id))
        .where(
            Enrolment.c.joined_on.is_not(None),
            Enrolment.c.joined_on <= y.c.last,
            or_(Enrolment.c.left_on.is_(None), Enrolment.c.left_on >= y.c.first),
        )
        .group_by(Enrolment.c.tenant_id, y.c.year)
        .subquery("mothers")
    )
    volunteers = (
        select(
            CourseVolunteer.c.tenant_id.label("t"),
            y.c.year.label("y"),
            func.count(func.distinct(CourseVolunteer.c.volunteer_id)).label("n"),
        )
        .select_from(y)
        .join(Course, running)
        .join(CourseVolunteer, and_(CourseVolunteer.c.tenant_id == Course.c.tenant_id, CourseVolunteer.c.course_id == Course.c.id))
        .group_by(CourseVolunteer.c.tenant_id, y.c.year)
        .subquery("volunteers")
    )
    attendance = (
        select(
            CourseSession.c.tenant_id.label("t"),
            y.c.year.label("y"),
            _count_if(Attendance.c.status == "present").label("present"),
            func.count(Attendance.c.id).label("recorded"),
        )
        .select_from(y)
        .join(
            CourseSession,
            and_(CourseSession.c.date >= y.c.first, CourseSession.c.date <= y.c.last, CourseSession.c.tenant_id.in_(tenant_ids)),
        )
        .join(Attendance, and_(Attendance.c.tenant_id == CourseSession.c.tenant_id, Attendance.c.session_id == CourseSession.c.id))
        .where(CourseSession.c.status == "held", Attendance.c.status.in_(("present", "absent", "excused")))
        .group_by(CourseSession.c.tenant_id, y.c.year)
        .subquery("attendance")
    )
    query = (
        select(
            courses.c.t,
            courses.c.y,
            courses.c.courses,
            courses.c.visited,
            func.coalesce(mothers.c.n, 0),
            func.coalesce(volunteers.c.n, 0),
            func.coalesce(attendance.c.present, 0),
            func.coalesce(attendance.c.recorded, 0),
        )
        .outerjoin(mothers, and_(mothers.c.t == courses.c.t, mothers.c.y == courses.c.y))
        .outerjoin(volunteers, and_(volunteers.c.t == courses.c.t, volunteers.c.y == courses.c.y))
        .outerjoin(attendance, and_(attendance.c.t == courses.c.t, attendance.c.y == courses.c.y))
    )
    out: Figures = {}
    for tenant_id, year, n_courses, n_visited, n_mothers, n_volunteers, present, recorded in _rows(query):
        out[(tenant_id, year)] = {
            "courses": int(n_courses),
            "mothers": int(n_mothers),
            "attendance": percent(int(present), int(recorded)),
            "visits": percent(int(n_visited), int(n_courses)),
            "volunteers": int(n_volunteers),
            # The parts of the rates: a total row's rate is computed from them, never averaged.
            "_present": int(present),
            "_recorded": int(recorded),
            "_visited": int(n_visited),
        }
    return out


# --- Open counselling ------------------------------------------------------------------------


def open_counselling(tenant_ids: Sequence[int], years: Sequence[int]) -> Figures:
    """Contacts and the families they were with: one statement."""
    Contact = _table("open_counselling_contacts")

    y = years_table(years)
    query = (
        select(Contact.c.tenant_id, y.c.year, func.count(Contact.c.id), func.count(func.distinct(Contact.c.family_id)))
        .select_from(y)
        .join(Contact, and_(Contact.c.day >= y.c.first, Contact.c.day <= y.c.last, Contact.c.tenant_id.in_(tenant_ids)))
        .group_by(Contact.c.tenant_id, y.c.year)
    )
    return {(t, year): {"contacts": int(contacts), "families": int(families)} for t, year, contacts, families in _rows(query)}


# --- The volunteer association ---------------------------------------------------------------


def volunteer_association(tenant_ids: Sequence[int], years: Sequence[int]) -> Figures:
    """Volunteers who took a shop shift or helped at an activity, and the activities held: one statement."""
    Activity, ActivityVolunteer, Shift, ShiftSignup = (
        _table("volunteer_association_" + n) for n in ("activities", "activity_volunteers", "shifts", "shift_signups")
    )

    y = years_table(years)
    on_shifts = (
        select(ShiftSignup.c.tenant_id.label("t"), y.c.year.label("y"), ShiftSignup.c.volunteer_id.label("v"))
        .select_from(y)
        .join(Shift, and_(Shift.c.day >= y.c.first, Shift.c.day <= y.c.last, Shift.c.tenant_id.in_(tenant_ids)))
        .join(ShiftSignup, and_(ShiftSignup.c.tenant_id == Shift.c.tenant_id, ShiftSignup.c.shift_id == Shift.c.id))
    )
    at_activities = (
        select(ActivityVolunteer.c.tenant_id.label("t"), y.c.year.label("y"), ActivityVolunteer.c.volunteer_id.label("v"))
        .select_from(y)
        .join(Activity, and_(Activity.c.day >= y.c.first, Activity.c.day <= y.c.last, Activity.c.tenant_id.in_(tenant_ids)))
        .join(
            ActivityVolunteer, and_(ActivityVolunteer.c.tenant_id == Activity.c.tenant_id, ActivityVolunteer.c.activity_id == Activity.c.id)
        )
    )
    helpers = union_all(on_shifts, at_activities).subquery("helpers")
    volunteers = (
        select(helpers.c.t, helpers.c.y, func.count(func.distinct(helpers.c.v)).label("n")).group_by(helpers.c.t, helpers.c.y).subquery("v")
    )
    activities = (
        select(Activity.c.tenant_id.label("t"), y.c.year.label("y"), func.count(Activity.c.id).label("n"))
        .select_from(y)
        .join(Activity, and_(Activity.c.day >= y.c.first, Activity.c.day <= y.c.last, Activity.c.tenant_id.in_(tenant_ids)))
        .group_by(Activity.c.tenant_id, y.c.year)
        .subquery("a")
    )
    keys = union_all(select(volunteers.c.t, volunteers.c.y), select(activities.c.t, activities.c.y)).subquery("k")
    query = (
        select(keys.c.t, keys.c.y, func.max(func.coalesce(volunteers.c.n, 0)), func.max(func.coalesce(activities.c.n, 0)))
        .select_from(keys)
        .outerjoin(volunteers, and_(volunteers.c.t == keys.c.t, volunteers.c.y == keys.c.y))
        .outerjoin(activities, and_(activities.c.t == keys.c.t, activities.c.y == keys.c.y))
        .group_by(keys.c.t, keys.c.y)
    )
    return {(t, year): {"volunteers": int(v), "activities": int(a)} for t, year, v, a in _rows(query)}


# --- Co-financing ----------------------------------------------------------------------------


def invoiced(agreement_ids: Sequence[int], years: Sequence[int]) -> Figures:
    """Per tenant and year (of the invoiced period's start): invoiced (less credit notes) and paid; one statement."""
    from core.billing.models import Invoice

    y = years_table(years)
    sign = case((Invoice.kind == "credit_note", -1), else_=1)
    query = (
        select(
            Invoice.tenant_id,
            y.c.year,
            func.coalesce(func.sum(sign * Invoice.total), 0),
            func.coalesce(func.sum(case((Invoice.state == "paid", func.coalesce(Invoice.paid_amount, Invoice.total)), else_=0)), 0),
        )
        .select_from(y)
        .join(Invoice, and_(Invoice.period_start >= y.c.first, Invoice.period_start <= y.c.last))
        .where(Invoice.agreement_id.in_(agreement_ids), Invoice.state != "draft")
        .group_by(Invoice.tenant_id, y.c.year)
    )
    return {(t, year): {"invoiced": Decimal(str(i)), "paid": Decimal(str(p))} for t, year, i, p in _rows(query)}


def agreed(agreements: Sequence[Any], years: Sequence[int]) -> Figures:
    """What each agreement's billing rule yields per year (its preview, as ``yearly_preview``; no SQL), summed per tenant.

    The installed rules are collected once and each agreement's parameters loaded once, not per year.
    """
    from core.partnerships.billing import billing_rules, rule_input

    rules = billing_rules()
    out: Figures = {}
    for agreement in agreements:
        rule = rules.get(agreement.billing_rule)
        try:
            if rule is None:
                raise LookupError(agreement.billing_rule)
            given = rule_input(agreement, rule)
            totals = [(y, sum((line.amount for line in rule.lines(given, date(y, 1, 1), date(y, 12, 31))), Decimal("0"))) for y in years]
        except (LookupError, ValidationError, ValueError, TypeError, AttributeError):
            # A rule the installation lacks, or parameters it refuses: nothing agreed to show (no personal data here).
            log.warning("national view: agreement %s has no billing preview", agreement.id)
            continue
        for year, total in totals:
            cell = out.setdefault((agreement.tenant_id, year), {"agreed": Decimal("0")})
            cell["agreed"] += total
    return out


# Which figures each programme has, and the function that computes them.
PROGRAMMES: dict[str, Callable[[Sequence[int], Sequence[int]], Figures]] = {
    "mother_groups": mother_groups,
    "open_counselling": open_counselling,
    "volunteer_association": volunteer_association,
}
