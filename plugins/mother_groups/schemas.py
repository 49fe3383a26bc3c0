"""Marshmallow schemas for every create and update (forms and API)."""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from flask_babel import gettext
from marshmallow import ValidationError, fields, validate, validates, validates_schema
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError as StdnumError

from core.programme import N_, Reference, Schema, mask_cpr
from plugins.mother_groups.models import (
    ACTIVITY_TYPES,
    ATTENDANCE_STATUSES,
    BACKGROUNDS,
    COURSE_STATUSES,
    REFERRAL_SOURCES,
    Course,
    HousingArea,
    Mother,
)

ACTIVITY_LABELS = {
    "language_wellbeing": N_("Language stimulation / well-being talk (DRC)"),
    "early_parenthood": N_("Teaching on early parenthood (Mødrehjælpen)"),
    "health_visitor_visit": N_("Health-visitor visit"),
    "other": N_("Other"),
}
STATUS_LABELS = {"planned": N_("Planned"), "recruiting": N_("Recruiting"), "running": N_("Running"), "completed": N_("Completed")}
BACKGROUND_LABELS = {"refugee": N_("Refugee"), "immigrant": N_("Immigrant")}
ATTENDANCE_LABELS = {"present": N_("Present"), "absent": N_("Absent"), "excused": N_("Excused")}
STATE_LABELS = {
    "pending": N_("Waiting"),
    "enrolled": N_("Enrolled"),
    "waitlisted": N_("On the wait-list"),
    "declined": N_("Declined"),
    "left": N_("Left"),
    "held": N_("Held"),
    "cancelled": N_("Cancelled"),
}
SOURCE_LABELS = {
    "health_visitor": N_("Health visitor"),
    "drc": N_("DRC"),
    "housing_social_unit": N_("Housing-social unit"),
    "other": N_("Other"),
}


# A course runs 9-10 months (rules.COURSE_MONTHS, a warning); beyond this it is refused, so
# generating its weekly sessions stays bounded (about 105).
MAX_COURSE_MONTHS = 24
COURSE_TOO_LONG = N_("A course can last at most %(months)s months.")


def course_too_long(start: date, end: date) -> bool:
    return end > start + relativedelta(months=MAX_COURSE_MONTHS)


def label(code: str | None) -> str:
    """The UI text of a stored code (status, source, activity, background)."""
    for labels in (STATE_LABELS, STATUS_LABELS, SOURCE_LABELS, ACTIVITY_LABELS, ATTENDANCE_LABELS, BACKGROUND_LABELS):
        if code in labels:
            return str(labels[code])
    return code or ""


class CourseSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=120), metadata={"label": N_("Name")})
    housing_area_id = Reference(HousingArea, allow_none=True, metadata={"label": N_("Housing area"), "widget": "housing_area"})
    location = fields.String(allow_none=True, validate=validate.Length(max=200), metadata={"label": N_("Place")})
    start_date = fields.Date(required=True, metadata={"label": N_("Start date")})
    end_date = fields.Date(required=True, metadata={"label": N_("End date")})
    weekday = fields.Integer(
        load_default=2,
        validate=validate.OneOf(range(7)),
        metadata={
            "label": N_("Weekday"),
            "choice_labels": dict(
                enumerate([N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")])
            ),
        },
    )
    start_time = fields.Time(load_default=None, allow_none=True, metadata={"label": N_("Start time"), "widget": "time"})
    # Left out: the agreement's mothers per course (services.create_course).
    capacity_min = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=30), metadata={"label": N_("Minimum mothers")}
    )
    capacity_max = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=30), metadata={"label": N_("Maximum mothers")}
    )
    status = fields.String(
        load_default="planned", validate=validate.OneOf(COURSE_STATUSES), metadata={"label": N_("Status"), "choice_labels": STATUS_LABELS}
    )

    @validates_schema
    def _dates_and_capacity(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start_date") and data.get("end_date") and data["end_date"] <= data["start_date"]:
            raise ValidationError(N_("The end date must be after the start date."), field_name="end_date")
        if data.get("start_date") and data.get("end_date") and course_too_long(data["start_date"], data["end_date"]):
            raise ValidationError(gettext(COURSE_TOO_LONG, months=MAX_COURSE_MONTHS), field_name="end_date")
        low, high = data.get("capacity_min"), data.get("capacity_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(N_("The minimum cannot exceed the maximum."), field_name="capacity_min")


def validate_cpr(value: str) -> str:
    try:
        return stdnum_cpr.validate(value)
    except StdnumError:
        raise ValidationError(N_("Not a valid CPR number (ddmmyy-xxxx).")) from None


class MotherSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120), metadata={"label": N_("Name")})
    cpr = fields.String(
        load_only=True,
        allow_none=True,
        metadata={"label": N_("CPR number"), "hint": N_("Optional: many mothers have none yet.")},
    )
    cpr_masked = fields.Function(lambda m: mask_cpr(m.cpr), dump_only=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=30), metadata={"label": N_("Phone")})
    languages = fields.String(allow_none=True, validate=validate.Length(max=200), metadata={"label": N_("Languages")})
    background = fields.String(
        allow_none=True,
        validate=validate.OneOf(BACKGROUNDS),
        metadata={"label": N_("Background"), "choice_labels": BACKGROUND_LABELS},
    )
    housing_area_id = Reference(HousingArea, allow_none=True, metadata={"label": N_("Housing area"), "widget": "housing_area"})
    baby_birth_date = fields.Date(load_only=True, allow_none=True, metadata={"label": N_("Baby's birth date")})
    baby_due_date = fields.Date(load_only=True, allow_none=True, metadata={"label": N_("Due date (if pregnant)")})
    consent = fields.Boolean(
        load_only=True,
        required=True,
        metadata={"label": N_("She has consented to taking part and to the registration of her data")},
    )
    evaluation_consent = fields.Boolean(
        load_only=True,
        load_default=False,
        metadata={
            "label": N_("She has also consented to the external evaluation"),
            "hint": N_("Her data, under a pseudonym and without name, CPR number or phone, in the evaluator's export."),
        },
    )

    @validates("cpr")
    def _cpr(self, value: str | None, **kwargs: Any) -> None:
        if value:
            validate_cpr(value)

    @validates("consent")
    def _consent(self, value: bool, **kwargs: Any) -> None:
        if not value:
            raise ValidationError(N_("Consent must be recorded first."))


class ReferralSchema(MotherSchema):
    """A health visitor refers a mother (with her consent)."""

    source = fields.String(
        load_default="health_visitor",
        validate=validate.OneOf(REFERRAL_SOURCES),
        metadata={"label": N_("Referred by"), "choice_labels": SOURCE_LABELS},
    )


class ReferralStatusSchema(Schema):
    """What a referring health visitor may see: the status, never the group's content."""

    id = fields.Integer()
    referred_on = fields.Date()
    source = fields.String()
    status = fields.String()
    decided_on = fields.Date(allow_none=True)


class ReferralDecisionSchema(Schema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(("enrol", "waitlist", "decline")),
        metadata={"label": N_("Decision"), "choice_labels": {"enrol": N_("Enrol"), "waitlist": N_("Wait-list"), "decline": N_("Decline")}},
    )
    course_id = Reference(Course, allow_none=True, metadata={"label": N_("Course"), "widget": "course"})
    decline_reason = fields.String(allow_none=True, validate=validate.Length(max=300), metadata={"label": N_("Reason for declining")})

    @validates_schema
    def _needs(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["decision"] in ("enrol", "waitlist") and not data.get("course_id"):
            raise ValidationError(N_("Choose a course."), field_name="course_id")
        if data["decision"] == "decline" and not data.get("decline_reason"):
            raise ValidationError(N_("Give a reason."), field_name="decline_reason")


class EnrolmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    mother_id = Reference(Mother, required=True, metadata={"label": N_("Mother"), "widget": "mother"})
    course_id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    joined_on = fields.Date(allow_none=True, metadata={"label": N_("Joined on")})
    waitlisted_on = fields.Date(dump_only=True, allow_none=True)
    left_on = fields.Date(dump_only=True, allow_none=True)
    leave_reason = fields.String(dump_only=True, allow_none=True)


class LeaveSchema(Schema):
    left_on = fields.Date(required=True, metadata={"label": N_("Left on")})
    leave_reason = fields.String(required=True, validate=validate.Length(min=2, max=200), metadata={"label": N_("Reason for leaving")})


class SessionSchema(Schema):
    id = fields.Integer(dump_only=True)
    course_id = fields.Integer(dump_only=True)
    date = fields.Date(required=True, metadata={"label": N_("Date")})
    start_time = fields.Time(allow_none=True, metadata={"label": N_("Start time"), "widget": "time"})
    status = fields.String(
        load_default="planned",
        validate=validate.OneOf(("planned", "held", "cancelled")),
        metadata={"label": N_("Status"), "choice_labels": {"planned": N_("Planned"), "held": N_("Held"), "cancelled": N_("Cancelled")}},
    )
    activities = fields.List(
        fields.String(validate=validate.OneOf(ACTIVITY_TYPES)),
        load_default=list,
        metadata={"label": N_("Activities"), "choice_labels": ACTIVITY_LABELS},
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=300), metadata={"label": N_("Note")})
    moved_from = fields.Date(dump_only=True, allow_none=True)


class AttendanceEntrySchema(Schema):
    enrolment_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))
    baby_present = fields.Boolean(load_default=False)


class AttendanceSchema(Schema):
    """The whole group's attendance at one session, in one go."""

    entries = fields.List(fields.Nested(AttendanceEntrySchema), required=True)


class CourseVolunteerSchema(Schema):
    volunteer_id = fields.Integer(required=True, metadata={"label": N_("Volunteer")})


class HousingAreaSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=120), metadata={"label": N_("Name")})
    vulnerable = fields.Boolean(load_default=True, metadata={"label": N_("Vulnerable housing area")})
