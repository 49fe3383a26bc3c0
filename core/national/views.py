"""The national view's page and files: ``/national/`` and ``/national/download?format=...``.

National coordinators (and platform administrators) only, by the
authorization matrix (``config/authorization.toml``). What a person sees
follows their organisation's agreements (``core.national.scope``); every
count is under disclosure control, on the page and in every file, whoever
asks: a national coordinator never sees a person, so no route here shows
one, and none of a tenant's pages admits the role.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext

from core.audit import record
from core.identity.sessions import current_principal
from core.national.params import load
from core.national.report import MEASURES, NationalReport
from core.national.scope import Coverage, coverage
from core.plugins.host import plugin_host
from core.reports import exports as files
from core.reports.charts import data_uri
from core.reports.engine import RenderedReport, build
from core.reports.params import BadParameters, year_choices
from core.tenancy.context import cross_tenant, reporting_reads

bp = Blueprint("national", __name__, url_prefix="/national")
FORMATS = ("csv", "xlsx", "pdf", "html")


def _bad_request(exc: BadParameters) -> Any:
    from werkzeug.exceptions import BadRequest

    messages = [str(m) for v in exc.messages.values() for m in (v if isinstance(v, list) else [v])]
    refused = BadRequest(description=" ".join(messages))
    refused.data = {"errors": {"query": exc.messages}}  # type: ignore[attr-defined]  # read by core.web.errors
    raise refused


def _legacy(programmes: list[str]) -> dict[str, list[Any]]:
    """Old national reports of programmes without figures of their own here (``build_national``)."""
    found: dict[str, list[Any]] = {}
    for programme, values in plugin_host().call_each("samvirke_reports", enabled=programmes):
        if programme is None or programme.key in MEASURES:
            continue
        kept = [v for v in values if getattr(v, "build_national", None) is not None]
        if kept:
            found[programme.key] = kept
    return found


def _prepare() -> tuple[NationalReport, Coverage, dict[str, Any], dict[str, Any]]:
    principal = current_principal()
    if principal is None:
        abort(401)
    installed = plugin_host().programmes()
    # Read from the reporting replica where one is configured (REPORTING_DATABASE_URL).
    with cross_tenant("national view: the organisation's agreements"), reporting_reads():
        covered = coverage(None if principal.is_platform_admin else (principal.organisation_id or -1), installed)
    legacy = _legacy(covered.programmes)
    shown = [p for p in covered.programmes if p in MEASURES or p in legacy]
    try:
        params = load(request.args.to_dict(), shown, sorted(m.slug for m in covered.municipalities.values()))
    except BadParameters as exc:
        _bad_request(exc)
        raise
    municipality = covered.by_slug(params["municipality"]) if params["municipality"] else None
    # Disclosure control sees every municipality covered (the canonical table set); the filter only shows one.
    chosen = covered.restricted([params["programme"]] if params["programme"] else shown, None)
    names = {key: installed[key] for key in shown}
    national = NationalReport(
        chosen, names, {k: v for k, v in legacy.items() if k in chosen.periods}, municipality=municipality.id if municipality else None
    )
    return national, covered, params, names


def _build(national: NationalReport, params: dict[str, Any]) -> RenderedReport:
    where = (
        national.coverage.municipalities[national.municipality].name
        if national.municipality is not None
        else gettext("All your municipalities (%(count)s)", count=len(national.coverage.municipalities))
    )
    with cross_tenant("national view: key figures per municipality and year"), reporting_reads():
        return build(national.report(params["year"]), params, disclose=True, tenant_name=where)


def _carried(params: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items() if v is not None}


def _download_url(fmt: str, carried: dict[str, str]) -> str:
    return url_for("national.download", **{"format": fmt, **carried})  # type: ignore[arg-type]


@bp.get("/")
def index():
    from core.calendar import copenhagen_today

    national, covered, params, names = _prepare()
    rendered = _build(national, params)
    carried = _carried(params)
    years = sorted({*year_choices(), params["year"]}, reverse=True)
    labels = {
        "csv": gettext("Download as CSV"),
        "xlsx": gettext("Download as Excel"),
        "pdf": gettext("Download as PDF"),
        "html": gettext("Download as HTML"),
    }
    return render_template(
        "national/index.html",
        rendered=rendered,
        params=params,
        years=years,
        programmes=names,
        municipalities=sorted(covered.municipalities.values(), key=lambda m: m.name),
        agreements=[a for a in national.coverage.agreements if national.shown(a[1].id)],
        downloads=[(labels[f], _download_url(f, carried)) for f in FORMATS],
        chart_uri=data_uri,
        today=copenhagen_today(),
    )


@bp.get("/download")
def download():
    fmt = request.args.get("format", "")
    if fmt not in FORMATS:
        abort(400, description=gettext("Choose one of the file formats."))
    national, _covered, params, _names = _prepare()
    rendered = _build(national, params)
    content = files.render(rendered, fmt)
    record("export", criterion=f"report national ({fmt}, {params['year']})")
    name = "-".join(str(p) for p in ("national", params.get("programme"), params.get("municipality"), params["year"]) if p) + f".{fmt}"
    return Response(content, mimetype=files.MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})
