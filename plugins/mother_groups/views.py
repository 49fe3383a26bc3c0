"""The programme's pages (Danish first), mounted by core under /<tenant>/mother_groups/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.programme import (
    PageBlueprint,
    Volunteer,
    contains,
    copenhagen_today,
    db,
    error_messages,
    field_errors,
    form_errors,
    form_fields,
    genitive,
    load_form,
    mask_cpr,
    paginate,
    record,
    search_text,
)
from plugins.mother_groups import access, duplicates, rules, services
from plugins.mother_groups.access import ATTENDANCE, MANAGERS, REFERRERS
from plugins.mother_groups.agreement import programme_organisation_ids, targets
from plugins.mother_groups.models import Baby, Consent, Course, CourseSession, Enrolment, HousingArea, Mother, Referral
from plugins.mother_groups.schemas import (
    ACTIVITY_LABELS,
    ATTENDANCE_LABELS,
    CourseSchema,
    CourseVolunteerSchema,
    EnrolmentSchema,
    HousingAreaSchema,
    LeaveSchema,
    MotherSchema,
    ReferralDecisionSchema,
    ReferralSchema,
    SessionSchema,
    label,
)

bp = PageBlueprint("mother_groups", __name__)
bp.add_app_template_filter(mask_cpr, "mask_cpr")
bp.add_app_template_filter(label, "mg_label")


_get_or_404 = access.get_or_404


def _choices(model, label="name", where=None):
    query = select(model.id, getattr(model, label)).order_by(getattr(model, label))
    if where is not None:
        query = query.where(where)
    return [(i, n) for i, n in db.session.execute(query)]


def _mother_choices():
    return _choices(Mother, where=Mother.anonymised_at.is_(None))


# --- overview and courses ------------------------------------------------------------


def _new_course_values() -> dict[str, int]:
    """A new course's form, its capacity filled in with the agreement's mothers per course."""
    agreed = targets()
    return {
        name: agreed[target]
        for name, target in (("capacity_min", "mothers_per_course_min"), ("capacity_max", "mothers_per_course_max"))
        if target in agreed
    }


def _volunteer_choices():
    """Volunteers of the organisations running the programme here (the covering agreement's parties)."""
    return _choices(Volunteer, where=Volunteer.organisation_id.in_(programme_organisation_ids() or {-1}))


@bp.get("/", roles=MANAGERS)
def index(values=None, errors=None, status=200):
    # Newest first, a page at a time: the statuses are computed for the page's courses only.
    paged = paginate(select(Course).order_by(Course.start_date.desc(), Course.id.desc()))
    statuses = services.course_statuses(paged.items, copenhagen_today())
    pending = db.session.scalar(select(db.func.count()).select_from(Referral).where(Referral.status == "pending"))
    fields = form_fields(
        CourseSchema(), values if values is not None else _new_course_values(), errors, {"housing_area_id": _choices(HousingArea)}
    )
    return render_template(
        "mother_groups/index.html",
        statuses=statuses,
        paged=paged,
        pending=pending,
        fields=fields,
        general_errors=form_errors(errors or {}),
    ), status


@bp.post("/courses", roles=MANAGERS)
def create_course():
    data, errors = load_form(CourseSchema(), request.form)
    if data is not None:
        try:
            course = services.create_course(data)
            return redirect(url_for("mother_groups.course", course_id=course.id))
        except ValidationError as exc:
            errors = field_errors(exc)
    return index(request.form, errors, 422)


@bp.get("/courses/<int:course_id>", roles=MANAGERS)
def course(course_id: int, forms_errors=None, status=200):
    course = _get_or_404(Course, course_id)
    state = services.course_statuses([course], copenhagen_today())[0]
    enrolments = db.session.execute(
        select(Enrolment, Mother.name)
        .join(Mother, Mother.id == Enrolment.mother_id)
        .where(Enrolment.course_id == course.id)
        .order_by(Enrolment.status, Mother.name)
    ).all()
    # Each row shows the session's activities: loaded with the sessions in one more query, not one per session.
    sessions = db.session.scalars(
        select(CourseSession)
        .options(selectinload(CourseSession.activities))
        .where(CourseSession.course_id == course.id)
        .order_by(CourseSession.date)
    ).all()
    volunteers = db.session.scalars(
        select(Volunteer)
        .join(
            services.CourseVolunteer,
            (services.CourseVolunteer.volunteer_id == Volunteer.id) & (services.CourseVolunteer.tenant_id == Volunteer.tenant_id),
        )
        .where(services.CourseVolunteer.course_id == course.id)
        .order_by(Volunteer.name)
    ).all()
    # The programme is for babies aged 0-1: flag a mother whose baby was older when she joined.
    too_old = sorted(
        {
            name
            for name, joined, born in db.session.execute(
                select(Mother.name, Enrolment.joined_on, Baby.birth_date)
                .join(Enrolment, Enrolment.mother_id == Mother.id)
                .join(Baby, Baby.mother_id == Mother.id)
                .where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
            )
            if name is not None and joined and rules.baby_too_old(born, joined)  # no name once anonymised
        }
    )
    for name in too_old:
        state.warnings.append(gettext("%(name)s baby was over 1 year old at the start.", name=genitive(name)))
    record(
        "search",
        criterion=f"course {course.id} participants",
        subjects=[f"mother_groups.mother:{enrolment.mother_id}" for enrolment, _ in enrolments],
    )
    errors = forms_errors or {}
    return render_template(
        "mother_groups/course.html",
        course=course,
        state=state,
        enrolments=enrolments,
        sessions=sessions,
        volunteers=volunteers,
        today=copenhagen_today(),
        activity_labels=ACTIVITY_LABELS,
        enrol_fields=form_fields(
            EnrolmentSchema(), request.form if errors.get("enrol") else None, errors.get("enrol"), {"mother_id": _mother_choices()}
        ),
        volunteer_fields=form_fields(CourseVolunteerSchema(), None, errors.get("volunteer"), {"volunteer_id": _volunteer_choices()}),
        leave_fields=form_fields(LeaveSchema()),
    ), status


@bp.post("/courses/<int:course_id>/sessions", roles=MANAGERS)
def generate_sessions(course_id: int):
    course = _get_or_404(Course, course_id)
    created, skipped = services.generate_sessions(course)
    flash(
        ngettext("%(num)s session created", "%(num)s sessions created", created)
        + "; "
        + ngettext("%(num)s public holiday skipped.", "%(num)s public holidays skipped.", len(skipped)),
        "success",
    )
    return redirect(url_for("mother_groups.course", course_id=course.id))


@bp.post("/courses/<int:course_id>/enrolments", roles=MANAGERS)
def enrol(course_id: int):
    course = _get_or_404(Course, course_id)
    data, errors = load_form(EnrolmentSchema(), request.form)
    if data is not None:
        mother = db.session.get(Mother, data["mother_id"])
        try:
            if mother is None:
                raise ValidationError({"mother_id": [gettext("The mother does not exist.")]})
            enrolment = services.enrol(course, mother, data.get("joined_on"))
            record("change", subject=f"mother_groups.mother:{mother.id}", criterion=f"enrolment {enrolment.status}")
            return redirect(url_for("mother_groups.course", course_id=course.id))
        except ValidationError as exc:
            errors = field_errors(exc)
    return course_view_with_errors(course_id, {"enrol": errors})


def course_view_with_errors(course_id: int, errors: dict):
    return course(course_id, errors, 422)


@bp.post("/courses/<int:course_id>/volunteers", roles=MANAGERS)
def assign_volunteer(course_id: int):
    course = _get_or_404(Course, course_id)
    data, errors = load_form(CourseVolunteerSchema(), request.form)
    if data is not None:
        try:
            services.assign_volunteer(course, data["volunteer_id"])
            return redirect(url_for("mother_groups.course", course_id=course.id))
        except ValidationError as exc:
            errors = field_errors(exc)
    return course_view_with_errors(course_id, {"volunteer": errors})


@bp.post("/enrolments/<int:enrolment_id>/leave", roles=MANAGERS)
def leave(enrolment_id: int):
    enrolment = _get_or_404(Enrolment, enrolment_id)
    data, errors = load_form(LeaveSchema(), request.form)
    if data is None:
        flash(gettext("Enter the date and reason for leaving."), "error")
        return redirect(url_for("mother_groups.course", course_id=enrolment.course_id))
    services.leave(enrolment, data["left_on"], data["leave_reason"])
    record("change", subject=f"mother_groups.mother:{enrolment.mother_id}", criterion="left course")
    return redirect(url_for("mother_groups.course", course_id=enrolment.course_id))


# --- sessions and attendance -------------------------------------------------------------


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"], roles=MANAGERS)
def session(session_id: int):
    meeting = _get_or_404(CourseSession, session_id)
    values: Mapping[str, Any] | None = None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(SessionSchema(), request.form)
        if data is not None:
            services.update_session(meeting, data)
            return redirect(url_for("mother_groups.course", course_id=meeting.course_id))
        values = request.form
    else:
        values = {
            "date": meeting.date.isoformat(),
            "start_time": meeting.start_time.strftime("%H:%M"),
            "status": meeting.status,
            "note": meeting.note or "",
            "activities": [a.activity for a in meeting.activities],
        }
    return render_template(
        "mother_groups/session.html",
        meeting=meeting,
        fields=form_fields(SessionSchema(), values, errors),
        general_errors=form_errors(errors),
    ), (422 if errors else 200)


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"], roles=ATTENDANCE)
def attendance(session_id: int):
    meeting = _get_or_404(CourseSession, session_id)
    access.require_course_access(meeting.course_id)
    rows = db.session.execute(
        select(Enrolment.id, Mother.name, Mother.id)
        .join(Mother, Mother.id == Enrolment.mother_id)
        .where(Enrolment.course_id == meeting.course_id, Enrolment.status == "enrolled")
        .order_by(Mother.name)
    ).all()
    current = {
        a.enrolment_id: a for a in db.session.scalars(select(services.Attendance).where(services.Attendance.session_id == meeting.id))
    }
    error = None
    if request.method == "POST":
        entries = []
        for enrolment_id, _, _ in rows:
            status = request.form.get(f"status-{enrolment_id}")
            if status not in ATTENDANCE_LABELS:
                error = gettext("Enter attendance for each mother.")
                break
            entries.append({"enrolment_id": enrolment_id, "status": status, "baby_present": f"baby-{enrolment_id}" in request.form})
        if error is None:
            services.record_attendance(meeting, entries, access.principal().audit_label)
            record("change", criterion=f"attendance session {meeting.id}", subjects=[f"mother_groups.mother:{m}" for _, _, m in rows])
            flash(gettext("The attendance is saved."), "success")
            return redirect(url_for("mother_groups.attendance", session_id=meeting.id))
    record("search", criterion=f"attendance session {meeting.id}", subjects=[f"mother_groups.mother:{m}" for _, _, m in rows])
    return render_template(
        "mother_groups/attendance.html",
        meeting=meeting,
        rows=rows,
        current=current,
        labels=ATTENDANCE_LABELS,
        error=error,
    ), (422 if error else 200)


@bp.get("/my-sessions", roles=ATTENDANCE)
def my_sessions():
    """The sessions to record attendance for: per running course today's (or else its latest) session first, then the coming ones.

    A volunteer sees only the courses she serves; managers see every course.
    """
    p = access.principal()
    today = copenhagen_today()
    query = select(CourseSession, Course.name).join(Course, Course.id == CourseSession.course_id).where(CourseSession.status != "cancelled")
    if not access.manages(p):
        query = query.where(CourseSession.course_id.in_(access.volunteer_course_ids(p) or {-1}))
    # The latest session on or before today of each running course (where attendance is recorded now), ranked
    # in SQL: every course has its one, however many sessions the others have.
    newest_first = (CourseSession.date.desc(), CourseSession.id.desc())
    ranked = (
        query.where(CourseSession.date <= today, Course.status != "completed")
        .with_only_columns(
            CourseSession.id, func.row_number().over(partition_by=CourseSession.course_id, order_by=newest_first).label("rank")
        )
        .subquery()
    )
    latest_ids = select(ranked.c.id).where(ranked.c.rank == 1)
    current = db.session.execute(query.where(CourseSession.id.in_(latest_ids)).order_by(*newest_first)).all()
    # The coming ones, a page at a time (one shown above already is left out).
    paged = paginate(
        query.where(CourseSession.date >= today, CourseSession.id.not_in(latest_ids)).order_by(CourseSession.date, CourseSession.id),
        scalars=False,
    )
    return render_template("mother_groups/my_sessions.html", current=current, sessions=paged.items, paged=paged, today=today)


# --- mothers --------------------------------------------------------------------------


@bp.route("/mothers/", methods=["GET", "POST"], roles=MANAGERS)
def mothers():
    values: Mapping[str, Any] | None = None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(MotherSchema(), request.form)
        if data is not None:
            mother = services.create_mother(data, access.principal().audit_label)
            record("create", subject=f"mother_groups.mother:{mother.id}")
            return redirect(url_for("mother_groups.mother", mother_id=mother.id))
        values = request.form
    query = select(Mother).where(Mother.anonymised_at.is_(None)).order_by(Mother.name, Mother.id)
    wanted = search_text()
    if wanted:
        query = query.where(contains(Mother.name, wanted))
    paged = paginate(query)
    # The persons shown on this page, never the search text (a name) itself.
    record(
        "search",
        criterion="mother list, name search" if wanted else "mother list",
        subjects=[f"mother_groups.mother:{m.id}" for m in paged.items],
    )
    return render_template(
        "mother_groups/mothers.html",
        mothers=paged.items,
        paged=paged,
        wanted=wanted,
        fields=form_fields(MotherSchema(), values, errors, {"housing_area_id": _choices(HousingArea)}),
        general_errors=form_errors(errors),
    ), (422 if errors else 200)


@bp.get("/mothers/<int:mother_id>", roles=MANAGERS)
def mother(mother_id: int):
    mother = _get_or_404(Mother, mother_id)
    record("view", subject=f"mother_groups.mother:{mother.id}", purpose=request.args.get("purpose"))
    enrolments = db.session.execute(
        select(Enrolment, Course.name).join(Course, Course.id == Enrolment.course_id).where(Enrolment.mother_id == mother.id)
    ).all()
    return render_template("mother_groups/mother.html", mother=mother, enrolments=enrolments, today=copenhagen_today())


@bp.post("/consents/<int:consent_id>/withdraw", roles=MANAGERS)
def withdraw_consent(consent_id: int):
    """She withdraws her consent: recorded with the date; erasure is a separate decision."""
    consent = _get_or_404(Consent, consent_id)
    if consent.withdrawn_on is None:
        consent.withdrawn_on = copenhagen_today()
        record("change", subject=f"mother_groups.mother:{consent.mother_id}", criterion="consent withdrawn")
    return redirect(url_for("mother_groups.mother", mother_id=consent.mother_id))


@bp.post("/mothers/<int:mother_id>/erase", roles=MANAGERS)
def erase_mother(mother_id: int):
    mother = _get_or_404(Mother, mother_id)
    services.anonymise_mother(mother)
    record("delete", subject=f"mother_groups.mother:{mother.id}", purpose=request.form.get("purpose") or "anmodning om sletning")
    flash(gettext("The data has been erased; the statistics are kept."), "success")
    return redirect(url_for("mother_groups.mothers"))


# --- referrals ---------------------------------------------------------------------------


@bp.route("/referrals/", methods=["GET", "POST"], roles=REFERRERS)
def referrals():
    p = access.principal()
    values = None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(duplicates.ConfirmedReferralSchema(), request.form)
        if data is not None:
            found = duplicates.matches(data)
            if found and not data.pop(duplicates.CONFIRM_FIELD):
                # Who matched is read (and recorded); the referral waits for her confirmation.
                record("search", criterion="referral duplicate check", subjects=[f"mother_groups.mother:{m.mother_id}" for m in found])
                errors = {
                    duplicates.CONFIRM_FIELD: [gettext("She may already be referred or taking part. Check, and confirm to send anyway.")]
                }
                return _referrals_page(request.form, errors, 409, found)
            data.pop(duplicates.CONFIRM_FIELD, None)
            referral = services.refer(data, p.audit_label)
            record("create", subject=f"mother_groups.mother:{referral.mother_id}", purpose="henvisning")
            flash(gettext("The referral has been sent to the project coordinator."), "success")
            return redirect(url_for("mother_groups.referrals"))
        values = request.form
    return _referrals_page(values, errors, 422 if errors else 200)


def _referrals_page(values=None, errors=None, status=200, found=()):
    p = access.principal()
    errors = errors or {}
    manager = access.manages(p)
    query = select(Referral, Mother.name).join(Mother, Mother.id == Referral.mother_id)
    if manager:
        query = query.order_by(Referral.status != "pending", Referral.referred_on.desc(), Referral.id.desc())
    else:  # a health visitor: the names and status of her own referrals, never the group's content
        query = query.where(Referral.referred_by == p.audit_label).order_by(Referral.referred_on.desc(), Referral.id.desc())
    paged = paginate(query, scalars=False)
    rows = paged.items
    record(
        "search",
        criterion="referral queue" if manager else "own referrals",
        subjects=sorted({f"mother_groups.mother:{r.mother_id}" for r, _ in rows}),
    )
    schema = duplicates.ConfirmedReferralSchema() if found else ReferralSchema()
    return render_template(
        "mother_groups/referrals.html",
        rows=rows,
        paged=paged,
        manager=manager,
        found=found,
        fields=form_fields(schema, values, errors, {"housing_area_id": _choices(HousingArea)}),
        general_errors=form_errors(errors),
        decision_fields=form_fields(
            ReferralDecisionSchema(), None, None, {"course_id": _choices(Course, where=Course.status != "completed")}
        ),
    ), status


@bp.post("/referrals/<int:referral_id>/decision", roles=MANAGERS)
def decide(referral_id: int):
    referral = _get_or_404(Referral, referral_id)
    data, errors = load_form(ReferralDecisionSchema(), request.form)
    if data is not None:
        try:
            services.decide(referral, data)
            record("change", subject=f"mother_groups.mother:{referral.mother_id}", criterion=f"referral {referral.status}")
            return redirect(url_for("mother_groups.referrals"))
        except ValidationError as exc:
            errors = field_errors(exc)
    flash(
        gettext("The decision could not be saved: %(errors)s", errors="; ".join(error_messages(ReferralDecisionSchema(), errors))), "error"
    )
    return _referrals_page(status=422)  # refused: said on the page, with a 4xx


# --- housing areas ------------------------------------------------------------------------


@bp.route("/housing-areas/", methods=["GET", "POST"], roles=MANAGERS)
def housing_areas():
    values: Mapping[str, Any] | None = None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(HousingAreaSchema(), request.form)
        if data is not None and db.session.scalar(select(HousingArea.id).where(HousingArea.name == data["name"])):
            data, errors = None, {"name": [gettext("The housing area already exists.")]}
        if data is not None:
            db.session.add(HousingArea(**data))
            return redirect(url_for("mother_groups.housing_areas"))
        values = request.form
    areas = db.session.scalars(select(HousingArea).order_by(HousingArea.name)).all()
    return render_template(
        "mother_groups/housing_areas.html",
        areas=areas,
        fields=form_fields(HousingAreaSchema(), values, errors),
        general_errors=form_errors(errors),
    ), (422 if errors else 200)
