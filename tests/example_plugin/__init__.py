"""An example programme plugin that implements every hook.

It is what the test-suite exercises the plugin host, isolation and
migrations with, and a template for plugin authors: thin hook
implementations here, the work in ``models``, ``schemas``, ``views``, ``api``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import Schema, fields
from sqlalchemy import func, select

from core.db import db
from core.plugins import hookimpl
from core.plugins.types import (
    AnnualFigure,
    DashboardWidget,
    InvoiceLine,
    JobDefinition,
    MenuEntry,
    Migrations,
    Permission,
    PersonalDataField,
    Programme,
    ReportResult,
    SampleRows,
)
from tests.example_plugin import api, jobs, models, schemas, views

KEY = "example"
CALLS: list[str] = []  # hooks record themselves here so tests can see they ran


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(key=KEY, name=_l("Example programme"))


@hookimpl
def samvirke_models() -> Iterable[type]:
    return [models.Household, models.Member]


@hookimpl
def samvirke_migrations() -> Migrations:
    return Migrations(branch=KEY, path=Path(__file__).parent / "migrations")


@hookimpl
def samvirke_blueprints():
    return [views.bp]


@hookimpl
def samvirke_api_blueprints():
    return [api.blp]


@hookimpl
def samvirke_schemas():
    return {"ExampleHousehold": schemas.HouseholdSchema}


class FlatFeePerYear:
    key = "example.flat_fee"
    name = _l("Flat fee per year")
    parameters = Schema.from_dict({"amount_per_year": fields.Decimal(required=True)}, name="FlatFeeParameters")

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        amount = Decimal(str(agreement["amount_per_year"]))
        return [
            InvoiceLine(gettext("Flat fee per year %(year)d", year=year), date(year, 1, 1), date(year, 12, 31), amount)
            for year in range(period_start.year, period_end.year + 1)
        ]


@hookimpl
def samvirke_billing_rules():
    return [FlatFeePerYear()]


def _national_counts(params: dict[str, Any]) -> ReportResult:
    """Households and members per tenant: counts only, one query."""
    rows = db.session.execute(
        select(models.Household.tenant_id, func.count(func.distinct(models.Household.id)), func.count(models.Member.id))
        .outerjoin(models.Household.members)
        .group_by(models.Household.tenant_id)
        .order_by(models.Household.tenant_id)
    ).all()
    return ReportResult(columns=["tenant", "households", "members"], rows=[tuple(r) for r in rows])


def _households_report(params: dict[str, Any]) -> dict[str, Any]:
    """Each household and its number of members, one grouped query."""
    rows = db.session.execute(
        select(models.Household.id, models.Household.name, func.count(models.Member.id))
        .outerjoin(models.Household.members)
        .group_by(models.Household.id, models.Household.name)
        .order_by(models.Household.name, models.Household.id)
    ).all()
    return {"households": [{"_key": str(i), "household": name, "members": int(n)} for i, name, n in rows]}


@hookimpl
def samvirke_reports():
    from core.reports.definitions import Column, Report, Table
    from core.reports.params import YearParameters

    title = _l("Households")
    return [
        Report(
            key="example.households",
            title=title,
            parameters=YearParameters,
            compute=_households_report,
            tables=[
                Table(
                    "households",
                    title=title,
                    columns=[
                        Column("household", _l("Household"), kind="text"),
                        Column("members", _l("Members")),
                    ],
                )
            ],
            build_national=_national_counts,
        )
    ]


def _national_select(window: Any) -> Any:
    """Households and their members per tenant, in every year of the window (they have no dates): one statement."""
    households, members = models.Household.__table__, models.Member.__table__
    y = window.table
    return (
        select(
            households.c.tenant_id.label("tenant_id"),
            y.c.year.label("year"),
            func.count(func.distinct(households.c.id)).label("households"),
            func.count(members.c.id).label("members"),
        )
        .select_from(y)
        .join(households, window.of_tenants(households.c.tenant_id))
        .outerjoin(members, (members.c.tenant_id == households.c.tenant_id) & (members.c.household_id == households.c.id))
        .group_by(households.c.tenant_id, y.c.year)
    )


def national_figures() -> Any:
    from core.national.contributions import Measure, NationalFigures

    return NationalFigures(
        [Measure("households", _l("Households")), Measure("members", _l("Members"))], _national_select, main="households"
    )


@hookimpl
def samvirke_national_figures():
    return national_figures()


@hookimpl
def samvirke_annual_figures(tenant, year):
    households = db.session.scalar(select(func.count()).select_from(models.Household))
    return [AnnualFigure("example.households", _l("Households"), households)]


def _annual_section(params: dict[str, Any]) -> dict[str, Any]:
    """The households and their members (one grouped query), for the agreement's annual report."""
    households, members = db.session.execute(
        select(func.count(func.distinct(models.Household.id)), func.count(models.Member.id)).outerjoin(models.Household.members)
    ).one()
    return {"households": [{"measure": "all", "households": int(households), "members": int(members)}]}


@hookimpl
def samvirke_annual_sections():
    from core.reports.definitions import Column, Report, Table
    from core.reports.params import YearParameters

    title = _l("Example programme")
    return [
        Report(
            key="example.annual_section",
            title=title,
            parameters=YearParameters,
            compute=_annual_section,
            tables=[
                Table(
                    "households",
                    title=_l("Households and members"),
                    columns=[
                        Column(
                            "measure",
                            _l("Households"),
                            kind="label",
                            labels={"all": _l("All")},
                        ),
                        Column("households", _l("Households")),
                        Column("members", _l("Members")),
                    ],
                )
            ],
        )
    ]


@hookimpl
def samvirke_authorization():
    writers = ["partner_staff", "tenant_admin", "platform_admin"]
    return {
        "/<tenant>/example/": {"GET": ["tenant_people"], "POST": writers},
        "/<tenant>/api/v1/example/households": {"GET": ["tenant_people"], "POST": writers},
        "/<tenant>/api/v1/example/households/<int:household_id>": ["tenant_people"],
    }


@hookimpl
def samvirke_permissions():
    return [Permission("example.edit", "Create and change households", roles=("partner_staff", "tenant_admin", "platform_admin"))]


@hookimpl
def samvirke_personal_data():
    return [
        PersonalDataField(
            model="Member",
            field="name",
            description="The member's name",
            sensitivity="confidential",
            legal_basis="GDPR art. 6(1)(a) consent",
            retention="1 year after the last contact",
            erasure="deleted with the member",
        )
    ]


@hookimpl
def samvirke_menu_entries(tenant):
    CALLS.append(f"menu:{tenant.slug}")
    return [MenuEntry(label=_l("Households"), endpoint="example.index", order=10)]


@hookimpl
def samvirke_dashboard_widgets(tenant):
    def render() -> str:
        count = db.session.scalar(select(func.count()).select_from(models.Household))
        return Markup("<p>{}</p>").format(gettext("Households: %(count)s", count=count))

    return [DashboardWidget(title=_l("Example"), render=render, order=5)]


@hookimpl
def samvirke_jobs():
    return [
        JobDefinition(name="example.count_households", func=jobs.count_households, cron="*/5 * * * *"),
        JobDefinition(name="example.rename_all", func=jobs.rename_all),
        JobDefinition(name="example.fail", func=jobs.fail),
    ]


@hookimpl
def samvirke_demo_data(tenant):
    if db.session.scalar(select(func.count()).select_from(models.Household)):
        return  # already loaded: demo data is safe to load twice
    household = models.Household(name=f"Demo-husstand {tenant.slug}")
    household.members = [models.Member(name="Demo Person")]
    db.session.add(household)


@hookimpl
def samvirke_sample_rows(marker):
    household = models.Household(name=f"Familien {marker}", note=f"Fortroligt notat {marker}")
    household.members = [models.Member(name=f"Amira {marker}"), models.Member(name=f"Sara {marker}")]
    db.session.add(household)
    db.session.flush()
    # The note is the partner's own: municipal staff never see it.
    return SampleRows(ids={"household_id": household.id}, confidential=(f"Fortroligt notat {marker}",))
