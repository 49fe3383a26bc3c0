"""Form schemas of the association's activities and grant applications.

Amounts are DKK and may be typed the Danish way ("1.234,50") or plainly
("1234.50"). The grant of an activity and its volunteers come from the
database: the views pass their options to ``form_fields`` and check that the
chosen ids are the tenant's own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from core.programme import N_, Schema
from plugins.volunteer_association.models import (
    ACTIVITY_KINDS,
    FUNDING_SOURCES,
    GRANT_STATUSES,
)

KIND_LABELS = {
    "help": N_("Help activity"),
    "experience": N_("Experience activity"),
    "network": N_("Network-building activity"),
}
FUNDING_LABELS = {"shop_surplus": N_("The shop's surplus"), "grant": N_("Grant")}
GRANT_STATUS_LABELS = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "granted": N_("Granted"),
    "rejected": N_("Rejected"),
    "reported": N_("Reported"),
}
# A grant reported on or rejected has no reporting deadline left to meet.
GRANTED_STATUSES = ("granted", "reported")  # an amount granted is required
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)
REQUIRED = N_("This field is required.")


class Amount(fields.Decimal):
    """DKK with two decimals; accepts "1.234,50", "1234,50" and "1234.50"."""

    default_error_messages: dict[str, Any] = {"special": N_("Enter a number.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", [validate.Range(min=Decimal(0)), validate.Range(max=MAX_AMOUNT)])
        super().__init__(places=2, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, str):
            text = value.strip().replace(" ", "").replace("\u00a0", "")
            if "," in text:  # Danish: "." groups thousands, "," is the decimal mark
                text = text.replace(".", "").replace(",", ".")
            value = text
        return super()._deserialize(value, attr, data, **kwargs)


def _count(label: Any) -> fields.Integer:
    return fields.Integer(
        required=True, strict=False, validate=[validate.Range(min=0), validate.Range(max=100000)], metadata={"label": label}
    )


class ActivitySchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(ACTIVITY_KINDS),
        metadata={"label": N_("Kind of activity"), "choice_labels": KIND_LABELS},
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"label": N_("Title")})
    day = fields.Date(required=True, data_key="activity_date", metadata={"label": N_("Date")})
    place = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200), metadata={"label": N_("Place")})
    families = _count(N_("Number of families"))
    children = _count(N_("Number of children"))
    funding = fields.String(
        required=True,
        validate=validate.OneOf(FUNDING_SOURCES),
        metadata={"label": N_("Funded by"), "choice_labels": FUNDING_LABELS},
    )
    # Options (granted grants) come from the database: form_fields(..., choices={"grant": ...}).
    grant_id = fields.Integer(
        allow_none=True,
        load_default=None,
        data_key="grant",
        metadata={"label": N_("Grant"), "hint": N_("Required when the activity is funded by a grant")},
    )
    cost = Amount(load_default=Decimal("0.00"), metadata={"label": N_("Cost (DKK)")})
    # Options (the tenant's volunteers) come from the database; shown as checkboxes.
    volunteer_ids = fields.List(
        fields.Integer(),
        load_default=list,
        data_key="volunteers",
        metadata={"label": N_("Volunteers involved")},
    )
    notes = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=5000),
        metadata={"label": N_("Notes"), "widget": "textarea", "hint": N_("No names or other details of the families")},
    )

    @validates_schema(skip_on_field_errors=False)
    def _grant_when_funded_by_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("funding") == "grant" and data.get("grant_id") is None:
            raise ValidationError(REQUIRED, "grant")


class GrantSchema(Schema):
    funder = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"label": N_("Funder")})
    purpose = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300), metadata={"label": N_("Purpose")})
    amount_applied = Amount(required=True, metadata={"label": N_("Amount applied for (DKK)")})
    applied_on = fields.Date(allow_none=True, load_default=None, metadata={"label": N_("Applied on")})
    status = fields.String(
        required=True,
        validate=validate.OneOf(GRANT_STATUSES),
        metadata={"label": N_("Status"), "choice_labels": GRANT_STATUS_LABELS},
    )
    amount_granted = Amount(
        allow_none=True,
        load_default=None,
        metadata={"label": N_("Amount granted (DKK)"), "hint": N_("Required when the grant is granted")},
    )
    reporting_deadline = fields.Date(allow_none=True, load_default=None, metadata={"label": N_("Reporting deadline")})

    @validates_schema(skip_on_field_errors=False)
    def _amount_when_granted(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("status") in GRANTED_STATUSES and data.get("amount_granted") is None:
            raise ValidationError(REQUIRED, "amount_granted")


# --- the JSON API: the forms' fields, references by id, amounts as strings ----------------------

MAX_ID = 2_147_483_647  # an id is a PostgreSQL integer
DEADLINE_STATUSES = ("overdue", "due_soon")


def _reference(label: Any, description: str | None = None, **kwargs: Any) -> fields.Integer:
    metadata = {"label": label, **({"description": description} if description else {})}
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata=metadata, **kwargs)


class ActivityApiSchema(ActivitySchema):
    """An activity: counts of families and children, never who they were; the volunteers involved only as a count."""

    id = fields.Integer(dump_only=True)
    grant_id = _reference(
        N_("Grant"),
        "A granted grant of the tenant's: required when funded by a grant, ignored otherwise.",
        allow_none=True,
        load_default=None,
    )
    cost = Amount(load_default=Decimal("0.00"), as_string=True, metadata={"label": N_("Cost (DKK)")})
    volunteer_ids = fields.List(
        _reference(N_("Volunteer")),
        load_default=list,
        load_only=True,
        validate=validate.Length(max=1000),
        metadata={"label": N_("Volunteers involved"), "description": "Ids of the running organisation's volunteers."},
    )
    volunteer_count = fields.Integer(dump_only=True, metadata={"description": "How many volunteers were involved."})

    @validates_schema(skip_on_field_errors=False)
    def _grant_when_funded_by_one(self, data: dict[str, Any], **kwargs: Any) -> None:  # the form's rule, on this field name
        if data.get("funding") == "grant" and data.get("grant_id") is None:
            raise ValidationError(REQUIRED, "grant_id")


class GrantApiSchema(GrantSchema):
    id = fields.Integer(dump_only=True)
    amount_applied = Amount(required=True, as_string=True, metadata={"label": N_("Amount applied for (DKK)")})
    amount_granted = Amount(allow_none=True, load_default=None, as_string=True, metadata={"label": N_("Amount granted (DKK)")})
    deadline_status = fields.String(
        dump_only=True,
        allow_none=True,
        validate=validate.OneOf(DEADLINE_STATUSES),
        metadata={"description": "overdue, due_soon (within 30 days) or null, as flagged on the grants page."},
    )
