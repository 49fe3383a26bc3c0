"""The values an invoice document is made from: plain, frozen, database-free.

The billing module (invoices, numbering, runs) builds an :class:`InvoiceDocument`
from an issued invoice and hands it to the pure functions in
``core.billing.documents`` (``ubl_xml``, ``validate``, ``pdf``). Nothing here
touches the database, the tenant context or the clock, so a document renders
the same today and in ten years.

Money is ``Decimal`` in kroner with at most 2 decimals (``Decimal("14000.00")``).
A credit note carries POSITIVE amounts: the document type says it is a credit
(Peppol BIS 3 and the Danish rules expect positive credit-note amounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

# Peppol electronic-address schemes (EAS code list).
SCHEME_CVR = "0184"  # Danish CVR number (DIGSTORG)
SCHEME_GLN = "0088"  # EAN/GLN location number (GS1)

DocumentKind = Literal["invoice", "credit_note"]
Severity = Literal["fatal", "warning"]


@dataclass(frozen=True, kw_only=True)
class Party:
    """Supplier (the partner organisation) or buyer (the municipality).

    ``endpoint_scheme``/``endpoint_id`` is the Peppol address: the supplier is
    addressed by CVR (``"0184"``, id = the 8-digit CVR), the buyer by its EAN
    location number (``"0088"``, id = 13 digits). ``cvr`` is the legal entity
    (PartyLegalEntity/CompanyID), always given for both parties. ``ean`` is
    printed on the PDF (for the buyer it normally equals ``endpoint_id``).
    Address parts may be None where the source data has none (the tenant files
    carry no street address for municipalities); the country is always set.
    ``vat_id`` ("DK12345678") only if the party is VAT-registered; without it
    the supplier's CVR is given as its tax registration identifier (BT-32).
    """

    name: str
    cvr: str
    endpoint_scheme: str
    endpoint_id: str
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = "DK"
    contact_name: str | None = None
    contact_email: str | None = None
    ean: str | None = None
    vat_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentDetails:
    """How the buyer pays: a Danish domestic bank transfer (reg. no. + account no.).

    ``payment_reference`` is what the buyer writes on the transfer; None means
    the invoice number is used. The UBL document offers a domestic transfer
    (payment means code 42, reg. no. as the branch id) or, with ``iban`` set,
    a SEPA credit transfer (code 58, IBAN and BIC); both are allowed by DK-R-005.
    """

    bank_name: str | None
    reg_no: str
    account_no: str
    iban: str | None = None
    bic: str | None = None
    payment_reference: str | None = None


@dataclass(frozen=True, kw_only=True)
class DocumentLine:
    """One line: ``amount`` must equal ``quantity * unit_price`` (rounded to 2 decimals).

    All lines are VAT-exempt (category E, 0 %): the partners' social services
    are exempt under momsloven § 13, stk. 1, nr. 2.
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    period_start: date | None = None
    period_end: date | None = None
    unit_code: str = "C62"  # UN/ECE rec. 20 "one" (a lump sum, not hours or pieces)


@dataclass(frozen=True, kw_only=True)
class InvoiceDocument:
    """Everything printed on, and sent as, one invoice or credit note.

    ``total`` is the payable amount (no VAT: equal to the sum of line amounts).
    ``buyer_reference`` is required by the Danish Peppol rules (the payer's
    reference from the agreement). ``contract_reference`` names the
    partnership agreement. For ``kind == "credit_note"`` set
    ``credited_number`` and ``credited_issue_date`` (the invoice it credits)
    and ``credit_reason``; ``due_date`` may then be None. ``demo`` marks a
    document made from demo data (placeholder CVR/EAN/bank): the PDF says so
    across the page.
    """

    kind: DocumentKind
    number: str
    issue_date: date
    due_date: date | None
    supplier: Party
    buyer: Party
    buyer_reference: str
    period_start: date
    period_end: date
    lines: tuple[DocumentLine, ...]
    total: Decimal
    payment: PaymentDetails
    currency: str = "DKK"
    order_reference: str | None = None
    contract_reference: str | None = None
    note: str | None = None
    credited_number: str | None = None
    credited_issue_date: date | None = None
    credit_reason: str | None = None
    language: str = "da"
    demo: bool = False


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One failed rule from validation.

    ``rule_id`` is the schematron rule id (``"BR-CO-15"``, ``"PEPPOL-EN16931-R010"``,
    ``"DK-R-003"``) or ``"XSD"`` for a schema error. ``severity`` is ``"fatal"``
    (the document must not be sent) or ``"warning"``. ``location`` is an XPath
    (schematron) or ``line N`` (XSD). ``text`` is the rule's own English
    message, ``source`` the rule set (``"EN 16931"``); ``explanation`` says
    what is wrong in the viewer's language (``rule_texts``), for the finance page.
    """

    rule_id: str
    severity: Severity
    location: str
    text: str
    source: str

    @property
    def explanation(self) -> str:
        from core.billing.documents.rule_texts import explanation

        return explanation(self.rule_id, self.text, self.source)
