"""The plugin's Danish catalogue, made as ``make translations`` makes every package's: extract, init, fill, compile."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

# The Danish of the template's own texts; the programme's name stays as given (translate it in the .po).
DANISH = {
    "Activities": "Aktiviteter",
    "Activities per month": "Aktiviteter pr. måned",
    "All activities": "Alle aktiviteter",
    "Date": "Dato",
    "Fixed fee %(year)d": "Fast beløb %(year)d",
    "Fixed fee per year": "Fast beløb pr. år",
    "Month": "Måned",
    "New activity": "Ny aktivitet",
    "No activities yet.": "Ingen aktiviteter endnu.",
    "Pages of activities": "Sider med aktiviteter",
    "Participants": "Deltagere",
    "Save": "Gem",
    "Title": "Titel",
}
KEYWORDS = ["-k", "N_", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2"]  # as the Makefile's extract


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def make_danish(root: Path, folder: Path, *, programme_name: str) -> Path:
    """Write ``translations/da/LC_MESSAGES/messages.po`` (every id translated) and its ``.mo``; returns the .po."""
    translations = folder / "translations"
    translations.mkdir(exist_ok=True)
    pot = translations / "messages.pot"
    extract = ["extract", "--no-location", "--sort-output", "-F", str(root / "babel.cfg"), *KEYWORDS, "--project", "Samvirke"]
    _pybabel(*extract, "-o", str(pot), str(folder))
    _pybabel("init", "-i", str(pot), "-d", str(translations), "-l", "da")
    po = translations / "da" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="da")
    for message in catalog:
        if message.id and not message.string:
            message.string = DANISH.get(str(message.id), programme_name if message.id == programme_name else "")
    missing = [m.id for m in catalog if m.id and not m.string]
    if missing:
        raise RuntimeError(f"the scaffold has no Danish for {missing}")  # a template text was added without its Danish
    with po.open("wb") as f:
        write_po(f, catalog, width=76)
    _pybabel("compile", "-d", str(translations), "-l", "da")
    return po
