"""An issued invoice or credit note as the ``InvoiceDocument`` that ``core.billing.documents`` renders.

Built only from what the invoice froze at issue (its parties, payment details,
lines and dates), never from today's files, so a document renders the same
for as long as it is kept. Reads the credited invoice of a credit note (its
number and date) and nothing else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.billing.documents.model import SCHEME_CVR, SCHEME_GLN, DocumentLine, InvoiceDocument, Party, PaymentDetails
from core.billing.models import CREDIT_NOTE, DRAFT, Invoice
from core.db import db


class NotIssued(ValueError):
    """A draft has no number or date yet: it has no document."""


def _endpoint(value: str | None, default_scheme: str, default_id: str) -> tuple[str, str]:
    if value and ":" in value:
        scheme, identifier = value.split(":", 1)
        return scheme, identifier
    return default_scheme, default_id


def _supplier(data: dict[str, Any]) -> Party:
    scheme, identifier = _endpoint(data.get("endpoint"), SCHEME_CVR, data["cvr"])
    return Party(
        name=data["name"],
        cvr=data["cvr"],
        endpoint_scheme=scheme,
        endpoint_id=identifier,
        street=data.get("street"),
        postcode=data.get("postcode"),
        city=data.get("city"),
        ean=data.get("ean"),
    )


def _buyer(data: dict[str, Any]) -> Party:
    scheme, identifier = _endpoint(data.get("endpoint"), SCHEME_GLN, data["ean"])
    return Party(
        name=data["name"],
        cvr=data["cvr"],
        endpoint_scheme=scheme,
        endpoint_id=identifier,
        contact_name=data.get("contact"),
        ean=data.get("ean"),
    )


def document_of(invoice: Invoice) -> InvoiceDocument:
    """The document of an issued invoice or credit note (``NotIssued`` for a draft)."""
    if invoice.state == DRAFT or invoice.number is None or invoice.issue_date is None:
        raise NotIssued(f"invoice {invoice.id} is a draft")
    credited = db.session.get(Invoice, invoice.credited_invoice_id) if invoice.kind == CREDIT_NOTE else None
    payment = invoice.payment or {}
    return InvoiceDocument(
        kind="credit_note" if invoice.kind == CREDIT_NOTE else "invoice",
        number=str(invoice.number),
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        supplier=_supplier(invoice.supplier),
        buyer=_buyer(invoice.buyer),
        buyer_reference=invoice.buyer_reference,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=tuple(
            DocumentLine(
                description=line.description,
                quantity=Decimal(line.quantity).normalize(),
                unit_price=Decimal(line.unit_price),
                amount=Decimal(line.amount),
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in invoice.lines
        ),
        total=Decimal(invoice.total),
        payment=PaymentDetails(
            bank_name=payment.get("bank_name"), reg_no=payment.get("reg_no", ""), account_no=payment.get("account_no", "")
        ),
        currency=invoice.currency,
        contract_reference=invoice.contract_reference,
        credited_number=str(credited.number) if credited is not None and credited.number is not None else None,
        credited_issue_date=credited.issue_date if credited is not None else None,
        credit_reason=invoice.credit_reason,
    )


def file_name(invoice: Invoice, extension: str) -> str:
    """``faktura-7.pdf``, ``kreditnota-8.xml``."""
    stem = "kreditnota" if invoice.kind == CREDIT_NOTE else "faktura"
    return f"{stem}-{invoice.number}.{extension}"


def pdf_bytes(doc: InvoiceDocument) -> bytes:
    """``core.billing.documents.pdf(doc)``.

    Once the submodule ``core.billing.documents.pdf`` is imported, it replaces
    the package's function of the same name as the package attribute; until
    the documents package renames one of them, fall back to the submodule's
    renderer.
    """
    from core.billing import documents

    render = documents.pdf
    if not callable(render):
        from core.billing.documents.pdf import render_pdf as render
    return render(doc)
