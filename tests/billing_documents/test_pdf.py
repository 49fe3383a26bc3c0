"""The Danish PDF: both parties, CVR, EAN, lines, totals, VAT exemption, payment details."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pypdf import PdfReader

from core.billing.documents import pdf
from core.billing.documents.pdf import render_html
from tests.billing_documents.conftest import credit_note, fredericia_invoice


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # One space for any run of whitespace: line breaks depend on the layout, not the content.
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def invoice_text(app) -> str:
    from flask_babel import force_locale

    from tests.billing_documents.conftest import ishoj_invoice

    with app.test_request_context(), force_locale("da"):  # module-scoped: before the conftest's Danish context
        return _text(pdf(ishoj_invoice(2023)))


def test_the_invoice_pdf_is_a_pdf(ishoj_2023) -> None:
    data = pdf(ishoj_2023)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert reader.metadata is not None
    assert reader.metadata.title == "Faktura 2023-0001 – DRC Integration"


@pytest.mark.parametrize(
    "expected",
    [
        "Faktura",
        "Nr. 2023-0001",
        # Supplier, with CVR and EAN
        "DRC Integration",
        "Borgergade 10, 3.",
        "1300 København K",
        "CVR-nr. 99990104",
        "EAN 5799999900013",
        # Buyer, with EAN, CVR and the payer's reference
        "Ishøj Kommune",
        "Att.: Sundhedsplejen (DEMO)",
        "EAN-nr. 5798999901839",
        "CVR-nr. 11931316",
        "Jeres reference DEMO-NYMOR",
        # Dates in Danish
        "Dato 5. januar 2024",
        "Forfaldsdato 4. februar 2024",
        "Periode 1. januar 2023 – 31. december 2023",  # as every period on the platform (core.i18n)
        # The line and the totals, in Danish number format
        "Trappemodel (kommunal medfinansiering) 2023",
        "1.1.2023 – 31.12.2023",  # the platform's date, not a private format
        "14.000,00",
        "I alt ekskl. moms 14.000,00 kr.",
        "Moms 0 % (momsfritaget) 0,00 kr.",
        "At betale DKK 14.000,00 kr.",
        # VAT exemption
        "Momsfritaget, jf. momslovens § 13, stk. 1, nr. 2",
        "VATEX-EU-132-1G",
        # Payment details
        "bedes indbetalt senest 4. februar 2024",
        "Reg.nr. 0000",
        "Kontonr. 0000000000",
        "Betalingsreference 2023-0001",
        # Demo data says so
        "Dokumentet må ikke betales",
    ],
)
def test_the_invoice_pdf_says(invoice_text: str, expected: str) -> None:
    assert expected in invoice_text


def test_the_fredericia_invoice_pdf() -> None:
    text = _text(pdf(fredericia_invoice(3)))
    for expected in [
        "Mødrehjælpen",
        "Svanemøllevej 11",
        "Fredericia Kommune",
        "CVR-nr. 69116418",
        "EAN-nr. 5798999906070",
        "Åben rådgivning, 3. kvartal 2024",
        "Periode 1. juli 2024 – 30. september 2024",
        "At betale DKK 40.000,00 kr.",
    ]:
        assert expected in text


def test_the_credit_note_pdf_says_kreditnota_and_names_the_invoice(ishoj_2023) -> None:
    text = _text(pdf(credit_note(ishoj_2023, "2024-0007", "Beløbet var faktureret to gange")))
    assert "Kreditnota" in text
    assert "Nr. 2024-0007" in text
    assert "Kreditnota til faktura nr. 2023-0001 af 5. januar 2024" in text
    assert "Årsag: Beløbet var faktureret to gange" in text
    assert "Krediteret i alt DKK 14.000,00 kr." in text
    assert "modregnes i faktura nr. 2023-0001" in text
    assert "Faktura" not in text.replace("faktura", "")  # the document is not called an invoice
    assert "bedes indbetalt" not in text  # nothing to pay on a credit note


def test_no_demo_warning_on_real_data(ishoj_2023) -> None:
    text = _text(pdf(dataclasses.replace(ishoj_2023, demo=False)))
    assert "DEMO" not in text.replace("Sundhedsplejen (DEMO)", "").replace("DEMO-NYMOR", "")
    assert "må ikke betales" not in text


def test_data_is_escaped_in_the_template(ishoj_2023) -> None:
    hostile = dataclasses.replace(ishoj_2023, buyer=dataclasses.replace(ishoj_2023.buyer, name='<img src="http://example.invalid/x">'))
    html = render_html(hostile)
    assert '<img src="http://example.invalid/x">' not in html
    assert "&lt;img src=&#34;http://example.invalid/x&#34;&gt;" in html
    assert '<img src="http://example.invalid/x">' in _text(pdf(hostile))  # printed as text, never fetched
