"""The accessibility statement and the privacy notice, linked from every page's footer.

Both exist for the platform (``/accessibility``, ``/privacy``) and for each
tenant (``/<tenant>/accessibility``, ``/<tenant>/privacy``), where the
municipality is the public body responsible and the data controller. Public:
people must be able to read them before they sign in.

The privacy notice's purposes, legal bases and retention periods are not
written here: they come from the plugins' own declarations of the personal
data they store (the ``samvirke_personal_data`` hook), for the programmes the
tenant has enabled, so the notice cannot drift from what the code stores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, current_app, g, render_template
from flask_babel import gettext
from sqlalchemy import select

from core.db import db
from core.plugins.host import plugin_host
from core.plugins.types import PersonalDataField, Programme
from core.schemas import N_
from core.tenancy.models import Tenant
from core.tenancy.web import TENANT_URL_PREFIX

bp = Blueprint("legal", __name__)

# When the accessibility statement was last reviewed against the platform (the template asks for the date).
STATEMENT_REVIEWED = date(2026, 12, 1)
SENSITIVITY = {
    "ordinary": N_("Ordinary personal data"),
    "confidential": N_("Confidential personal data"),
    "sensitive": N_("Special categories of personal data (GDPR art. 9) or data about social problems"),
}


@dataclass
class ProgrammeProcessing:
    """What one programme (or core, for ``programme=None``) stores about people, from its declarations."""

    programme: Programme | None
    fields: list[PersonalDataField]
    organisations: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.programme is None:
            return gettext("Volunteers and the platform itself")
        return str(self.programme.name)

    @property
    def legal_bases(self) -> list[str]:
        """Each distinct legal basis once, in declaration order."""
        return list(dict.fromkeys(text(f.legal_basis) for f in self.fields))


def text(declared: Any) -> str:
    """A declared text in the UI language (the declarations are lazy gettext texts of the plugin's catalogue)."""
    return str(declared) if declared else ""


def sensitivity_label(value: str) -> str:
    return str(SENSITIVITY.get(value, value))


def processing_record(enabled: Iterable[str] | None) -> list[ProgrammeProcessing]:
    """The record of processing: every plugin's declared personal data, per programme.

    ``enabled``: the tenant's enabled programmes (None: every installed one).
    Core's own declarations (volunteers) come last; a programme that stores
    nothing about people is left out.
    """
    found: dict[str | None, ProgrammeProcessing] = {}
    for programme, declared in plugin_host().call_each("samvirke_personal_data", enabled=enabled):
        items = list(declared)
        if items:
            # Core declares from several modules (volunteers, notices...): one section for all of them.
            key = programme.key if programme is not None else None
            found.setdefault(key, ProgrammeProcessing(programme, [])).fields.extend(items)
    return sorted(found.values(), key=lambda p: (p.programme is None, p.name))


def _audit_retention_days() -> int:
    from core.audit import MINIMUM_RETENTION

    configured = current_app.config.get("AUDIT_RETENTION", MINIMUM_RETENTION)
    if not isinstance(configured, timedelta):
        configured = MINIMUM_RETENTION
    return max(configured, MINIMUM_RETENTION).days


def _page(template: str, **context: Any) -> str:
    return render_template(
        template,
        reviewed=STATEMENT_REVIEWED,
        sensitivity_label=sensitivity_label,
        declared_text=text,
        audit_days=_audit_retention_days(),
        **context,
    )


@bp.get("/accessibility")
def accessibility():
    return _page("legal/accessibility.html", responsible=None)


@bp.get(f"{TENANT_URL_PREFIX}/accessibility")
def tenant_accessibility():
    return _page("legal/accessibility.html", responsible=g.tenant)


@bp.get("/privacy")
def privacy():
    tenants = db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)).all()
    return _page("legal/privacy_platform.html", tenants=tenants)


@bp.get(f"{TENANT_URL_PREFIX}/privacy")
def tenant_privacy():
    from core.partnerships.access import programme_organisations

    tenant = g.tenant
    record = processing_record(tenant.enabled_programmes)
    runners = programme_organisations()  # one query: who runs each programme under an agreement in force
    for entry in record:
        if entry.programme is not None:
            entry.organisations = runners.get(entry.programme.key, [])
    return _page("legal/privacy.html", controller=tenant, record=record)
