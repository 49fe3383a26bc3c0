"""One annual report per agreement and year, composed of the sections of the programmes the agreement covers.

An agreement asks its partner for one document a year (Fredericia's open
counselling and local association; Ny mor i Danmark in each municipality).
The document is ``annual.<agreement key>`` in the agreement's tenant: a
report of the engine like any other (page with a year picker, CSV, Excel,
PDF, HTML, background export, ``samvirke reports run``), whose tables are

1. each covered programme's section (``samvirke_annual_sections``, in the
   order the agreement lists its programmes), computed with the year and the
   agreement (its targets, its dates);
2. core's co-financing section (``core.reports.cofinancing``), last.

Table, chart and cell keys are prefixed with their section's key, so two
sections never collide; every table of the document is one table set for
disclosure control, with each section's sums and relations.

Which documents a person is offered: the tenant's agreements in force that
they may see (``core.partnerships.views.may_see``: partner staff only their
organisation's) and that cover a programme they see; a document holds only
the sections of programmes they see. One query for the agreements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from marshmallow import fields, validate

from core.db import db
from core.partnerships.models import Agreement
from core.plugins.host import plugin_host
from core.plugins.types import AnnualFigure
from core.reports.definitions import Report, TableData
from core.reports.disclosure import Cell, Relation
from core.reports.params import YearParameters, default_year
from core.schemas import N_
from core.tenancy.context import current_tenant_id, require_tenant_id
from core.tenancy.models import Tenant

PREFIX = "annual."
SEPARATOR = "."


@dataclass(frozen=True)
class _Title:
    """The document's title in the UI language at render time (the agreement's own title is not translated)."""

    agreement: str

    def __str__(self) -> str:
        return gettext("Annual report: %(agreement)s", agreement=self.agreement)


def document_key(agreement: Agreement) -> str:
    return f"{PREFIX}{agreement.key}"


def agreement_years(agreement: Agreement, today: date | None = None) -> list[int]:
    """The years the agreement ran in, up to this year, newest first (the year picker's choices)."""
    from core.calendar import copenhagen_today

    this = (today or copenhagen_today()).year
    end = agreement.end_date()
    last = min(end.year, this) if end is not None else this
    return list(range(last, min(agreement.starts_on.year, last) - 1, -1))


def _parameters(agreement: Agreement) -> type[YearParameters]:
    years = agreement_years(agreement)

    def default() -> int:
        # The usual default (last year before 1 March), kept within the agreement's years.
        return min(max(default_year(), years[-1]), years[0])

    class AnnualParameters(YearParameters):
        year = fields.Integer(
            load_default=default,
            validate=validate.Range(years[-1], years[0]),
            metadata={"label": N_("Year")},
        )

    return AnnualParameters


def sections(programmes: Sequence[str]) -> list[Report]:
    """The covered programmes' sections in the given order, then core's and library plugins' (co-financing)."""
    found = plugin_host().call_each("samvirke_annual_sections", enabled=list(programmes))
    order = {key: i for i, key in enumerate(programmes)}
    ranked = sorted(found, key=lambda pair: order.get(pair[0].key, len(order)) if pair[0] is not None else len(order) + 1)
    return [section for _, values in ranked for section in values]


def contributed_figures(year: int, *, asking: str) -> list[AnnualFigure]:
    """The figures the tenant's other enabled programmes give programme ``asking``'s annual report (``samvirke_annual_figures``).

    In the tenant in context; counts only. A programme asks for them here
    instead of importing another programme.
    """
    tenant = db.session.get_one(Tenant, require_tenant_id())
    enabled = [key for key in tenant.enabled_programmes if key != asking]
    return plugin_host().collect("samvirke_annual_figures", enabled=enabled, tenant=tenant, year=year)


def _moved(cell: Cell, prefix: str) -> Cell:
    return Cell(f"{prefix}{SEPARATOR}{cell.table}", cell.row, cell.column)


def compose(agreement: Agreement, programmes: Sequence[str]) -> Report:
    """The agreement's annual report, with the sections of ``programmes`` (those of the agreement the person sees)."""
    parts = sections([k for k in agreement.programme_keys if k in set(programmes)])
    tables, charts = [], []
    for section in parts:
        tables += [replace(t, key=f"{section.key}{SEPARATOR}{t.key}", section=t.section or section.title) for t in section.tables]
        charts += [
            replace(c, key=f"{section.key}-{c.key}".replace(".", "-"), table=f"{section.key}{SEPARATOR}{c.table}") for c in section.charts
        ]

    def compute(params: dict[str, Any]) -> dict[str, Any]:
        given = {"year": params["year"], "agreement": agreement}
        out: dict[str, Any] = {}
        for section in parts:
            for key, rows in section.compute(dict(given)).items():
                out[f"{section.key}{SEPARATOR}{key}"] = rows
        return out

    def relations(data: Mapping[str, TableData]) -> Iterable[Relation]:
        for section in parts:
            if section.relations is None:
                continue
            prefix = f"{section.key}{SEPARATOR}"
            own = {k[len(prefix) :]: v for k, v in data.items() if k.startswith(prefix)}
            for relation in section.relations(own):
                yield Relation(_moved(relation.total, section.key), tuple(_moved(p, section.key) for p in relation.parts))

    years = agreement_years(agreement)
    return Report(
        key=document_key(agreement),
        title=_Title(agreement.title),
        description=N_("The annual report the agreement asks for: the programmes it covers and the co-financing, for one calendar year."),
        parameters=_parameters(agreement),
        compute=compute,
        tables=tables,
        charts=charts,
        relations=relations,
        years=lambda: years,
    )


def _visible_agreements(programmes: Iterable[str]) -> list[Agreement]:
    if current_tenant_id() is None:
        return []  # the national view asks for reports outside any tenant: it has no agreement documents
    from core.partnerships.access import agreements_in_force  # the process's copy while current: no SQL

    seen = set(programmes)
    agreements = [a for a in agreements_in_force() if seen & set(a.programme_keys)]
    if has_request_context():
        from core.identity.sessions import current_principal
        from core.partnerships.views import may_see

        principal = current_principal()
        agreements = [a for a in agreements if may_see(a, principal)]
    return agreements


def documents(programmes: Iterable[str]) -> list[Report]:
    """The annual reports offered in the tenant in context to someone who sees ``programmes``."""
    programmes = list(programmes)
    return [compose(a, programmes) for a in _visible_agreements(programmes)]


def is_document(key: str) -> bool:
    return key.startswith(PREFIX)
