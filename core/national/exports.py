"""What the national view's page, its files and its background exports are built from.

``prepare`` loads the filters and the person's coverage (their organisation's
agreements, or every agreement for a platform administrator) and returns the
``NationalReport``; ``rendered`` builds it under disclosure control. The page,
the files made in the request and the export job (``made``, named in
``core.reports.exports.PLATFORM_REPORTS``) all go through these two, so a file
made in the background holds the same figures with the same cells hidden as
the page and the file made at once.

The job runs without a session, so the export records what the person
covered when they asked (``coverage_of``: ``organisation:<id>`` or ``all``);
the agreements themselves are read when the job runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext

from core.national.params import load
from core.national.report import MEASURES, NationalReport
from core.national.scope import Coverage, coverage
from core.plugins.host import plugin_host
from core.reports.engine import RenderedReport, build
from core.tenancy.context import cross_tenant, reporting_reads

ALL = "all"
NOBODY = "organisation:-1"  # a coordinator acting for no organisation covers no agreement


def coverage_of(principal: Any) -> str:
    """What a person covers, as an export records it."""
    if principal.is_platform_admin:
        return ALL
    return f"organisation:{principal.organisation_id}" if principal.organisation_id else NOBODY


def organisation_of(recorded: str) -> int | None:
    """The organisation an export's coverage names; None for every agreement (``all``). Anything else is refused."""
    if recorded == ALL:
        return None
    kind, _, value = recorded.partition(":")
    if kind != "organisation" or not value.lstrip("-").isdigit():
        raise ValueError(f"not a coverage: {recorded!r}")
    return int(value)


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


def prepare(raw: Mapping[str, str], organisation_id: int | None) -> tuple[NationalReport, Coverage, dict[str, Any], dict[str, Any]]:
    """The report for these filters and this coverage (``organisation_id`` None: every agreement).

    Raises ``BadParameters`` for a filter that does not load (a Danish 400 in a request).
    """
    installed = plugin_host().programmes()
    # Read from the reporting replica where one is configured (REPORTING_DATABASE_URL).
    with cross_tenant("national view: the organisation's agreements"), reporting_reads():
        covered = coverage(organisation_id, installed)
    legacy = _legacy(covered.programmes)
    shown = [p for p in covered.programmes if p in MEASURES or p in legacy]
    params = load(dict(raw), shown, sorted(m.slug for m in covered.municipalities.values()))
    municipality = covered.by_slug(params["municipality"]) if params["municipality"] else None
    # Disclosure control sees every municipality covered (the canonical table set); the filter only shows one.
    chosen = covered.restricted([params["programme"]] if params["programme"] else shown, None)
    names = {key: installed[key] for key in shown}
    national = NationalReport(
        chosen, names, {k: v for k, v in legacy.items() if k in chosen.periods}, municipality=municipality.id if municipality else None
    )
    return national, covered, params, names


def rendered(national: NationalReport, params: dict[str, Any], progress: Callable[[int], None] | None = None) -> RenderedReport:
    """Computed, protected and put into words: what the page shows and every file lays out."""
    where = (
        national.coverage.municipalities[national.municipality].name
        if national.municipality is not None
        else gettext("All your municipalities (%(count)s)", count=len(national.coverage.municipalities))
    )
    with cross_tenant("national view: key figures per municipality and year"), reporting_reads():
        return build(national.report(params["year"]), params, disclose=True, tenant_name=where, progress=progress)


def file_name(params: Mapping[str, Any], fmt: str) -> str:
    """``national-mother_groups-ishoj-2025.pdf``: what, which programme and municipality if chosen, which year."""
    return "-".join(str(p) for p in ("national", params.get("programme"), params.get("municipality"), params["year"]) if p) + f".{fmt}"


def criterion(params: Mapping[str, Any], fmt: str) -> str:
    """What the audit trail records: ``report national (pdf, 2025)``, with the programme and municipality if chosen."""
    chosen = [str(params[k]) for k in ("programme", "municipality") if params.get(k)]
    return f"report national ({', '.join([fmt, str(params['year']), *chosen])})"


def made(export: Any, progress: Callable[[int], None]) -> Any:
    """The export job's file (``core.reports.exports.run_export``, inside ``cross_tenant()``): as the request makes it."""
    from core.reports.exports import Made, render

    national, _covered, params, _names = prepare(export.params or {}, organisation_of(export.coverage))
    progress(5)
    report = rendered(national, params, progress)
    progress(85)
    content = render(report, export.format)
    return Made(content, file_name(params, export.format), criterion(params, export.format))
