"""National coordinators: their organisation's agreements and programmes in every tenant, aggregated.

What a coordinator sees follows the agreements: a tenant appears for a
programme only where the coordinator's organisation is party to the
agreement covering it there (platform administrators see all). Counts only.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import raiseload

from core.db import db
from core.identity.sessions import current_principal
from core.partnerships.models import Agreement, AgreementParty, AgreementProgramme
from core.plugins.host import plugin_host
from core.tenancy.context import cross_tenant, reporting_reads
from core.tenancy.models import Tenant, TenantProgramme

bp = Blueprint("national", __name__, url_prefix="/national")


def _agreements(organisation_id: int | None) -> list:
    """(agreement, tenant name, programme key) rows of the organisation's agreements, one query."""
    query = (
        select(Agreement, Tenant.name, AgreementProgramme.programme_key)
        # The page shows each agreement's period and status (its notices); never its parties or
        # programmes, which would otherwise be loaded for every agreement of the country.
        .options(raiseload(Agreement.parties), raiseload(Agreement.programmes))
        .join(Tenant, Tenant.id == Agreement.tenant_id)
        .join(AgreementProgramme, (AgreementProgramme.agreement_id == Agreement.id) & (AgreementProgramme.tenant_id == Agreement.tenant_id))
        .join(
            TenantProgramme,
            (TenantProgramme.tenant_id == Agreement.tenant_id) & (TenantProgramme.programme_key == AgreementProgramme.programme_key),
        )
        .where(Tenant.active.is_(True), Agreement.active.is_(True), Agreement.declared_status != "draft")
        .order_by(Tenant.name, Agreement.key)
    )
    if organisation_id is not None:
        parties = select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == organisation_id)
        query = query.where(Agreement.id.in_(parties))
    return db.session.execute(query).all()


def _year(today_year: int) -> int:
    """The year asked for (``?year=``, default this year): every national report counts that year only."""
    value = request.args.get("year", "").strip()
    if not value:
        return today_year
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        abort(400, description=_("The year must be a whole number between 2000 and 2100."))
    return int(value)


@bp.get("/")
def index():
    from core.calendar import copenhagen_today

    year = _year(copenhagen_today().year)
    principal = current_principal()
    host = plugin_host()
    installed = host.programmes()
    # Read from the reporting replica where one is configured (REPORTING_DATABASE_URL).
    with cross_tenant("national view: the organisation's agreements"), reporting_reads():
        rows = _agreements(None if principal.is_platform_admin else (principal.organisation_id or -1))
    tenants_by_programme: dict[str, list[tuple[int, str]]] = {}
    names: dict[int, str] = {}
    agreements: dict[int, tuple] = {}
    for agreement, tenant_name, key in rows:
        if key not in installed:
            continue
        tenants_by_programme.setdefault(key, []).append((agreement.tenant_id, tenant_name))
        names[agreement.tenant_id] = tenant_name
        agreements.setdefault(agreement.id, (agreement, tenant_name, []))[2].append(installed[key])
    programmes = {key: installed[key] for key in sorted(tenants_by_programme)}
    reports = []
    for programme, definitions in host.call_each("samvirke_reports", enabled=list(programmes)):
        for report in definitions:
            if report.build_national is None:
                continue
            with cross_tenant(f"national report {report.key}"), reporting_reads():
                result = report.build_national({"year": str(year)})
            enabled = {tid for tid, _ in tenants_by_programme.get(programme.key, [])}
            reports.append((report, result, enabled))
    today = copenhagen_today()
    return render_template(
        "national/index.html",
        programmes=programmes,
        tenants_by_programme=tenants_by_programme,
        reports=reports,
        tenant_names=names,
        agreements=list(agreements.values()),
        today=today,
        year=year,
    )
