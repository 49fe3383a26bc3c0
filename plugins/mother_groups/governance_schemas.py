"""Form schemas of the governance pages: joint meetings, milestones, evaluations.

The three create forms share one page, so their inputs carry distinct names
(``meeting_date``, ``evaluation_date``): every input id on the page is unique
and each label points at its own field.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from core.programme import N_, Schema
from plugins.mother_groups.models import EVALUATION_KINDS, MILESTONE_STATUSES

MILESTONE_STATUS_LABELS = {"open": N_("Open"), "in_progress": N_("In progress"), "done": N_("Done")}
EVALUATION_KIND_LABELS = {
    "interview": N_("Interview"),
    "focus_group": N_("Focus group"),
    "survey": N_("Survey"),
    "other": N_("Other"),
}


class JointMeetingSchema(Schema):
    held_on = fields.Date(required=True, data_key="meeting_date", metadata={"label": N_("Meeting date")})
    organisations = fields.String(
        required=True,
        validate=validate.Length(min=1, max=400),
        metadata={
            "label": N_("Organisations present"),
            "hint": N_("For example DRC Integration, the municipality, the housing-social unit"),
        },
    )
    minutes = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=20000),
        metadata={"label": N_("Minutes"), "widget": "textarea"},
    )


class _DoneDate:
    """A done date belongs to a milestone that is done."""

    @validates_schema
    def _done_date_only_when_done(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("done_on") and data.get("status") != "done":
            raise ValidationError(N_("Only a milestone that is done has a done date."), "done_on")


class MilestoneSchema(_DoneDate, Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"label": N_("Title")})
    due_on = fields.Date(required=True, metadata={"label": N_("Due date")})
    status = fields.String(
        load_default="open",
        validate=validate.OneOf(MILESTONE_STATUSES),
        metadata={"label": N_("Status"), "choice_labels": MILESTONE_STATUS_LABELS},
    )
    done_on = fields.Date(allow_none=True, load_default=None, metadata={"label": N_("Done date")})
    note = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=5000),
        metadata={"label": N_("Note"), "widget": "textarea"},
    )


class MilestoneStatusSchema(_DoneDate, Schema):
    """The status change of one milestone (the small form beside each milestone)."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(MILESTONE_STATUSES),
        metadata={"label": N_("Status"), "choice_labels": MILESTONE_STATUS_LABELS},
    )
    done_on = fields.Date(allow_none=True, load_default=None, metadata={"label": N_("Done date")})


class EvaluationSchema(Schema):
    held_on = fields.Date(required=True, data_key="evaluation_date", metadata={"label": N_("Evaluation date")})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(EVALUATION_KINDS),
        metadata={"label": N_("Kind"), "choice_labels": EVALUATION_KIND_LABELS},
    )
    notes = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=20000),
        metadata={"label": N_("Notes"), "widget": "textarea"},
    )
