"""The seeds' invoices and credit notes as Peppol BIS 3 UBL pass the XSD, EN 16931 and PEPPOL (DK) rules."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from lxml import etree

from core.billing.documents import PaymentDetails, has_fatal, ubl_xml, validate
from tests.billing_documents.conftest import NS, credit_note, find, fredericia_invoice, ishoj_invoice


def _tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def _text(root: etree._Element, path: str) -> str:
    value = root.findtext(path, namespaces=NS)
    assert value is not None, path
    return value


@pytest.mark.parametrize("year, amount", [(2023, "14000.00"), (2024, "28000.00"), (2025, "42000.00")])
def test_ishoj_invoices_are_valid(year: int, amount: str) -> None:
    xml = ubl_xml(ishoj_invoice(year))
    assert validate(xml) == []
    root = _tree(xml)
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == amount
    assert _text(root, "cac:InvoicePeriod/cbc:StartDate") == f"{year}-01-01"
    assert _text(root, "cac:InvoicePeriod/cbc:EndDate") == f"{year}-12-31"


def test_the_invoice_carries_what_the_danish_rules_ask_for(ishoj_2023) -> None:
    root = _tree(ubl_xml(ishoj_2023))
    assert _text(root, "cbc:CustomizationID") == "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    assert _text(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    supplier_endpoint = find(root, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID")
    assert (supplier_endpoint.get("schemeID"), supplier_endpoint.text) == ("0184", "99990104")
    legal = find(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID")
    assert (legal.get("schemeID"), legal.text) == ("0184", "99990104")
    buyer_endpoint = find(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")
    assert (buyer_endpoint.get("schemeID"), buyer_endpoint.text) == ("0088", "5798999901839")
    assert _text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID") == "11931316"
    assert _text(root, "cbc:BuyerReference") == "DEMO-NYMOR"
    category = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/"
    assert _text(root, category + "cbc:ID") == "E"
    assert _text(root, category + "cbc:Percent") == "0"
    assert _text(root, category + "cbc:TaxExemptionReasonCode") == "VATEX-EU-132-1G"
    assert "momslovens § 13, stk. 1, nr. 2" in _text(root, category + "cbc:TaxExemptionReason")
    assert _text(root, "cac:TaxTotal/cbc:TaxAmount") == "0.00"
    assert _text(root, "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "E"
    # Domestic transfer: code 42 with the registration number as the branch (DK-R-005, DK-R-006).
    assert _text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "42"
    assert _text(root, "cac:PaymentMeans/cbc:PaymentID") == "2023-0001"
    assert _text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "0000000000"
    assert _text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == "0000"
    assert _text(root, "cbc:DueDate") == ishoj_2023.due_date.isoformat()
    assert root.find("cac:AllowanceCharge", NS) is None
    assert _text(root, "cac:ContractDocumentReference/cbc:ID") == "Ny mor i Danmark"


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_fredericia_quarterly_invoices_are_valid(quarter: int) -> None:
    doc = fredericia_invoice(quarter)
    assert doc.total == Decimal("40000.00")
    xml = ubl_xml(doc)
    assert validate(xml) == []
    root = _tree(xml)
    assert _text(root, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") == "99990201"
    assert _text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == "5798999906070"
    assert _text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID") == "69116418"
    assert _text(root, "cbc:BuyerReference") == "DEMO-AABENRAADGIVNING"
    assert _text(root, "cac:InvoiceLine/cbc:LineExtensionAmount") == "40000.00"
    assert _text(root, "cac:InvoiceLine/cac:Item/cbc:Name") == f"Åben rådgivning, {quarter}. kvartal 2024"


@pytest.mark.parametrize("make", [lambda: ishoj_invoice(2023), lambda: fredericia_invoice(2)])
def test_credit_notes_are_valid_and_refer_to_the_invoice(make) -> None:
    invoice = make()
    note = credit_note(invoice, f"{invoice.number}-K", "Forkert periode")
    xml = ubl_xml(note)
    assert validate(xml) == []
    root = _tree(xml)
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    assert _text(root, "cbc:CreditNoteTypeCode") == "381"
    assert _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == invoice.number
    assert _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == invoice.issue_date.isoformat()
    assert "Forkert periode" in _text(root, "cbc:Note")
    assert _text(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == "1"
    assert _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == f"{invoice.total:.2f}"


def test_an_iban_gives_a_sepa_transfer_that_is_valid(ishoj_2023) -> None:
    doc = dataclasses.replace(
        ishoj_2023,
        payment=PaymentDetails(bank_name="Bank", reg_no="1234", account_no="1234567890", iban="DK50 0040 0440 1162 43", bic="DABADKKK"),
    )
    xml = ubl_xml(doc)
    assert not has_fatal(validate(xml))
    root = _tree(xml)
    assert _text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "58"
    assert _text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "DK5000400440116243"


def test_a_vat_registered_supplier_gives_its_vat_number(ishoj_2023) -> None:
    doc = dataclasses.replace(ishoj_2023, supplier=dataclasses.replace(ishoj_2023.supplier, vat_id="DK99990104"))
    xml = ubl_xml(doc)
    assert validate(xml) == []
    root = _tree(xml)
    scheme = find(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme")
    assert (_text(scheme, "cbc:CompanyID"), _text(scheme, "cac:TaxScheme/cbc:ID")) == ("DK99990104", "VAT")


def test_several_lines_with_a_partial_year_are_valid() -> None:
    # 2024-H1 of Fredericia's open counselling: two quarterly lines in one invoice.
    doc = fredericia_invoice(1)
    second = fredericia_invoice(2)
    doc = dataclasses.replace(doc, period_end=second.period_end, lines=doc.lines + second.lines, total=doc.total + second.total)
    assert validate(ubl_xml(doc)) == []
