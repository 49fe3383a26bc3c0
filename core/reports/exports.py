"""Report exports as background jobs: started by a person, followed on a page, downloaded by them only.

One mechanism, two owners: a tenant's report (``ReportExport``, in the
tenant's context, job ``core.report_export``) or the platform's national
view (``PlatformExport``, no tenant, job ``core.platform_export``, run by the
job runner inside ``cross_tenant()``). Everything else is the same code:

``start_export`` records the export (its parameters checked before, by the
caller: bad ones are a 400 and nothing is written) and queues its job in the
same transaction. The job (RQ in production, in-process in the embedded
default) computes and renders the report in the owner's language, keeping
its progress on the row as it goes, and stores the file in the row. A
finished export is kept ``REPORT_EXPORT_RETENTION`` (default 7 days), then
the purge job of its owner (``core.purge_report_exports`` per tenant,
``core.purge_platform_exports`` for the platform; the same function) deletes
it; an expired one is never served, purged or not. Safe to run twice: a
finished export is left as it is.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select

from core.db import db
from core.reports.models import ExportRecord, PlatformExport, ReportExport
from core.schemas import N_
from core.tenancy.context import reading_for_reports
from core.tenancy.models import Tenant, utcnow
from core.tenancy.session import REPORTING_BIND

log = logging.getLogger(__name__)
EXPORT_JOB = "core.report_export"
PLATFORM_EXPORT_JOB = "core.platform_export"
PURGE_JOB = "core.purge_report_exports"
PLATFORM_PURGE_JOB = "core.purge_platform_exports"
DEFAULT_RETENTION = timedelta(days=7)
FAILED = N_("The export could not be made. Try again, or ask the platform's administrators.")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html",
}
# The platform's reports a background export can make: key -> "module:function" returning a ``Made``.
# Named, not imported, so the report engine does not import the national view (which imports it).
PLATFORM_REPORTS = {"national": "core.national.exports:made"}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Made:
    """What an export's job made: the file, its name, and what the audit trail calls it."""

    content: bytes
    filename: str
    criterion: str


def retention() -> timedelta:
    value = current_app.config.get("REPORT_EXPORT_RETENTION", DEFAULT_RETENTION)
    return value if isinstance(value, timedelta) else timedelta(hours=float(value))


def model_for(tenant_id: int | None) -> type[ExportRecord]:
    """A tenant's exports, or the platform's (``None``)."""
    return PlatformExport if tenant_id is None else ReportExport


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


def start_export(
    report_key: str,
    tenant_id: int | None,
    params: Mapping[str, Any],
    fmt: str,
    *,
    owner_user_id: int,
    locale: str,
    disclose: bool,
    coverage: str | None = None,
) -> int:
    """Record the export and queue its job (one transaction); returns the export's id.

    ``tenant_id`` None: a platform export (``report_key`` one of ``PLATFORM_REPORTS``), which
    needs the ``coverage`` the person had when asking (the job has no session to read it from).
    """
    from core.jobs.runner import enqueue

    if fmt not in MIMETYPES:
        raise ValueError(f"unknown format {fmt!r}")
    now = utcnow()
    fields: dict[str, Any] = dict(
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
    export: ExportRecord
    if tenant_id is None:
        if report_key not in PLATFORM_REPORTS or not coverage:
            raise ValueError(f"{report_key!r} is not a platform report, or no coverage was given")
        export = PlatformExport(coverage=coverage, **fields)
    else:
        export = ReportExport(**fields)
    db.session.add(export)
    db.session.flush()
    export_id = export.id
    # Commits the export with the job's record.
    enqueue(EXPORT_JOB if tenant_id is not None else PLATFORM_EXPORT_JOB, tenant_id, export_id=export_id)
    return export_id


def _as_text(params: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items() if v is not None}


def _progress(export: ExportRecord) -> Progress:
    def update(percent: int) -> None:
        export.progress = max(export.progress or 0, min(99, percent))
        if reading_for_reports() and REPORTING_BIND in db.engines:
            return  # statements go to the reporting replica, where nothing may be written: shown at the next step
        # Its own commit: the person's page reads it while the job runs. Only the export's
        # own state is written, so a job that fails later leaves nothing half-done elsewhere.
        db.session.commit()

    return update


def _tenant_report(tenant_id: int, export: ReportExport, progress: Progress) -> Made:
    """A tenant's report, in the tenant's context."""
    from core.reports.engine import build
    from core.reports.params import load_parameters
    from core.reports.registry import find_report

    tenant = db.session.get_one(Tenant, tenant_id)
    found = find_report(export.report_key, tenant.enabled_programmes)
    if found is None:
        raise LookupError(f"report {export.report_key} is not offered in tenant {tenant_id}")
    _, report = found
    params = load_parameters(report, export.params or {})
    rendered = build(report, params, disclose=export.disclose, tenant_name=tenant.name, progress=progress)
    return Made(
        render(rendered, export.format),
        filename(export.report_key, tenant.slug, export.params or {}, export.format),
        f"report {export.report_key} ({export.format})",
    )


def _platform_report(export: PlatformExport, progress: Progress) -> Made:
    """One of the platform's reports (the national view), by the function ``PLATFORM_REPORTS`` names."""
    target = PLATFORM_REPORTS.get(export.report_key)
    if target is None:
        raise LookupError(f"report {export.report_key} is not a platform report")
    module, name = target.split(":")
    maker: Callable[[PlatformExport, Progress], Made] = getattr(importlib.import_module(module), name)
    return maker(export, progress)


def run_export(tenant_id: int | None, export_id: int) -> None:
    """The job: compute, protect, render and store one export (in the tenant's context, or the platform's)."""
    model = model_for(tenant_id)
    export = db.session.get(model, export_id)
    if export is None or export.status == "done":
        return  # purged meanwhile, or delivered twice: nothing to do
    export.status, export.progress = "running", 1
    db.session.commit()
    try:
        with force_locale(export.locale):
            progress = _progress(export)
            made = (
                _platform_report(export, progress)  # type: ignore[arg-type]
                if tenant_id is None
                else _tenant_report(tenant_id, export, progress)  # type: ignore[arg-type]
            )
    except Exception:
        db.session.rollback()
        export = db.session.get_one(model, export_id)
        export.status, export.error, export.finished_at = "failed", FAILED, utcnow()
        db.session.commit()
        raise  # the job run records the error for the administrators
    now = utcnow()
    export.content, export.size, export.filename = made.content, len(made.content), made.filename
    export.mimetype = MIMETYPES[export.format]
    export.status, export.progress, export.error = "done", 100, None
    export.finished_at, export.expires_at = now, now + retention()
    db.session.commit()  # before the audit row, written on a connection of its own
    from core.audit import record

    # The job acts for the person who asked: the export is recorded in her name.
    record("export", criterion=made.criterion, actor=f"user:{export.owner_user_id}", tenant_id=tenant_id)


def purge_expired_exports(tenant_id: int | None, now: datetime | None = None) -> int:
    """Delete this tenant's exports (or, ``None``, the platform's) past their expiry, files included. Safe to run twice."""
    model = model_for(tenant_id)
    query = delete(model).where(model.expires_at < (now or utcnow()))
    if tenant_id is not None:
        query = query.where(ReportExport.tenant_id == tenant_id)
    result = db.session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def owned_exports(owner_user_id: int, tenant_id: int | None, limit: int = 50) -> list[Any]:
    """The person's exports in the tenant in context (or the platform's), newest first, not yet expired (no file loaded)."""
    model = model_for(tenant_id)
    return list(
        db.session.scalars(
            select(model)
            .where(model.owner_user_id == owner_user_id, model.expires_at >= utcnow())
            .order_by(model.created_at.desc(), model.id.desc())
            .limit(limit)
        )
    )


def owned_export(export_id: int, owner_user_id: int | None, tenant_id: int | None) -> Any:
    """One export of the person (in the tenant in context, or the platform's); None for anyone else's, a missing or an expired one."""
    if owner_user_id is None:
        return None
    model = model_for(tenant_id)
    return db.session.scalar(select(model).where(model.id == export_id, model.owner_user_id == owner_user_id, model.expires_at >= utcnow()))
