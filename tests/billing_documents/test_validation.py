"""Crafted bad documents are refused with the rule that fails, in Danish; warnings do not block."""

from __future__ import annotations

import dataclasses
import threading
from decimal import Decimal

import pytest
from flask_babel import force_locale
from lxml import etree

from core.billing.documents import DocumentLine, has_fatal, ubl_xml, validate
from core.billing.documents.validation import short_location
from tests.billing_documents.conftest import NS, credit_note, find, ishoj_invoice, remove, xml_with

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"


def _fatal_rules(xml: bytes) -> set[str]:
    return {f.rule_id for f in validate(xml) if f.severity == "fatal"}


def _set(path: str, value: str, attribute: str | None = None):
    def change(root: etree._Element) -> None:
        element = root.find(path, NS)
        assert element is not None, path
        if attribute:
            element.set(attribute, value)
        else:
            element.text = value

    return change


BUYER_ENDPOINT = "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"


def _no_exemption_reason(root: etree._Element) -> None:
    remove(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode")
    remove(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason")


def _element_out_of_order(root: etree._Element) -> None:
    issue_date = find(root, "cbc:IssueDate")
    root.remove(issue_date)
    root.append(issue_date)


CASES = {
    # The buyer's EAN given as if it were a CVR number.
    "buyer endpoint scheme CVR instead of GLN": (_set(BUYER_ENDPOINT, "0184", "schemeID"), "PEPPOL-COMMON-R042"),
    "buyer endpoint scheme not on the EAS list": (_set(BUYER_ENDPOINT, "9999", "schemeID"), "PEPPOL-EN16931-CL008"),
    "buyer EAN with a wrong check digit": (_set(BUYER_ENDPOINT, "5798999901838"), "PEPPOL-COMMON-R040"),
    "no buyer endpoint": (lambda root: remove(root, BUYER_ENDPOINT), "PEPPOL-EN16931-R010"),
    "VAT E without exemption reason": (_no_exemption_reason, "BR-E-10"),
    "VAT E at 25 %": (_set("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "25"), "BR-E-05"),
    "payable amount not the total": (_set("cac:LegalMonetaryTotal/cbc:PayableAmount", "14001.00"), "BR-CO-16"),
    "supplier without CVR": (
        lambda root: remove(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
        "DK-R-002",
    ),
    "supplier CVR with another scheme": (
        _set("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", "0198", "schemeID"),
        "DK-R-014",
    ),
    "payment means not allowed in Denmark": (_set("cac:PaymentMeans/cbc:PaymentMeansCode", "30"), "DK-R-005"),
    "bank transfer without registration number": (
        lambda root: remove(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch"),
        "DK-R-006",
    ),
    "not Peppol BIS 3": (_set("cbc:CustomizationID", "urn:cen.eu:en16931:2017"), "PEPPOL-EN16931-R004"),
    "an empty element": (_set("cbc:BuyerReference", ""), "PEPPOL-EN16931-R008"),
    "elements out of the schema's order": (_element_out_of_order, "XSD"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_crafted_bad_document_is_refused_with_the_rule_id(ishoj_2023, case: str) -> None:
    change, rule = CASES[case]
    assert validate(ubl_xml(ishoj_2023)) == []  # the same document, unchanged, is clean
    findings = validate(xml_with(ishoj_2023, change))
    assert has_fatal(findings)
    assert rule in {f.rule_id for f in findings if f.severity == "fatal"}
    finding = next(f for f in findings if f.rule_id == rule)
    assert finding.explanation.startswith(f"Regel {rule} ")
    assert finding.location


def test_a_missing_buyer_reference_is_refused(ishoj_2023) -> None:
    doc = dataclasses.replace(ishoj_2023, buyer_reference="")
    findings = validate(ubl_xml(doc))
    [finding] = [f for f in findings if f.severity == "fatal"]
    assert finding.rule_id == "PEPPOL-EN16931-R003"
    assert "Køberens reference" in finding.explanation


def test_wrong_totals_are_refused(ishoj_2023) -> None:
    assert "BR-CO-13" in _fatal_rules(ubl_xml(dataclasses.replace(ishoj_2023, total=Decimal("14000.01"))))
    wrong_line = dataclasses.replace(ishoj_2023.lines[0], amount=Decimal("13999.00"))
    rules = _fatal_rules(ubl_xml(dataclasses.replace(ishoj_2023, lines=(wrong_line,))))
    assert {"PEPPOL-EN16931-R120", "BR-CO-13"} <= rules  # quantity x price, and the total against the lines


def test_a_line_outside_the_invoice_period_is_refused(ishoj_2023) -> None:
    line = DocumentLine(
        description="Forkert år",
        quantity=Decimal(1),
        unit_price=Decimal(1),
        amount=Decimal(1),
        period_start=ishoj_invoice(2022).period_start,
        period_end=ishoj_invoice(2024).period_end,
    )
    doc = dataclasses.replace(ishoj_2023, lines=(*ishoj_2023.lines, line), total=ishoj_2023.total + 1)
    assert {"PEPPOL-EN16931-R110", "PEPPOL-EN16931-R111"} <= _fatal_rules(ubl_xml(doc))


def test_a_negative_credit_note_is_refused(ishoj_2023) -> None:
    note = credit_note(ishoj_2023, "K-1", "Fejl")
    negative = dataclasses.replace(note, total=-note.total, lines=(dataclasses.replace(note.lines[0], amount=-note.lines[0].amount),))
    assert "DK-R-016" in _fatal_rules(ubl_xml(negative))


def test_a_credit_note_with_an_empty_invoice_reference_is_refused(ishoj_2023) -> None:
    note = credit_note(ishoj_2023, "K-1", "Fejl")
    xml = xml_with(note, _set("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", " "))
    assert "PEPPOL-EN16931-R008" in _fatal_rules(xml)


def test_a_warning_does_not_block(ishoj_2023) -> None:
    def add_uuid(root: etree._Element) -> None:
        uuid = etree.Element(f"{CBC}UUID")
        uuid.text = "0b8c1f4e-1111-4b5e-9c3e-000000000001"
        find(root, "cbc:ID").addnext(uuid)

    findings = validate(xml_with(ishoj_2023, add_uuid))
    assert [(f.rule_id, f.severity) for f in findings] == [("UBL-CR-005", "warning")]
    assert not has_fatal(findings)
    assert findings[0].explanation.startswith("Regel UBL-CR-005 (EN 16931) er ikke opfyldt")  # the generic Danish wrapper
    with force_locale("en"):
        assert findings[0].explanation.startswith("Rule UBL-CR-005 (EN 16931) is not met")


def test_not_xml_and_not_ubl_are_refused() -> None:
    assert [f.rule_id for f in validate(b"<Invoice")] == ["XML"]
    [finding] = validate(b"<Invoice xmlns='urn:example'/>")
    assert (finding.rule_id, finding.severity) == ("XSD", "fatal")


def test_entities_are_not_expanded() -> None:
    # An external entity must neither be fetched nor read (XXE).
    xml = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    assert [(f.rule_id, f.severity) for f in validate(xml)] == [("XML", "fatal")]


def test_a_document_in_another_encoding_is_validated_as_the_same_document(ishoj_2023) -> None:
    latin1 = etree.tostring(etree.fromstring(ubl_xml(ishoj_2023)), xml_declaration=True, encoding="ISO-8859-1")
    assert b"\xf8" in latin1  # "ø" of Ishøj in Latin-1
    assert validate(latin1) == []


def test_locations_are_short_and_readable() -> None:
    long = (
        "/Q{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice[1]"
        "/Q{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}AccountingCustomerParty[1]"
    )
    assert short_location(long) == "/Invoice[1]/cac:AccountingCustomerParty[1]"
    skeleton = "/*:Invoice[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'][1]"
    assert short_location(skeleton) == "/Invoice[1]"


def test_validation_is_safe_from_several_threads(ishoj_2023) -> None:
    bad = xml_with(ishoj_2023, _set(BUYER_ENDPOINT, "5798999901838"))
    good = ubl_xml(ishoj_2023)
    results: list[tuple[bool, set[str]]] = []

    def run() -> None:
        for _ in range(3):
            results.append((True, _fatal_rules(good)))
            results.append((False, _fatal_rules(bad)))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 24
    assert all(rules == set() if clean else "PEPPOL-COMMON-R040" in rules for clean, rules in results)
