"""Report exports as background jobs: started by a person, followed on a page, downloaded by them only.

``start_export`` checks the parameters first (bad ones are a 400 and nothing
is written), then records the export and queues ``core.report_export`` in
the same transaction. The job (RQ in production, in-process in the embedded
default) computes and renders the report in the owner's language, keeping
its progress on the row as it goes, and stores the file in the row. A
finished export is kept ``REPORT_EXPORT_RETENTION`` (default 7 days), then
``core.purge_report_exports`` deletes it; an expired one is never served,
purged or not. Safe to run twice: a finished export is left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select

from core.db import db
from core.reports.models import ReportExport
from core.schemas import N_
from core.tenancy.models import Tenant, utcnow

log = logging.getLogger(__name__)
EXPORT_JOB = "core.report_export"
PURGE_JOB = "core.purge_report_exports"
DEFAULT_RETENTION = timedelta(days=7)
FAILED = N_("The export could not be made. Try again, or ask the platform's administrators.")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html",
}


def retention() -> timedelta:
    value = current_app.config.get("REPORT_EXPORT_RETENTION", DEFAULT_RETENTION)
    return value if isinstance(value, timedelta) else timedelta(hours=float(value))


def filename(report_key: str, tenant_slug: str, params: Mapping[str, Any], fmt: str) -> str:
    """``open_counselling.annual-fredericia-2025.pdf``: what, where, which year."""
    year = params.get("year")
    stem = "-".join(str(p) for p in (report_key, tenant_slug, year) if p not in (None, ""))
    return f"{stem}.{fmt}"


def render(rendered: Any, fmt: str) -> bytes:
    from core.reports import render_csv, render_html, render_pdf, render_xlsx

    if fmt == "csv":
        return render_csv.render_csv(rendered)
    if fmt == "xlsx":
        return render_xlsx.render_xlsx(rendered)
    if fmt == "pdf":
        return render_pdf.render_pdf(rendered)
    if fmt == "html":
        return render_html.render_document(rendered).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")


def start_export(report_key: str, tenant_id: int, params: Mapping[str, Any], fmt: str, *, owner_user_id: int, locale: str, disclose: bool):
    """Record the export and queue its job (one transaction); returns the export's id."""
    from core.jobs.runner import enqueue

    now = utcnow()
    export = ReportExport(
        owner_user_id=owner_user_id,
        report_key=report_key,
        format=fmt,
        params=_as_text(params),
        locale=locale,
        disclose=disclose,
        status="queued",
        progress=0,
        created_at=now,
        expires_at=now + retention(),
    )
    db.session.add(export)
    db.session.flush()
    export_id = export.id
    enqueue(EXPORT_JOB, tenant_id, export_id=export_id)  # commits the export with the job's record
    return export_id


def _as_text(params: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items() if v is not None}


def _progress(export: ReportExport):
    def update(percent: int) -> None:
        # Its own commit: the person's page reads it while the job runs. Only the export's
        # own state is written, so a job that fails later leaves nothing half-done elsewhere.
        export.progress = max(export.progress or 0, min(99, percent))
        db.session.commit()

    return update


def run_export(tenant_id: int, export_id: int) -> None:
    """The job: compute, protect, render and store one export (in the tenant's context)."""
    from core.reports.engine import build
    from core.reports.params import load_parameters
    from core.reports.registry import find_report

    export = db.session.get(ReportExport, export_id)
    if export is None or export.status == "done":
        return  # purged meanwhile, or delivered twice: nothing to do
    export.status, export.progress = "running", 1
    db.session.commit()
    tenant = db.session.get_one(Tenant, tenant_id)
    try:
        with force_locale(export.locale):
            found = find_report(export.report_key, tenant.enabled_programmes)
            if found is None:
                raise LookupError(f"report {export.report_key} is not offered in tenant {tenant_id}")
            _, report = found
            params = load_parameters(report, export.params or {})
            rendered = build(report, params, disclose=export.disclose, tenant_name=tenant.name, progress=_progress(export))
            content = render(rendered, export.format)
    except Exception:
        db.session.rollback()
        export = db.session.get_one(ReportExport, export_id)
        export.status, export.error, export.finished_at = "failed", FAILED, utcnow()
        db.session.commit()
        raise  # the job run records the error for the administrators
    now = utcnow()
    export.content, export.size = content, len(content)
    export.filename = filename(export.report_key, tenant.slug, export.params or {}, export.format)
    export.mimetype = MIMETYPES[export.format]
    export.status, export.progress, export.error = "done", 100, None
    export.finished_at, export.expires_at = now, now + retention()
    db.session.commit()  # before the audit row, written on a connection of its own
    from core.audit import record

    # The job acts for the person who asked: the export is recorded in her name.
    record("export", criterion=f"report {export.report_key} ({export.format})", actor=f"user:{export.owner_user_id}", tenant_id=tenant_id)


def purge_expired_exports(tenant_id: int, now: datetime | None = None) -> int:
    """Delete this tenant's exports past their expiry (files included). Safe to run twice."""
    result = db.session.execute(
        delete(ReportExport).where(ReportExport.tenant_id == tenant_id, ReportExport.expires_at < (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def owned_exports(owner_user_id: int, limit: int = 50) -> list[ReportExport]:
    """The person's exports in the tenant in context, newest first, not yet expired (no file loaded)."""
    return list(
        db.session.scalars(
            select(ReportExport)
            .where(ReportExport.owner_user_id == owner_user_id, ReportExport.expires_at >= utcnow())
            .order_by(ReportExport.created_at.desc(), ReportExport.id.desc())
            .limit(limit)
        )
    )


def owned_export(export_id: int, owner_user_id: int | None) -> ReportExport | None:
    """One export of the person in the tenant in context; None for anyone else's, a missing or an expired one."""
    if owner_user_id is None:
        return None
    return db.session.scalar(
        select(ReportExport).where(
            ReportExport.id == export_id, ReportExport.owner_user_id == owner_user_id, ReportExport.expires_at >= utcnow()
        )
    )
