"""Danish first, English switchable (Flask-Babel).

Dates, amounts and numbers are written through Babel's formatters in the UI
language, one set of functions for templates (the filters below), reports and
exports, so a page never mixes ``2026-12-01`` and ``1. december 2026``, or
``3584.75 kr.`` and ``6.500,00 kr.``:

=================  ======================  ==========================
filter             Danish                  English
=================  ======================  ==========================
``|date``          ``1.12.2026``           ``Dec 1, 2026``
``|date_long``     ``1. december 2026``    ``December 1, 2026``
``|datetime``      ``1.12.2026 14.30``     ``Dec 1, 2026, 2:30 PM``
``|time``          ``14.30``               ``14:30``
``|amount``        ``1.234,50 kr.``        ``DKK 1,234.50``
``|number``        ``1.234,5``             ``1,234.5``
``|genitive``      ``Jens'``, ``Annas``    ``Jens's``, ``Anna's``
=================  ======================  ==========================

Babel's formatters with the UI language given explicitly, so the same call works in a
request, in a background export and in a job (Danish outside a request). Times of day are
Danish time. A ``<time datetime=…>`` attribute and a date input's ``value`` stay ISO:
those are for machines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import dates, numbers
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale

from core.calendar import COPENHAGEN

babel = Babel()
TRANSLATIONS = Path(__file__).parent / "translations"
Number = int | float | Decimal

# Babel's Danish "short" is 01.12.2026 and its "medium" 1. dec. 2026; Danish public-sector
# usage is 1.12.2026 and 1. december 2026.
_DATE = {"da": "d.M.y", "en": "medium"}
_DATE_LONG = {"da": "d. MMMM y", "en": "long"}
_DATETIME = {"da": "d.M.y HH.mm", "en": "medium"}
_TIME = {"da": "HH.mm", "en": "HH:mm"}
_AMOUNT = {"da": "#,##0.00 ¤", "en": "¤ #,##0.00"}  # ¤ is "kr." in Danish, "DKK" in English


def select_locale() -> str:
    if not has_request_context():  # a job or the CLI: the platform's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def language() -> str:
    """``"en"`` or ``"da"``: the UI language (Danish outside a request)."""
    try:
        return "en" if str(get_locale() or "da") == "en" else "da"
    except RuntimeError:  # no app context: the CLI and jobs speak Danish
        return "da"


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


@lru_cache(maxsize=2048)
def _formatted_day(day: date, pattern: str, lang: str) -> str:
    # Babel parses the locale and the pattern at every call (about 50 µs); a page lists the same
    # days many times (a national view: 200 agreement dates), and a day's text never changes.
    return dates.format_date(day, pattern, locale=lang)


def format_day(value: date | datetime | str | None, *, locale: str | None = None) -> str:
    """``1.12.2026`` (Danish) or ``Dec 1, 2026``; empty for None. ``locale`` ("da"/"en") instead of the UI
    language, for a document whose language is not the viewer's (an invoice is Danish)."""
    if value is None or value == "":
        return ""
    lang = locale or language()
    return _formatted_day(_as_date(value), _DATE[lang], lang)


def format_day_long(value: date | datetime | str | None, *, locale: str | None = None) -> str:
    """``1. december 2026`` (Danish) or ``December 1, 2026``; empty for None. ``locale`` as for ``format_day``."""
    if value is None or value == "":
        return ""
    lang = locale or language()
    return _formatted_day(_as_date(value), _DATE_LONG[lang], lang)


def format_moment(value: datetime | None) -> str:
    """``1.12.2026 14.30`` in Danish time (Danish) or ``Dec 1, 2026, 2:30:00 PM``; a naive
    datetime is taken as UTC (the database's timestamps)."""
    if value is None:
        return ""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return dates.format_datetime(moment, _DATETIME[language()], tzinfo=COPENHAGEN, locale=language())


def format_clock(value: time | datetime | None) -> str:
    """A time of day: ``14.30`` (Danish) or ``14:30``; a datetime in Danish time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return dates.format_time(moment, _TIME[language()], tzinfo=COPENHAGEN, locale=language())
    return dates.format_time(value, _TIME[language()], locale=language())


def format_amount(value: Number | str | None) -> str:
    """``1.234,50 kr.`` (Danish) or ``DKK 1,234.50``; empty for None."""
    if value is None or value == "":
        return ""
    return numbers.format_currency(Decimal(str(value)), "DKK", format=_AMOUNT[language()], currency_digits=False, locale=language())


def format_number(value: Number | str | None, places: int | None = None) -> str:
    """``1.234,5`` (Danish) or ``1,234.5``; with ``places``, exactly that many decimals."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)) if isinstance(value, str) else value
    if places is None:
        return numbers.format_decimal(number, locale=language())
    return numbers.format_decimal(number, format="#,##0" + ("." + "0" * places if places else ""), locale=language())


def genitive(name: Any) -> str:
    """A name in the genitive: Danish ``Jens'``, ``Annas``, ``Max'``; English ``Jens's``, ``Anna's``.

    Danish spelling adds an apostrophe alone after s, x and z (never "Jenss").
    """
    text = str(name or "").rstrip()
    if not text:
        return ""
    if language() == "en":
        return f"{text}'s"
    return f"{text}'" if text[-1].lower() in "sxz" else f"{text}s"


FILTERS: dict[str, Callable[..., str]] = {
    "date": format_day,
    "date_long": format_day_long,
    "datetime": format_moment,
    "time": format_clock,
    "amount": format_amount,
    "number": format_number,
    "genitive": genitive,
}


def translation_folders(app: Flask) -> list[Path]:
    """Core's catalogue, then each programme plugin's beside its code (``<plugin>/translations``), by convention.

    Flask-Babel merges them in this order, so a plugin's text for a message id wins over core's.
    """
    from core.plugins.host import plugin_host

    plugins = [folder / "translations" for folder in plugin_host(app).programme_folders()]
    return [TRANSLATIONS, *(folder for folder in plugins if folder.is_dir())]


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(str(folder) for folder in translation_folders(app)))
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Copenhagen")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["request_path"] = lambda: request.path
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
