"""The programme's national figures: per course, recruitment, and against the agreement, per tenant.

The reports themselves (per tenant, a year at a time) are declared and
computed in ``plugins.mother_groups.annual``. Here: each report's
``build_national``, run inside ``cross_tenant()`` (the caller enters it),
returning counts per tenant id only: no names, no free text. Every figure is
aggregated in SQL from selected columns (one query per breakdown, never one
per course or mother).

Targets are the covering agreement's (``targets.mother_groups`` in the tenant
file), never numbers of this plugin: a target the agreement does not set is
shown as "–". Nationally each tenant is measured against its own agreement,
read in one query for all tenants.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select

from core.programme import Agreement, AgreementProgramme, ReportResult, Tenant, TenantProgramme, db
from plugins.mother_groups.agreement import NO_TARGET
from plugins.mother_groups.models import (
    ACTIVITY_TYPES,
    REFERRAL_STATUSES,
    Course,
    CourseSession,
    Enrolment,
    Referral,
    SessionActivity,
)

KEY = "mother_groups"
HEALTH_VISIT = "health_visitor_visit"


def _count_if(condition) -> Any:
    # SUM(CASE ...) rather than COUNT(...) FILTER: SQLite and PostgreSQL both take it.
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _int_param(params: dict[str, Any], name: str) -> int | None:
    value = str(params.get(name) or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number") from None


# --- Per course ------------------------------------------------------------


def _year_range(params: dict[str, Any]) -> tuple[date, date] | None:
    """The national view's ``year`` (optional here): its first and last day, or None for all years."""
    year = _int_param(params, "year")
    if year is None:
        return None
    if not 1900 <= year <= 9999:
        raise ValueError("year is out of range")
    return date(year, 1, 1), date(year, 12, 31)


def _in_years(query, course_table, years: tuple[date, date] | None):
    """Only courses running in the year (they start by its end and end after its start)."""
    if years is None:
        return query
    return query.where(course_table.start_date <= years[1], course_table.end_date >= years[0])


def _participants_by(group, years: tuple[date, date] | None = None):
    """Mothers who ever joined (joined_on set, also those who left since); of the year's courses when given."""
    query = select(group.label("k"), func.count(Enrolment.id).label("n")).where(Enrolment.joined_on.is_not(None))
    if years is not None:
        query = _in_years(query.join(Course, Course.id == Enrolment.course_id), Course, years)
    return query.group_by(group).subquery()


def _held_sessions_by(group, years: tuple[date, date] | None = None):
    counts = [_count_if(SessionActivity.activity == a).label(a) for a in ACTIVITY_TYPES]
    # Activities are counted through an outer join so a held session without
    # any still counts as held; (session, activity) is unique, so each sum is
    # a number of sessions.
    return (
        select(group.label("k"), func.count(func.distinct(CourseSession.id)).label("held"), *counts)
        .select_from(CourseSession)
        .outerjoin(SessionActivity, SessionActivity.session_id == CourseSession.id)
        .where(CourseSession.status == "held", *([CourseSession.date.between(*years)] if years else []))
        .group_by(group)
        .subquery()
    )


def _enabled_tenants():
    """Active tenants with the programme enabled: every one gets a row, zero or not."""
    return (
        select(Tenant.id)
        .join(TenantProgramme, TenantProgramme.tenant_id == Tenant.id)
        .where(TenantProgramme.programme_key == KEY, Tenant.active.is_(True))
    ).subquery()


def _course_national(params: dict[str, Any]) -> ReportResult:
    years = _year_range(params)  # the national view asks for one year: its cost is that year's rows
    tenants = _enabled_tenants()
    courses = (
        _in_years(select(Course.tenant_id.label("k"), func.count(Course.id).label("n")), Course, years)
        .group_by(Course.tenant_id)
        .subquery()
    )
    participants = _participants_by(Enrolment.tenant_id, years)
    held = _held_sessions_by(CourseSession.tenant_id, years)
    rows = db.session.execute(
        select(
            tenants.c.id,
            func.coalesce(courses.c.n, 0),
            func.coalesce(participants.c.n, 0),
            func.coalesce(held.c.held, 0),
            func.coalesce(held.c[HEALTH_VISIT], 0),
        )
        .outerjoin(courses, courses.c.k == tenants.c.id)
        .outerjoin(participants, participants.c.k == tenants.c.id)
        .outerjoin(held, held.c.k == tenants.c.id)
        .order_by(tenants.c.id)
    ).all()
    return ReportResult(
        columns=["tenant_id", "courses", "participants", "sessions_held", "health_visitor_visits"],
        rows=[tuple(r) for r in rows],
    )


# --- Recruitment -----------------------------------------------------------


def _by_status():
    return [_count_if(Referral.status == s).label(s) for s in REFERRAL_STATUSES]


def _recruitment_national(params: dict[str, Any]) -> ReportResult:
    years = _year_range(params)
    tenants = _enabled_tenants()
    referrals = (
        select(Referral.tenant_id.label("k"), func.count(Referral.id).label("total"), *_by_status())
        .where(*([Referral.referred_on.between(*years)] if years else []))
        .group_by(Referral.tenant_id)
        .subquery()
    )
    rows = db.session.execute(
        select(tenants.c.id, func.coalesce(referrals.c.total, 0), *[func.coalesce(referrals.c[s], 0) for s in REFERRAL_STATUSES])
        .outerjoin(referrals, referrals.c.k == tenants.c.id)
        .order_by(tenants.c.id)
    ).all()
    return ReportResult(columns=["tenant_id", "referrals", *REFERRAL_STATUSES], rows=[tuple(r) for r in rows])


# --- Against the agreement -------------------------------------------------


def _reached_by(group, years: tuple[date, date] | None = None):
    """Distinct mothers who ever joined a course (a mother on two courses counts once); the year's courses when given."""
    query = select(group.label("k"), func.count(func.distinct(Enrolment.mother_id)).label("n")).where(Enrolment.joined_on.is_not(None))
    if years is not None:
        query = _in_years(query.join(Course, Course.id == Enrolment.course_id), Course, years)
    return query.group_by(group).subquery()


def _national_targets() -> dict[int, dict[str, int]]:
    """Each tenant's own agreement's targets for the programme, in one query (inside ``cross_tenant()``).

    The agreements in force (declared in the file, not draft); where two
    cover the programme in one tenant, the one that starts last counts, as
    ``agreement_covering`` picks it.
    """
    rows = db.session.execute(
        select(Agreement.tenant_id, Agreement.targets)
        .join(
            AgreementProgramme, and_(AgreementProgramme.agreement_id == Agreement.id, AgreementProgramme.tenant_id == Agreement.tenant_id)
        )
        .where(AgreementProgramme.programme_key == KEY, Agreement.active.is_(True), Agreement.declared_status != "draft")
        .order_by(Agreement.tenant_id, Agreement.starts_on, Agreement.id)
    ).all()
    return {tenant_id: dict((all_targets or {}).get(KEY) or {}) for tenant_id, all_targets in rows}


def _agreement_national(params: dict[str, Any]) -> ReportResult:
    years = _year_range(params)
    tenants = _enabled_tenants()
    courses = (
        _in_years(select(Course.tenant_id.label("k"), func.count(Course.id).label("n")), Course, years)
        .group_by(Course.tenant_id)
        .subquery()
    )
    reached = _reached_by(Enrolment.tenant_id, years)
    rows = db.session.execute(
        select(tenants.c.id, func.coalesce(courses.c.n, 0), func.coalesce(reached.c.n, 0))
        .outerjoin(courses, courses.c.k == tenants.c.id)
        .outerjoin(reached, reached.c.k == tenants.c.id)
        .order_by(tenants.c.id)
    ).all()
    agreed = _national_targets()
    return ReportResult(
        columns=["tenant_id", "courses", "courses_target", "mothers_reached", "mothers_target"],
        rows=[
            (tid, n_courses, agreed.get(tid, {}).get("courses", NO_TARGET), reached, agreed.get(tid, {}).get("mothers", NO_TARGET))
            for tid, n_courses, reached in rows
        ],
    )


def report_definitions() -> list:
    """The programme's reports (``samvirke_reports``), declared in ``plugins.mother_groups.annual``."""
    from plugins.mother_groups.annual import REPORTS

    return list(REPORTS)
