"""``samvirke reports list`` and ``samvirke reports run``: a tenant's reports from the command line.

A file made here is an export: every count is under disclosure control, and
it is recorded in the audit trail (actor ``cli``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from core.db import db
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

FORMATS = ("html", "csv", "xlsx", "pdf")


@click.group(cls=AppGroup)
def reports() -> None:
    """A tenant's reports: list them, make one as a file."""


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
    if tenant is None:
        click.echo(f"no active tenant {slug!r}", err=True)
        sys.exit(2)
    return tenant


@reports.command("list")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
def reports_list(slug: str, lang: str) -> None:
    """One report a line: its key, a tab, its title."""
    from core.reports.registry import reports_for

    tenant = _tenant(slug)
    with tenant_context(tenant.id), force_locale(lang):
        for _, report in reports_for(tenant.enabled_programmes):
            click.echo(f"{report.key}\t{report.title}")


@reports.command("run")
@click.argument("name")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
@click.option("--year", type=int, default=None, help="The calendar year (default: the report's).")
@click.option("--param", "extra", multiple=True, metavar="NAME=VALUE", help="Another parameter of the report (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="pdf", show_default=True)
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True, help="The file to write.")
def reports_run(name: str, slug: str, year: int | None, extra: tuple[str, ...], fmt: str, lang: str, output: str) -> None:
    """Make the report NAME for the tenant as a file."""
    from core.audit import record
    from core.reports.engine import build
    from core.reports.exports import render
    from core.reports.params import BadParameters, load_parameters
    from core.reports.registry import find_report

    raw: dict[str, str] = {}
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: give NAME=VALUE", param_hint="--param")
        raw[key] = value
    if year is not None:
        raw["year"] = str(year)
    tenant = _tenant(slug)
    with tenant_context(tenant.id), force_locale(lang):
        found = find_report(name, tenant.enabled_programmes)
        if found is None:
            click.echo(f"no report {name!r} in {slug} (see `samvirke reports list --tenant {slug}`)", err=True)
            sys.exit(2)
        _, report = found
        try:
            params = load_parameters(report, raw)
            content = render(build(report, params, disclose=True, tenant_name=tenant.name), fmt)
        except BadParameters as exc:
            click.echo(f"the parameters do not fit the report: {exc}", err=True)
            sys.exit(2)
        Path(output).write_bytes(content)
        record("export", criterion=f"report {name} ({fmt}, command line)", actor="cli", tenant_id=tenant.id)
    click.echo(f"{output}: {len(content)} bytes")
