"""Every catalogue is complete: each message id in the code has its Danish text, compiled.

The English UI shows the message ids themselves, so they must be English: a
message id that reads as Danish would stay Danish in English. Each catalogue
(core's, and one beside each plugin) is extracted here the way
``make translations`` does, so a new ``_()`` without its translation fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.i18n import translation_folders

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2), "N_": None}
# Danish words that are names or loanwords in English text too.
DANISH_IN_ENGLISH = {
    "Mødrehjælpen",
    "øre",
    "Ishøj",
    "Det Fælles Designsystem",
    "Digitaliseringsstyrelsen",
    "Lektiecafé",
    "Børneattestloven",
}


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


# --- One text, one message id: no Danish/English pairs, no Danish outside the catalogues --------------------------

# The code that makes pages: a plugin's tests (plugins/<key>/tests/) hold expected Danish output, as tests/ does.
SOURCES = [
    p
    for folder in ("core", "plugins")
    for p in sorted((ROOT / folder).rglob("*.py"))
    if not {"migrations", "tests"} & set(p.relative_to(ROOT).parts)
]
GETTEXT_CALLS = set(KEYWORDS) | {"pgettext", "lazy_pgettext"}
_PAIR_NAME = re.compile(r"^(\w+)_(da|en)$")


def _names(tree: ast.AST) -> set[str]:
    """Every name a module defines or passes: functions, class attributes, assigned attributes, keyword
    arguments, dict keys and identifier-like strings (``{"name_da": ...}``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Store):
            found.add(node.id if isinstance(node, ast.Name) else node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _PAIR_NAME.match(node.value):
            found.add(node.value)
    return found


def text_pairs(source: str) -> list[str]:
    """The ``X_da``/``X_en`` pairs a module defines, and calls given both ``da=`` and ``en=`` (``Bilingual(da=, en=)``)."""
    tree = ast.parse(source)
    suffixes: dict[str, set[str]] = {}
    for name in _names(tree):
        if m := _PAIR_NAME.match(name):
            suffixes.setdefault(m[1], set()).add(m[2])
    pairs = [f"{stem}_da/{stem}_en" for stem, found in suffixes.items() if found == {"da", "en"}]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and {"da", "en"} <= {k.arg for k in node.keywords}:
            pairs.append(f"a call with da= and en= (line {node.lineno})")
    return sorted(pairs)


def test_the_pair_detector_finds_pairs() -> None:
    assert text_pairs("MenuEntry(label_da='Forside', label_en='Home')") == ["label_da/label_en"]
    assert text_pairs("class P:\n    name_da: str\n    name_en: str\n") == ["name_da/name_en"]
    assert text_pairs("x = {'title_da': a, 'title_en': b}") == ["title_da/title_en"]
    assert text_pairs("t = Bilingual(da='Husstande', en='Households')") == ["a call with da= and en= (line 1)"]
    assert text_pairs("MenuEntry(label=lazy_gettext('Home'))") == []
    assert text_pairs("staff_title_da = fields.String()") == []  # one Danish data field is not a pair


def test_no_danish_and_english_text_pairs_in_the_code() -> None:
    """A text is one English message id through gettext, Danish in the catalogue; never a ``*_da``/``*_en`` pair."""
    found = {str(p.relative_to(ROOT)): pairs for p in SOURCES if (pairs := text_pairs(p.read_text("utf-8")))}
    assert not found, f"use one English msgid through gettext (lazy_gettext for module-level values): {found}"


# Danish in a string literal outside gettext: its letters, or a Danish word no English text has.
_DANISH = re.compile(r"[æøåÆØÅ]|\b(ikke|eller|findes|allerede|skal|kunne|Angiv|mangler|Ingen|ingen|og|til|af|er)\b")
# Danish that is not a UI text, each with its reason (path, the literal's beginning).
DANISH_ALLOWED: dict[tuple[str, str], str] = {
    # The invoice and credit note are Danish whoever issues or opens them (core/billing/documents/texts.py).
    ("core/billing/documents/texts.py", "Momsfritaget"): "the document's VAT exemption, citing Danish law",
    ("core/billing/documents/texts.py", "Netto. Betales senest"): "the document's payment terms",
    ("core/billing/services.py", "Kreditering af faktura"): "the credit note's line, on the Danish document",
    ("core/billing/documents/ubl.py", "Kreditering af faktura"): "the credit note's note, on the Danish document",
    ("plugins/open_counselling/schedule_views.py", "-//Samvirke//Åben rådgivning//DA"): "the iCal PRODID, an identifier",
    ("core/calendar.py", "Kristi himmelfartsdag"): "the holidays package's Danish name, to find Ascension Day by",
    # Stored records whose wording is what was agreed, in the language it was agreed in.
    ("plugins/mother_groups/services.py", "Deltagelse i mødregruppe"): "the consent's scope, stored with her consent",
    ("plugins/mother_groups/services.py", "Deltagelse i ekstern evaluering"): "the evaluation consent's scope, stored",
    # The external evaluation's data set: its values are fixed Danish codes the evaluator reads.
    ("plugins/mother_groups/evaluation.py", "udsat boligområde"): "evaluation data set value",
    ("plugins/mother_groups/evaluation.py", "andet boligområde"): "evaluation data set value",
    ("plugins/mother_groups/evaluation.py", "gennemført"): "evaluation data set value",
}
# Whole files of Danish data, not texts: demo tenants' content (what a municipality would type),
# a plugin's sample rows for the test kit (the same kind of content), and the Danish catalogue
# entries the scaffold writes into a new plugin's .po (msgstr values, not UI texts of core).
DANISH_FILES = {"demo.py", "samples.py", "catalogue.py"}
DANISH_PENDING: set[str] = set()  # files left for a later change (none)


def danish_literals(source: str) -> list[tuple[int, str]]:
    """String literals that read as Danish and are neither a gettext message id nor a docstring (nor inside a gettext call)."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None) in GETTEXT_CALLS:
                skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip and _DANISH.search(node.value)
    )


def test_the_danish_detector_finds_danish() -> None:
    assert danish_literals('flash("Fremmødet er gemt.")') == [(1, "Fremmødet er gemt.")]
    assert danish_literals('x = f"Højst {n} forløb"') == [(1, " forløb"), (1, "Højst ")]
    assert danish_literals('raise E("Moderen findes ikke.")') == [(1, "Moderen findes ikke.")]
    assert danish_literals('flash(gettext("The attendance is saved."))') == []
    assert danish_literals('x = lazy_gettext("GDPR: Mødrehjælpen obtains it")') == []
    assert danish_literals('def f():\n    """Åben rådgivning."""\n') == []


def test_no_danish_text_outside_the_catalogues() -> None:
    """Danish UI text lives in the .po files; the code holds English message ids (or Danish data, listed above)."""
    found = []
    for path in SOURCES:
        relative = str(path.relative_to(ROOT))
        if path.name in DANISH_FILES or relative in DANISH_PENDING:
            continue
        for line, value in danish_literals(path.read_text("utf-8")):
            if not any(relative == where and value.startswith(start) for where, start in DANISH_ALLOWED):
                found.append(f"{relative}:{line}: {value[:60]!r}")
    assert not found, f"Danish outside gettext (write an English msgid, Danish in the .po): {found[:20]}"


def test_flask_babel_is_imported_under_the_extracted_names() -> None:
    """``from flask_babel import lazy_gettext as _x`` would hide the ids from pybabel: only the extracted keywords."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                for alias in node.names:
                    if "gettext" in alias.name and alias.asname:
                        assert alias.asname in KEYWORDS, f"{path}: {alias.name} as {alias.asname} is not extracted (Makefile -k)"


# --- The English UI is English: the former pairs' Danish never shows -------------------------------------------

# The Danish of the former *_da texts (menu, programme names, widgets, agreement terms, billing lines).
FORMER_DANISH = (
    "Forside",
    "Samarbejdsaftaler",
    "Rapporter",
    "Mødregrupper",
    "Henvisninger",
    "Mødegange",
    "Ny mor i Danmark (mødregrupper)",
    "Åben rådgivning",
    "Underretninger",
    "Åbningstider",
    "Styregruppe og følgegruppe",
    "Lokalforening med butik",
    "Butik og vagter",
    "Fondsansøgninger",
    "Baggrundsjob",
    "arbejdsdages skriftligt varsel",
    "måneders varsel",
    "én gang om året inden",
    "halvårligt",
    "kvartalsvis",
    "Trappemodel",
    "Fast årligt beløb",
    "kvartal 20",
    "Aktive forløb",
    "Med advarsler",
    # closures: the holidays package's names and the agreements' own days off
    "Skærtorsdag",
    "Kristi himmelfartsdag",
    "Mellem jul og nytår",
)


@pytest.fixture(scope="module")
def demo(database_factory):
    """The real tenants and organisations with `samvirke demo load`'s data (agreement terms, billing rules)."""
    from core.db import db
    from core.demo import load_demo_data
    from core.testing.fixtures import build_app

    app = build_app(database_factory(), TENANTS_DIR=str(ROOT / "tenants"), ORGANISATIONS_DIR=str(ROOT / "organisations"))
    with app.app_context():
        load_demo_data()
        db.session.remove()
    return app


def _client_in(demo, tenant: str, role: str, organisation: str | None, lang: str):
    from core.testing.fixtures import csrf_from, sign_in

    client = demo.test_client()
    sign_in(demo, client, role, tenant, organisation)
    token = csrf_from(client.get(f"/{tenant}/").get_data(as_text=True))
    client.post("/language", data={"lang": lang, "csrf_token": token, "next": f"/{tenant}/"})  # the header's switch
    return client


def _pages(client, tenant: str, pages: list[str]) -> dict[str, str]:
    """Each page, and each agreement's own page linked from the agreements list (terms and billing preview)."""
    seen = {}
    for page in pages:
        response = client.get(f"/{tenant}/{page}")
        assert response.status_code == 200, page
        seen[page] = response.get_data(as_text=True)
        if page == "agreements/":
            for link in sorted(set(re.findall(rf'href="(/{tenant}/agreements/\d+)"', seen[page]))):
                response = client.get(link)
                assert response.status_code == 200, link
                seen[link] = response.get_data(as_text=True)
    return seen


ENGLISH_VISITS = [
    ("ishoj", "tenant_admin", None, ["", "agreements/", "reports/", "privacy"]),
    ("ishoj", "partner_staff", "drc-integration", ["", "mother_groups/"]),
    ("fredericia", "tenant_admin", None, ["", "agreements/", "privacy"]),
    (
        "fredericia",
        "partner_staff",
        "modrehjaelpen",
        ["open_counselling/governance/", "open_counselling/schedule/", "volunteer_association/"],
    ),
]


@pytest.mark.parametrize("tenant, role, organisation, pages", ENGLISH_VISITS)
def test_pages_in_english_show_no_danish_of_the_former_pairs(demo, tenant, role, organisation, pages) -> None:
    """Menu, programme names, dashboard widgets, agreement terms and billing lines: English in English."""
    seen = _pages(_client_in(demo, tenant, role, organisation, "en"), tenant, pages)
    assert any("/agreements/" in page and page != "agreements/" for page in seen) or "agreements/" not in pages
    for page, html in seen.items():
        assert '<html lang="en"' in html, page
        shown = [word for word in FORMER_DANISH if word in html]
        assert not shown, f"{page} in English shows Danish: {shown}"


def test_the_same_pages_in_danish_show_the_catalogues_danish(demo) -> None:
    """The other half: the Danish UI gets the former Danish texts (from the .po files) byte for byte."""
    seen = _pages(_client_in(demo, "ishoj", "tenant_admin", None, "da"), "ishoj", ["", "agreements/", "privacy"])
    html = "\n".join(seen.values())
    for danish in ("Forside", "Samarbejdsaftaler", "Ny mor i Danmark (mødregrupper)", "30 arbejdsdages skriftligt varsel", "Trappemodel"):
        assert danish in html, danish
    assert "Hendes navn" in seen["privacy"]  # a plugin's personal-data declaration, from its catalogue
