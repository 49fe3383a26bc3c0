"""Form schema of the governance page: a steering- or follow-group meeting."""

from __future__ import annotations

from marshmallow import fields, validate

from core.programme import N_, Schema
from plugins.open_counselling.models import MEETING_KINDS

MEETING_KIND_LABELS = {"steering": N_("Steering group"), "follow": N_("Follow group")}


class MeetingSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(MEETING_KINDS),
        metadata={"label": N_("Group"), "choice_labels": MEETING_KIND_LABELS},
    )
    held_on = fields.Date(required=True, data_key="meeting_date", metadata={"label": N_("Meeting date")})
    members = fields.String(
        required=True,
        validate=validate.Length(min=1, max=400),
        metadata={
            "label": N_("Members present"),
            "hint": N_("For example Mødrehjælpen, the municipality's family unit, the health visitors"),
        },
    )
    minutes = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=20000),
        metadata={"label": N_("Minutes"), "widget": "textarea"},
    )
