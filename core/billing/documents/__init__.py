"""Invoice documents as pure functions: Peppol BIS Billing 3.0 UBL, offline validation, Danish PDF.

Contract (all functions are pure: no database, no tenant context, no network):

- ``ubl_xml(doc) -> bytes``: the Peppol BIS Billing 3.0 UBL 2.1 ``Invoice``
  (``doc.kind == "invoice"``) or ``CreditNote`` (``"credit_note"``), UTF-8 with
  an XML declaration. It writes what the document says (amounts included) and
  does not check it: that is ``validate``'s job.
- ``validate(xml) -> list[Finding]``: every finding of the OASIS UBL 2.1 XSD,
  then (if the schema passes) the CEN EN 16931 UBL schematron and the PEPPOL
  BIS 3 schematron (with the Danish DK-R rules). Empty list: clean. A document
  with any ``severity == "fatal"`` finding (see ``has_fatal``) must never be
  marked sent. Offline; the XSLTs are compiled once per process.
- ``pdf(doc) -> bytes``: the Danish PDF invoice/credit note (WeasyPrint).
- ``has_fatal(findings) -> bool``.

The heavy libraries (lxml, saxonche, WeasyPrint) are imported on first use so
importing this package costs nothing at application start.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.billing.documents.model import DocumentLine, Finding, InvoiceDocument, Party, PaymentDetails

__all__ = [
    "DocumentLine",
    "Finding",
    "InvoiceDocument",
    "Party",
    "PaymentDetails",
    "has_fatal",
    "pdf",
    "ubl_xml",
    "validate",
]


def ubl_xml(doc: InvoiceDocument) -> bytes:
    """The Peppol BIS Billing 3.0 UBL 2.1 XML of ``doc`` (Invoice or CreditNote)."""
    from core.billing.documents.ubl import build

    return build(doc)


def validate(xml: bytes) -> list[Finding]:
    """All findings of XSD + EN 16931 + PEPPOL BIS 3 (incl. DK-R) for ``xml``; [] when clean."""
    from core.billing.documents.validation import validate as _validate

    return _validate(xml)


def pdf(doc: InvoiceDocument) -> bytes:
    """The Danish PDF of ``doc``."""
    from core.billing.documents.pdf import render_pdf

    return render_pdf(doc)


def has_fatal(findings: Iterable[Finding]) -> bool:
    """True when any finding blocks sending."""
    return any(f.severity == "fatal" for f in findings)
