"""Documents made from the repository's real data: the organisation and tenant files and the
plugins' own billing rules (no database, no app: the document functions are pure).

``ishoj_invoice(2023)`` is DRC Integration's invoice to Ishøj for 2023 (14,000 DKK);
``fredericia_invoice(q)`` Mødrehjælpen's to Fredericia for a quarter of 2024 (40,000 DKK).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from core.billing.documents import DocumentLine, InvoiceDocument, Party, PaymentDetails
from core.billing.documents.ubl import build_tree, serialize
from plugins.mother_groups.billing import StaircaseRule
from plugins.open_counselling.billing import QuarterlyRule

ROOT = Path(__file__).resolve().parents[2]
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


@pytest.fixture(autouse=True)
def in_danish(app):
    """Core builds an invoice's lines in Danish (force_locale in core.billing.services.plan), and the
    finance page shows a finding's explanation in its language: here Danish."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("da"):
        yield


def _toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text("utf-8"))


def _agreement(tenant: str, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = _toml(ROOT / "tenants" / f"{tenant}.toml")
    return data, next(a for a in data["agreements"] if a["key"] == key)


def supplier(slug: str) -> Party:
    org = _toml(ROOT / "organisations" / f"{slug}.toml")
    scheme, endpoint = org["invoicing"]["peppol_endpoint"].split(":")
    return Party(
        name=org["name"],
        cvr=org["cvr"],
        endpoint_scheme=scheme,
        endpoint_id=endpoint,
        street=org["address"]["street"],
        postcode=org["address"]["postcode"],
        city=org["address"]["city"],
        ean=org["invoicing"]["ean"],
    )


def payment(slug: str) -> PaymentDetails:
    invoicing = _toml(ROOT / "organisations" / f"{slug}.toml")["invoicing"]
    return PaymentDetails(bank_name=None, reg_no=invoicing["bank_registration"], account_no=invoicing["bank_account"])


def buyer(tenant: dict[str, Any], agreement: dict[str, Any]) -> Party:
    payer = agreement["payer"]
    return Party(
        name=tenant["name"],
        cvr=tenant["cvr"],
        endpoint_scheme="0088",
        endpoint_id=payer["ean"],
        ean=payer["ean"],
        contact_name=payer.get("contact"),
    )


def document(tenant_slug: str, key: str, rule: Any, start: date, end: date, number: str) -> InvoiceDocument:
    tenant, agreement = _agreement(tenant_slug, key)
    slug = agreement["partners"][0]
    params = {**agreement["billing"]["parameters"], "start": agreement["start"], "end": agreement.get("end")}
    lines = tuple(
        DocumentLine(
            description=line.description,
            quantity=Decimal(1),
            unit_price=line.amount,
            amount=line.amount,
            period_start=line.period_start,
            period_end=line.period_end,
        )
        for line in rule.lines(params, start, end)
    )
    issue = end + timedelta(days=5)
    return InvoiceDocument(
        kind="invoice",
        number=number,
        issue_date=issue,
        due_date=issue + timedelta(days=30),
        supplier=supplier(slug),
        buyer=buyer(tenant, agreement),
        buyer_reference=agreement["payer"]["buyer_reference"],
        contract_reference=agreement["title"],
        period_start=start,
        period_end=end,
        lines=lines,
        total=sum((line.amount for line in lines), Decimal(0)),
        payment=payment(slug),
        demo=True,
    )


def ishoj_invoice(year: int) -> InvoiceDocument:
    return document("ishoj", "ny-mor-i-danmark", StaircaseRule(), date(year, 1, 1), date(year, 12, 31), f"{year}-0001")


def fredericia_invoice(quarter: int, year: int = 2024) -> InvoiceDocument:
    start = date(year, 3 * quarter - 2, 1)
    end = (date(year, 3 * quarter + 1, 1) if quarter < 4 else date(year + 1, 1, 1)) - timedelta(days=1)
    return document("fredericia", "moedrehjaelpen-fredericia", QuarterlyRule(), start, end, f"MH-{year}-{quarter:04d}")


def credit_note(invoice: InvoiceDocument, number: str, reason: str) -> InvoiceDocument:
    return dataclasses.replace(
        invoice,
        kind="credit_note",
        number=number,
        issue_date=invoice.issue_date + timedelta(days=10),
        due_date=None,
        credited_number=invoice.number,
        credited_issue_date=invoice.issue_date,
        credit_reason=reason,
    )


def xml_with(doc: InvoiceDocument, change: Callable[[etree._Element], None]) -> bytes:
    """The UBL of ``doc`` with ``change`` applied to its tree (a crafted bad document)."""
    root = build_tree(doc)
    change(root)
    return serialize(root)


def find(root: etree._Element, path: str) -> etree._Element:
    element = root.find(path, NS)
    assert element is not None, path
    return element


def remove(root: etree._Element, path: str) -> None:
    found = root.findall(path, NS)
    assert found, f"nothing at {path}"
    for element in found:
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)


@pytest.fixture
def ishoj_2023() -> InvoiceDocument:
    return ishoj_invoice(2023)
