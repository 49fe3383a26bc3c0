"""The national view's page, its background exports, and its files: ``/national/...``.

National coordinators (and platform administrators) only, by the
authorization matrix (``config/authorization.toml``). What a person sees
follows their organisation's agreements (``core.national.scope``); every
count is under disclosure control, on the page and in every file, whoever
asks: a national coordinator never sees a person, so no route here shows
one, and none of a tenant's pages admits the role.

Files are ordered on the page ("Bestil fil"): ``POST /national/exports``
records a platform export (``core.reports.exports``, owner: the person) and
queues its job; ``/national/exports/<id>`` follows it with a progress bar and
then offers the file, which only its owner reaches (anyone else gets 404, as
for one that does not exist; on PostgreSQL row-level security agrees).
``/national/download?format=...`` still makes a file in the request, the
same one, for scripts and the benchmark (``bench/national.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext

from core.audit import record
from core.identity.sessions import current_principal
from core.national import exports as national
from core.national.report import KEY, NationalReport
from core.national.scope import Coverage
from core.reports import exports as files
from core.reports.charts import data_uri
from core.reports.params import BadParameters, year_choices
from core.reports.views import (
    ExportPages,
    export_download,
    export_owner,
    export_page,
    export_status,
    exports_page,
    format_labels,
    retention_days,
    status_labels,
)
from core.schemas import N_

bp = Blueprint("national", __name__, url_prefix="/national")
FORMATS = ("csv", "xlsx", "pdf", "html")
PAGES = ExportPages(
    "national.exports",
    "national.export_status",
    "national.export_status_json",
    "national.export_download",
    "national.index",
    N_("National overview"),
)


def _bad_request(exc: BadParameters) -> Any:
    from werkzeug.exceptions import BadRequest

    messages = [str(m) for v in exc.messages.values() for m in (v if isinstance(v, list) else [v])]
    refused = BadRequest(description=" ".join(messages))
    refused.data = {"errors": {"query": exc.messages}}  # type: ignore[attr-defined]  # read by core.web.errors
    raise refused


def _prepare(raw: dict[str, str]) -> tuple[NationalReport, Coverage, dict[str, Any], dict[str, Any]]:
    principal = current_principal()
    if principal is None:
        abort(401)
    try:
        return national.prepare(raw, national.organisation_of(national.coverage_of(principal)))
    except BadParameters as exc:
        _bad_request(exc)
        raise


def _carried(params: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items() if v is not None}


def _title(export: Any, names: dict[str, Any]) -> str:
    """ "Landsoversigt 2025 (Ny mor i Danmark, Ishøj Kommune)": the year and the filters chosen, never a key."""
    from core.tenancy.directory import tenant_by_slug

    params = export.params or {}
    chosen = []
    if params.get("programme"):
        chosen.append(str(getattr(names.get(params["programme"]), "name", "")) or gettext("one programme"))
    if params.get("municipality"):
        tenant = tenant_by_slug(params["municipality"])
        chosen.append(tenant.name if tenant is not None else gettext("one municipality"))
    title = gettext("National overview %(year)s", year=params.get("year", ""))
    return f"{title}: {', '.join(chosen)}" if chosen else title


def _mine() -> list[tuple[Any, str]]:
    from core.plugins.host import plugin_host

    owner = export_owner()
    names = plugin_host().programmes()
    return [(e, _title(e, names)) for e in files.owned_exports(owner, None)] if owner is not None else []


@bp.get("/")
def index():
    from core.calendar import copenhagen_today

    report, covered, params, names = _prepare(request.args.to_dict())
    rendered = national.rendered(report, params)
    years = sorted({*year_choices(), params["year"]}, reverse=True)
    labels = format_labels()
    return render_template(
        "national/index.html",
        rendered=rendered,
        params=params,
        years=years,
        programmes=names,
        municipalities=sorted(covered.municipalities.values(), key=lambda m: m.name),
        agreements=[a for a in report.coverage.agreements if report.shown(a[1].id)],
        formats=[(f, labels[f]) for f in ("xlsx", "pdf", "csv", "html")],
        carried=sorted(_carried(params).items()),
        exports=_mine(),
        pages=PAGES,
        status_labels=status_labels(),
        format_labels=labels,
        retention_days=retention_days(),
        chart_uri=data_uri,
        today=copenhagen_today(),
    )


@bp.post("/exports")
def start_export():
    fmt = request.form.get("format", "")
    if fmt not in FORMATS:
        abort(400, description=gettext("Choose one of the file formats."))
    owner = export_owner()
    principal = current_principal()
    if owner is None or principal is None:
        abort(403)
    raw = {k: v for k, v in request.form.items() if k not in ("csrf_token", "format")}
    _report, _covered, params, _names = _prepare(raw)  # refused before anything is written
    export_id = files.start_export(
        KEY,
        None,
        _carried(params),
        fmt,
        owner_user_id=owner,
        locale=str(get_locale() or "da"),
        disclose=True,
        coverage=national.coverage_of(principal),
    )
    return redirect(url_for("national.export_status", export_id=export_id), code=303)


@bp.get("/exports")
def exports():
    return exports_page(_mine(), PAGES)


def _own(export_id: int) -> Any:
    export = files.owned_export(export_id, export_owner(), None)
    if export is None:
        abort(404)
    return export


@bp.get("/exports/<int:export_id>", endpoint="export_status")
def export_status_page(export_id: int):
    from core.plugins.host import plugin_host

    export = _own(export_id)
    return export_page(export, _title(export, plugin_host().programmes()), PAGES)


@bp.get("/exports/<int:export_id>/status")
def export_status_json(export_id: int):
    return export_status(_own(export_id))


@bp.get("/exports/<int:export_id>/download", endpoint="export_download")
def export_download_file(export_id: int):
    return export_download(_own(export_id))


@bp.get("/download")
def download():
    """The same file made in the request (scripts, the benchmark); the page orders files as background exports."""
    fmt = request.args.get("format", "")
    if fmt not in FORMATS:
        abort(400, description=gettext("Choose one of the file formats."))
    report, _covered, params, _names = _prepare(request.args.to_dict())
    content = files.render(national.rendered(report, params), fmt)
    record("export", criterion=national.criterion(params, fmt))
    name = national.file_name(params, fmt)
    return Response(content, mimetype=files.MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})
