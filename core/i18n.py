"""Danish first, English switchable (Flask-Babel)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale

babel = Babel()
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def localized(obj: object, attribute: str) -> str:
    """``obj.<attribute>_da`` or ``_en`` for the active language."""
    lang = str(get_locale() or "da")
    return getattr(obj, f"{attribute}_{'en' if lang == 'en' else 'da'}")


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["request_path"] = lambda: request.path
