"""Form schema of a notification of concern (SEL § 153 / Barnets Lov § 133).

The ground is the partner's "authority-free room": ``partner_only``, so it is
never shown to (or accepted from) anyone but the running organisation's staff
(a platform administrator only through break-the-glass). The family is optional and chosen by its family number only.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from core.programme import N_, Schema, copenhagen_today
from plugins.open_counselling.models import NOTIFICATION_CHANNELS

CHANNEL_LABELS = {
    "digital": N_("Digital (secure e-mail or form)"),
    "phone": N_("Phone"),
    "letter": N_("Letter"),
    "in_person": N_("In person"),
}


class NotificationSchema(Schema):
    day = fields.Date(required=True, data_key="notification_date", metadata={"label": N_("Date of notification")})
    ground = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20000),
        metadata={
            "label": N_("Ground"),
            "widget": "textarea",
            "partner_only": True,
            "hint": N_("What gives rise to the concern. Seen only by the staff of the organisation running the counselling."),
        },
    )
    author = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"label": N_("Author"), "hint": N_("The person who made the notification (the duty is personal)")},
    )
    recipient_unit = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"label": N_("Recipient unit in the municipality")},
    )
    channel = fields.String(
        required=True,
        validate=validate.OneOf(NOTIFICATION_CHANNELS),
        metadata={"label": N_("Channel"), "choice_labels": CHANNEL_LABELS},
    )
    receipt_confirmed_on = fields.Date(allow_none=True, load_default=None, metadata={"label": N_("Receipt confirmed on")})
    # Options (family numbers) come from the database: form_fields(..., choices={"family": ...}).
    family_id = fields.Integer(allow_none=True, load_default=None, data_key="family", metadata={"label": N_("Family number")})

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        day = data.get("day")
        if day and day > copenhagen_today():
            raise ValidationError(N_("The date cannot be in the future."), "notification_date")
        confirmed = data.get("receipt_confirmed_on")
        if day and confirmed and confirmed < day:
            raise ValidationError(N_("Receipt cannot be confirmed before the notification was made."), "receipt_confirmed_on")


# --- the JSON API -----------------------------------------------------------------------------

MAX_ID = 2_147_483_647  # an id is a PostgreSQL integer


class NotificationApiSchema(NotificationSchema):
    """A notification of concern in the JSON API: the form's fields, the family by its id.

    The ground stays ``partner_only``: dumped only for the running
    organisation's staff (and under break-the-glass), like the page.
    """

    id = fields.Integer(dump_only=True)
    family_id = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"label": N_("Family"), "description": "The id of one of the tenant's families, or null."},
    )
    family_number = fields.String(dump_only=True, allow_none=True, metadata={"description": "The family's number (never its name)."})


class NotificationSummarySchema(NotificationApiSchema):
    """A notification in a list: no ground, as on the list page (the ground is read one notification at a time)."""

    class Meta:
        exclude = ("ground",)
