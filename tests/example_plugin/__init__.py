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
    ReportDefinition,
    ReportResult,
)
from tests.example_plugin import api, jobs, models, schemas, views

KEY = "example"
CALLS: list[str] = []  # hooks record themselves here so tests can see they ran


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(key=KEY, name_da="Eksempelprogram", name_en="Example programme")


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
    name_da = "Fast beløb pr. år"
    parameters = Schema.from_dict({"amount_per_year": fields.Decimal(required=True)}, name="FlatFeeParameters")

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        amount = Decimal(str(agreement["amount_per_year"]))
        return [
            InvoiceLine(f"{self.name_da} {year}", date(year, 1, 1), date(year, 12, 31), amount)
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


def _households_report(params: dict[str, Any]) -> ReportResult:
    rows = db.session.execute(
        select(models.Household.name, func.count(models.Member.id))
        .outerjoin(models.Household.members)
        .group_by(models.Household.id, models.Household.name)
        .order_by(models.Household.name)
    ).all()
    return ReportResult(columns=["household", "members"], rows=[tuple(r) for r in rows])


@hookimpl
def samvirke_reports():
    return [
        ReportDefinition(
            key="example.households",
            title_da="Husstande",
            title_en="Households",
            build=_households_report,
            build_national=_national_counts,
        )
    ]


@hookimpl
def samvirke_annual_figures(tenant, year):
    households = db.session.scalar(select(func.count()).select_from(models.Household))
    return [AnnualFigure("example.households", "Husstande", "Households", households)]


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
    return [Permission("example.edit", "Create and change households", roles=("tenant_staff",))]


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
    return [MenuEntry(label_da="Husstande", label_en="Households", endpoint="example.index", order=10)]


@hookimpl
def samvirke_dashboard_widgets(tenant):
    def render() -> str:
        count = db.session.scalar(select(func.count()).select_from(models.Household))
        return Markup("<p>Husstande: {}</p>").format(count)

    return [DashboardWidget(title_da="Eksempel", title_en="Example", render=render, order=5)]


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
