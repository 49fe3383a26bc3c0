"""Core's section of every annual report: the agreement's co-financing in the year, agreed, invoiced and paid.

*Agreed* is what the agreement's billing rule gives for the calendar year
(``core.partnerships.billing.yearly_preview``: 160,000 DKK a year for
Fredericia, the staircase's 14,000 / 28,000 / 42,000 for Ishøj); *invoiced*
the issued invoices (``core.billing``, never drafts) whose billing period
starts in the year, less their credit notes; *paid* the payments recorded on
them; *outstanding* invoiced less paid. Under it, each invoice and credit note
of the year: its period, number, state, amount and payment. Two statements:
the sums by kind, and the year's documents (a handful per agreement).
Amounts count no one: they are shown as they are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import extract, func, select

from core.billing.messages import KIND_LABELS, STATE_LABELS
from core.billing.models import CREDIT_NOTE, DRAFT, INVOICE, Invoice
from core.db import db
from core.partnerships.billing import UnknownBillingRule, yearly_preview
from core.reports.definitions import Chart, Column, Report, Table
from core.reports.formatting import MISSING
from core.reports.params import YearParameters
from core.schemas import N_

ZERO = Decimal("0.00")
SECTION_TITLE = N_("Co-financing")
MEASURES = {
    "agreed": N_("Agreed for the year"),
    "invoiced": N_("Invoiced (less credit notes)"),
    "paid": N_("Paid"),
    "outstanding": N_("Outstanding"),
}


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(ZERO)


def _agreed(agreement: Any, year: int) -> Decimal | str:
    try:
        return _money(yearly_preview(agreement, [year])[0][2])
    except UnknownBillingRule:
        return MISSING  # no installed plugin provides the agreement's rule: nothing to say what was agreed


def _figures(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    agreement, year = params["agreement"], params["year"]
    in_year = (Invoice.agreement_id == agreement.id, Invoice.state != DRAFT, extract("year", Invoice.period_start) == year)
    sums = {
        kind: (_money(total), _money(paid))
        for kind, total, paid in db.session.execute(
            select(Invoice.kind, func.sum(Invoice.total), func.sum(Invoice.paid_amount)).where(*in_year).group_by(Invoice.kind)
        )
    }
    invoiced = sums.get(INVOICE, (ZERO, ZERO))[0] - sums.get(CREDIT_NOTE, (ZERO, ZERO))[0]
    paid = sums.get(INVOICE, (ZERO, ZERO))[1]
    summary: list[dict[str, Any]] = [
        {"measure": "agreed", "amount": _agreed(agreement, year)},
        {"measure": "invoiced", "amount": invoiced},
        {"measure": "paid", "amount": paid},
        {"measure": "outstanding", "amount": invoiced - paid},
    ]
    documents = [
        {
            "_key": str(row.id),
            "period": row.period_label,
            "kind": row.kind,
            "number": row.number,
            "state": row.state,
            "issue_date": row.issue_date,
            "amount": -_money(row.total) if row.kind == CREDIT_NOTE else _money(row.total),
            "paid_amount": _money(row.paid_amount) if row.paid_amount is not None else None,
            "paid_on": row.paid_on,
        }
        for row in db.session.execute(
            select(
                Invoice.id,
                Invoice.period_label,
                Invoice.kind,
                Invoice.number,
                Invoice.state,
                Invoice.issue_date,
                Invoice.total,
                Invoice.paid_amount,
                Invoice.paid_on,
            )
            .where(*in_year)
            .order_by(Invoice.period_start, Invoice.kind.desc(), Invoice.id)
        )
    ]
    return {"summary": summary, "documents": documents}


SECTION = Report(
    key="core.cofinancing",
    title=SECTION_TITLE,
    parameters=YearParameters,
    compute=_figures,
    tables=[
        Table(
            "summary",
            title=N_("Co-financing agreed, invoiced and paid"),
            description=N_(
                "Agreed: what the agreement's billing rule gives for the year. Invoiced: issued invoices for periods in the year, less credit notes."
            ),
            columns=[Column("measure", N_("Amount"), kind="label", labels=MEASURES), Column("amount", N_("DKK"), kind="money")],
            section=SECTION_TITLE,
        ),
        Table(
            "documents",
            title=N_("Invoices and credit notes of the year"),
            columns=[
                Column("period", N_("Billing period"), kind="text"),
                Column("kind", N_("Document"), kind="label", labels=KIND_LABELS),
                Column("number", N_("Number"), kind="text"),
                Column("state", N_("State"), kind="label", labels=STATE_LABELS),
                Column("issue_date", N_("Issued on"), kind="date"),
                Column("amount", N_("Amount"), kind="money"),
                Column("paid_amount", N_("Paid"), kind="money"),
                Column("paid_on", N_("Paid on"), kind="date"),
            ],
            section=SECTION_TITLE,
        ),
    ],
    charts=[Chart("cofinancing", N_("Co-financing in the year"), "summary", "measure", ["amount"], kind="horizontal_bar", skip_rows=())],
)
