"""Every catalogue is complete: each message id in the code has its Danish text, compiled.

The English UI shows the message ids themselves, so they must be English: a
message id that reads as Danish would stay Danish in English. Each catalogue
(core's, and one beside each plugin) is extracted here the way
``make translations`` does, so a new ``_()`` without its translation fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.i18n import translation_folders

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "lazy_ngettext": (1, 2), "N_": None}
# Danish words that are names or loanwords in English text too.
DANISH_IN_ENGLISH = {"Mødrehjælpen", "øre", "Ishøj", "Det Fælles Designsystem", "Digitaliseringsstyrelsen", "Lektiecafé"}


def _extracted(package: Path) -> set[str]:
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(package, method_map, options_map, keywords=KEYWORDS):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def _forms(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A translation's forms: one, or one per plural form (the .mo reader gives a list, the .po one a tuple)."""
    return (text,) if isinstance(text, str) else tuple(text)


def _catalogue(folder: Path):
    with open(folder / "da" / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale="da")


@pytest.fixture(scope="module")
def catalogues(app) -> list[Path]:
    """The catalogue folders the app loads: core's and each programme plugin's with one."""
    return [folder for folder in translation_folders(app) if ROOT in folder.parents]


def test_every_message_id_has_its_danish_text(catalogues: list[Path]) -> None:
    for folder in catalogues:
        _complete(folder)


def _complete(folder: Path) -> None:
    catalogue = _catalogue(folder)
    known = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    extracted = _extracted(folder.parent)
    not_in_catalogue = sorted(extracted - set(known))
    assert not not_in_catalogue, f"run `make translations` and translate in {folder}: {not_in_catalogue[:10]}"
    untranslated = sorted(
        key
        for key, m in known.items()
        if key in extracted and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))
    )
    assert not untranslated, f"no Danish text (or fuzzy) in {folder}: {untranslated[:10]}"


def test_the_compiled_catalogue_is_the_edited_one(catalogues: list[Path]) -> None:
    for folder in catalogues:
        po = _catalogue(folder)
        with open(folder / "da" / "LC_MESSAGES" / "messages.mo", "rb") as f:
            mo = read_mo(f)
        stale = [
            m.id
            for m in po
            if m.id and not m.fuzzy and ((t := mo.get(m.id)) is None or t.string is None or _forms(t.string) != _forms(m.string))
        ]
        assert not stale, f"run `make translations` (pybabel compile) for {folder}: {stale[:5]}"


def test_message_ids_are_english(catalogues: list[Path]) -> None:
    danish = []
    for message in (m for folder in catalogues for m in _catalogue(folder)):
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            rest = text
            for word in DANISH_IN_ENGLISH:
                rest = rest.replace(word, "")
            if re.search(r"[æøåÆØÅ]", rest):
                danish.append(text)
    assert not danish, f"message ids in Danish (the English UI would show them): {danish[:10]}"


def test_every_plugin_has_its_catalogue_beside_its_code(catalogues: list[Path]) -> None:
    plugins = {p.parent for p in (ROOT / "plugins").glob("*/__init__.py")}
    assert {folder.parent for folder in catalogues if folder.parent.parent.name == "plugins"} == plugins
    assert not (ROOT / "scripts" / "translate_da.py").exists()  # no dictionary of translations beside the catalogues


def test_a_plugin_text_is_danish_in_the_danish_ui(app) -> None:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("da"):
        # from plugins/mother_groups' own catalogue, not core's
        assert gettext("Mothers") == "Mødre"
    with app.test_request_context(), force_locale("en"):
        assert gettext("Mothers") == "Mothers"
