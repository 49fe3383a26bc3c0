"""``samvirke billing run|invoices|export``: invoice runs and invoices from the command line (in Danish)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext
from sqlalchemy import select

from core.db import db
from core.tenancy.models import Tenant


@contextmanager
def _danish() -> Iterator[None]:
    # Flask-Babel picks the language per request: a request context of its own gives the default, Danish.
    with current_app.test_request_context("/"):
        yield


def _tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
    if tenant is None:
        raise click.BadParameter(gettext("no active municipality (tenant) %(slug)s", slug=repr(slug)), param_hint="--tenant")
    return tenant


def _organisation_id(slug: str | None) -> int | None:
    from core.partnerships.models import Organisation

    if slug is None:
        return None
    found = db.session.scalar(select(Organisation.id).where(Organisation.slug == slug, Organisation.active.is_(True)))
    if found is None:
        raise click.BadParameter(gettext("no active organisation %(slug)s", slug=repr(slug)), param_hint="--organisation")
    return found


@click.group(cls=AppGroup)
def billing() -> None:
    """Invoice runs, invoices and their documents."""


@billing.command("run")
@click.option("--period", "period_text", required=True, help="2024 (a year), 2024-Q1 (a quarter) or 2024-03 (a month).")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every active tenant).")
@click.option("--organisation", "organisation_slug", default=None, help="Only agreements this organisation is party to.")
@click.option("--draft", is_flag=True, help="Write drafts without numbers (issue them later).")
@click.option("--wait/--no-wait", default=True, show_default=True, help="With RQ: wait for the workers to finish.")
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to wait for the workers.")
def billing_run(period_text: str, slug: str | None, organisation_slug: str | None, draft: bool, wait: bool, timeout: float) -> None:
    """One job per tenant: every approved agreement's invoices for the period, each once."""
    from core.billing.messages import outcome_label, reason_text
    from core.billing.periods import PeriodError, parse_period
    from core.billing.runs import runs_state, start_runs, wait_for

    try:
        period = parse_period(period_text)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    organisation_id = _organisation_id(organisation_slug)
    if slug is not None:
        tenants = [(_tenant(slug).id, slug)]
    else:
        tenants = [(t.id, t.slug) for t in db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.slug))]
    db.session.commit()
    run_ids = start_runs(period, tenant_ids=[t for t, _ in tenants], organisation_id=organisation_id, issue=not draft, actor="cli")
    pairs = [(tenant_id, run_id) for (tenant_id, _), run_id in zip(tenants, run_ids, strict=True)]
    if current_app.config["REDIS_URL"]:
        if not wait:
            click.echo(gettext("%(count)s runs queued for %(period)s", count=len(pairs), period=period.label))
            return
        if not wait_for(pairs, timeout=timeout):
            click.echo(
                gettext("not done after %(seconds)s seconds; run the command again to finish it", seconds=f"{timeout:.0f}"), err=True
            )
            sys.exit(1)
    problems = 0
    with _danish():
        for (_, tenant_slug), run in zip(tenants, runs_state(pairs), strict=True):
            if run.state == "failed":
                problems += 1
                click.echo(
                    gettext("%(tenant)s: run #%(run)s failed; see `samvirke jobs failed`, and run again", tenant=tenant_slug, run=run.id),
                    err=True,
                )
            for result in run.results or []:
                line = f"{tenant_slug}: {result['agreement']}: {reason_text(result['reason'], result['params'])}"
                if result["outcome"] == "refused":
                    line = f"{tenant_slug}: {result['agreement']}: {outcome_label('refused')}: {reason_text(result['reason'], result['params'])}"
                    problems += 1
                    click.echo(line, err=True)
                else:
                    click.echo(line)
    db.session.commit()
    sys.exit(1 if problems else 0)


def _invoice_rows(period_text: str | None) -> list[dict[str, Any]]:
    from core.billing.models import Invoice
    from core.partnerships.models import Organisation

    query = select(Invoice).order_by(Invoice.period_start, Invoice.issuer_organisation_id, Invoice.number, Invoice.id)
    if period_text:
        from core.billing.periods import PeriodError, parse_period

        try:
            period = parse_period(period_text)
        except PeriodError as exc:
            raise click.BadParameter(str(exc), param_hint="--period") from None
        query = query.where(Invoice.period_start >= period.start, Invoice.period_end <= period.end)
    slugs = dict(db.session.execute(select(Organisation.id, Organisation.slug)).all())
    invoices = db.session.scalars(query).all()
    numbers = {i.id: i.number for i in invoices}
    return [
        {
            "id": i.id,
            "number": i.number,
            "kind": i.kind,
            "state": i.state,
            "issuer": slugs.get(i.issuer_organisation_id),
            "agreement": i.agreement.key if i.agreement else None,
            "period": i.period_label,
            "period_start": i.period_start.isoformat(),
            "period_end": i.period_end.isoformat(),
            "issue_date": i.issue_date.isoformat() if i.issue_date else None,
            "due_date": i.due_date.isoformat() if i.due_date else None,
            "total": str(i.total),
            "currency": i.currency,
            "buyer_reference": i.buyer_reference,
            "credits_number": numbers.get(i.credited_invoice_id) if i.credited_invoice_id else None,
            "paid_on": i.paid_on.isoformat() if i.paid_on else None,
            "paid_amount": str(i.paid_amount) if i.paid_amount is not None else None,
            "lines": [
                {
                    "description": line.description,
                    "period_start": line.period_start.isoformat(),
                    "period_end": line.period_end.isoformat(),
                    "amount": str(line.amount),
                }
                for line in i.lines
            ],
        }
        for i in invoices
    ]


@billing.command("invoices")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
@click.option("--period", "period_text", default=None, help="Only invoices within this period.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def billing_invoices(slug: str, period_text: str | None, as_json: bool) -> None:
    """The tenant's invoices and credit notes: number, period, agreement, lines, totals, state."""
    from core.billing.messages import kind_label, kroner, state_label
    from core.tenancy.context import tenant_context

    tenant = _tenant(slug)
    with tenant_context(tenant.id):
        rows = _invoice_rows(period_text)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(gettext("%(tenant)s: no invoices", tenant=slug))
        return
    with _danish():
        for r in rows:
            number = r["number"] if r["number"] is not None else gettext("draft")
            click.echo(
                f"{r['issuer']} {number:>6}  {kind_label(r['kind']):<10} {r['period']:<8} {r['agreement']:<28} "
                f"{kroner(r['total']):>16}  {state_label(r['state'])}"
            )
            for line in r["lines"]:
                click.echo(f"{'':>16}{line['description']} ({line['period_start']}–{line['period_end']}): {kroner(line['amount'])}")


@billing.command("export")
@click.option("--invoice", "number", required=True, type=int, help="The invoice or credit note number (the issuer's series).")
@click.option("--format", "kind", required=True, type=click.Choice(["peppol", "pdf"]), help="peppol (UBL XML) or pdf.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="The file to write.")
@click.option("--organisation", "organisation_slug", default=None, help="The issuer, when several use the number.")
@click.option("--tenant", "slug", default=None, help="The tenant, when several have the number.")
def billing_export(number: int, kind: str, output: str, organisation_slug: str | None, slug: str | None) -> None:
    """Write an issued invoice's Peppol BIS 3 XML (validated) or its PDF."""
    from core.billing import documents
    from core.billing.mapping import document_of, pdf_bytes
    from core.billing.models import Invoice
    from core.partnerships.models import Organisation
    from core.tenancy.context import cross_tenant, tenant_context

    organisation_id = _organisation_id(organisation_slug)
    tenant_id = _tenant(slug).id if slug else None
    with cross_tenant("billing export: find an invoice by its number"):
        query = select(Invoice.id, Invoice.tenant_id, Invoice.issuer_organisation_id).where(Invoice.number == number)
        if organisation_id is not None:
            query = query.where(Invoice.issuer_organisation_id == organisation_id)
        if tenant_id is not None:
            query = query.where(Invoice.tenant_id == tenant_id)
        found = db.session.execute(query).all()
        issuers = dict(db.session.execute(select(Organisation.id, Organisation.slug)).all())
    db.session.commit()
    if not found:
        raise click.BadParameter(gettext("no issued invoice number %(number)s", number=number), param_hint="--invoice")
    if len(found) > 1:
        names = ", ".join(sorted(issuers.get(row.issuer_organisation_id, "?") for row in found))
        raise click.BadParameter(
            gettext("number %(number)s exists with several issuers (%(names)s); give --organisation", number=number, names=names),
            param_hint="--invoice",
        )
    invoice_id, invoice_tenant, _ = found[0]
    with tenant_context(invoice_tenant):
        doc = document_of(db.session.get_one(Invoice, invoice_id))
    if kind == "pdf":
        Path(output).write_bytes(pdf_bytes(doc))
        click.echo(gettext("written: %(path)s", path=output))
        return
    xml = documents.ubl_xml(doc)
    Path(output).write_bytes(xml)
    findings = documents.validate(xml)
    for finding in findings:
        click.echo(f"{finding.severity}: {finding.rule_id}: {finding.explanation} ({finding.location})", err=True)
    if documents.has_fatal(findings):
        click.echo(gettext("written, but the document does not meet the rules: %(path)s", path=output), err=True)
        sys.exit(1)
    click.echo(gettext("written and validated (UBL 2.1, EN 16931, Peppol BIS 3 with DK rules): %(path)s", path=output))
