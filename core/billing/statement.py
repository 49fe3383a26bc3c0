"""A statement per agreement: agreed vs invoiced vs paid, per year (Ishøj: 84,000 in all).

*Agreed* is what the agreement's billing rule gives for the calendar year
(``core.partnerships.billing.yearly_preview``); *invoiced* the issued invoices
whose period starts in that year, less their credit notes; *paid* the payments
recorded on them. Two queries whatever the number of agreements or invoices:
the agreements, and one aggregate of the invoices by agreement, year and kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import extract, func, select

from core.billing.models import CREDIT_NOTE, DRAFT, INVOICE, Invoice
from core.partnerships.billing import UnknownBillingRule, preview_years, yearly_preview
from core.partnerships.models import Agreement

ZERO = Decimal("0.00")


@dataclass
class YearRow:
    year: int
    agreed: Decimal = ZERO
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid


@dataclass
class AgreementStatement:
    agreement: Agreement
    years: list[YearRow] = field(default_factory=list)
    rule_missing: bool = False

    def total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.years), ZERO)


def _amounts(agreement_ids: Sequence[int], organisation_id: int | None) -> dict[tuple[int, int], YearRow]:
    from core.db import db

    year = extract("year", Invoice.period_start)
    query = (
        select(
            Invoice.agreement_id,
            year.label("year"),
            Invoice.kind,
            func.coalesce(func.sum(Invoice.total), 0),
            func.coalesce(func.sum(Invoice.paid_amount), 0),
        )
        .where(Invoice.agreement_id.in_(agreement_ids), Invoice.state != DRAFT)
        .group_by(Invoice.agreement_id, year, Invoice.kind)
    )
    if organisation_id is not None:
        query = query.where(Invoice.issuer_organisation_id == organisation_id)
    rows: dict[tuple[int, int], YearRow] = {}
    for agreement_id, y, kind, total, paid in db.session.execute(query):
        row = rows.setdefault((agreement_id, int(y)), YearRow(int(y)))
        amount = Decimal(str(total)).quantize(ZERO)
        if kind == INVOICE:
            row.invoiced += amount
            row.paid += Decimal(str(paid)).quantize(ZERO)
        elif kind == CREDIT_NOTE:
            row.invoiced -= amount
    return rows


def statements(agreements: Sequence[Agreement], *, today: date, organisation_id: int | None = None) -> list[AgreementStatement]:
    """One statement per agreement, a row per year of the agreement or with an invoice."""
    amounts = _amounts([a.id for a in agreements], organisation_id)
    out = []
    for agreement in agreements:
        statement = AgreementStatement(agreement)
        agreed: dict[int, Decimal] = {}
        try:
            for y, _lines, total in yearly_preview(agreement, preview_years(agreement, today)):
                agreed[y] = Decimal(total).quantize(ZERO)
        except UnknownBillingRule:
            statement.rule_missing = True
        years = sorted({y for y, value in agreed.items() if value} | {y for (a, y) in amounts if a == agreement.id})
        for y in years:
            row = amounts.get((agreement.id, y), YearRow(y))
            row.agreed = agreed.get(y, ZERO)
            statement.years.append(row)
        out.append(statement)
    return out
