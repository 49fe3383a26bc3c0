"""Peppol BIS Billing 3.0 UBL 2.1 Invoice and CreditNote from an :class:`InvoiceDocument`.

Element order follows the UBL 2.1 maindoc schemas (the XSD rejects any other).
The document writes what it is given; ``validation`` says whether it is right.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from core.billing.documents import texts
from core.billing.documents.model import DocumentLine, InvoiceDocument, Party

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_TYPE_CODE = "380"  # commercial invoice (UNCL1001)
CREDIT_NOTE_TYPE_CODE = "381"  # credit note

VAT_CATEGORY = "E"  # exempt from VAT (UNCL5305)
PAYMENT_DOMESTIC = "42"  # payment to bank account: Danish reg. no. + account no.
PAYMENT_SEPA = "58"  # SEPA credit transfer (IBAN)

_CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """An amount as UBL wants it: 2 decimals, no exponent."""
    return f"{Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP):f}"


def quantity(value: Decimal) -> str:
    """A quantity without trailing zeros or exponent ("1", "2.5")."""
    return f"{Decimal(value).normalize():f}"


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _cbc(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attributes)
    element.text = text
    return element


def _amount(parent: etree._Element, name: str, value: Decimal, currency: str) -> etree._Element:
    return _cbc(parent, name, money(value), currencyID=currency)


def _party(parent: etree._Element, role: str, party: Party, *, supplier: bool) -> None:
    party_element = _cac(_cac(parent, role), "Party")
    _cbc(party_element, "EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
    _cbc(_cac(party_element, "PartyName"), "Name", party.name)
    address = _cac(party_element, "PostalAddress")
    if party.street:
        _cbc(address, "StreetName", party.street)
    if party.city:
        _cbc(address, "CityName", party.city)
    if party.postcode:
        _cbc(address, "PostalZone", party.postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)
    if party.vat_id:
        tax_scheme = _cac(party_element, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", party.vat_id)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
    elif supplier:
        # BR-E-02: an exempt invoice names the seller's tax registration (BT-32);
        # a Danish body not registered for VAT is registered by its CVR number.
        tax_scheme = _cac(party_element, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", party.cvr)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "TAX")
    legal = _cac(party_element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    _cbc(legal, "CompanyID", party.cvr, schemeID="0184")
    if party.contact_name or party.contact_email:
        contact = _cac(party_element, "Contact")
        if party.contact_name:
            _cbc(contact, "Name", party.contact_name)
        if party.contact_email:
            _cbc(contact, "ElectronicMail", party.contact_email)


def _tax_category(parent: etree._Element, name: str, *, with_reason: bool) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", VAT_CATEGORY)
    _cbc(category, "Percent", "0")
    if with_reason:
        _cbc(category, "TaxExemptionReasonCode", texts.VAT_EXEMPTION_CODE)
        _cbc(category, "TaxExemptionReason", texts.VAT_EXEMPTION_TEXT)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _payment_means(root: etree._Element, doc: InvoiceDocument) -> None:
    payment = doc.payment
    means = _cac(root, "PaymentMeans")
    code = PAYMENT_SEPA if payment.iban else PAYMENT_DOMESTIC
    _cbc(means, "PaymentMeansCode", code)
    _cbc(means, "PaymentID", payment.payment_reference or doc.number)
    account = _cac(means, "PayeeFinancialAccount")
    if payment.iban:
        _cbc(account, "ID", payment.iban.replace(" ", ""))
        _cbc(account, "Name", doc.supplier.name)
        if payment.bic:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", payment.bic)
    else:
        # DK-R-006: account number and registration number both present.
        _cbc(account, "ID", payment.account_no)
        _cbc(account, "Name", doc.supplier.name)
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", payment.reg_no)


def _line(root: etree._Element, doc: InvoiceDocument, number: int, line: DocumentLine) -> None:
    credit = doc.kind == "credit_note"
    element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(element, "ID", str(number))
    _cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", quantity(line.quantity), unitCode=line.unit_code)
    _amount(element, "LineExtensionAmount", line.amount, doc.currency)
    if line.period_start or line.period_end:
        period = _cac(element, "InvoicePeriod")
        if line.period_start:
            _cbc(period, "StartDate", line.period_start.isoformat())
        if line.period_end:
            _cbc(period, "EndDate", line.period_end.isoformat())
    item = _cac(element, "Item")
    _cbc(item, "Name", line.description)
    _tax_category(item, "ClassifiedTaxCategory", with_reason=False)
    _amount(_cac(element, "Price"), "PriceAmount", line.unit_price, doc.currency)


def _note(doc: InvoiceDocument) -> str | None:
    # PEPPOL-EN16931-R002 allows one note: the credit reason goes into it.
    parts = []
    if doc.kind == "credit_note" and doc.credit_reason:
        parts.append(f"Kreditering af faktura {doc.credited_number}: {doc.credit_reason}")  # the document's Danish (texts)
    if doc.note:
        parts.append(doc.note)
    return " — ".join(parts) or None


def build_tree(doc: InvoiceDocument) -> etree._Element:
    """The UBL element tree (tests mutate it to craft bad documents)."""
    credit = doc.kind == "credit_note"
    namespace = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}", nsmap={None: namespace, "cac": NS_CAC, "cbc": NS_CBC})
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", doc.number)
    _cbc(root, "IssueDate", doc.issue_date.isoformat())
    if doc.due_date and not credit:  # a UBL 2.1 CreditNote has no DueDate element
        _cbc(root, "DueDate", doc.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", CREDIT_NOTE_TYPE_CODE if credit else INVOICE_TYPE_CODE)
    note = _note(doc)
    if note:
        _cbc(root, "Note", note)
    _cbc(root, "DocumentCurrencyCode", doc.currency)
    if doc.buyer_reference:
        _cbc(root, "BuyerReference", doc.buyer_reference)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", doc.period_start.isoformat())
    _cbc(period, "EndDate", doc.period_end.isoformat())
    if doc.order_reference:
        _cbc(_cac(root, "OrderReference"), "ID", doc.order_reference)
    if credit and doc.credited_number:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", doc.credited_number)
        if doc.credited_issue_date:
            _cbc(reference, "IssueDate", doc.credited_issue_date.isoformat())
    if doc.contract_reference:
        _cbc(_cac(root, "ContractDocumentReference"), "ID", doc.contract_reference)
    _party(root, "AccountingSupplierParty", doc.supplier, supplier=True)
    _party(root, "AccountingCustomerParty", doc.buyer, supplier=False)
    if not credit:
        # A credit note is settled against the invoice, not paid to the supplier's account.
        _payment_means(root, doc)
        if doc.due_date:
            _cbc(_cac(root, "PaymentTerms"), "Note", texts.payment_terms_note(doc.due_date))
    line_total = sum((line.amount for line in doc.lines), Decimal(0))
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", Decimal(0), doc.currency)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _amount(subtotal, "TaxableAmount", line_total, doc.currency)
    _amount(subtotal, "TaxAmount", Decimal(0), doc.currency)
    _tax_category(subtotal, "TaxCategory", with_reason=True)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", line_total, doc.currency)
    _amount(totals, "TaxExclusiveAmount", doc.total, doc.currency)
    _amount(totals, "TaxInclusiveAmount", doc.total, doc.currency)  # no VAT: equal to the exclusive amount
    _amount(totals, "PayableAmount", doc.total, doc.currency)
    for number, line in enumerate(doc.lines, start=1):
        _line(root, doc, number, line)
    return root


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build(doc: InvoiceDocument) -> bytes:
    """The UBL XML bytes of ``doc``."""
    return serialize(build_tree(doc))
