"""A tenant's reports: the list, one report as an HTML table, and its CSV export.

Reports come from ``samvirke_reports`` of the programmes the tenant has
enabled only, so a report of a disabled programme is a 404 like an unknown
one. Views run in the request's tenant context (the ORM filters to it); the
report's ``build`` aggregates, so no person is viewed here, but an export is
recorded in the audit trail.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, g, render_template, request, url_for

from core.audit import record
from core.csvsafe import safe_row
from core.partnerships.access import programmes_for_request
from core.plugins.host import plugin_host
from core.plugins.types import Programme, ReportDefinition, ReportResult

bp = Blueprint("reports", __name__)


def _available() -> list[tuple[Programme | None, ReportDefinition]]:
    return [
        (programme, report)
        for programme, reports in plugin_host().call_each("samvirke_reports", enabled=programmes_for_request())
        for report in reports
    ]


def _find(key: str) -> ReportDefinition:
    for _, report in _available():
        if report.key == key:
            return report
    abort(404)


def _build(report: ReportDefinition) -> tuple[dict[str, str], ReportResult]:
    params = request.args.to_dict()  # first value of each, all strings
    try:
        return params, report.build(params)
    except ValueError:
        # A report refuses a malformed parameter (e.g. course_id=abc) with ValueError.
        abort(400)


@bp.get("/<tenant>/reports/")
def index():
    return render_template("reports/index.html", reports=_available())


@bp.get("/<tenant>/reports/<key>")
def report(key: str):
    definition = _find(key)
    params, result = _build(definition)
    # The export link carries the same filters; names url_for would read as
    # its own (tenant, key, _external, ...) are not filters and are dropped.
    carried = {k: v for k, v in params.items() if k not in ("tenant", "key") and not k.startswith("_")}
    export_url = url_for("reports.export", key=key, **carried)
    return render_template("reports/report.html", report=definition, result=result, export_url=export_url)


@bp.get("/<tenant>/reports/<key>.csv")
def export(key: str):
    definition = _find(key)
    _, result = _build(definition)
    record("export", criterion=f"report {key}")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(result.columns)
    writer.writerows(safe_row(row) for row in result.rows)  # no cell becomes a formula (core/csvsafe.py)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{key}-{g.tenant.slug}.csv"'},
    )
