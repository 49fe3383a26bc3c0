"""The wording and formats of the invoice documents (UBL and PDF): Danish, whoever looks.

An invoice or credit note goes to a Danish municipality (NemHandel/Peppol, its
EAN number) and is kept as its accounting record, so the document is in Danish
in every case, not in the language of the person who issues or opens it (the
pages around it follow the viewer). Dates and amounts are Babel's formats with
the locale given explicitly (``LOCALE``), never the request's; the two fixed
sentences below are the document's Danish wording (the VAT exemption cites
Danish law to a Danish public buyer) and are not translated.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal

from core.i18n import format_day, format_day_long

LOCALE = "da_DK"  # the document's language, fixed (see above)

# Council Directive 2006/112/EC art. 132(1)(g): services closely linked to welfare and
# social security work, by bodies recognised as devoted to social wellbeing; in Danish
# law momsloven § 13, stk. 1, nr. 2.
VAT_EXEMPTION_CODE = "VATEX-EU-132-1G"
VAT_EXEMPTION_TEXT = "Momsfritaget, jf. momslovens § 13, stk. 1, nr. 2 (ydelser nært knyttet til socialforsorg og social sikring)"


def amount(value: Decimal) -> str:
    """``1.234,50``."""
    return format_decimal(value, format="#,##0.00", locale=LOCALE)


def kroner(value: Decimal) -> str:
    """``1.234,50 kr.``."""
    return f"{amount(value)} kr."


def long_date(value: date) -> str:
    """``1. december 2026``: the platform's long date (``core.i18n``), in Danish whoever renders it."""
    return format_day_long(value, locale="da")


def short_date(value: date) -> str:
    """``1.12.2026``: the platform's date (``core.i18n``), in Danish whoever renders it."""
    return format_day(value, locale="da")


def period(start: date, end: date) -> str:
    """``1. januar 2023 – 31. december 2023``: written as every period on the platform is (reports, annual documents)."""
    return f"{long_date(start)} – {long_date(end)}"


def quantity(value: Decimal) -> str:
    """``1`` or ``2,5``."""
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


def payment_terms_note(due_date: date) -> str:
    return f"Netto. Betales senest {long_date(due_date)}."
