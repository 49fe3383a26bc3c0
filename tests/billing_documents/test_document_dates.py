"""Billing writes dates through core.i18n's Babel formatters: the documents in Danish whoever renders them, the pages in the UI language."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask_babel import force_locale

from core.billing.documents import texts
from core.i18n import format_day, format_day_long
from tests.billing_documents.conftest import ishoj_invoice

BILLING = Path(__file__).resolve().parents[2] / "core" / "billing"


def test_the_documents_dates_are_the_platforms_danish_formats():
    day = date(2026, 12, 1)
    assert texts.long_date(day) == format_day_long(day, locale="da") == "1. december 2026"
    assert texts.short_date(day) == format_day(day, locale="da") == "1.12.2026"
    assert texts.period(date(2023, 1, 1), date(2023, 12, 31)) == "1. januar 2023 – 31. december 2023"
    assert texts.payment_terms_note(date(2024, 2, 4)) == "Netto. Betales senest 4. februar 2024."


def test_an_invoice_is_danish_when_an_english_speaking_person_renders_it(app):
    # Imported here: importing the submodule at collection would shadow the package's pdf() for test_pdf.py.
    from core.billing.documents.pdf import render_html

    with app.test_request_context("/"), force_locale("en"):
        assert format_day(date(2024, 1, 5)) == "Jan 5, 2024"  # the viewer's language ...
        html = re.sub(r"\s+", " ", render_html(ishoj_invoice(2023)))
    # ... but the document's dates stay Danish.
    assert "5. januar 2024" in html and "1.1.2023 – 31.12.2023" in html and "1. januar 2023 – 31. december 2023" in html
    assert "January" not in html and "Jan 5" not in html


def test_the_billing_pages_dates_follow_the_ui_language(app):
    from core.billing.messages import day, reason_text

    with app.test_request_context("/"):
        with force_locale("da"):
            assert day(date(2026, 12, 1)) == "1.12.2026"
            assert "1.1.2023 – 31.12.2023" in reason_text("outside", {"period": "2019", "start": "2023-01-01", "end": "2023-12-31"})
        with force_locale("en"):
            assert day("2026-12-01") == "Dec 1, 2026"


def test_billing_has_no_date_format_of_its_own():
    """Every date in core/billing goes through core.i18n (a private pattern or strftime would drift from the platform's)."""
    for source in BILLING.rglob("*.py"):
        if "vendor" in source.parts:
            continue
        text = source.read_text()
        assert "strftime" not in text, f"{source.relative_to(BILLING)} formats a date itself"
        assert not re.search(r"from babel\.dates import|babel\.dates\.", text), f"{source.relative_to(BILLING)} formats a date itself"
