"""Which programmes of a tenant a principal may see, decided by the agreements.

Municipal staff (and platform administrators) see every programme their
tenant has enabled, within the authorization matrix. Anyone acting for an
organisation (partner staff, volunteers, the organisation's API clients) sees
a programme only where that organisation is party to an agreement covering
it in the tenant; anything else answers 404, as if it did not exist. A person
in an organisation role without an organisation sees no programme at all.

One query per request, kept on ``g``.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import select

from core.db import db
from core.partnerships.models import Agreement, AgreementParty, AgreementProgramme, Organisation
from core.tenancy.context import require_tenant_id


def _in_force() -> Any:
    """Agreements that give access: declared in a file and approved (ended ones keep their records readable)."""
    return (Agreement.active.is_(True)) & (Agreement.declared_status != "draft")


def organisation_programmes(organisation_id: int) -> frozenset[str]:
    """The programme keys the organisation is party to in the tenant in context."""
    tenant_id = require_tenant_id()
    cache_key = ("samvirke_org_programmes", tenant_id, organisation_id)
    if has_request_context() and cache_key in g.setdefault("_samvirke_partnership_cache", {}):
        return g._samvirke_partnership_cache[cache_key]
    from core.tenancy.directory import organisation_programmes as cached

    keys = cached(  # with the process's copy of the directory, while it is current
        tenant_id,
        organisation_id,
        lambda: frozenset(
            db.session.scalars(
                select(AgreementProgramme.programme_key)
                .join(Agreement, (Agreement.id == AgreementProgramme.agreement_id) & (Agreement.tenant_id == AgreementProgramme.tenant_id))
                .join(AgreementParty, (AgreementParty.agreement_id == Agreement.id) & (AgreementParty.tenant_id == Agreement.tenant_id))
                .where(AgreementParty.organisation_id == organisation_id, _in_force())
            )
        ),
    )
    if has_request_context():
        g._samvirke_partnership_cache[cache_key] = keys
    return keys


def visible_programmes(enabled: frozenset[str], principal: Any) -> frozenset[str]:
    """The enabled programmes ``principal`` may see in the tenant in context.

    ``principal`` None (a public page) sees what the tenant enabled; public
    routes guard themselves.
    """
    if principal is None or not principal.acts_for_organisation:
        return enabled
    if principal.organisation_id is None:
        return frozenset()
    return enabled & organisation_programmes(principal.organisation_id)


def agreements_in_force() -> list[Agreement]:
    """The agreements in force in the tenant in context, newest first, with their parties, programmes and notices.

    From the process's copy of the directory while it is current (core/tenancy/directory.py): no SQL on most requests.
    """
    from core.tenancy.directory import agreements_in_force as cached

    return cached(
        require_tenant_id(),
        lambda: list(db.session.scalars(select(Agreement).where(_in_force()).order_by(Agreement.starts_on.desc(), Agreement.key))),
    )


def agreement_covering(programme_key: str) -> Agreement | None:
    """The agreement in force that covers ``programme_key`` in the tenant in context (None when none): the newest."""
    return next((a for a in agreements_in_force() if programme_key in a.programme_keys), None)


def targets_for(programme_key: str) -> dict[str, int]:
    """The targets the covering agreement sets for the programme ({} when none)."""
    agreement = agreement_covering(programme_key)
    return dict((agreement.targets or {}).get(programme_key, {})) if agreement else {}


def organisations_of_programme(programme_key: str) -> list[Organisation]:
    """The organisations party to the agreement covering the programme in the tenant in context."""
    agreement = agreement_covering(programme_key)
    return agreement.organisations if agreement else []


__all__ = [
    "agreement_covering",
    "organisation_programmes",
    "organisations_of_programme",
    "targets_for",
    "programme_organisations",
    "programmes_for_request",
    "visible_programmes",
]


def programmes_for_request() -> frozenset[str]:
    """The programmes of the request's tenant that the acting principal may see (menus, pages, reports)."""
    from core.identity.sessions import current_principal

    tenant = g.get("tenant")
    if tenant is None:
        return frozenset()
    return visible_programmes(tenant.enabled_programmes, current_principal())


def programme_organisations() -> dict[str, list[str]]:
    """Programme key -> names of the organisations running it in the tenant in context (one query)."""
    require_tenant_id()
    rows = db.session.execute(
        select(AgreementProgramme.programme_key, Organisation.name)
        .join(Agreement, (Agreement.id == AgreementProgramme.agreement_id) & (Agreement.tenant_id == AgreementProgramme.tenant_id))
        .join(AgreementParty, (AgreementParty.agreement_id == Agreement.id) & (AgreementParty.tenant_id == Agreement.tenant_id))
        .join(Organisation, Organisation.id == AgreementParty.organisation_id)
        .where(_in_force())
        .order_by(Organisation.name)
    ).all()
    found: dict[str, list[str]] = {}
    for key, name in rows:
        found.setdefault(key, []).append(name)
    return found
