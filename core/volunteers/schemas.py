"""The volunteer registry's form and API schema.

One schema for create and update (an update replaces every field, so the
same rules hold either way). The life-cycle rules of the child-protection
certificate are checked here, so a page and the API refuse the same input.
"""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from core.schemas import N_, Schema
from core.volunteers.models import CERTIFICATE_RESULTS

CERTIFICATE_RESULT_LABELS = {
    "approved": N_("Approved"),
    "remarks": N_("With remarks"),
    "rejected": N_("Rejected"),
}


def _optional_date(label: Any, **metadata: Any) -> fields.Date:
    return fields.Date(allow_none=True, load_default=None, metadata={"label": label, **metadata})


class VolunteerSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120), metadata={"label": N_("Name")})
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=30), metadata={"label": N_("Phone")})
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=200), metadata={"label": N_("E-mail")})
    partner_organisation = fields.String(
        required=True, validate=validate.Length(min=1, max=120), metadata={"label": N_("Partner organisation")}
    )
    training_completed_on = _optional_date(N_("Training completed on"))
    insured_from = _optional_date(N_("Insured from"))
    insured_until = _optional_date(N_("Insured until"))
    certificate_requested_on = _optional_date(N_("Certificate requested on"))
    certificate_consent_given = fields.Boolean(
        load_default=False, metadata={"label": N_("The volunteer consents to the certificate being requested")}
    )
    certificate_assessed_on = _optional_date(N_("Certificate assessed on"))
    certificate_result = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(CERTIFICATE_RESULTS),
        metadata={"label": N_("Assessment of the certificate"), "choice_labels": CERTIFICATE_RESULT_LABELS},
    )
    certificate_valid_until = _optional_date(N_("Certificate valid until"))
    certificate_document_deleted_on = _optional_date(
        N_("Certificate document deleted on"), hint=N_("Only the assessment is kept, never the document.")
    )

    @validates_schema
    def _life_cycle(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[Any]] = {}
        start, end = data.get("insured_from"), data.get("insured_until")
        if start and end and end < start:
            errors.setdefault("insured_until", []).append(N_("The insurance cannot end before it starts."))
        consent = data.get("certificate_consent_given")
        # A certificate may only be requested, and so assessed, with the volunteer's consent.
        if (data.get("certificate_requested_on") or data.get("certificate_assessed_on")) and not consent:
            errors.setdefault("certificate_consent_given", []).append(
                N_("A certificate may only be requested with the volunteer's consent.")
            )
        if data.get("certificate_assessed_on") and not data.get("certificate_requested_on"):
            errors.setdefault("certificate_requested_on", []).append(
                N_("Enter when the certificate was requested before it can be assessed.")
            )
        if errors:
            raise ValidationError(errors)
