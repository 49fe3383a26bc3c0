"""JSON API: courses, enrolments, sessions, attendance and referrals.

Mounted by core under /<tenant>/api/v1/mother_groups/ and documented in the
tenant's OpenAPI document from these schemas. Invalid input is refused with
422 per field before anything is written.
"""

from __future__ import annotations

from typing import NoReturn

from flask import abort
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.programme import ApiBlueprint, db, page_of, record
from plugins.mother_groups import access, duplicates, services
from plugins.mother_groups.access import ATTENDANCE, MANAGERS, REFERRERS
from plugins.mother_groups.models import Attendance, Course, CourseSession, Enrolment, Mother, Referral
from plugins.mother_groups.schemas import (
    AttendanceEntrySchema,
    AttendanceSchema,
    CourseSchema,
    EnrolmentSchema,
    ReferralDecisionSchema,
    ReferralStatusSchema,
    SessionSchema,
)

blp = ApiBlueprint("mother_groups_api", __name__, description="Mother groups (Ny mor i Danmark)")


_get_or_404 = access.get_or_404


def _unprocessable(exc: ValidationError) -> NoReturn:
    from flask_smorest import abort as smorest_abort

    # Nothing to undo here: core rolls back a request answered with 4xx.
    smorest_abort(422, errors={"json": exc.messages})
    raise AssertionError("abort raises")  # for the type checker: abort never returns


@blp.route("/courses", roles=MANAGERS)
@blp.response(200, CourseSchema(many=True))
@blp.paginate()
def list_courses(pagination_parameters):
    """The courses, by start date."""
    return page_of(select(Course).order_by(Course.start_date, Course.id), pagination_parameters)


@blp.route("/courses", methods=["POST"], roles=MANAGERS)
@blp.arguments(CourseSchema)
@blp.response(201, CourseSchema)
def create_course(data):
    try:
        return services.create_course(data)
    except ValidationError as exc:
        _unprocessable(exc)


@blp.route("/courses/<int:course_id>", roles=MANAGERS)
@blp.response(200, CourseSchema)
def get_course(course_id: int):
    return _get_or_404(Course, course_id)


@blp.route("/courses/<int:course_id>/enrolments", roles=MANAGERS)
@blp.response(200, EnrolmentSchema(many=True))
@blp.paginate()
def list_enrolments(pagination_parameters, course_id: int):
    """The course's mothers: enrolled, wait-listed and left."""
    _get_or_404(Course, course_id)
    enrolments = page_of(select(Enrolment).where(Enrolment.course_id == course_id).order_by(Enrolment.id), pagination_parameters)
    record("search", criterion=f"course {course_id} participants", subjects=[f"mother_groups.mother:{e.mother_id}" for e in enrolments])
    return enrolments


@blp.route("/courses/<int:course_id>/enrolments", methods=["POST"], roles=MANAGERS)
@blp.arguments(EnrolmentSchema)
@blp.response(201, EnrolmentSchema)
def create_enrolment(data, course_id: int):
    course = _get_or_404(Course, course_id)
    mother = db.session.get(Mother, data["mother_id"])
    try:
        if mother is None:
            raise ValidationError({"mother_id": [gettext("The mother does not exist.")]})
        enrolment = services.enrol(course, mother, data.get("joined_on"))
    except ValidationError as exc:
        _unprocessable(exc)
    record("change", subject=f"mother_groups.mother:{mother.id}", criterion=f"enrolment {enrolment.status}")
    return enrolment


def _sessions_of(course_id: int):
    # The activities of every session in one more query, not one per session.
    return (
        select(CourseSession)
        .options(selectinload(CourseSession.activities))
        .where(CourseSession.course_id == course_id)
        .order_by(CourseSession.date, CourseSession.id)
    )


@blp.route("/courses/<int:course_id>/sessions", roles=MANAGERS)
@blp.response(200, SessionSchema(many=True))
@blp.paginate()
def list_sessions(pagination_parameters, course_id: int):
    """The course's weekly sessions, by date."""
    _get_or_404(Course, course_id)
    return [_session_out(s) for s in page_of(_sessions_of(course_id), pagination_parameters)]


def _session_out(s: CourseSession) -> dict:
    return {
        "id": s.id,
        "course_id": s.course_id,
        "date": s.date,
        "start_time": s.start_time,
        "status": s.status,
        "activities": [a.activity for a in s.activities],
        "note": s.note,
        "moved_from": s.moved_from,
    }


@blp.route("/courses/<int:course_id>/sessions", methods=["POST"], roles=MANAGERS)
@blp.response(201, SessionSchema(many=True))
def generate_sessions(course_id: int):
    """Create the weekly sessions not yet there, skipping Danish public holidays."""
    course = _get_or_404(Course, course_id)
    services.generate_sessions(course)
    # Every session of the course (bounded: a course lasts at most MAX_COURSE_MONTHS).
    return [_session_out(s) for s in db.session.scalars(_sessions_of(course.id))]


@blp.route("/sessions/<int:session_id>", methods=["PUT"], roles=MANAGERS)
@blp.arguments(SessionSchema)
@blp.response(200, SessionSchema)
def update_session(data, session_id: int):
    """Move or cancel one session, or set its activities."""
    meeting = _get_or_404(CourseSession, session_id)
    services.update_session(meeting, data)
    return _session_out(meeting)


def _attendance(meeting: CourseSession) -> list[Attendance]:
    """The session's whole register (not paged: a PUT replaces it whole, and it is bounded by the course's enrolments)."""
    rows = db.session.scalars(select(Attendance).where(Attendance.session_id == meeting.id).order_by(Attendance.enrolment_id)).all()
    mothers = db.session.scalars(select(Enrolment.mother_id).where(Enrolment.id.in_([a.enrolment_id for a in rows])).order_by(Enrolment.id))
    record("search", criterion=f"attendance session {meeting.id}", subjects=[f"mother_groups.mother:{m}" for m in mothers])
    return list(rows)


@blp.route("/sessions/<int:session_id>/attendance", roles=ATTENDANCE)
@blp.response(200, AttendanceEntrySchema(many=True))
def get_attendance(session_id: int):
    meeting = _get_or_404(CourseSession, session_id)
    access.require_course_access(meeting.course_id)
    return _attendance(meeting)


@blp.route("/sessions/<int:session_id>/attendance", methods=["PUT"], roles=ATTENDANCE)
@blp.arguments(AttendanceSchema)
@blp.response(200, AttendanceEntrySchema(many=True))
def put_attendance(data, session_id: int):
    """Record the whole group's attendance in one go (all entries or none)."""
    meeting = _get_or_404(CourseSession, session_id)
    access.require_course_access(meeting.course_id)
    try:
        services.record_attendance(meeting, data["entries"], access.principal().audit_label)
    except ValidationError as exc:
        _unprocessable(exc)
    record("change", criterion=f"attendance session {meeting.id}")
    return _attendance(meeting)


@blp.route("/referrals", roles=REFERRERS)
@blp.response(200, ReferralStatusSchema(many=True))
@blp.paginate()
def list_referrals(pagination_parameters):
    """Managers: the queue. A health visitor: the status of her own referrals. Newest first."""
    p = access.principal()
    query = select(Referral).order_by(Referral.referred_on.desc(), Referral.id.desc())
    if not access.manages(p):
        query = query.where(Referral.referred_by == p.audit_label)
    rows = page_of(query, pagination_parameters)
    record(
        "search",
        criterion="referral queue" if access.manages(p) else "own referrals",
        subjects=[f"mother_groups.mother:{r.mother_id}" for r in rows],
    )
    return rows


@blp.route("/referrals", methods=["POST"], roles=REFERRERS)
@blp.arguments(duplicates.ConfirmedReferralSchema)
@blp.response(201, ReferralStatusSchema)
@blp.alt_response(409, description="She may already be referred or taking part: send again with confirm_duplicate true.")
def create_referral(data):
    """Refer a mother. One already referred (waiting) or taking part is refused with 409 until ``confirm_duplicate`` is true."""
    from flask_babel import gettext
    from flask_smorest import abort as smorest_abort

    found = duplicates.matches(data)
    if found and not data.pop(duplicates.CONFIRM_FIELD, False):
        record("search", criterion="referral duplicate check", subjects=[f"mother_groups.mother:{m.mother_id}" for m in found])
        message = gettext("She may already be referred or taking part. Check, and confirm to send anyway.")
        smorest_abort(409, message=message, errors={"json": {duplicates.CONFIRM_FIELD: [message]}})
    data.pop(duplicates.CONFIRM_FIELD, None)
    referral = services.refer(data, access.principal().audit_label)
    record("create", subject=f"mother_groups.mother:{referral.mother_id}", purpose="henvisning")
    return referral


@blp.route("/referrals/<int:referral_id>", roles=REFERRERS)
@blp.response(200, ReferralStatusSchema)
def get_referral(referral_id: int):
    referral = _get_or_404(Referral, referral_id)
    p = access.principal()
    if not access.manages(p) and referral.referred_by != p.audit_label:
        abort(404)  # someone else's referral looks missing
    record("view", subject=f"mother_groups.mother:{referral.mother_id}", criterion=f"referral {referral.id}")
    return referral


@blp.route("/referrals/<int:referral_id>", methods=["POST"], roles=MANAGERS)
@blp.arguments(ReferralDecisionSchema)
@blp.response(200, ReferralStatusSchema)
def decide_referral(data, referral_id: int):
    """Enrol, wait-list or decline (with a reason)."""
    referral = _get_or_404(Referral, referral_id)
    try:
        services.decide(referral, data)
    except ValidationError as exc:
        _unprocessable(exc)
    record("change", subject=f"mother_groups.mother:{referral.mother_id}", criterion=f"referral {referral.status}")
    return referral
