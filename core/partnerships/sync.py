"""Applying organisation files and the agreements of tenant files to the database.

Called by ``core.tenancy.sync`` inside its transaction, after every file has
been validated. Organisations are matched by slug, agreements by (tenant,
key); one that is gone from its file is deactivated, never deleted, so what
people recorded about it (notices, acknowledged reminders) stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from core.db import db
from core.partnerships.files import OrganisationFile, agreement_terms, digest_of
from core.partnerships.models import Agreement, AgreementParty, AgreementProgramme, Organisation
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant, utcnow


def apply_organisations(files: Iterable[OrganisationFile], report: Any) -> dict[str, Organisation]:
    """Create, update or deactivate organisations; returns the active ones by slug."""
    existing = {o.slug: o for o in db.session.scalars(select(Organisation))}
    active: dict[str, Organisation] = {}
    for of in files:
        data = of.data
        org = existing.pop(data["slug"], None)
        if org is not None and org.source_digest == of.digest and org.active:
            report.unchanged.append(org.slug)
            active[org.slug] = org
            continue
        created = org is None
        if org is None:
            org = Organisation(slug=data["slug"])
            db.session.add(org)
        org.name = data["name"]
        org.cvr = data["cvr"]
        org.demo = data["demo"]
        org.address = dict(data["address"])
        org.invoicing = dict(data["invoicing"])
        org.login_claim = data["login"]["claim"]
        org.login = dict(data["login"])
        org.active = True
        org.source_file = of.path.name
        org.source_digest = of.digest
        org.updated_at = utcnow()
        (report.created if created else report.updated).append(org.slug)
        active[org.slug] = org
    for org in existing.values():
        if org.active:
            org.active = False
            org.updated_at = utcnow()
            report.deactivated.append(org.slug)
    db.session.flush()
    return active


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "demo": data["demo"],
        "declared_status": data["status"],
        "signed_by_municipality_on": data["signed"]["municipality"],
        "signed_by_partner_on": data["signed"]["partner"],
        "political_approval_on": data["political_approval"],
        "starts_on": data["start"],
        "ends_on": data["end"],
        "terms": agreement_terms(data),
        "targets": data["targets"],
        "billing_rule": data["billing"]["rule"],
        "billing_parameters": data["billing"]["parameters"],
        "payer": data["payer"],
    }


def apply_agreements(tenant: Tenant, declared: list[dict[str, Any]], organisations: dict[str, Organisation]) -> None:
    """Make the tenant's agreements match its file (the tenant row must have an id)."""
    with tenant_context(tenant.id):
        existing = {a.key: a for a in db.session.scalars(select(Agreement))}
        for data in declared:
            agreement = existing.pop(data["key"], None)
            digest = digest_of(data)
            if agreement is not None and agreement.source_digest == digest and agreement.active:
                continue
            if agreement is None:
                agreement = Agreement(key=data["key"])
                db.session.add(agreement)
            for name, value in _stored(data).items():
                setattr(agreement, name, value)
            agreement.active = True
            agreement.source_digest = digest
            agreement.updated_at = utcnow()
            wanted_orgs = [organisations[slug].id for slug in data["partners"]]
            agreement.parties = [p for p in agreement.parties if p.organisation_id in wanted_orgs] + [
                AgreementParty(organisation_id=org_id)
                for org_id in wanted_orgs
                if org_id not in {p.organisation_id for p in agreement.parties}
            ]
            wanted_programmes = list(data["programmes"])
            agreement.programmes = [p for p in agreement.programmes if p.programme_key in wanted_programmes] + [
                AgreementProgramme(programme_key=key)
                for key in wanted_programmes
                if key not in {p.programme_key for p in agreement.programmes}
            ]
        for agreement in existing.values():
            if agreement.active:
                agreement.active = False
                agreement.updated_at = utcnow()
        db.session.flush()
