"""What the pages and the API do, in one place.

Functions raise ``marshmallow.ValidationError`` with field messages when a
rule refuses; callers turn that into a form error or a 422. Nothing is
written before every check has passed. None of them commits: the caller's
unit of work does (core commits a request below 400 and rolls back the rest;
the job runner commits a job). The views and the API record the audit rows, in
the request's transaction (outside a request ``record`` writes apart, which
SQLite refuses while this session holds uncommitted writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import and_, case, func, select
from stdnum.dk import cpr as stdnum_cpr

from core.programme import Volunteer, copenhagen_today, db, utcnow
from plugins.mother_groups import rules
from plugins.mother_groups.agreement import programme_organisation_ids, targets
from plugins.mother_groups.models import (
    Attendance,
    Baby,
    Consent,
    Course,
    CourseSession,
    CourseVolunteer,
    Enrolment,
    Mother,
    Referral,
    SessionActivity,
)
from plugins.mother_groups.schemas import COURSE_TOO_LONG, MAX_COURSE_MONTHS, course_too_long

# The wording of what she consents to, stored with her consent as its record: Danish, the language it was given in.
CONSENT_SCOPE = "Deltagelse i mødregruppe og registrering af oplysninger (Ny mor i Danmark)"
# (Danish for the same reason.) A consent of its own, never implied by taking part: her data, under a pseudonym, in the external evaluation.
EVALUATION_CONSENT_SCOPE = "Deltagelse i ekstern evaluering af Ny mor i Danmark"


# --- courses -------------------------------------------------------------------


def create_course(data: dict[str, Any]) -> Course:
    """A new course; its capacity defaults to the agreement's mothers per course.

    Without such a target the capacity must be given. At most the agreement's
    number of courses may overlap (no limit when it names none).
    """
    agreed = targets()
    data = dict(data)
    missing = {}
    for name, target in (("capacity_min", "mothers_per_course_min"), ("capacity_max", "mothers_per_course_max")):
        if data.get(name) is None:
            data[name] = agreed.get(target)
        if data[name] is None:
            missing[name] = [gettext("Enter the number; the agreement sets no number of mothers per course.")]
    if missing:
        raise ValidationError(missing)
    if data["capacity_min"] > data["capacity_max"]:
        raise ValidationError({"capacity_min": [gettext("The minimum cannot be larger than the maximum.")]})
    limit = agreed.get("courses")
    if limit is not None:
        overlapping = db.session.execute(
            select(func.count())
            .select_from(Course)
            .where(Course.status != "completed", Course.start_date <= data["end_date"], Course.end_date >= data["start_date"])
        ).scalar_one()
        if overlapping >= limit:
            raise ValidationError(
                {"start_date": [gettext("At most %(limit)s courses may overlap in the project period (the agreement).", limit=limit)]}
            )
    course = Course(**{k: v for k, v in data.items() if v is not None or k in ("housing_area_id", "location")})
    db.session.add(course)
    db.session.flush()  # its id, for the redirect and the API's answer
    return course


@dataclass
class CourseStatus:
    course: Course
    enrolled: int = 0
    waitlisted: int = 0
    ready_volunteers: int = 0
    visits: int = 0
    expired_volunteers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    visit_flag: bool = False


def course_statuses(courses: list[Course], today: date) -> list[CourseStatus]:
    """Warnings and flags for many courses in a fixed number of queries (no N+1).

    The numbers come from the covering agreement's targets; a check whose
    target the agreement does not set (or no agreement at all) is skipped.
    """
    ids = [c.id for c in courses]
    if not ids:
        return []
    agreed = targets()
    counts = dict.fromkeys(ids, (0, 0))
    for course_id, enrolled, waitlisted in db.session.execute(
        select(
            Enrolment.course_id,
            func.sum(case((Enrolment.status == "enrolled", 1), else_=0)),
            func.sum(case((Enrolment.status == "waitlisted", 1), else_=0)),
        )
        .where(Enrolment.course_id.in_(ids))
        .group_by(Enrolment.course_id)
    ):
        counts[course_id] = (int(enrolled or 0), int(waitlisted or 0))
    visits = dict(
        db.session.execute(
            select(CourseSession.course_id, func.count(func.distinct(CourseSession.id)))
            .join(
                SessionActivity, and_(SessionActivity.session_id == CourseSession.id, SessionActivity.tenant_id == CourseSession.tenant_id)
            )
            .where(
                CourseSession.course_id.in_(ids), CourseSession.status != "cancelled", SessionActivity.activity == "health_visitor_visit"
            )
            .group_by(CourseSession.course_id)
        ).all()
    )
    volunteers: dict[int, list[Volunteer]] = {i: [] for i in ids}
    for course_id, volunteer in db.session.execute(
        select(CourseVolunteer.course_id, Volunteer)
        .join(Volunteer, and_(Volunteer.id == CourseVolunteer.volunteer_id, Volunteer.tenant_id == CourseVolunteer.tenant_id))
        .where(CourseVolunteer.course_id.in_(ids))
    ):
        volunteers[course_id].append(volunteer)
    out = []
    for course in courses:
        status = CourseStatus(course, *counts[course.id])
        status.visits = visits.get(course.id, 0)
        status.ready_volunteers = sum(1 for v in volunteers[course.id] if v.ready_on(today))
        status.expired_volunteers = [v.name for v in volunteers[course.id] if not v.certificate_valid_on(today)]
        for warning in (
            rules.course_length_warning(course.start_date, course.end_date),
            rules.capacity_warning(status.enrolled, agreed.get("mothers_per_course_min"), agreed.get("mothers_per_course_max"))
            if course.status in ("running", "recruiting")
            else None,
            rules.volunteer_warning(status.ready_volunteers, agreed.get("volunteers_per_course_min"))
            if course.status != "completed"
            else None,
        ):
            if warning:
                status.warnings.append(warning)
        for name in status.expired_volunteers:
            status.warnings.append(gettext("The child-protection certificate of %(name)s is not valid.", name=name))
        agreed_visits = agreed.get("health_visitor_visits_per_course")
        status.visit_flag = course.status != "completed" and rules.visit_missing(course.end_date, today, status.visits, agreed_visits)
        if status.visit_flag:
            status.warnings.append(
                gettext("The course is in its last month without a visit from the health visitor.")
                if status.visits == 0
                else gettext(
                    "The course is in its last month with %(visits)s of %(agreed)s agreed visits from the health visitor.",
                    visits=status.visits,
                    agreed=agreed_visits,
                )
            )
        out.append(status)
    return out


def generate_sessions(course: Course) -> tuple[int, list[date]]:
    """Create the weekly sessions not yet there (holidays skipped); safe to run twice.

    Bounded: a course stored before the schema's maximum length (or changed
    past it) is refused before any date is computed, not given centuries of
    weekly sessions.
    """
    if course_too_long(course.start_date, course.end_date):
        raise ValidationError({"end_date": [gettext(COURSE_TOO_LONG, months=MAX_COURSE_MONTHS)]})
    dates, skipped = rules.weekly_dates(course.start_date, course.end_date, course.weekday)
    existing = set(db.session.scalars(select(CourseSession.date).where(CourseSession.course_id == course.id)))
    existing |= set(
        db.session.scalars(
            select(CourseSession.moved_from).where(CourseSession.course_id == course.id, CourseSession.moved_from.isnot(None))
        )
    )
    created = 0
    for day in dates:
        if day not in existing:
            db.session.add(CourseSession(course_id=course.id, date=day, start_time=course.start_time))
            created += 1
    return created, skipped


def update_session(session: CourseSession, data: dict[str, Any]) -> None:
    if data["date"] != session.date and session.moved_from is None:
        session.moved_from = session.date
    session.date = data["date"]
    if data.get("start_time"):
        session.start_time = data["start_time"]
    session.status = data["status"]
    session.note = data.get("note")
    wanted = set(data.get("activities") or [])
    session.activities = [a for a in session.activities if a.activity in wanted] + [
        SessionActivity(activity=a) for a in sorted(wanted - {a.activity for a in session.activities})
    ]


def assign_volunteer(course: Course, volunteer_id: int) -> None:
    """Only a volunteer of an organisation running the programme here (the agreement's parties)."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.organisation_id not in programme_organisation_ids():
        raise ValidationError({"volunteer_id": [gettext("The volunteer does not exist.")]})
    exists = db.session.scalar(
        select(CourseVolunteer.id).where(CourseVolunteer.course_id == course.id, CourseVolunteer.volunteer_id == volunteer_id)
    )
    if exists is None:
        db.session.add(CourseVolunteer(course_id=course.id, volunteer_id=volunteer_id))


# --- mothers, enrolment, wait-list ---------------------------------------------------


def create_mother(data: dict[str, Any], recorded_by: str) -> Mother:
    mother = Mother(
        name=data["name"],
        cpr=stdnum_cpr.compact(data["cpr"]) if data.get("cpr") else None,
        phone=data.get("phone"),
        languages=data.get("languages"),
        background=data.get("background"),
        housing_area_id=data.get("housing_area_id"),
    )
    if data.get("baby_birth_date") or data.get("baby_due_date"):
        mother.babies.append(Baby(birth_date=data.get("baby_birth_date"), due_date=data.get("baby_due_date")))
    mother.consents.append(Consent(scope=CONSENT_SCOPE, given_on=copenhagen_today(), recorded_by=recorded_by))
    if data.get("evaluation_consent"):
        mother.consents.append(Consent(scope=EVALUATION_CONSENT_SCOPE, given_on=copenhagen_today(), recorded_by=recorded_by))
    db.session.add(mother)
    db.session.flush()
    return mother


def enrol(course: Course, mother: Mother, joined_on: date | None) -> Enrolment:
    """Enrol her, or put her on the wait-list when the course is full."""
    if mother.anonymised_at is not None:
        raise ValidationError({"mother_id": [gettext("The data has been erased.")]})
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.mother_id == mother.id))
    enrolled = db.session.execute(
        select(func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
    ).scalar_one()
    if enrolment is not None and enrolment.status == "enrolled":
        raise ValidationError({"mother_id": [gettext("She is already enrolled on the course.")]})
    if enrolment is None:
        enrolment = Enrolment(course_id=course.id, mother_id=mother.id)
        db.session.add(enrolment)
    if rules.is_full(enrolled, course.capacity_max):
        enrolment.status, enrolment.waitlisted_on = "waitlisted", copenhagen_today()
    else:
        enrolment.status, enrolment.joined_on = "enrolled", joined_on or copenhagen_today()
        enrolment.left_on = enrolment.leave_reason = None
    db.session.flush()
    return enrolment


def leave(enrolment: Enrolment, left_on: date, reason: str) -> None:
    enrolment.status, enrolment.left_on, enrolment.leave_reason = "left", left_on, reason


# --- referral ----------------------------------------------------------------------


def refer(data: dict[str, Any], referred_by: str) -> Referral:
    mother = create_mother(data, recorded_by=referred_by)
    referral = Referral(
        mother_id=mother.id, source=data.get("source", "health_visitor"), referred_by=referred_by, referred_on=copenhagen_today()
    )
    db.session.add(referral)
    db.session.flush()  # its id, for the API's answer
    return referral


def decide(referral: Referral, data: dict[str, Any]) -> Referral:
    if referral.status != "pending":
        raise ValidationError({"decision": [gettext("The referral has already been decided.")]})
    if data["decision"] == "decline":
        referral.status, referral.decline_reason = "declined", data["decline_reason"]
    else:
        course = db.session.get(Course, data["course_id"])
        if course is None:
            raise ValidationError({"course_id": [gettext("The course does not exist.")]})
        enrolment = enrol(course, referral.mother, None)
        if data["decision"] == "waitlist" and enrolment.status == "enrolled":
            enrolment.status, enrolment.joined_on, enrolment.waitlisted_on = "waitlisted", None, copenhagen_today()
        referral.status, referral.course_id = enrolment.status, course.id
    referral.decided_on = copenhagen_today()
    return referral


# --- attendance --------------------------------------------------------------------


def record_attendance(session: CourseSession, entries: list[dict[str, Any]], recorded_by: str) -> int:
    """The whole group's attendance, all entries or none (every entry is checked before one is written)."""
    valid = set(
        db.session.scalars(select(Enrolment.id).where(Enrolment.course_id == session.course_id, Enrolment.status.in_(("enrolled", "left"))))
    )
    unknown = [e["enrolment_id"] for e in entries if e["enrolment_id"] not in valid]
    if unknown:
        raise ValidationError({"entries": [f"Ukendte deltagere: {unknown}"]})
    existing = {a.enrolment_id: a for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))}
    for entry in entries:
        row = existing.get(entry["enrolment_id"])
        if row is None:
            row = Attendance(session_id=session.id, enrolment_id=entry["enrolment_id"], recorded_by=recorded_by, status=entry["status"])
            db.session.add(row)
        row.status, row.baby_present, row.recorded_by = entry["status"], entry.get("baby_present", False), recorded_by
    if session.status == "planned" and session.date <= copenhagen_today():
        session.status = "held"
    return len(entries)


# --- personal data: erasure and retention ---------------------------------------------


def anonymise_mother(mother: Mother) -> None:
    """Erase what identifies her; keep what the statistics need (enrolments, attendance)."""
    mother.name = mother.cpr = mother.phone = mother.languages = None
    for baby in mother.babies:
        baby.birth_date = baby.birth_date.replace(day=1) if baby.birth_date else None  # month only
        baby.due_date = None
    for consent in mother.consents:
        consent.withdrawn_on = consent.withdrawn_on or copenhagen_today()
    mother.anonymised_at = utcnow()
    db.session.flush()


def mothers_past_retention(today: date, retention_days: int) -> list[Mother]:
    """Mothers whose every course ended more than ``retention_days`` ago."""
    last_end = (
        select(Enrolment.mother_id, func.max(Course.end_date).label("last_end"))
        .join(Course, and_(Course.id == Enrolment.course_id, Course.tenant_id == Enrolment.tenant_id))
        .group_by(Enrolment.mother_id)
        .subquery()
    )
    cutoff = date.fromordinal(today.toordinal() - retention_days)
    return list(
        db.session.scalars(
            select(Mother)
            .join(last_end, last_end.c.mother_id == Mother.id)
            .where(Mother.anonymised_at.is_(None), last_end.c.last_end < cutoff)
        )
    )
