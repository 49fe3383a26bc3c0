"""National coordinators: their organisation's programmes in every tenant, aggregated."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from core.db import db
from core.identity.sessions import current_principal
from core.plugins.host import plugin_host
from core.tenancy.context import cross_tenant
from core.tenancy.models import Tenant, TenantProgramme

bp = Blueprint("national", __name__, url_prefix="/national")


@bp.get("/")
def index():
    principal = current_principal()
    host = plugin_host()
    programmes = {
        key: p for key, p in host.programmes().items()
        if principal.is_platform_admin or p.partner_organisation == principal.partner_organisation
    }
    rows = db.session.execute(
        select(TenantProgramme.programme_key, Tenant.id, Tenant.name)
        .join(Tenant, Tenant.id == TenantProgramme.tenant_id)
        .where(Tenant.active.is_(True), TenantProgramme.programme_key.in_(list(programmes)))
        .order_by(Tenant.name)
    ).all()
    tenants_by_programme: dict[str, list[tuple[int, str]]] = {key: [] for key in programmes}
    names = {}
    for key, tenant_id, name in rows:
        tenants_by_programme[key].append((tenant_id, name))
        names[tenant_id] = name
    reports = []
    for programme, definitions in host.call_each("samvirke_reports", enabled=list(programmes)):
        for report in definitions:
            if report.build_national is None:
                continue
            with cross_tenant(f"national report {report.key}"):
                result = report.build_national({})
            enabled = {tid for tid, _ in tenants_by_programme.get(programme.key, [])}
            reports.append((report, result, enabled))
    return render_template("national/index.html", programmes=programmes, tenants_by_programme=tenants_by_programme, reports=reports, tenant_names=names)
