"""The volunteer registry's form and API schema.

One schema for create and update (an update replaces every field, so the
same rules hold either way). The life-cycle rules of the child-protection
certificate and the rule of the organisation are checked here, so a page and
the API refuse the same input.

The organisation: someone acting for an organisation (partner staff, an
organisation's API client) registers volunteers of their own organisation
only; they need not name it, and naming another one is refused. A tenant or
platform administrator (or a municipal API client) chooses one of the
organisations party to the tenant's agreements (``organisation_choices``);
an unknown or foreign id is a field error, nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from marshmallow import ValidationError, fields, post_load, validate, validates_schema
from sqlalchemy import ColumnElement, select

from core.db import db
from core.schemas import N_, Schema
from core.volunteers import find_volunteer, narrowed_to_organisation
from core.volunteers.models import CERTIFICATE_RESULTS

CERTIFICATE_RESULT_LABELS = {
    "approved": N_("Approved"),
    "remarks": N_("With remarks"),
    "rejected": N_("Rejected"),
}


def organisation_choices(keep: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the organisations an administrator may choose: those party to the tenant's agreements.

    ``keep``: the organisation a volunteer already has, offered even when it
    is party to no agreement (any more), so saving her does not force a change.
    """
    from core.partnerships.models import Agreement, AgreementParty, Organisation

    parties = (
        select(AgreementParty.organisation_id)
        .join(Agreement, (Agreement.id == AgreementParty.agreement_id) & (Agreement.tenant_id == AgreementParty.tenant_id))
        .where(Agreement.active.is_(True))  # declared in the tenant file, whatever its status
    )
    wanted: ColumnElement[bool] = Organisation.id.in_(parties)
    if keep is not None:
        wanted = wanted | (Organisation.id == keep)
    return [(i, n) for i, n in db.session.execute(select(Organisation.id, Organisation.name).where(wanted).order_by(Organisation.name))]


def _kept_organisation() -> int | None:
    """The organisation of the volunteer being replaced (page or API route with ``volunteer_id``), if visible."""
    volunteer_id = (request.view_args or {}).get("volunteer_id") if has_request_context() else None
    volunteer = find_volunteer(volunteer_id) if volunteer_id is not None else None
    return volunteer.organisation_id if volunteer is not None else None


def _optional_date(label: Any, **metadata: Any) -> fields.Date:
    return fields.Date(allow_none=True, load_default=None, metadata={"label": label, **metadata})


class VolunteerOrganisationSchema(Schema):
    """The organisation a volunteer works for (as the API shows it)."""

    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class VolunteerSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120), metadata={"label": N_("Name")})
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=30), metadata={"label": N_("Phone")})
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=200), metadata={"label": N_("E-mail")})
    organisation_id = fields.Integer(
        allow_none=True,
        load_default=None,
        metadata={
            "label": N_("Partner organisation"),
            "description": (
                "The id of the volunteer's organisation. Partner staff and an organisation's API client leave it out "
                "(it is their own organisation; another one is refused); the municipality chooses one of the "
                "organisations party to the tenant's agreements."
            ),
        },
    )
    organisation = fields.Nested(
        VolunteerOrganisationSchema, dump_only=True, allow_none=True, metadata={"description": "The volunteer's organisation."}
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

    @validates_schema(skip_on_field_errors=False)
    def _organisation(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "organisation_id" not in data:  # not an integer: that field error is already there
            return
        chosen = data["organisation_id"]
        narrowed, own = narrowed_to_organisation()
        if narrowed:
            if own is None:
                raise ValidationError(
                    N_("Your log-in names no organisation, so you cannot register volunteers."), field_name="organisation_id"
                )
            if chosen is not None and chosen != own:
                raise ValidationError(N_("You register volunteers of your own organisation only."), field_name="organisation_id")
            return
        if chosen is None:
            raise ValidationError(N_("Choose the volunteer's organisation."), field_name="organisation_id")
        if chosen not in {i for i, _ in organisation_choices(keep=_kept_organisation())}:
            raise ValidationError(
                N_("Choose one of the organisations party to the municipality's agreements."), field_name="organisation_id"
            )

    @post_load
    def _own_organisation(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        narrowed, own = narrowed_to_organisation()
        if narrowed:
            data["organisation_id"] = own
        return data

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
