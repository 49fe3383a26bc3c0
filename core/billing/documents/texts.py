"""Danish wording shared by the UBL and PDF documents: VAT exemption, formats, payment terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "da_DK"

# Council Directive 2006/112/EC art. 132(1)(g): services closely linked to welfare and
# social security work, by bodies recognised as devoted to social wellbeing; in Danish
# law momsloven § 13, stk. 1, nr. 2.
VAT_EXEMPTION_CODE = "VATEX-EU-132-1G"
VAT_EXEMPTION_TEXT_DA = "Momsfritaget, jf. momslovens § 13, stk. 1, nr. 2 (ydelser nært knyttet til socialforsorg og social sikring)"


def amount_da(value: Decimal) -> str:
    """``1.234,50``."""
    return format_decimal(value, format="#,##0.00", locale=LOCALE)


def kroner_da(value: Decimal) -> str:
    """``1.234,50 kr.``."""
    return f"{amount_da(value)} kr."


def date_da(value: date) -> str:
    """``1. december 2026``."""
    return format_date(value, format="d. MMMM y", locale=LOCALE)


def period_da(start: date, end: date) -> str:
    """``1. januar – 31. december 2023``; the year once when both dates share it."""
    if start.year == end.year:
        return f"{format_date(start, format='d. MMMM', locale=LOCALE)} – {date_da(end)}"
    return f"{date_da(start)} – {date_da(end)}"


def quantity_da(value: Decimal) -> str:
    """``1`` or ``2,5``."""
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


def payment_terms_note(due_date: date) -> str:
    return f"Netto. Betales senest {date_da(due_date)}."
