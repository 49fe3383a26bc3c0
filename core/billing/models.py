"""Invoices, credit notes and their lines (a tenant's data); runs; number series (an organisation's).

An invoice is born a draft, without a number. Issuing it takes the next number
of its issuing organisation's series in the same transaction and freezes it:
from then on only its state moves on (issued -> sent -> paid, or credited) and
the dates of sending and payment are filled in once. Corrections are credit
notes referring to the invoice. The database holds the same rules on
PostgreSQL (triggers in migrations/versions/0011_billing.py); here the ORM
refuses the same changes before they are flushed (``ImmutableInvoice``).

Exactly one invoice per agreement and billing period: a UNIQUE index over
(agreement, period start, period end) for ``kind = 'invoice'``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.model import Model
from core.tenancy.models import utcnow
from core.tenancy.scoped import TenantScoped, tenant_many_to_one, tenant_one_to_many, tenant_reference

INVOICE, CREDIT_NOTE = "invoice", "credit_note"
KINDS = (INVOICE, CREDIT_NOTE)
DRAFT, ISSUED, SENT, PAID, CREDITED = "draft", "issued", "sent", "paid", "credited"
STATES = (DRAFT, ISSUED, SENT, PAID, CREDITED)
# Where an issued document may go next (credit notes are only ever sent).
TRANSITIONS = {
    INVOICE: {ISSUED: {SENT, PAID, CREDITED}, SENT: {PAID, CREDITED}, PAID: {CREDITED}},
    CREDIT_NOTE: {ISSUED: {SENT}},
}
# What may still be written on an issued document, once each.
ONCE_FIELDS = ("sent_at", "sent_by", "paid_on", "paid_amount", "paid_recorded_by")
MONEY = Numeric(12, 2)

RUN_STATES = ("queued", "running", "done", "failed")


class ImmutableInvoice(RuntimeError):
    """An issued invoice or credit note was about to change."""


class Invoice(TenantScoped, Model):
    __tablename__ = "billing_invoices"
    __tenant_table_args__ = (
        tenant_reference("agreement_id", "agreements"),
        tenant_reference("credited_invoice_id", "billing_invoices"),
        # The series is the organisation's: a number is used once across all its tenants.
        UniqueConstraint("issuer_organisation_id", "number"),
        Index(
            "uq_billing_invoices_agreement_period",
            "agreement_id",
            "period_start",
            "period_end",
            unique=True,
            postgresql_where=text("kind = 'invoice'"),
            sqlite_where=text("kind = 'invoice'"),
        ),
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
        CheckConstraint("state IN ('draft', 'issued', 'sent', 'paid', 'credited')", name="state"),
        CheckConstraint("(number IS NULL) = (state = 'draft')", name="numbered_when_issued"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint("(kind = 'credit_note') = (credited_invoice_id IS NOT NULL)", name="credit_note_refers"),
        CheckConstraint("period_start <= period_end", name="period"),
    )

    kind: Mapped[str] = mapped_column(String(12), default=INVOICE)
    state: Mapped[str] = mapped_column(String(12), default=DRAFT, index=True)
    agreement_id: Mapped[int] = mapped_column(Integer, index=True)
    issuer_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    period_label: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    number: Mapped[int | None] = mapped_column(Integer)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    total: Mapped[Decimal] = mapped_column(MONEY)
    buyer_reference: Mapped[str] = mapped_column(String(60))
    contract_reference: Mapped[str] = mapped_column(String(200))
    # The parties and payment details as they were at issue, so the document
    # renders the same in ten years whatever the files say by then.
    supplier: Mapped[dict] = mapped_column(JSON, default=dict)
    buyer: Mapped[dict] = mapped_column(JSON, default=dict)
    payment: Mapped[dict] = mapped_column(JSON, default=dict)
    credited_invoice_id: Mapped[int | None] = mapped_column(Integer, index=True)
    credit_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_by: Mapped[str | None] = mapped_column(String(60))
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    paid_recorded_by: Mapped[str | None] = mapped_column(String(60))

    lines: Mapped[list[InvoiceItem]] = tenant_one_to_many(
        "Invoice", "InvoiceItem", "invoice_id", lazy="selectin", order_by="InvoiceItem.position", cascade="all, delete-orphan"
    )
    agreement: Mapped[Any] = tenant_many_to_one("Invoice", "Agreement", "agreement_id", lazy="joined", viewonly=True)

    @property
    def display_number(self) -> str:
        return "" if self.number is None else str(self.number)

    def __repr__(self) -> str:
        return f"<Invoice {self.kind} {self.display_number or 'draft'} {self.period_label}>"


class InvoiceItem(TenantScoped, Model):
    """One line of an invoice or credit note (VAT-exempt: no VAT columns)."""

    __tablename__ = "billing_invoice_lines"
    __tenant_table_args__ = (
        tenant_reference("invoice_id", "billing_invoices", ondelete="CASCADE"),
        UniqueConstraint("invoice_id", "position"),
    )

    invoice_id: Mapped[int] = mapped_column(Integer, index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class BillingRun(TenantScoped, Model):
    """One tenant's part of an invoice run, with its progress and what happened per agreement."""

    __tablename__ = "billing_runs"

    period_label: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    issue: Mapped[bool] = mapped_column(Boolean, default=True)  # False: drafts only
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    # [{"agreement_id", "agreement", "outcome", "reason", "params", "invoice_ids"}]: codes, rendered in the UI language.
    results: Mapped[list] = mapped_column(JSON, default=list)
    started_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return 0 if not self.total else min(100, round(100 * self.done / self.total))


class NumberSeries(Model):
    """The invoice-number series of an issuing organisation (platform data, not a tenant's).

    ``last_number`` is the last number used; the next invoice takes
    ``last_number + 1`` under the row's lock, in the transaction that issues
    it (``core.billing.numbering``). On PostgreSQL the application role sees
    and moves only the series of organisations party to an agreement in its
    tenant, one step at a time, and never without an invoice of that number.
    """

    __tablename__ = "billing_number_series"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


ALL_MODELS = [Invoice, InvoiceItem, BillingRun, NumberSeries]

_FROZEN = frozenset(c.key for c in Invoice.__table__.columns) - {"state", *ONCE_FIELDS}


def _committed(obj: Any, key: str) -> Any:
    history = inspect(obj).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else getattr(obj, key)


def _check_invoice(obj: Invoice) -> None:
    was = _committed(obj, "state")
    if was == DRAFT:
        return
    changed: set[str] = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    frozen = changed & _FROZEN
    if frozen:
        raise ImmutableInvoice(f"invoice {obj.id} is {was}: {', '.join(sorted(frozen))} cannot change")
    for key in ONCE_FIELDS:
        if key in changed and _committed(obj, key) is not None:
            raise ImmutableInvoice(f"invoice {obj.id}: {key} is already recorded")
    if "state" in changed and obj.state not in TRANSITIONS[obj.kind].get(was, set()):
        raise ImmutableInvoice(f"invoice {obj.id}: {was} -> {obj.state} is not allowed")


@event.listens_for(Session, "before_flush")
def _issued_invoices_never_change(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, Invoice) and session.is_modified(obj):
            _check_invoice(obj)
        elif isinstance(obj, InvoiceItem) and session.is_modified(obj):
            _check_line(session, obj)
    for obj in session.deleted:
        if isinstance(obj, Invoice) and _committed(obj, "state") != DRAFT:
            raise ImmutableInvoice(f"invoice {obj.id} is issued and cannot be deleted")
        if isinstance(obj, InvoiceItem):
            _check_line(session, obj)
    for obj in session.new:
        if isinstance(obj, InvoiceItem):
            _check_line(session, obj)


def _check_line(session: Session, line: InvoiceItem) -> None:
    invoice = session.get(Invoice, line.invoice_id) if line.invoice_id is not None else None
    if invoice is not None and _committed(invoice, "state") != DRAFT and invoice not in session.deleted:
        raise ImmutableInvoice(f"invoice {invoice.id} is issued: its lines cannot change")
