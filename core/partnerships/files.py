"""Reading and validating organisation files and the agreements in tenant files.

Organisations: one TOML file each in ``organisations/`` (``ORGANISATIONS_DIR``).
Agreements: ``[[agreements]]`` tables in a tenant file. What a single file can
check is checked by the schemas here; what needs other files or the plugins
(does the organisation exist, is the programme enabled, does the billing rule
exist and do its parameters fit) is checked by ``check_agreements``. Every
problem is reported as (file, field, reason), and nothing is applied while any
remains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema
from stdnum import ean as stdnum_ean
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError

from core.partnerships import terms
from core.partnerships.models import DECLARED_STATUSES
from core.tenancy.declared import Problem, duplicates, flatten_messages, read_folder

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"
LABEL = "organisations/"  # problems name the folder too: tenant files sit in another


def check_cvr(value: str) -> None:
    try:
        stdnum_cvr.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"not a valid CVR number ({exc})") from None


def check_ean(value: str) -> None:
    if len(value) != 13 or not value.isdigit():
        raise ValidationError("must be a 13-digit EAN/GLN location number")
    try:
        stdnum_ean.validate(value)
    except StdnumError:
        raise ValidationError("has a wrong check digit (GS1 mod-10)") from None


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class AddressSchema(_Strict):
    street = fields.String(required=True, validate=validate.Length(min=2, max=200))
    postcode = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$", error="must be a 4-digit Danish postcode"))
    city = fields.String(required=True, validate=validate.Length(min=2, max=80))


class InvoicingSchema(_Strict):
    demo = fields.Boolean(load_default=False)
    peppol_endpoint = fields.String(
        required=True,
        validate=validate.Regexp(r"^(0184:\d{8}|0088:\d{13})$", error="must be 0184:<CVR> or 0088:<GLN>"),
    )
    ean = fields.String(required=True, validate=check_ean)
    bank_registration = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$", error="must be a 4-digit registration number"))
    bank_account = fields.String(required=True, validate=validate.Regexp(r"^\d{1,10}$", error="must be up to 10 digits"))
    payment_terms_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=90))


class LoginSchema(_Strict):
    claim = fields.String(required=True, validate=validate.Length(min=2, max=120))
    # The organisation's own title for its staff, in Danish (its data; the demo log-in's default is translated).
    staff_title_da = fields.String(load_default=None, validate=validate.Length(min=2, max=60))


class OrganisationFileSchema(_Strict):
    slug = fields.String(
        required=True, validate=validate.Regexp(SLUG_PATTERN, error="must be lowercase letters, digits and '-', 2-40 characters")
    )
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    demo = fields.Boolean(load_default=False)
    cvr = fields.String(required=True, validate=check_cvr)
    address = fields.Nested(AddressSchema, required=True)
    invoicing = fields.Nested(InvoicingSchema, required=True)
    login = fields.Nested(LoginSchema, required=True)


def _terms_field(parse: Any) -> Any:
    """A field validated by one of core.partnerships.terms' parsers (their ValueError is the reason)."""

    def check(value: Any) -> None:
        try:
            parse(value)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValidationError(str(exc)) from None

    return check


class SignaturesSchema(_Strict):
    municipality = fields.Date(load_default=None)
    partner = fields.Date(load_default=None)


class RemedySchema(_Strict):
    """The time a party has to remedy a material breach after written notice of it."""

    working_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=250))


class BillingSchema(_Strict):
    rule = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", error="must be <programme>.<rule>"))
    parameters = fields.Dict(keys=fields.String(), load_default=dict)


class PayerSchema(_Strict):
    ean = fields.String(required=True, validate=check_ean)
    buyer_reference = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    contact = fields.String(load_default=None, validate=validate.Length(min=2, max=120))

    @validates_schema
    def _reference_or_contact(self, data: dict, **kwargs: Any) -> None:
        # The Danish Peppol rules require a buyer reference on every invoice.
        if not data.get("buyer_reference") and not data.get("contact"):
            raise ValidationError("give buyer_reference or contact", field_name="buyer_reference")


class AgreementFileSchema(_Strict):
    key = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN, error="must be lowercase letters, digits and '-'"))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    demo = fields.Boolean(load_default=False)
    status = fields.String(
        required=True,
        validate=validate.OneOf(DECLARED_STATUSES, error="must be draft or approved (the rest follows from dates and notices)"),
    )
    partners = fields.List(fields.String(validate=validate.Regexp(SLUG_PATTERN)), required=True, validate=validate.Length(min=1))
    programmes = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    signed = fields.Nested(SignaturesSchema, load_default=lambda: {"municipality": None, "partner": None})
    political_approval = fields.Date(load_default=None)
    start = fields.Date(required=True)
    end = fields.Date(load_default=None)
    notice = fields.Dict(required=True, validate=_terms_field(terms.NoticeTerms.from_dict))
    remedy = fields.Nested(RemedySchema, load_default=None)
    review = fields.Dict(load_default=None, validate=_terms_field(terms.ReviewSchedule.from_dict))
    governance = fields.List(fields.Dict(validate=_terms_field(terms.GovernanceRhythm.from_dict)), load_default=list)
    days_off = fields.List(fields.String(), load_default=list)
    targets = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer(strict=True)), load_default=dict
    )
    billing = fields.Nested(BillingSchema, required=True)
    payer = fields.Nested(PayerSchema, required=True)

    @validates("days_off")
    def _days_off(self, value: list[str], **kwargs: Any) -> None:
        from core.calendar import validate_days_off

        errors = validate_days_off(value)
        if errors:
            raise ValidationError("; ".join(errors))

    @validates_schema
    def _consistent(self, data: dict, **kwargs: Any) -> None:
        if data.get("end") and data["end"] < data["start"]:
            raise ValidationError("ends before it starts", field_name="end")
        if len(set(data["partners"])) != len(data["partners"]):
            raise ValidationError("lists an organisation more than once", field_name="partners")
        if len(set(data["programmes"])) != len(data["programmes"]):
            raise ValidationError("lists a programme more than once", field_name="programmes")
        unknown = set(data.get("targets", {})) - set(data["programmes"])
        if unknown:
            raise ValidationError(f"targets for programmes the agreement does not cover: {sorted(unknown)}", field_name="targets")


def agreement_terms(data: Mapping[str, Any]) -> dict[str, Any]:
    """The terms part of a validated agreement, as stored on the row (JSON)."""
    return {
        "notice": data["notice"],
        "remedy": data.get("remedy"),
        "review": data.get("review"),
        "governance": list(data.get("governance") or []),
        "days_off": list(data.get("days_off") or []),
    }


def digest_of(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class OrganisationFile:
    path: Path
    data: dict[str, Any]

    @property
    def digest(self) -> str:
        return digest_of(self.data)


def read_organisation_files(folder: Path | str) -> tuple[list[OrganisationFile], list[Problem]]:
    """Parse and validate every ``*.toml`` in ``folder``; returns the files and the problems."""
    loaded, problems = read_folder(folder, OrganisationFileSchema(), LABEL)
    problems += duplicates(loaded, "slug", lambda data: data["slug"], LABEL)
    problems += duplicates(loaded, "cvr", lambda data: data["cvr"], LABEL)
    problems += duplicates(loaded, "login.claim", lambda data: data["login"]["claim"], LABEL)
    return [OrganisationFile(path=path, data=data) for path, data in loaded], problems


def check_agreements(
    file_name: str,
    agreements: list[dict[str, Any]],
    *,
    enabled: set[str],
    organisations: set[str],
    billing_rules: Mapping[str, Any],
) -> list[Problem]:
    """What one tenant file's agreements need from other files and from the plugins."""
    problems: list[Problem] = []
    keys: set[str] = set()
    covered: dict[str, str] = {}
    for index, agreement in enumerate(agreements):
        where = f"agreements.{index}"
        if agreement["key"] in keys:
            problems.append((file_name, f"{where}.key", f"{agreement['key']!r} is used twice"))
        keys.add(agreement["key"])
        for partner in agreement["partners"]:
            if partner not in organisations:
                problems.append((file_name, f"{where}.partners", f"no organisation file declares {partner!r}"))
        for programme in agreement["programmes"]:
            if programme not in enabled:
                problems.append((file_name, f"{where}.programmes", f"{programme!r} is not in programmes.enabled"))
            if agreement["status"] != "draft":
                if programme in covered:
                    problems.append((file_name, f"{where}.programmes", f"{programme!r} is already covered by {covered[programme]!r}"))
                covered[programme] = agreement["key"]
        rule_key = agreement["billing"]["rule"]
        rule = billing_rules.get(rule_key)
        if rule is None:
            problems.append((file_name, f"{where}.billing.rule", f"no installed plugin provides the billing rule {rule_key!r}"))
            continue
        try:
            rule.parameters().load(agreement["billing"]["parameters"])
        except ValidationError as exc:
            problems += [(file_name, f"{where}.billing.parameters.{field}", reason) for field, reason in flatten_messages(exc.messages)]
    return problems


def uncovered_programmes(agreements: list[dict[str, Any]], enabled: set[str]) -> list[str]:
    """Enabled programmes no approved agreement covers: no organisation runs them (a warning, not an error)."""
    covered = {p for a in agreements if a["status"] != "draft" for p in a["programmes"]}
    return sorted(enabled - covered)


__all__ = [
    "AgreementFileSchema",
    "OrganisationFile",
    "agreement_terms",
    "check_agreements",
    "check_cvr",
    "check_ean",
    "digest_of",
    "read_organisation_files",
    "uncovered_programmes",
]
