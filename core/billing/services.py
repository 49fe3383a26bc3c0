"""What may be billed, and the writes: an invoice per agreement and period, issuing, sent, paid, credit.

Every refusal is a ``BillingRefused`` with a reason code (``core.billing.messages``)
raised before anything is written: a wrong EAN check digit, no buyer reference,
a period outside the agreement, a rule yielding a negative total, a period
overlapping one already invoiced. Callers own the transaction: each function
here works inside the current one and never commits, so a caller commits
exactly one invoice (with its lines and number) at a time, or nothing.

Locks, always in this order: the agreement's row, then the number series
(``core.billing.numbering``), so concurrent runs never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload
from stdnum import ean as stdnum_ean
from stdnum.exceptions import ValidationError as StdnumError

from core.billing import numbering
from core.billing.models import (
    CREDIT_NOTE,
    CREDITED,
    DRAFT,
    INVOICE,
    ISSUED,
    PAID,
    SENT,
    TRANSITIONS,
    Invoice,
    InvoiceItem,
)
from core.billing.periods import BillingPeriod, canonical_period
from core.calendar import DAY_AFTER_ASCENSION, is_working_day
from core.db import db
from core.partnerships.models import Agreement, Organisation
from core.plugins.types import InvoiceLine
from core.tenancy.context import require_tenant_id
from core.tenancy.models import Tenant, utcnow

CENTS = Decimal("0.01")
DEFAULT_PAYMENT_DAYS = 30
# Danish banks are closed on the public holidays and on these days too
# (Nationalbanken's banking calendar): no due date falls on one.
BANK_DAYS_OFF = ("06-05", "12-24", "12-31", DAY_AFTER_ASCENSION)


class BillingRefused(Exception):
    """Nothing was written; ``code`` and ``params`` say why (``core.billing.messages.reason_text``)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = {k: _plain(v) for k, v in params.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass
class Outcome:
    """What a run did for one agreement and one canonical period (stored as JSON on the run)."""

    agreement_id: int
    agreement: str
    outcome: str  # created, drafted, exists, exists_draft, nothing, outside, refused
    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    invoice_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "agreement": self.agreement,
            "outcome": self.outcome,
            "reason": self.reason,
            "params": self.params,
            "invoice_ids": self.invoice_ids,
        }


@dataclass(frozen=True)
class Planned:
    """The lines of one invoice to be: its canonical period and total."""

    period: BillingPeriod
    lines: tuple[InvoiceLine, ...]
    total: Decimal


# --- dates ---------------------------------------------------------------------------------


def is_bank_day(day: date) -> bool:
    return is_working_day(day, BANK_DAYS_OFF)


def bank_day_on_or_after(day: date) -> date:
    while not is_bank_day(day):
        day += timedelta(days=1)
    return day


def payment_terms_days(agreement: Agreement, organisation: Organisation) -> int:
    """The agreement's payment terms when it states them, else the issuing organisation's, else 30 days."""
    for source in (agreement.payer or {}, agreement.terms or {}, organisation.invoicing or {}):
        days = source.get("payment_terms_days")
        if isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= 90:
            return days
    return DEFAULT_PAYMENT_DAYS


def due_date_for(issue_date: date, days: int) -> date:
    """``days`` after the issue date, moved to the next Danish bank day when it is not one."""
    return bank_day_on_or_after(issue_date + timedelta(days=days))


# --- what the files must say ---------------------------------------------------------------


def issuer_of(agreement: Agreement) -> Organisation:
    organisations = agreement.organisations
    if len(organisations) != 1:
        raise BillingRefused("issuer", count=len(organisations))
    return organisations[0]


def check_ean(value: Any) -> str:
    ean = str(value or "")
    if len(ean) != 13 or not ean.isdigit():
        raise BillingRefused("ean_format", ean=ean)
    try:
        stdnum_ean.validate(ean)
    except StdnumError:
        raise BillingRefused("ean_check_digit", ean=ean) from None
    return ean


def municipality(tenant_id: int) -> tuple[str, str]:
    """(name, CVR) of the tenant: the buyer."""
    name, cvr = db.session.execute(select(Tenant.name, Tenant.cvr).where(Tenant.id == tenant_id)).one()
    return name, cvr


def buyer_of(agreement: Agreement, tenant: tuple[str, str]) -> dict[str, Any]:
    """The payer as the invoice names it (``tenant``: its name and CVR); refuses a wrong EAN or a missing buyer reference."""
    payer = agreement.payer or {}
    ean = check_ean(payer.get("ean"))
    reference = str(payer.get("buyer_reference") or "").strip()
    if not reference:
        raise BillingRefused("buyer_reference")
    return {
        "name": tenant[0],
        "cvr": tenant[1],
        "ean": ean,
        "endpoint": f"0088:{ean}",
        "contact": payer.get("contact"),
        "buyer_reference": reference,
    }


def supplier_of(organisation: Organisation) -> tuple[dict[str, Any], dict[str, Any]]:
    """(supplier, payment) as the invoice names them; refuses missing invoicing details."""
    invoicing = organisation.invoicing or {}
    for key in ("peppol_endpoint", "bank_registration", "bank_account"):
        if not invoicing.get(key):
            raise BillingRefused("supplier_details", organisation=organisation.name, field=key)
    address = organisation.address or {}
    supplier = {
        "name": organisation.name,
        "cvr": organisation.cvr,
        "endpoint": invoicing["peppol_endpoint"],
        "ean": invoicing.get("ean"),
        "street": address.get("street"),
        "postcode": address.get("postcode"),
        "city": address.get("city"),
        "demo": bool(organisation.demo or invoicing.get("demo")),
    }
    payment = {"reg_no": invoicing["bank_registration"], "account_no": invoicing["bank_account"], "bank_name": invoicing.get("bank_name")}
    return supplier, payment


# --- planning: the rule's lines, cut into invoices -----------------------------------------


def plan(agreement: Agreement, period: BillingPeriod) -> list[Planned]:
    """The invoices the agreement's rule gives for a run's period, one per canonical period of its lines."""
    from flask_babel import force_locale

    from core.partnerships.billing import UnknownBillingRule, lines_for

    if agreement.declared_status == "draft" or not agreement.active:
        raise BillingRefused("not_approved")
    first, last = agreement.starts_on, agreement.end_date()
    if not period.overlaps(first, last or date.max):
        raise BillingRefused("outside", period=period.label, start=first, end=last or "…")
    try:
        # The lines are stored on the invoice and printed on the document the municipality receives: Danish,
        # whoever starts the run (a rule's texts are gettext message ids).
        with force_locale("da"):
            lines = lines_for(agreement, period.start, period.end)
    except UnknownBillingRule:
        raise BillingRefused("unknown_rule", rule=agreement.billing_rule) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise BillingRefused("rule_error", error=str(exc)[:200]) from None
    groups: dict[BillingPeriod, list[InvoiceLine]] = {}
    for line in lines:
        if line.period_start < first or (last is not None and line.period_end > last):
            raise BillingRefused("line_outside", start=line.period_start, end=line.period_end, first=first, last=last or "…")
        canonical = canonical_period(line.period_start, line.period_end)
        if canonical is None:
            raise BillingRefused("line_across_years", start=line.period_start, end=line.period_end)
        groups.setdefault(canonical, []).append(line)
    planned = []
    for canonical, group in sorted(groups.items()):
        total = sum((Decimal(line.amount).quantize(CENTS) for line in group), Decimal("0.00"))
        if total < 0:
            raise BillingRefused("negative_total", total=total, period=canonical.label)
        planned.append(Planned(canonical, tuple(group), total))
    return planned


# --- writing one invoice -------------------------------------------------------------------


def _lock(agreement_id: int) -> Agreement:
    """The agreement, read under its row's lock: one writer per agreement at a time (PostgreSQL;
    SQLite has one writer anyway), so the checks below see every invoice committed before."""
    return db.session.scalars(
        select(Agreement).where(Agreement.id == agreement_id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _invoice_for(agreement: Agreement, period: BillingPeriod) -> Invoice | None:
    return db.session.scalar(
        select(Invoice).where(
            Invoice.agreement_id == agreement.id,
            Invoice.kind == INVOICE,
            Invoice.period_start == period.start,
            Invoice.period_end == period.end,
        )
    )


def _overlapping(agreement: Agreement, period: BillingPeriod) -> Invoice | None:
    """The agreement's invoice for exactly this period if there is one, else one overlapping it."""
    exact = (Invoice.period_start == period.start) & (Invoice.period_end == period.end)
    return db.session.scalar(
        select(Invoice)
        .where(
            Invoice.agreement_id == agreement.id,
            Invoice.kind == INVOICE,
            Invoice.period_start <= period.end,
            Invoice.period_end >= period.start,
        )
        .order_by(exact.desc(), Invoice.period_start)
        .limit(1)
    )


def _insert_draft(agreement: Agreement, organisation: Organisation, planned: Planned, buyer: dict[str, Any], actor: str) -> int | None:
    """INSERT the draft unless the (agreement, period) key exists: the database decides, in this statement."""
    table = Invoice.__table__
    dialect = db.session.get_bind().dialect.name
    statement = (
        (postgresql if dialect == "postgresql" else sqlite)
        .insert(table)
        .values(
            tenant_id=require_tenant_id(),
            kind=INVOICE,
            state=DRAFT,
            agreement_id=agreement.id,
            issuer_organisation_id=organisation.id,
            period_label=planned.period.label,
            period_start=planned.period.start,
            period_end=planned.period.end,
            currency="DKK",
            total=planned.total,
            buyer_reference=buyer["buyer_reference"],
            contract_reference=agreement.title[:200],
            supplier={},
            buyer={},
            payment={},
            created_at=utcnow(),
            created_by=actor[:60],
        )
        .on_conflict_do_nothing(
            index_elements=[table.c.agreement_id, table.c.period_start, table.c.period_end],
            # A literal, as in the index: a bound parameter cannot match a partial index once psycopg prepares the statement.
            index_where=text("kind = 'invoice'"),
        )
        .returning(table.c.id)
    )
    invoice_id = db.session.execute(statement).scalar()
    if invoice_id is None:
        return None
    db.session.execute(
        insert(InvoiceItem),
        [
            {
                "tenant_id": require_tenant_id(),
                "invoice_id": invoice_id,
                "position": position,
                "description": line.description[:300],
                "period_start": line.period_start,
                "period_end": line.period_end,
                "quantity": Decimal("1"),
                "unit_price": Decimal(line.amount).quantize(CENTS),
                "amount": Decimal(line.amount).quantize(CENTS),
            }
            for position, line in enumerate(planned.lines, start=1)
        ],
    )
    return invoice_id


def write_planned(agreement: Agreement | int, planned: Planned, *, issue: bool, actor: str, today: date) -> Outcome:
    """Write (and issue) one planned invoice in the current transaction, or say why not."""
    agreement = _lock(agreement if isinstance(agreement, int) else agreement.id)
    outcome = Outcome(agreement.id, agreement.title, "nothing", "nothing", {"period": planned.period.label})
    if planned.total == 0:
        return outcome
    found = _overlapping(agreement, planned.period)
    existing = found if found is not None and (found.period_start, found.period_end) == (planned.period.start, planned.period.end) else None
    if existing is not None and (existing.state != DRAFT or not issue):
        code = "exists" if existing.state != DRAFT else "exists_draft"
        return Outcome(
            agreement.id, agreement.title, code, code, {"period": planned.period.label, "number": existing.display_number}, [existing.id]
        )
    if existing is None and found is not None:
        raise BillingRefused("overlap", number=found.display_number or "-", other=found.period_label, period=planned.period.label)
    organisation = issuer_of(agreement)
    buyer = buyer_of(agreement, municipality(require_tenant_id()))
    supplier_of(organisation)  # refuse before writing, not at issue
    if existing is None:
        invoice_id = _insert_draft(agreement, organisation, planned, buyer, actor)
        if invoice_id is None:  # a concurrent writer got there first (its row was not visible yet)
            found = _invoice_for(agreement, planned.period)
            return Outcome(agreement.id, agreement.title, "exists", "exists", {"period": planned.period.label}, [found.id] if found else [])
        # Its agreement is the locked one above: not joined in again.
        invoice = db.session.get_one(Invoice, invoice_id, options=[lazyload(Invoice.agreement)])
    else:
        invoice = _lock_invoice(existing)  # a page may be issuing this draft right now
        if invoice.state != DRAFT:
            return Outcome(
                agreement.id,
                agreement.title,
                "exists",
                "exists",
                {"period": planned.period.label, "number": invoice.display_number},
                [invoice.id],
            )
    params = {"period": planned.period.label, "total": str(invoice.total)}
    if not issue:
        return Outcome(agreement.id, agreement.title, "drafted", "drafted", params, [invoice.id])
    issue_invoice(invoice, today=today, agreement=agreement, buyer=buyer)
    return Outcome(agreement.id, agreement.title, "created", "created", {**params, "number": invoice.display_number}, [invoice.id])


# --- issuing, sending, payment, credit ----------------------------------------------------


def _lock_invoice(invoice: Invoice) -> Invoice:
    db.session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    db.session.refresh(invoice)
    return invoice


def issue_invoice(invoice: Invoice, *, today: date, agreement: Agreement | None = None, buyer: dict[str, Any] | None = None) -> Invoice:
    """Give a draft its number, dates and the parties as they are now; from then on it never changes.

    ``agreement`` and ``buyer``: as the caller has just read and checked them (a run), else read here.
    """
    if invoice.state != DRAFT:
        raise BillingRefused("not_draft")
    agreement = agreement or db.session.get_one(Agreement, invoice.agreement_id)
    organisation = db.session.get_one(Organisation, invoice.issuer_organisation_id)
    if invoice.kind == CREDIT_NOTE:
        credited = db.session.get_one(Invoice, invoice.credited_invoice_id)
        parties = dict(credited.supplier), dict(credited.buyer), dict(credited.payment)
        due_date = None
    else:
        buyer = buyer or buyer_of(agreement, municipality(invoice.tenant_id))
        supplier, payment = supplier_of(organisation)
        parties = supplier, buyer, payment
        due_date = due_date_for(today, payment_terms_days(agreement, organisation))
    lines_total = sum((line.amount for line in invoice.lines), Decimal("0.00"))
    if lines_total != invoice.total:
        raise RuntimeError(f"invoice {invoice.id}: total {invoice.total} is not the sum of its lines {lines_total}")
    # The number first, then every field in one UPDATE; the series row stays locked until the transaction ends.
    number = numbering.next_number(organisation.id)
    invoice.supplier, invoice.buyer, invoice.payment = parties
    invoice.buyer_reference = invoice.buyer["buyer_reference"]
    invoice.due_date, invoice.issue_date, invoice.issued_at = due_date, today, utcnow()
    invoice.number, invoice.state = number, ISSUED
    db.session.flush()
    return invoice


def issue_draft(invoice: Invoice, *, today: date) -> Invoice:
    """Issue a draft from a page (locks it first: two clicks issue it once)."""
    _lock_invoice(invoice)
    return issue_invoice(invoice, today=today)


def _move(invoice: Invoice, to: str) -> None:
    if to not in TRANSITIONS[invoice.kind].get(invoice.state, set()):
        raise BillingRefused("state", state=invoice.state, action=to)


def credited_amount(invoice: Invoice) -> Decimal:
    total = db.session.scalar(
        select(func.coalesce(func.sum(Invoice.total), 0)).where(Invoice.credited_invoice_id == invoice.id, Invoice.kind == CREDIT_NOTE)
    )
    return Decimal(str(total)).quantize(CENTS)


def open_amount(invoice: Invoice) -> Decimal:
    """What the invoice still asks for: its total less what credit notes took back."""
    return invoice.total - credited_amount(invoice)


def mark_sent(invoice: Invoice, *, actor: str) -> None:
    """issued -> sent. The caller has validated the document (``core.billing.documents.validate``)."""
    _lock_invoice(invoice)
    _move(invoice, SENT)
    invoice.state, invoice.sent_at, invoice.sent_by = SENT, utcnow(), actor[:60]
    db.session.flush()


def mark_paid(invoice: Invoice, *, paid_on: date, amount: Decimal, actor: str, today: date) -> None:
    _lock_invoice(invoice)
    _move(invoice, PAID)
    open_ = open_amount(invoice)
    amount = Decimal(amount).quantize(CENTS)
    if not Decimal("0") < amount <= open_:
        raise BillingRefused("paid_amount", open=open_)
    if invoice.issue_date is None or paid_on < invoice.issue_date or paid_on > today:
        raise BillingRefused("paid_on", issued=invoice.issue_date)
    invoice.state, invoice.paid_on, invoice.paid_amount, invoice.paid_recorded_by = PAID, paid_on, amount, actor[:60]
    db.session.flush()


def credit(invoice: Invoice, *, reason: str, amount: Decimal | None, actor: str, today: date) -> Invoice:
    """A credit note for ``amount`` (default: all not yet credited), numbered in the same series."""
    _lock_invoice(invoice)
    if invoice.kind != INVOICE or CREDITED not in TRANSITIONS[INVOICE].get(invoice.state, set()):
        raise BillingRefused("state", state=invoice.state, action=CREDITED)
    reason = (reason or "").strip()
    if not reason:
        raise BillingRefused("credit_reason")
    open_ = open_amount(invoice)
    amount = open_ if amount is None else Decimal(amount).quantize(CENTS)
    if not Decimal("0") < amount <= open_:
        raise BillingRefused("credit_amount", open=open_)
    note = Invoice(
        kind=CREDIT_NOTE,
        state=DRAFT,
        agreement_id=invoice.agreement_id,
        issuer_organisation_id=invoice.issuer_organisation_id,
        period_label=invoice.period_label,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        total=amount,
        buyer_reference=invoice.buyer_reference,
        contract_reference=invoice.contract_reference,
        credited_invoice_id=invoice.id,
        credit_reason=reason[:1000],
        created_by=actor[:60],
    )
    note.lines = [
        InvoiceItem(
            position=1,
            # The credit note's document wording: Danish whoever issues it (core.billing.documents.texts).
            description=f"Kreditering af faktura {invoice.display_number}: {reason}"[:300],
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            quantity=Decimal("1"),
            unit_price=amount,
            amount=amount,
        )
    ]
    db.session.add(note)
    db.session.flush()
    issue_invoice(note, today=today)
    if amount == open_:
        invoice.state = CREDITED
    db.session.flush()
    return note


def credit_notes_of(invoice: Invoice) -> Sequence[Invoice]:
    return db.session.scalars(select(Invoice).where(Invoice.credited_invoice_id == invoice.id).order_by(Invoice.number)).all()
