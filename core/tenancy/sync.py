"""Applying the tenant folder to the database (``samvirke tenants sync``).

The organisation folder is applied in the same run and transaction: tenant
files name organisations as the parties to their agreements.

Idempotent: a tenant whose file has not changed is not touched. A tenant is
matched by its municipality code, so renaming a slug updates it. A tenant
whose file is gone is deactivated; nothing is ever deleted. Every file is
validated before anything is written, and the writes share one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.db import db
from core.partnerships.files import check_agreements, read_organisation_files, uncovered_programmes
from core.partnerships.sync import apply_agreements, apply_organisations
from core.tenancy.context import tenant_context
from core.tenancy.files import TenantFile, TenantFileError, read_tenant_files
from core.tenancy.models import Tenant, TenantProgramme, utcnow


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The same four lists for the organisation files (slugs of organisations).
    organisations: SyncReport | None = None

    @property
    def changed(self) -> bool:
        own = bool(self.created or self.updated or self.deactivated)
        return own or (self.organisations is not None and self.organisations.changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
            "organisations": self.organisations.as_dict() if self.organisations else {},
        }


def _apply(tenant: Tenant, tf: TenantFile) -> None:
    data = tf.data
    tenant.slug = data["slug"]
    tenant.name = data["name"]
    tenant.municipality_code = data["municipality_code"]
    tenant.cvr = data["cvr"]
    tenant.invoice_ean = data["invoice_ean"]
    tenant.demo = data["demo"]
    tenant.identity_provider = data["identity_provider"]
    tenant.source_file = tf.path.name
    tenant.source_digest = tf.digest
    tenant.active = True
    tenant.updated_at = utcnow()


def _apply_programmes(tenant: Tenant, tf: TenantFile) -> None:
    """The tenant's programmes; written in its own context (row-level security on PostgreSQL)."""
    data = tf.data
    wanted = set(data["programmes"]["enabled"])
    settings = data["programmes"].get("settings", {})
    kept = [p for p in tenant.programmes if p.programme_key in wanted]
    for programme in kept:
        programme.settings = settings.get(programme.programme_key, {})
    tenant.programmes = kept + [
        TenantProgramme(programme_key=key, settings=settings.get(key, {})) for key in sorted(wanted - tenant.enabled_programmes)
    ]


def _installed_billing_rules() -> dict[str, Any]:
    from core.plugins.host import plugin_host

    return {rule.key: rule for rule in plugin_host(current_app).collect("samvirke_billing_rules")}


def read_all(folder: Path | str, organisations_dir: Path | str, billing_rules: Mapping[str, Any]) -> tuple[list[TenantFile], list]:
    """Every tenant and organisation file, validated together; raises TenantFileError listing all problems."""
    organisations, problems = read_organisation_files(organisations_dir)
    try:
        files = read_tenant_files(folder)
    except TenantFileError as exc:
        raise TenantFileError(problems + exc.problems) from None
    slugs = {o.data["slug"] for o in organisations}
    for tf in files:
        problems += check_agreements(
            tf.path.name,
            tf.data["agreements"],
            enabled=set(tf.data["programmes"]["enabled"]),
            organisations=slugs,
            billing_rules=billing_rules,
        )
    if problems:
        raise TenantFileError(problems)
    return files, organisations


def sync_tenants(
    folder: Path | str,
    installed_programmes: Iterable[str] = (),
    *,
    organisations_dir: Path | str | None = None,
    billing_rules: Mapping[str, Any] | None = None,
) -> SyncReport:
    """Make the tenants, organisations and agreements match the files; returns what changed."""
    if organisations_dir is None:
        organisations_dir = current_app.config["ORGANISATIONS_DIR"]
    if billing_rules is None:
        billing_rules = _installed_billing_rules()
    files, organisation_files = read_all(folder, organisations_dir, billing_rules)  # raises before any write
    installed = set(installed_programmes)
    report = SyncReport()
    existing = {t.municipality_code: t for t in db.session.scalars(select(Tenant))}
    try:
        report.organisations = SyncReport()
        organisations = apply_organisations(organisation_files, report.organisations)
        for tf in files:
            code = tf.data["municipality_code"]
            tenant = existing.pop(code, None)
            for key in uncovered_programmes(tf.data["agreements"], set(tf.data["programmes"]["enabled"])):
                report.warnings.append(f"{tf.path.name}: programme {key!r} is enabled but no approved agreement covers it")
            for key in tf.data["programmes"]["enabled"]:
                if key not in installed:
                    report.warnings.append(f"{tf.path.name}: programme {key!r} is enabled but no installed plugin provides it")
            if tenant is None:
                tenant = Tenant()
                _apply(tenant, tf)
                db.session.add(tenant)
                db.session.flush()  # its id, for the agreements
                report.created.append(tenant.slug)
            elif tenant.source_digest != tf.digest or not tenant.active:
                _apply(tenant, tf)
                report.updated.append(tenant.slug)
            else:
                report.unchanged.append(tenant.slug)
                continue
            with tenant_context(tenant.id):
                _apply_programmes(tenant, tf)
                db.session.flush()
            apply_agreements(tenant, tf.data["agreements"], organisations)
        for tenant in existing.values():
            if tenant.active:
                tenant.active = False
                tenant.updated_at = utcnow()
                report.deactivated.append(tenant.slug)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report
