"""Danish formats and language: dates, amounts and numbers through one set of Babel formatters,
Danish number input, plurals, the genitive and the household label (issue 14)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale
from marshmallow import ValidationError

from config import ROOT
from core.db import db
from core.i18n import format_amount, format_day, format_day_long, format_moment, format_number, genitive
from core.reports.definitions import Column
from core.reports.formatting import csv_value, display
from core.schemas import AmbiguousNumber, Float, Schema, parse_number_text
from core.schemas import Decimal as DecimalField
from core.testing.fixtures import build_app, csrf_from, sign_in

ISO_DATE = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b")
ENGLISH_AMOUNT_IN_DANISH = re.compile(r"\b\d+\.\d\d kr\.")  # 3584.75 kr.


# --- the formatters -------------------------------------------------------------------------------------


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("da", ("1.12.2026", "1. december 2026", "1.12.2026 14.30", "3.584,75 kr.", "1.234,5", "1.234,00")),
        ("en", ("Dec 1, 2026", "December 1, 2026", "Dec 1, 2026, 2:30:00\u202fPM", "DKK 3,584.75", "1,234.5", "1,234.00")),
    ],
)
def test_the_formats_in_each_language(in_request, lang, expected):
    with force_locale(lang):
        assert (
            format_day(date(2026, 12, 1)),
            format_day_long(date(2026, 12, 1)),
            format_moment(datetime(2026, 12, 1, 13, 30, tzinfo=UTC)),  # Danish time: CET, +1
            format_amount(Decimal("3584.75")),
            format_number(1234.5),
            format_number(1234, 2),
        ) == expected


def test_empty_values_print_nothing(in_request):
    assert format_day(None) == format_day_long(None) == format_moment(None) == format_amount(None) == format_number(None) == ""


def test_a_naive_timestamp_is_utc_shown_in_danish_time(in_request):
    assert format_moment(datetime(2026, 7, 1, 22, 30)) == "2.7.2026 00.30"


def test_outside_a_request_the_formats_are_danish():
    assert format_amount(1234.5) == "1.234,50 kr." and format_day(date(2026, 1, 2)) == "2.1.2026"


@pytest.mark.parametrize(
    ("name", "da", "en"),
    [("Jens", "Jens'", "Jens's"), ("Anna", "Annas", "Anna's"), ("Max", "Max'", "Max's"), ("Lise Hansen", "Lise Hansens", "Lise Hansen's")],
)
def test_genitive(in_request, name, da, en):
    assert genitive(name) == da
    with force_locale("en"):
        assert genitive(name) == en


def test_the_filters_are_registered(app, in_request):
    from flask import render_template_string

    html = render_template_string(
        "{{ d | date }}|{{ d | date_long }}|{{ a | amount }}|{{ n | number }}|{{ 'Jens' | genitive }}",
        d=date(2026, 12, 1),
        a=Decimal("6500"),
        n=12345,
    )
    assert unescape(html) == "1.12.2026|1. december 2026|6.500,00 kr.|12.345|Jens'"


def test_reports_use_the_same_formats(in_request):
    money, day, count = Column("m", "M", kind="money"), Column("d", "D", kind="date"), Column("c", "C", kind="count")
    assert display(money, Decimal("3584.75")) == "3.584,75 kr."
    assert display(day, date(2026, 12, 1)) == "1.12.2026"
    assert display(count, 1234) == "1.234"
    assert csv_value(day, date(2026, 12, 1)) == "1.12.2026" and csv_value(money, Decimal("3584.75")) == "3584,75"
    with force_locale("en"):
        assert display(money, Decimal("3584.75")) == "DKK 3,584.75" and csv_value(day, date(2026, 12, 1)) == "2026-12-01"


# --- Danish number input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1234.50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234.567", "1234567"),
        ("1 234,50", "1234.50"),
        ("250 kr.", "250"),
        ("-12,5", "-12.5"),
        ("0.500", "0.500"),
        ("1.23", "1.23"),
        ("abc", None),
        ("1,2,3", None),
        ("12,34,56", None),
        ("", None),
    ],
)
def test_parse_number_text(text, expected):
    assert parse_number_text(text) == expected


@pytest.mark.parametrize("text", ["1.234", "12.345", "999.000"])
def test_a_point_before_three_digits_is_ambiguous(text):
    with pytest.raises(AmbiguousNumber):
        parse_number_text(text)


class _Amounts(Schema):
    amount = DecimalField(places=2, as_string=True)
    plain = __import__("marshmallow").fields.Decimal(places=2, load_default=None)  # a plugin's plain field
    share = Float(load_default=None)


@pytest.mark.parametrize("text", ["1234,50", "1.234,50", "1234.50", "1234,5"])
def test_every_decimal_field_reads_danish_input(in_request, text):
    loaded = _Amounts().load({"amount": text, "plain": text, "share": "12,5"})
    assert loaded["amount"] == Decimal("1234.50") and loaded["plain"] == Decimal("1234.50") and loaded["share"] == pytest.approx(12.5)


def test_json_numbers_still_load(in_request):
    assert _Amounts().load({"amount": 1234.5, "plain": 7, "share": 0.25}) == {
        "amount": Decimal("1234.50"),
        "plain": Decimal("7.00"),
        "share": 0.25,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mange penge", "Skriv et tal, for eksempel 1234,50."),
        ("1.234", "Skriv tallet uden tusindtalsseparator (1234) eller med decimalkomma (1,234)."),
        ("NaN", "Skriv et tal, for eksempel 1234,50."),
    ],
)
def test_garbage_is_refused_in_danish(in_request, text, message):
    with pytest.raises(ValidationError) as refused:
        _Amounts().load({"amount": text})
    assert refused.value.messages == {"amount": [message]}


def test_a_danish_amount_in_a_real_form(app, client_for, tenant_a):
    """The shop's expense form: "1.234,50" is saved as 1234.50 kr. and shown as "1.234,50 kr."."""
    from sqlalchemy import select

    from core.tenancy.context import tenant_context
    from plugins.volunteer_association.models import Expense

    client = client_for("alpha")
    page = "/alpha/volunteer_association/shop/"
    token = csrf_from(client.get(page).get_data(as_text=True))
    from core.calendar import copenhagen_today

    data = {"csrf_token": token, "expense_day": copenhagen_today().isoformat(), "expense_category": "rent", "amount": "1.234,50"}
    assert client.post(f"{page}expenses", data=data).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(Expense.amount)).all() == [Decimal("1234.50")]
    assert "1.234,50 kr." in client.get(page).get_data(as_text=True)


# --- plurals, the household label -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "sessions", "holidays"),
    [(1, "1 mødegang oprettet", "1 helligdag sprunget over."), (2, "2 mødegange oprettet", "2 helligdage sprunget over.")],
)
def test_plurals_in_danish(in_request, n, sessions, holidays):
    from flask_babel import ngettext

    assert ngettext("%(num)s session created", "%(num)s sessions created", n) == sessions
    assert ngettext("%(num)s public holiday skipped.", "%(num)s public holidays skipped.", n) == holidays


def test_the_catalogues_carry_plural_entries_and_enlig(in_request):
    from flask_babel import force_locale, gettext, ngettext

    with force_locale("da"):
        assert [ngettext("%(num)s session created", "%(num)s sessions created", n) for n in (1, 2)] == [
            "1 mødegang oprettet",
            "2 mødegange oprettet",
        ]
        assert gettext("Single") == "Enlig"


def test_a_single_household_is_enlig_not_a_single_conversation(in_request):
    from plugins.open_counselling.schemas import FamilySchema

    labels = {value: str(label) for value, label in FamilySchema().fields["household"].metadata["choice_labels"].items()}
    assert labels == {"single": "Enlig", "couple": "Par"}


# --- the pages, in Danish and in English -------------------------------------------------------------


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture(scope="module")
def demo(database_factory):
    """The real tenants and organisations with the demo data `samvirke demo load` gives."""
    from core.demo import load_demo_data

    app = build_app(database_factory(), TENANTS_DIR=str(ROOT / "tenants"), ORGANISATIONS_DIR=str(ROOT / "organisations"))
    with app.app_context():
        load_demo_data()
        db.session.remove()
    return app


# (tenant, role, organisation, pages): each page and, one level down, the pages its table rows link to.
VISITS = [
    (
        "fredericia",
        "partner_staff",
        "modrehjaelpen",
        ["open_counselling/", "open_counselling/families/", "open_counselling/notifications/"],
    ),
    ("fredericia", "partner_staff", "modrehjaelpen", ["open_counselling/governance/", "open_counselling/schedule/"]),
    ("fredericia", "partner_staff", "modrehjaelpen", ["volunteer_association/", "volunteer_association/shop/"]),
    ("fredericia", "partner_staff", "modrehjaelpen", ["volunteer_association/activities/", "volunteer_association/grants/", "volunteers/"]),
    ("fredericia", "tenant_admin", None, ["", "agreements/"]),
    ("ishoj", "partner_staff", "drc-integration", ["mother_groups/", "mother_groups/referrals/", "mother_groups/governance/"]),
    ("ishoj", "partner_staff", "drc-integration", ["mother_groups/mothers/", "mother_groups/my-sessions"]),
    ("ishoj", "finance", None, ["billing/"]),
]
LINK = re.compile(r'href="(/[a-z]+/[a-z_]+/[a-z_-]+/\d+)"')


def _visit(demo, tenant, role, organisation, pages, lang):
    client = demo.test_client()
    sign_in(demo, client, role, tenant, organisation)
    if lang == "en":
        token = csrf_from(client.get(f"/{tenant}/").get_data(as_text=True))
        client.post("/language", data={"lang": "en", "csrf_token": token, "next": f"/{tenant}/"})
    seen = {}
    for page in pages:
        url = f"/{tenant}/{page}"
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        seen[url] = html
        for link in list(dict.fromkeys(LINK.findall(html)))[:3]:
            detail = client.get(link)
            if detail.status_code == 200:
                seen[link] = detail.get_data(as_text=True)
    return seen


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize(("tenant", "role", "organisation", "pages"), VISITS)
def test_no_iso_date_in_the_visible_text(demo, tenant, role, organisation, pages, lang):
    seen = _visit(demo, tenant, role, organisation, pages, lang)
    assert len(seen) >= len(pages)
    problems = []
    for url, html in seen.items():
        text = visible_text(html)
        problems += [f"{url}: ISO date {m.group(0)!r}" for m in ISO_DATE.finditer(text)]
        if lang == "da":
            problems += [f"{url}: amount {m.group(0)!r}" for m in ENGLISH_AMOUNT_IN_DANISH.finditer(text)]
    assert problems == [], "\n".join(problems)


def test_a_page_with_dates_and_amounts_in_danish_and_english(demo):
    """The shop page of Fredericia's association: Danish dates and amounts, English ones in English."""
    da = visible_text(
        _visit(demo, "fredericia", "partner_staff", "modrehjaelpen", ["volunteer_association/shop/"], "da")[
            "/fredericia/volunteer_association/shop/"
        ]
    )
    en = visible_text(
        _visit(demo, "fredericia", "partner_staff", "modrehjaelpen", ["volunteer_association/shop/"], "en")[
            "/fredericia/volunteer_association/shop/"
        ]
    )
    assert re.search(r"\d{1,3}(\.\d{3})*,\d\d kr\.", da), da[:2000]
    assert re.search(r"DKK \d{1,3}(,\d{3})*\.\d\d", en), en[:2000]
    assert not re.search(r"DKK \d", da) and not re.search(r"\d,\d\d kr\.", en)


def test_times_of_day(in_request):
    from datetime import time

    from core.i18n import format_clock

    assert format_clock(time(14, 30)) == "14.30" and format_clock(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "14.00"
    with force_locale("en"):
        assert format_clock(time(9, 5)) == "09:05"
