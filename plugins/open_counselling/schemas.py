"""Schemas for contacts and families (forms and API).

Identity and free text are partner-only: municipal staff never receive them.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from core.programme import N_, Schema, copenhagen_today
from plugins.open_counselling.models import (
    AGE_BANDS,
    CHANNELS,
    EMPLOYMENT,
    FORMATS,
    HOUSEHOLDS,
    INCOME_BASES,
    NEED_LEVELS,
    REASONS,
    REFERRALS,
)

LABELS = {
    "in_person": N_("In person"),
    "phone": N_("Phone"),
    "online": N_("Online"),
    "parenthood": N_("Parenthood"),
    "housing_economy": N_("Housing and economy"),
    "relationship": N_("Relationship"),
    "violence": N_("Violence"),
    "grief_crisis": N_("Grief and crisis"),
    "other": N_("Other"),
    "legal_aid": N_("Legal aid"),
    "financial_counselling": N_("Financial counselling"),
    "municipality": N_("The municipality"),
    "other_organisation": N_("Another organisation"),
    "single": N_("Single conversation"),
    "short_course": N_("Part of a short course"),
    "under_18": N_("Under 18"),
    "18_24": "18-24",
    "25_29": "25-29",
    "30_39": "30-39",
    "40_plus": N_("40 or older"),
    "wages": N_("Wages"),
    "student_grant": N_("Student grant (SU)"),
    "unemployment_benefit": N_("Unemployment benefit"),
    "cash_benefit": N_("Cash benefit"),
    "self_support_return_benefit": N_("Self-support and return benefit"),
    "pension": N_("Pension"),
    "leave_benefit": N_("Leave benefit"),
    "employed": N_("Employed"),
    "unemployed": N_("Unemployed"),
    "student": N_("Student"),
    "on_leave": N_("On leave"),
    "outside_labour_market": N_("Outside the labour market"),
    "couple": N_("Couple"),
}
# "single" is also a format (a single conversation): the household's own labels.
HOUSEHOLD_LABELS = {"single": N_("Single"), "couple": N_("Couple")}
# The agreement's need levels (behovsniveauer), shown where the level is chosen.
NEED_LEVEL_LABELS = {
    1: N_("1: single or short counselling"),
    2: N_("2: counselling plus volunteer activities or the municipality's universal services"),
    3: N_("3: counselling plus a measure under SEL § 11.3 or specialised measures (the municipality leads)"),
    4: N_("4: counselling plus a measure under SEL § 52 (the municipality leads)"),
}


def _choice(values, label):
    return {"label": label, "choice_labels": {v: LABELS.get(v, v) for v in values}}


class FamilySchema(Schema):
    """Socio-economic registration per family; identity only with consent."""

    id = fields.Integer(dump_only=True)
    family_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9-]{2,30}$"),
        metadata={"label": N_("Family number"), "hint": N_("The number on the family's card; no name or CPR.")},
    )
    name = fields.String(
        allow_none=True, validate=validate.Length(max=120), metadata={"label": N_("Name (only with consent)"), "partner_only": True}
    )
    consent = fields.Boolean(
        load_only=True, load_default=False, metadata={"label": N_("The family consents to being registered by name"), "partner_only": True}
    )
    parent_age_band = fields.String(allow_none=True, validate=validate.OneOf(AGE_BANDS), metadata=_choice(AGE_BANDS, N_("Parent's age")))
    pregnant = fields.Boolean(load_default=False, metadata={"label": N_("Pregnant")})
    pregnancy_week = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=43), metadata={"label": N_("Pregnancy week")})
    children_count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=15), metadata={"label": N_("Number of children")})
    children_ages = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^\d{1,2}(,\d{1,2})*$"),
        metadata={"label": N_("Children's ages"), "hint": N_("In years, separated by commas, e.g. 0,3,5")},
    )
    income_basis = fields.String(allow_none=True, validate=validate.OneOf(INCOME_BASES), metadata=_choice(INCOME_BASES, N_("Income basis")))
    employment_status = fields.String(allow_none=True, validate=validate.OneOf(EMPLOYMENT), metadata=_choice(EMPLOYMENT, N_("Employment")))
    household = fields.String(
        allow_none=True, validate=validate.OneOf(HOUSEHOLDS), metadata={"label": N_("Household"), "choice_labels": HOUSEHOLD_LABELS}
    )

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("name") and not data.get("consent"):
            raise ValidationError(N_("A name may only be registered with the family's consent."), field_name="consent")
        if data.get("pregnancy_week") and not data.get("pregnant"):
            raise ValidationError(N_("Only with a pregnancy."), field_name="pregnancy_week")
        ages = [a for a in (data.get("children_ages") or "").split(",") if a]
        if ages and len(ages) != data.get("children_count", 0):
            raise ValidationError(N_("Give one age per child."), field_name="children_ages")


class ContactSchema(Schema):
    """A contact (henvendelse). Anonymous unless the family consented to be named."""

    id = fields.Integer(dump_only=True)
    family_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9-]{2,30}$"),
        metadata={
            "label": N_("Family number"),
            "hint": N_("A new number creates an anonymous family; an existing one adds a contact to it."),
        },
    )
    day = fields.Date(required=True, metadata={"label": N_("Date")})
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS), metadata=_choice(CHANNELS, N_("Channel")))
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=600), metadata={"label": N_("Duration (minutes)")})
    reasons = fields.List(
        fields.String(validate=validate.OneOf(REASONS)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"label": N_("Reasons for contact"), "choice_labels": {v: LABELS[v] for v in REASONS}},
    )
    description = fields.String(
        allow_none=True,
        validate=validate.Length(max=4000),
        metadata={"label": N_("Description of the problem"), "partner_only": True, "widget": "textarea"},
    )
    need_level = fields.Integer(
        required=True,
        validate=validate.OneOf(NEED_LEVELS),
        metadata={"label": N_("Need level"), "choice_labels": NEED_LEVEL_LABELS},
    )
    referrals = fields.List(
        fields.String(validate=validate.OneOf(REFERRALS)),
        load_default=list,
        metadata={"label": N_("Referred to"), "choice_labels": {v: LABELS[v] for v in REFERRALS}},
    )
    format = fields.String(load_default="single", validate=validate.OneOf(FORMATS), metadata=_choice(FORMATS, N_("Form")))

    @validates("day")
    def _not_in_future(self, value, **kwargs: Any) -> None:

        if value > copenhagen_today():
            raise ValidationError(N_("The date cannot be in the future."))
