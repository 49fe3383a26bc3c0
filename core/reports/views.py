"""A tenant's reports: the list, one report as a page with charts, its files, and background exports.

Reports come from ``samvirke_reports`` of the programmes the person may see
in the tenant (``programmes_for_request``), and the annual report of each
agreement they may see (``core.reports.annual``), so a report of a disabled
programme, or of one the person's organisation is not party to, is a 404
like an unknown one. Views run in the request's tenant context (the ORM
filters to it); a report aggregates, so no person is viewed here, and every
file made is recorded in the audit trail. Every count reaches the page under
disclosure control, except for the running organisation's own staff
(``core.reports.registry``); every file, for everyone.

A background export belongs to the person who started it: anyone else,
another tenant's people included, gets 404 for it, as for one that does not
exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from marshmallow import missing

from core.audit import record
from core.identity.sessions import current_principal
from core.partnerships.access import programmes_for_request
from core.reports import exports as jobs
from core.reports.charts import data_uri
from core.reports.definitions import Report
from core.reports.engine import RenderedReport, build
from core.reports.params import BadParameters, load_parameters, years_for
from core.reports.registry import find_report, reports_for, under_disclosure_control
from core.schemas import N_
from core.tenancy.context import require_tenant_id

bp = Blueprint("reports", __name__)

FILE_FORMATS = ("csv", "xlsx", "pdf")


def format_labels() -> dict[str, str]:
    return {"csv": gettext("CSV (Excel, semicolon)"), "xlsx": gettext("Excel workbook"), "pdf": "PDF", "html": "HTML"}


def status_labels() -> dict[str, str]:
    return {"queued": gettext("Waiting"), "running": gettext("Being made"), "done": gettext("Ready"), "failed": gettext("Failed")}


def _find(key: str) -> Report:
    found = find_report(key, programmes_for_request())
    if found is None:
        abort(404)
    return found[1]


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


def _bad_request(exc: BadParameters) -> Any:
    """A Danish 400 naming what is wrong with the parameters (the error page shows the description)."""
    from werkzeug.exceptions import BadRequest

    refused = BadRequest(description=" ".join(_messages(exc.messages)) or gettext("The report's parameters are not valid."))
    refused.data = {"errors": {"query": exc.messages}}  # type: ignore[attr-defined]  # read by core.web.errors
    raise refused


def _params(report: Report, raw: dict[str, str]) -> dict[str, Any]:
    try:
        return load_parameters(report, raw)
    except BadParameters as exc:
        _bad_request(exc)
        raise  # not reached: _bad_request raises


def _build(report: Report, params: dict[str, Any], *, export: bool) -> RenderedReport:
    try:
        return build(report, params, disclose=under_disclosure_control(current_principal(), export=export), tenant_name=g.tenant.name)
    except BadParameters as exc:
        _bad_request(exc)
        raise


def _carried(params: dict[str, Any]) -> dict[str, str]:
    """The parameters a link or form carries on, as loaded."""
    return {k: str(v) for k, v in params.items() if v is not None}


def _filters(report: Report, params: dict[str, Any]) -> list:
    from core.web.forms import form_fields

    schema = report.parameters()
    choices = {"year": [(y, str(y)) for y in years_for(report)]} if "year" in schema.load_fields else {}
    fields = form_fields(schema, {k: "" if v is None else str(v) for k, v in params.items()}, choices=choices)
    for f in fields:
        # A parameter with a default always has a value (the default is chosen): not "optional".
        f.required = f.required or schema.load_fields[f.name].load_default is not missing
    return fields


@bp.get("/<tenant>/reports/")
def index():
    from core.reports.annual import is_document

    offered = reports_for(programmes_for_request())
    return render_template(
        "reports/index.html",
        annual=[report for _, report in offered if is_document(report.key)],
        reports=[(programme, report) for programme, report in offered if not is_document(report.key)],
    )


@bp.get("/<tenant>/reports/<key>")
def report(key: str):
    definition = _find(key)
    params = _params(definition, request.args.to_dict())  # first value of each, all text
    rendered = None if definition.long_running else _build(definition, params, export=False)
    carried: dict[str, Any] = _carried(params)  # url_for takes them as query values
    downloads = []
    if not definition.long_running:
        downloads = [
            ("csv", gettext("Download as CSV"), url_for("reports.export", key=key, **carried)),
            ("xlsx", gettext("Download as Excel"), url_for("reports.export_xlsx", key=key, **carried)),
            ("pdf", gettext("Download as PDF"), url_for("reports.export_pdf", key=key, **carried)),
        ]
    labels = format_labels()
    return render_template(
        "reports/report.html",
        key=key,
        title=rendered.title if rendered else str(definition.title),
        rendered=rendered,
        filters=_filters(definition, params),
        downloads=downloads,
        carried=sorted(carried.items()),
        formats=[(f, labels[f]) for f in ("xlsx", "pdf", "csv", "html")],
        chart_uri=data_uri,
    )


def _file(key: str, fmt: str) -> Response:
    definition = _find(key)
    if definition.long_running:
        abort(404)  # made as a background export only
    params = _params(definition, request.args.to_dict())
    rendered = _build(definition, params, export=True)
    content = jobs.render(rendered, fmt)
    record("export", criterion=f"report {key}" if fmt == "csv" else f"report {key} ({fmt})")
    name = jobs.filename(key, g.tenant.slug, params, fmt)
    return Response(content, mimetype=jobs.MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/<tenant>/reports/<key>.csv")
def export(key: str):
    return _file(key, "csv")


@bp.get("/<tenant>/reports/<key>.xlsx")
def export_xlsx(key: str):
    return _file(key, "xlsx")


@bp.get("/<tenant>/reports/<key>.pdf")
def export_pdf(key: str):
    return _file(key, "pdf")


# --- Background exports --------------------------------------------------------------------------
# The pages of one mechanism with two owners: a tenant's reports here, the national view's in
# core.national.views, each with its own endpoints (``ExportPages``) and the same templates.


@dataclass(frozen=True)
class ExportPages:
    """The endpoints of one owner's export pages, for the templates' links."""

    listing: str
    status: str
    status_json: str
    download: str
    back: str
    back_label: Any


TENANT_PAGES = ExportPages(
    "reports.exports", "reports.export_status", "reports.export_status_json", "reports.download", "reports.index", N_("All reports")
)


def export_owner() -> int | None:
    """The person an export is made for: a signed-in person, never an API client."""
    principal = current_principal()
    return principal.user_id if principal is not None and principal.api_client_id is None else None


def retention_days() -> int:
    return max(1, round(jobs.retention().total_seconds() / 86400))


def exports_page(exports: list[tuple[Any, str]], pages: ExportPages) -> str:
    """The person's exports (each with its title), newest first."""
    return render_template(
        "reports/exports.html",
        exports=exports,
        pages=pages,
        format_labels=format_labels(),
        status_labels=status_labels(),
        retention_days=retention_days(),
    )


def export_page(export: Any, title: str, pages: ExportPages) -> str:
    """One export: its progress bar (followed by core/static/js/report-export.js), then its download link."""
    return render_template(
        "reports/export.html", export=export, title=title, pages=pages, status_labels=status_labels(), failed_text=jobs.FAILED
    )


def export_status(export: Any) -> Response:
    """What the progress bar follows, as JSON."""
    texts = {
        "done": gettext("The file is ready."),
        "failed": gettext(export.error or jobs.FAILED),
    }
    return jsonify(
        status=export.status,
        progress=export.progress,
        text=texts.get(export.status, f"{status_labels()[export.status]} ({export.progress} %)"),
        download_text=gettext("Download %(name)s", name=export.filename or ""),
    )


def export_download(export: Any) -> Response:
    """The finished file, recorded in the audit trail as the person's; 404 while it is not ready."""
    if export.status != "done" or export.content is None:
        abort(404)
    record("export", criterion=f"report {export.report_key} ({export.format}, download)")
    return Response(
        export.content,
        mimetype=export.mimetype or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"', "Cache-Control": "private, no-store"},
    )


@bp.post("/<tenant>/reports/<key>/exports")
def start_export(key: str):
    definition = _find(key)
    fmt = request.form.get("format", "")
    if fmt not in jobs.MIMETYPES:
        abort(400, description=gettext("Choose one of the file formats."))
    owner = export_owner()
    if owner is None:
        abort(403)
    raw = {k: v for k, v in request.form.items() if k not in ("csrf_token", "format")}
    params = _params(definition, raw)  # refused before anything is written
    export_id = jobs.start_export(
        key,
        require_tenant_id(),
        _carried(params),
        fmt,
        owner_user_id=owner,
        locale=str(get_locale() or "da"),
        disclose=True,  # every file is under disclosure control, whoever asks
    )
    return redirect(url_for("reports.export_status", export_id=export_id), code=303)


def _titles() -> dict[str, str]:
    return {r.key: str(r.title) for _, r in reports_for(programmes_for_request())}


@bp.get("/<tenant>/reports/exports")
def exports():
    titles = _titles()
    owner = export_owner()
    mine = jobs.owned_exports(owner, require_tenant_id()) if owner is not None else []
    return exports_page([(e, titles.get(e.report_key, e.report_key)) for e in mine], TENANT_PAGES)


def _own(export_id: int):
    export = jobs.owned_export(export_id, export_owner(), require_tenant_id())
    if export is None:
        abort(404)
    return export


@bp.get("/<tenant>/reports/exports/<int:export_id>", endpoint="export_status")
def export_status_page(export_id: int):
    export = _own(export_id)
    return export_page(export, _titles().get(export.report_key, export.report_key), TENANT_PAGES)


@bp.get("/<tenant>/reports/exports/<int:export_id>/status")
def export_status_json(export_id: int):
    return export_status(_own(export_id))


@bp.get("/<tenant>/reports/exports/<int:export_id>/download")
def download(export_id: int):
    return export_download(_own(export_id))
