"""Ny mor i Danmark's reports as the engine declares them, and its section of the agreement's annual report.

For a calendar year, the courses running in it (they start by its end and end
after its start):

- **courses**: per course the mothers enrolled (ever joined), those who left
  early and those who stayed (enrolled = left + stayed, a margin), a total row;
- **sessions**: the sessions held in the year by activity (the health-visitor
  visits among them) and the attendance rate of the year's sessions;
- **volunteers**: per course the volunteers, those with a valid
  child-protection certificate and those insured on the year's last day (or
  today, in the current year);
- **recruitment**: the referrals of the year by source and by housing area,
  per status, with their totals (the two views show the same referrals: their
  total rows are declared the same, so disclosure control sees through a
  difference between them);
- **against the agreement**: the covering agreement's targets (courses,
  mothers per course, volunteers per course, health-visitor visits per
  course, mothers in all) beside what was achieved. A target the agreement
  does not set is "–", never a number of this plugin.

Every figure is aggregated in SQL: one grouped query for the courses, one per
recruitment breakdown, one for the mothers reached. The loops below run over
those few aggregated rows (one per course), never over mothers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marshmallow import fields
from sqlalchemy import and_, case, func, or_, select

from core.programme import (
    N_,
    Cell,
    Chart,
    Column,
    ColumnsSum,
    Relation,
    Report,
    RowsSum,
    Table,
    TableData,
    Volunteer,
    YearParameters,
    copenhagen_today,
    db,
)
from plugins.mother_groups.agreement import KEY, NO_TARGET, targets
from plugins.mother_groups.models import (
    ACTIVITY_TYPES,
    REFERRAL_SOURCES,
    REFERRAL_STATUSES,
    Attendance,
    Course,
    CourseSession,
    CourseVolunteer,
    Enrolment,
    HousingArea,
    Mother,
    Referral,
    SessionActivity,
)
from plugins.mother_groups.reports import _agreement_national, _course_national, _recruitment_national
from plugins.mother_groups.schemas import ACTIVITY_LABELS, SOURCE_LABELS, STATE_LABELS, STATUS_LABELS

PROGRAMME = N_("Ny mor i Danmark: mother groups")
TOTAL = "total"
UNKNOWN_AREA = "_unknown"
HEALTH_VISIT = "health_visitor_visit"
TOTAL_LABEL = N_("All courses")


def _count_if(condition: Any) -> Any:
    # SUM(CASE ...) rather than COUNT(...) FILTER: SQLite and PostgreSQL both take it.
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


# --- The courses of the year ----------------------------------------------------------


def _course_rows(year: int, course_id: int | None = None) -> list[Any]:
    """One aggregated row per course running in the year (one statement)."""
    first, last = _bounds(year)
    on_day = min(last, copenhagen_today())
    enrolled = (
        select(
            Enrolment.course_id.label("k"),
            func.count(Enrolment.id).label("enrolled"),
            _count_if(Enrolment.status == "left").label("left"),
        )
        .where(Enrolment.joined_on.is_not(None))
        .group_by(Enrolment.course_id)
        .subquery()
    )
    # (session, activity) is unique: each sum is a number of sessions; the outer join keeps a session without any.
    held = (
        select(
            CourseSession.course_id.label("k"),
            func.count(func.distinct(CourseSession.id)).label("held"),
            *[_count_if(SessionActivity.activity == a).label(a) for a in ACTIVITY_TYPES],
        )
        .select_from(CourseSession)
        .outerjoin(SessionActivity, SessionActivity.session_id == CourseSession.id)
        .where(CourseSession.status == "held", CourseSession.date.between(first, last))
        .group_by(CourseSession.course_id)
        .subquery()
    )
    attendance = (
        select(
            CourseSession.course_id.label("k"),
            _count_if(Attendance.status == "present").label("present"),
            func.count(Attendance.id).label("recorded"),
        )
        .join(CourseSession, CourseSession.id == Attendance.session_id)
        .where(
            CourseSession.status == "held", CourseSession.date.between(first, last), Attendance.status.in_(("present", "absent", "excused"))
        )
        .group_by(CourseSession.course_id)
        .subquery()
    )
    certified = and_(Volunteer.certificate_result == "approved", Volunteer.certificate_valid_until >= on_day)
    insured = and_(Volunteer.insured_from <= on_day, or_(Volunteer.insured_until.is_(None), Volunteer.insured_until >= on_day))
    volunteers = (
        select(
            CourseVolunteer.course_id.label("k"),
            func.count(CourseVolunteer.id).label("volunteers"),
            _count_if(certified).label("certified"),
            _count_if(insured).label("insured"),
        )
        .join(Volunteer, Volunteer.id == CourseVolunteer.volunteer_id)
        .group_by(CourseVolunteer.course_id)
        .subquery()
    )
    query = (
        select(
            Course.id,
            Course.name,
            Course.status,
            Course.start_date,
            Course.end_date,
            func.coalesce(enrolled.c.enrolled, 0).label("enrolled"),
            func.coalesce(enrolled.c.left, 0).label("left"),
            func.coalesce(held.c.held, 0).label("held"),
            *[func.coalesce(held.c[a], 0).label(a) for a in ACTIVITY_TYPES],
            func.coalesce(attendance.c.present, 0).label("present"),
            func.coalesce(attendance.c.recorded, 0).label("recorded"),
            func.coalesce(volunteers.c.volunteers, 0).label("volunteers"),
            func.coalesce(volunteers.c.certified, 0).label("certified"),
            func.coalesce(volunteers.c.insured, 0).label("insured"),
        )
        .outerjoin(enrolled, enrolled.c.k == Course.id)
        .outerjoin(held, held.c.k == Course.id)
        .outerjoin(attendance, attendance.c.k == Course.id)
        .outerjoin(volunteers, volunteers.c.k == Course.id)
        .where(Course.start_date <= last, Course.end_date >= first)
        .order_by(Course.start_date, Course.id)
    )
    if course_id is not None:
        query = query.where(Course.id == course_id)
    return list(db.session.execute(query))


def _course_tables(rows: list[Any]) -> dict[str, list[dict[str, Any]]]:
    courses, sessions, volunteers = [], [], []
    for r in rows:
        key = str(r.id)
        courses.append(
            {
                "_key": key,
                "course": r.name,
                "status": r.status,
                "start": r.start_date,
                "end": r.end_date,
                "enrolled": int(r.enrolled),
                "left": int(r.left),
                "stayed": int(r.enrolled) - int(r.left),
            }
        )
        sessions.append(
            {
                "_key": key,
                "course": r.name,
                "held": int(r.held),
                **{a: int(getattr(r, a)) for a in ACTIVITY_TYPES},
                "attendance": _percent(int(r.present), int(r.recorded)),
            }
        )
        volunteers.append(
            {"_key": key, "course": r.name, "volunteers": int(r.volunteers), "certified": int(r.certified), "insured": int(r.insured)}
        )
    if rows:
        courses.append(
            {"_key": TOTAL, "course": TOTAL_LABEL, **{c: sum(row[c] for row in courses) for c in ("enrolled", "left", "stayed")}}
        )
        sessions.append({"_key": TOTAL, "course": TOTAL_LABEL, **{c: sum(row[c] for row in sessions) for c in ("held", *ACTIVITY_TYPES)}})
        volunteers.append(
            {"_key": TOTAL, "course": TOTAL_LABEL, **{c: sum(row[c] for row in volunteers) for c in ("volunteers", "certified", "insured")}}
        )
    return {"courses": courses, "sessions": sessions, "volunteers": volunteers}


# --- Recruitment --------------------------------------------------------------------------


def _by_status() -> list[Any]:
    return [_count_if(Referral.status == s).label(s) for s in REFERRAL_STATUSES]


def _recruitment_tables(year: int) -> dict[str, Any]:
    in_year = Referral.referred_on.between(*_bounds(year))
    by_source = {
        source: [int(c) for c in counts]
        for source, *counts in db.session.execute(select(Referral.source, *_by_status()).where(in_year).group_by(Referral.source))
    }
    by_area = db.session.execute(
        select(HousingArea.id, HousingArea.name, *_by_status())
        .select_from(Referral)
        .join(Mother, Mother.id == Referral.mother_id)
        .outerjoin(HousingArea, HousingArea.id == Mother.housing_area_id)
        .where(in_year)
        .group_by(HousingArea.id, HousingArea.name)
    ).all()

    def row(key: str, label: Any, counts: list[int]) -> dict[str, Any]:
        return {"_key": key, "category": label, **dict(zip(REFERRAL_STATUSES, counts, strict=True)), TOTAL: sum(counts)}

    zero = [0] * len(REFERRAL_STATUSES)
    # Every known source is listed, with zeros, so the report keeps its shape.
    sources = [row(s, s, by_source.get(s, zero)) for s in [*REFERRAL_SOURCES, *sorted(set(by_source) - set(REFERRAL_SOURCES))]]
    # Named areas alphabetically, mothers without an area last (an area's name is the municipality's, not a person's).
    ordered = sorted(by_area, key=lambda r: (r[1] is None, r[1] or ""))
    areas = [
        row(str(a_id) if a_id is not None else UNKNOWN_AREA, name or N_("No housing area"), [int(c) for c in counts])
        for a_id, name, *counts in ordered
    ]
    for table in (sources, areas):
        table.append(row(TOTAL, N_("All referrals"), [sum(r[s] for r in table) for s in REFERRAL_STATUSES]))
    return {"by_source": sources, "by_area": areas}


def _recruitment_relations(data: Mapping[str, TableData]) -> Iterable[Relation]:
    """The two breakdowns count the same referrals: their totals are one figure shown twice."""
    for column in (*REFERRAL_STATUSES, TOTAL):
        yield Relation.same(Cell("by_source", TOTAL, column), Cell("by_area", TOTAL, column))


# --- Against the agreement ----------------------------------------------------------------


def _range(low: Any, high: Any) -> str:
    if low is None and high is None:
        return NO_TARGET
    if low is not None and high is not None:
        return f"{low}–{high}"
    return f"≥ {low}" if low is not None else f"≤ {high}"


def _within(value: int, low: Any, high: Any) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _agreed(params: Mapping[str, Any]) -> dict[str, Any]:
    agreement = params.get("agreement")
    if agreement is not None:  # the annual report of that agreement
        return dict((agreement.targets or {}).get(KEY) or {})
    return targets()  # the agreement covering the programme in the tenant


def _mothers_reached(year: int, since: date | None) -> tuple[int, int | None]:
    """Distinct mothers who joined a course running in the year; and on any course since the agreement started."""
    first, last = _bounds(year)
    joined = select(func.count(func.distinct(Enrolment.mother_id))).join(Course, Course.id == Enrolment.course_id)
    joined = joined.where(Enrolment.joined_on.is_not(None))
    figures = [joined.where(Course.start_date <= last, Course.end_date >= first).scalar_subquery()]
    if since is not None:
        figures.append(joined.where(Course.end_date >= since, Course.start_date <= last).scalar_subquery())
    found = db.session.execute(select(*figures)).one()
    return int(found[0] or 0), (int(found[1] or 0) if since is not None else None)


def _target_tables(rows: list[Any], params: Mapping[str, Any]) -> dict[str, Any]:
    agreed = _agreed(params)
    n = len(rows)
    mothers_low, mothers_high = agreed.get("mothers_per_course_min"), agreed.get("mothers_per_course_max")
    vol_low, vol_high = agreed.get("volunteers_per_course_min"), agreed.get("volunteers_per_course_max")
    visits = agreed.get("health_visitor_visits_per_course")

    def achieved(condition: Any, target_set: bool) -> Any:
        return sum(1 for r in rows if condition(r)) if target_set else NO_TARGET

    measures = [
        {"measure": "courses", "target": str(agreed.get("courses", NO_TARGET)), "achieved": n},
        {
            "measure": "mothers_per_course",
            "target": _range(mothers_low, mothers_high),
            "achieved": achieved(lambda r: _within(int(r.enrolled), mothers_low, mothers_high), bool(mothers_low or mothers_high)),
        },
        {
            "measure": "volunteers_per_course",
            "target": _range(vol_low, vol_high),
            "achieved": achieved(lambda r: _within(int(r.volunteers), vol_low, vol_high), bool(vol_low or vol_high)),
        },
        {
            "measure": "visits_per_course",
            "target": _range(visits, None),
            "achieved": achieved(lambda r: int(getattr(r, HEALTH_VISIT)) >= (visits or 0), visits is not None),
        },
    ]
    agreement = params.get("agreement")
    year = params["year"]
    in_year, overall = _mothers_reached(year, agreement.starts_on if agreement is not None else None)
    target = agreed.get("mothers")
    mothers = [
        {
            "measure": "mothers_year",
            "mothers": in_year,
            "target": NO_TARGET if target is None else str(target),
            "share": NO_TARGET if target is None else _percent(in_year, target),
        }
    ]
    if overall is not None:
        mothers.append(
            {
                "measure": "mothers_agreement",
                "mothers": overall,
                "target": NO_TARGET if target is None else str(target),
                "share": NO_TARGET if target is None else _percent(overall, target),
            }
        )
    return {"targets": measures, "mothers": mothers}


# --- Declarations -------------------------------------------------------------------------

COURSE = Column("course", N_("Course"), kind="text")
MEASURES = {
    "courses": N_("Courses running in the year"),
    "mothers_per_course": N_("Courses with the agreed number of mothers"),
    "volunteers_per_course": N_("Courses with the agreed number of volunteers"),
    "visits_per_course": N_("Courses with the agreed health-visitor visits in the year"),
    "mothers_year": N_("Mothers on the year's courses"),
    "mothers_agreement": N_("Mothers since the agreement started"),
}

COURSES = Table(
    "courses",
    title=N_("Courses and mothers"),
    description=N_("Mothers who joined each course running in the year; those who left early and those who stayed or completed it."),
    columns=[
        COURSE,
        Column("status", N_("Status"), kind="label", labels=STATUS_LABELS),
        Column("start", N_("Start date"), kind="date"),
        Column("end", N_("End date"), kind="date"),
        Column("enrolled", N_("Mothers enrolled")),
        Column("left", N_("Left early")),
        Column("stayed", N_("Stayed or completed")),
    ],
    sums=[RowsSum(TOTAL), ColumnsSum("enrolled", ["left", "stayed"])],
    section=PROGRAMME,
)
SESSIONS = Table(
    "sessions",
    title=N_("Sessions held by activity"),
    description=N_(
        "Sessions held in the year; a session with two activities counts under both. Attendance: mothers present of those recorded."
    ),
    columns=[
        COURSE,
        Column("held", N_("Sessions held"), kind="number"),
        *[Column(a, ACTIVITY_LABELS[a], kind="number") for a in ACTIVITY_TYPES],
        Column("attendance", N_("Attendance (%)"), kind="percent"),
    ],
    section=PROGRAMME,
)
VOLUNTEERS = Table(
    "volunteers",
    title=N_("Volunteers and child-protection certificates"),
    description=N_(
        "Volunteers on each course; with a valid child-protection certificate and insured on the year's last day (today, in the current year)."
    ),
    columns=[
        COURSE,
        Column("volunteers", N_("Volunteers")),
        Column("certified", N_("With a valid certificate")),
        Column("insured", N_("Insured")),
    ],
    sums=[RowsSum(TOTAL)],
    section=PROGRAMME,
)
_STATUS_COLUMNS = [Column(s, STATE_LABELS[s]) for s in REFERRAL_STATUSES]
BY_SOURCE = Table(
    "by_source",
    title=N_("Referrals by source"),
    columns=[Column("category", N_("Referred by"), kind="label", labels=SOURCE_LABELS), *_STATUS_COLUMNS, Column(TOTAL, N_("Total"))],
    sums=[RowsSum(TOTAL), ColumnsSum(TOTAL, list(REFERRAL_STATUSES))],
    section=PROGRAMME,
)
BY_AREA = Table(
    "by_area",
    title=N_("Referrals by housing area"),
    columns=[Column("category", N_("Housing area"), kind="text"), *_STATUS_COLUMNS, Column(TOTAL, N_("Total"))],
    sums=[RowsSum(TOTAL), ColumnsSum(TOTAL, list(REFERRAL_STATUSES))],
    section=PROGRAMME,
)
TARGETS = Table(
    "targets",
    title=N_("Against the agreement: courses"),
    description=N_("The targets are the agreement's; a target it does not set is shown as –."),
    columns=[
        Column("measure", N_("Measure"), kind="label", labels=MEASURES),
        Column("target", N_("Target in the agreement"), kind="text"),
        Column("achieved", N_("Achieved (courses)"), kind="number"),
    ],
    section=PROGRAMME,
)
MOTHERS = Table(
    "mothers",
    title=N_("Against the agreement: mothers"),
    description=N_("Each mother counts once, however many courses she joined. The agreement's target is for its whole period."),
    columns=[
        Column("measure", N_("Measure"), kind="label", labels=MEASURES),
        Column("mothers", N_("Mothers")),
        Column("target", N_("Target in the agreement"), kind="text"),
        Column("share", N_("Share of the target (%)"), kind="percent", derived_from=("mothers",)),
    ],
    section=PROGRAMME,
)
CHARTS = [
    Chart("mg_sessions", N_("Sessions held by activity"), "sessions", "course", list(ACTIVITY_TYPES), kind="stacked_bar"),
    Chart("mg_sources", N_("Referrals by source"), "by_source", "category", list(REFERRAL_STATUSES), kind="stacked_bar"),
]


def _section(params: dict[str, Any]) -> dict[str, Any]:
    rows = _course_rows(params["year"])
    return {**_course_tables(rows), **_recruitment_tables(params["year"]), **_target_tables(rows, params)}


SECTION = Report(
    key="mother_groups.annual_section",
    title=PROGRAMME,
    parameters=YearParameters,
    compute=_section,
    tables=[COURSES, SESSIONS, VOLUNTEERS, BY_SOURCE, BY_AREA, TARGETS, MOTHERS],
    charts=CHARTS,
    relations=_recruitment_relations,
)


# --- The programme's own reports ------------------------------------------------------------


class CourseParameters(YearParameters):
    """``year``, and optionally one ``course_id`` of the year's courses."""

    course_id = fields.Integer(load_default=None, allow_none=True, metadata={"label": N_("Course number")})


def _courses(params: dict[str, Any]) -> dict[str, Any]:
    return _course_tables(_course_rows(params["year"], params.get("course_id")))


def _recruitment(params: dict[str, Any]) -> dict[str, Any]:
    return _recruitment_tables(params["year"])


def _against(params: dict[str, Any]) -> dict[str, Any]:
    return _target_tables(_course_rows(params["year"]), params)


COURSE_REPORT = Report(
    key="mother_groups.course",
    title=N_("Courses"),
    parameters=CourseParameters,
    compute=_courses,
    tables=[COURSES, SESSIONS, VOLUNTEERS],
    charts=CHARTS[:1],
    build_national=_course_national,
)
RECRUITMENT_REPORT = Report(
    key="mother_groups.recruitment",
    title=N_("Recruitment"),
    parameters=YearParameters,
    compute=_recruitment,
    tables=[BY_SOURCE, BY_AREA],
    charts=CHARTS[1:],
    relations=_recruitment_relations,
    build_national=_recruitment_national,
)
AGREEMENT_REPORT = Report(
    key="mother_groups.agreement",
    title=N_("Against the agreement"),
    parameters=YearParameters,
    compute=_against,
    tables=[TARGETS, MOTHERS],
    build_national=_agreement_national,
)
REPORTS = (COURSE_REPORT, RECRUITMENT_REPORT, AGREEMENT_REPORT)
