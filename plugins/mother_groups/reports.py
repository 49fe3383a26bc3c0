"""The programme's reports: per course, recruitment, and against the agreement.

Every figure is aggregated in SQL from selected columns (one query per
breakdown, never one per course or mother). ``build`` runs in the tenant's
context, so the ORM filters every table to that tenant; ``build_national``
runs inside ``cross_tenant()`` (the caller enters it) and returns counts per
tenant id only: no names, no free text.

Targets are the covering agreement's (``targets.mother_groups`` in the tenant
file), never numbers of this plugin: a target the agreement does not set is
shown as "–". Nationally each tenant is measured against its own agreement,
read in one query for all tenants.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, select

from core.db import db
from core.partnerships.models import Agreement, AgreementProgramme
from core.plugins.types import ReportDefinition, ReportResult
from core.tenancy.models import Tenant, TenantProgramme
from plugins.mother_groups.agreement import NO_TARGET, targets
from plugins.mother_groups.models import (
    ACTIVITY_TYPES,
    REFERRAL_SOURCES,
    REFERRAL_STATUSES,
    Attendance,
    Course,
    CourseSession,
    Enrolment,
    HousingArea,
    Mother,
    Referral,
    SessionActivity,
)

KEY = "mother_groups"
UNKNOWN_AREA = "Ukendt"
HEALTH_VISIT = "health_visitor_visit"


def _count_if(condition) -> Any:
    # SUM(CASE ...) rather than COUNT(...) FILTER: SQLite and PostgreSQL both take it.
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None  # no attendance recorded yet: a rate of 0 would be misleading
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


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


def _course_report(params: dict[str, Any]) -> ReportResult:
    course_id = _int_param(params, "course_id")
    participants = _participants_by(Enrolment.course_id)
    held = _held_sessions_by(CourseSession.course_id)
    attendance = (
        select(
            CourseSession.course_id.label("k"),
            _count_if(Attendance.status == "present").label("present"),
            func.count(Attendance.id).label("recorded"),
        )
        .join(CourseSession, CourseSession.id == Attendance.session_id)
        .where(CourseSession.status == "held", Attendance.status.in_(("present", "absent", "excused")))
        .group_by(CourseSession.course_id)
        .subquery()
    )
    query = (
        select(
            Course.id,
            Course.name,
            func.coalesce(participants.c.n, 0),
            func.coalesce(attendance.c.present, 0),
            func.coalesce(attendance.c.recorded, 0),
            func.coalesce(held.c.held, 0),
            *[func.coalesce(held.c[a], 0) for a in ACTIVITY_TYPES],
        )
        .outerjoin(participants, participants.c.k == Course.id)
        .outerjoin(attendance, attendance.c.k == Course.id)
        .outerjoin(held, held.c.k == Course.id)
        .order_by(Course.start_date, Course.id)
    )
    if course_id is not None:
        query = query.where(Course.id == course_id)
    rows = []
    for cid, name, n, present, recorded, n_held, *by_activity in db.session.execute(query):
        visits = by_activity[ACTIVITY_TYPES.index(HEALTH_VISIT)]
        rows.append((cid, name, n, _percent(present, recorded), n_held, *by_activity, visits))
    columns = [
        "course_id",
        "course",
        "participants",
        "attendance_rate_pct",
        "sessions_held",
        *[f"held_{a}" for a in ACTIVITY_TYPES],
        "health_visitor_visits",
    ]
    return ReportResult(columns=columns, rows=rows)


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


def _recruitment_report(params: dict[str, Any]) -> ReportResult:
    by_source = {source: counts for source, *counts in db.session.execute(select(Referral.source, *_by_status()).group_by(Referral.source))}
    by_area = db.session.execute(
        select(HousingArea.name, *_by_status())
        .select_from(Referral)
        .join(Mother, Mother.id == Referral.mother_id)
        .outerjoin(HousingArea, HousingArea.id == Mother.housing_area_id)
        .group_by(HousingArea.id, HousingArea.name)
    ).all()
    rows = []
    # Every known source is listed, with zeros, so the report keeps its shape.
    for source in [*REFERRAL_SOURCES, *sorted(set(by_source) - set(REFERRAL_SOURCES))]:
        counts = by_source.get(source, [0] * len(REFERRAL_STATUSES))
        rows.append(("source", source, *counts, sum(counts)))
    # Named areas alphabetically, mothers without an area last.
    for name, *counts in sorted(by_area, key=lambda r: (r[0] is None, r[0] or "")):
        rows.append(("housing_area", name or UNKNOWN_AREA, *counts, sum(counts)))
    return ReportResult(columns=["breakdown", "category", *REFERRAL_STATUSES, "total"], rows=rows)


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


def _agreement_report(params: dict[str, Any]) -> ReportResult:
    visited = (
        select(CourseSession.course_id)
        .join(SessionActivity, and_(SessionActivity.session_id == CourseSession.id, SessionActivity.activity == HEALTH_VISIT))
        .where(CourseSession.status == "held")
        .distinct()
        .subquery()
    )
    courses, with_visit = db.session.execute(
        select(func.count(Course.id), func.count(visited.c.course_id)).outerjoin(visited, visited.c.course_id == Course.id)
    ).one()
    reached = db.session.scalar(select(func.count(func.distinct(Enrolment.mother_id))).where(Enrolment.joined_on.is_not(None)))
    agreed = targets()
    mothers_target = agreed.get("mothers")
    rows = [
        ("courses", courses),
        ("courses_target", agreed.get("courses", NO_TARGET)),
        ("courses_with_health_visitor_visit", with_visit),
        ("mothers_reached", reached),
        ("mothers_target", NO_TARGET if mothers_target is None else mothers_target),
        ("mothers_reached_pct_of_target", NO_TARGET if mothers_target is None else _percent(reached, mothers_target)),
    ]
    return ReportResult(columns=["measure", "value"], rows=rows)


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


COLUMN_LABELS_DA = {
    "course_id": "Forløb nr.",
    "course": "Forløb",
    "participants": "Deltagere",
    "attendance_rate_pct": "Fremmøde (%)",
    "sessions_held": "Afholdte mødegange",
    "held_language_wellbeing": "Sprog/trivsel",
    "held_early_parenthood": "Forældreskab",
    "held_health_visitor_visit": "Sundhedsplejebesøg (mødegange)",
    "held_other": "Andet",
    "health_visitor_visits": "Besøg af sundhedsplejerske",
    "breakdown": "Opdeling",
    "category": "Kategori",
    "pending": "Afventer",
    "enrolled": "Indskrevet",
    "waitlisted": "Venteliste",
    "declined": "Afvist",
    "total": "I alt",
    "measure": "Mål",
    "value": "Værdi",
    "tenant_id": "Kommune",
    "courses": "Forløb",
    "referrals": "Henvisninger",
    "mothers_reached": "Mødre nået",
    "mothers_target": "Mål (mødre)",
    "courses_target": "Mål (forløb)",
    "courses_with_health_visitor_visit": "Forløb med besøg af sundhedsplejerske",
    "mothers_reached_pct_of_target": "Mødre nået (% af mål)",
}


def report_definitions() -> list[ReportDefinition]:
    return [
        ReportDefinition(
            key="mother_groups.course",
            title_da="Forløb",
            title_en="Courses",
            build=_course_report,
            build_national=_course_national,
            column_labels_da=COLUMN_LABELS_DA,
        ),
        ReportDefinition(
            key="mother_groups.recruitment",
            title_da="Rekruttering",
            title_en="Recruitment",
            build=_recruitment_report,
            build_national=_recruitment_national,
            column_labels_da=COLUMN_LABELS_DA,
        ),
        ReportDefinition(
            key="mother_groups.agreement",
            title_da="Mål i aftalen",
            title_en="Against the agreement",
            build=_agreement_report,
            build_national=_agreement_national,
            column_labels_da=COLUMN_LABELS_DA,
        ),
    ]
