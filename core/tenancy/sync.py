"""Applying the tenant folder to the database (``samvirke tenants sync``).

Idempotent: a tenant whose file has not changed is not touched. A tenant is
matched by its municipality code, so renaming a slug updates it. A tenant
whose file is gone is deactivated; nothing is ever deleted. Every file is
validated before anything is written, and the writes share one transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from core.db import db
from core.tenancy.files import TenantFile, read_tenant_files
from core.tenancy.models import Tenant, TenantProgramme, utcnow


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
        }


def _apply(tenant: Tenant, tf: TenantFile) -> None:
    data = tf.data
    tenant.slug = data["slug"]
    tenant.name = data["name"]
    tenant.municipality_code = data["municipality_code"]
    tenant.cvr = data["cvr"]
    tenant.invoice_ean = data["invoice_ean"]
    tenant.identity_provider = data["identity_provider"]
    tenant.agreements = data["agreements"]
    tenant.source_file = tf.path.name
    tenant.source_digest = tf.digest
    tenant.active = True
    tenant.updated_at = utcnow()
    wanted = set(data["programmes"]["enabled"])
    settings = data["programmes"].get("settings", {})
    kept = [p for p in tenant.programmes if p.programme_key in wanted]
    for programme in kept:
        programme.settings = settings.get(programme.programme_key, {})
    tenant.programmes = kept + [
        TenantProgramme(programme_key=key, settings=settings.get(key, {}))
        for key in sorted(wanted - tenant.enabled_programmes)
    ]


def sync_tenants(folder: Path | str, installed_programmes: Iterable[str] = ()) -> SyncReport:
    """Make the tenants table match ``folder``; returns what changed."""
    files = read_tenant_files(folder)  # raises before anything is written
    installed = set(installed_programmes)
    report = SyncReport()
    existing = {t.municipality_code: t for t in db.session.scalars(select(Tenant))}
    try:
        for tf in files:
            code = tf.data["municipality_code"]
            tenant = existing.pop(code, None)
            for key in tf.data["programmes"]["enabled"]:
                if key not in installed:
                    report.warnings.append(
                        f"{tf.path.name}: programme {key!r} is enabled but no installed plugin provides it"
                    )
            if tenant is None:
                tenant = Tenant()
                _apply(tenant, tf)
                db.session.add(tenant)
                report.created.append(tenant.slug)
            elif tenant.source_digest != tf.digest or not tenant.active:
                _apply(tenant, tf)
                report.updated.append(tenant.slug)
            else:
                report.unchanged.append(tenant.slug)
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
