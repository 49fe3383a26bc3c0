"""Form schemas of the opening-hours page: offices, weekly hours, ad-hoc closures.

The three forms share one page, so an input that two of them have carries
its own name in each (``hours_office_id``, ``closure_office_id``): every
input id on the page is unique and each label points at its own field.
The office select's options come from the database (the view passes them).
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from core.programme import N_, Schema

WEEKDAY_LABELS = dict(enumerate([N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")]))
PHONE = validate.Regexp(r"^\+?[0-9][0-9 ]{7,}$", error=N_("Enter a phone number, for example 70 20 90 50."))
TIME_MESSAGES: dict[str, Any] = {"invalid": N_("Enter a time as HH:MM.")}


class OfficeSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120), metadata={"label": N_("Office name")})
    address = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200), metadata={"label": N_("Address")})
    phone = fields.String(
        allow_none=True,
        load_default=None,
        validate=[validate.Length(max=30), PHONE],
        metadata={"label": N_("Phone")},
    )
    phone_counselling = fields.String(
        allow_none=True,
        load_default=None,
        validate=[validate.Length(max=30), PHONE],
        metadata={"label": N_("Telephone counselling"), "hint": N_("The number citizens are referred to when the office is closed.")},
    )


class OpeningHoursSchema(Schema):
    office_id = fields.Integer(required=True, data_key="hours_office_id", metadata={"label": N_("Office")})
    weekday = fields.Integer(
        required=True,
        validate=validate.OneOf(range(7)),
        metadata={"label": N_("Weekday"), "choice_labels": WEEKDAY_LABELS},
    )
    opens = fields.Time(required=True, error_messages=TIME_MESSAGES, metadata={"label": N_("Opens"), "widget": "time"})
    closes = fields.Time(required=True, error_messages=TIME_MESSAGES, metadata={"label": N_("Closes"), "widget": "time"})

    @validates_schema
    def _closes_after_opening(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("opens") is not None and data.get("closes") is not None and data["closes"] <= data["opens"]:
            raise ValidationError(N_("The closing time must be after the opening time."), "closes")


class ClosureSchema(Schema):
    office_id = fields.Integer(required=True, data_key="closure_office_id", metadata={"label": N_("Office")})
    day = fields.Date(required=True, metadata={"label": N_("Closed on")})
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"label": N_("Reason"), "hint": N_("Shown to citizens, for example: Illness")},
    )
    notice = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=300),
        metadata={"label": N_("Notice to citizens"), "hint": N_("For example: Call the telephone counselling instead")},
    )


# --- the JSON API: one resource per form, the office by its id -------------------------------

MAX_ID = 2_147_483_647  # an id is a PostgreSQL integer


def _office_id() -> fields.Integer:
    return fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID), metadata={"label": N_("Office")})


class OpeningHoursApiSchema(OpeningHoursSchema):
    id = fields.Integer(dump_only=True)
    office_id = _office_id()


class OfficeApiSchema(OfficeSchema):
    id = fields.Integer(dump_only=True)
    hours = fields.List(fields.Nested(OpeningHoursApiSchema), dump_only=True, metadata={"description": "The office's weekly hours."})


class ClosureApiSchema(ClosureSchema):
    id = fields.Integer(dump_only=True)
    office_id = _office_id()


class UpcomingClosureSchema(Schema):
    """A closed day from today on: one of the agreement's fixed closures (every office) or an ad-hoc one."""

    day = fields.Date()
    reason = fields.String()
    notice = fields.String(allow_none=True)
    fixed = fields.Boolean(metadata={"description": "One of the agreement's closures, for every office."})
    office_id = fields.Integer(allow_none=True, metadata={"description": "null for a fixed closure."})
    closure_id = fields.Integer(allow_none=True, metadata={"description": "The ad-hoc closure's id (null for a fixed one)."})
