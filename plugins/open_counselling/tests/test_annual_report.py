"""The annual report counts families, not contacts; and the municipality's report of notifications sent.

Alpha and beta get look-alike data (same family numbers, same names); beta has
one family, one contact and one notification more, so any of beta's rows
leaking into alpha's report changes a number.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from core.programme import db
from core.testing import TenantContextMissing, cross_tenant, tenant_context
from core.testing.fixtures import read_csv
from plugins.open_counselling import models as m
from plugins.open_counselling.reports import (
    annual_result,
    default_year,
    notifications_sent_result,
    parse_children_ages,
    report_definitions,
)

REPORTS = {r.key: r for r in report_definitions()}
ANNUAL, SENT = "open_counselling.annual", "open_counselling.notifications_sent"
# The figures behind each report (grouped SQL); the reports lay them out (plugins/open_counselling/annual.py).
FIGURES = {ANNUAL: annual_result, SENT: notifications_sent_result}
YEAR = 2026
CLEAN_ORDER = [m.ContactReason, m.ContactReferral, m.Notification, m.Contact, m.Family]
SECRETS = ("FR-00", "Sara Jensen", "Fortroligt", "Rådgiver Hansen", "Familien Hansen")


def _wipe(app) -> None:
    from tests.example_plugin.models import Household, Member

    with app.app_context(), cross_tenant("test clean-up: open_counselling reports"):
        for model in [*CLEAN_ORDER, Member, Household]:
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


def _family(number: str, **fields) -> m.Family:
    family = m.Family(family_number=number, **fields)
    db.session.add(family)
    db.session.flush()
    return family


def _contact(family: m.Family, day: date, level: int, reasons=(), referrals=()) -> m.Contact:
    contact = m.Contact(
        family_id=family.id,
        day=day,
        channel="in_person",
        duration_minutes=45,
        counsellor="test",
        description="Fortroligt: restance på husleje",
        need_level=level,
    )
    contact.reasons = [m.ContactReason(reason=r) for r in reasons]
    contact.referrals = [m.ContactReferral(referral=r) for r in referrals]
    db.session.add(contact)
    return contact


def _notification(day: date, family: m.Family | None = None, confirmed: date | None = None) -> None:
    db.session.add(
        m.Notification(
            family_id=family.id if family else None,
            day=day,
            ground="Fortroligt grundlag for bekymring",
            author="Rådgiver Hansen",
            recipient_unit="Familieafdelingen",
            channel="digital",
            receipt_confirmed_on=confirmed,
        )
    )


def _seed(extra: bool) -> None:
    from tests.example_plugin.models import Household

    y = YEAR
    # Anonymous (a number, no name), fully registered, three contacts in the year.
    one = _family(
        "FR-001",
        income_basis="cash_benefit",
        employment_status="unemployed",
        parent_age_band="18_24",
        household="single",
        pregnant=True,
        pregnancy_week=20,
        children_count=2,
        children_ages="0,2",
    )
    _contact(one, date(y, 2, 1), 1, ["housing_economy", "parenthood"], ["financial_counselling"])
    _contact(one, date(y, 5, 1), 3, ["housing_economy"], ["legal_aid"])
    _contact(one, date(y, 9, 1), 2, ["violence"])
    # Anonymous, two contacts with the same reason.
    two = _family(
        "FR-002",
        income_basis="wages",
        employment_status="employed",
        parent_age_band="30_39",
        household="couple",
        children_count=2,
        children_ages=" 4, 7",
    )
    _contact(two, date(y, 3, 1), 2, ["parenthood"])
    _contact(two, date(y, 3, 15), 2, ["parenthood"], ["financial_counselling"])
    # Named with consent, nothing registered; its level-4 contact was the year before.
    three = _family("FR-003", name="Sara Jensen", consent_given_on=date(y - 1, 12, 1), consent_recorded_by="test")
    _contact(three, date(y, 12, 31), 1, ["other"])
    _contact(three, date(y - 1, 12, 31), 4, ["violence"], ["municipality"])
    # Only contacts outside the year: not counted.
    four = _family("FR-004", income_basis="pension", pregnant=True, children_ages="1")
    _contact(four, date(y + 1, 1, 1), 4, ["grief_crisis"], ["legal_aid"])
    _notification(date(y, 4, 2), one, confirmed=date(y, 4, 3))
    _notification(date(y, 10, 1))
    _notification(date(y - 1, 6, 1), three)
    db.session.add(m.Family(family_number="FR-009"))  # no contact at all
    db.session.add(Household(name="Familien Hansen", note="Fortroligt"))
    if extra:
        five = _family("FR-005")
        _contact(five, date(y, 6, 1), 4, ["violence"])
        _notification(date(y, 11, 1), five)
        db.session.add_all([Household(name="Familien Hansen"), Household(name="Familien Jensen")])
    db.session.commit()


@pytest.fixture
def data(app, tenant_a, tenant_b):
    _wipe(app)
    with app.app_context():
        for tid, extra in ((tenant_a, False), (tenant_b, True)):
            with tenant_context(tid):
                _seed(extra)
        db.session.remove()
    yield
    _wipe(app)


def build(app, tid, key, params=None):
    with app.app_context(), tenant_context(tid):
        result = FIGURES[key]({"year": str(YEAR)} if params is None else params)
        db.session.remove()
    return result


def section(result, name):
    return {row[1]: tuple(row[2:]) for row in result.rows if row[0] == name}


# --- Figures -----------------------------------------------------------------


def test_families_are_counted_once_across_repeated_contacts(app, data, tenant_a):
    result = build(app, tenant_a, ANNUAL)
    assert list(result.columns) == ["section", "category", "families", "contacts"]
    assert result.rows[0] == ("total", "all", 3, 6)  # six contacts in the year, three families


def test_anonymous_families_are_counted_by_family_number(app, data, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        two = db.session.scalar(select(m.Family).where(m.Family.family_number == "FR-002"))
        # A second anonymous family, registered exactly like FR-002: a different number is a different family.
        same = ("income_basis", "employment_status", "parent_age_band", "household", "children_ages")
        other = _family("FR-010", **{column: getattr(two, column) for column in same})
        _contact(other, date(YEAR, 3, 1), 2, ["parenthood"])
        db.session.commit()
        db.session.remove()
    result = build(app, tenant_a, ANNUAL)
    assert result.rows[0] == ("total", "all", 4, 7)
    assert section(result, "reason")["parenthood"] == (3, 4)
    assert section(result, "income_basis")["wages"] == (2, 3)


def test_reasons_count_a_family_once_per_reason(app, data, tenant_a):
    assert section(build(app, tenant_a, ANNUAL), "reason") == {
        "parenthood": (2, 3),
        "housing_economy": (1, 2),
        "relationship": (0, 0),
        "violence": (1, 1),
        "grief_crisis": (0, 0),
        "other": (1, 1),
    }


def test_a_family_counts_at_its_highest_need_level_in_the_year(app, data, tenant_a):
    # FR-001 had levels 1, 3, 2 (counts at 3); FR-003's level 4 was the year before (counts at 1).
    assert section(build(app, tenant_a, ANNUAL), "need_level") == {
        "level_1": (1, 2),
        "level_2": (1, 3),
        "level_3": (1, 1),
        "level_4": (0, 0),
    }


def test_distributions_of_the_families_registration(app, data, tenant_a):
    result = build(app, tenant_a, ANNUAL)
    income = section(result, "income_basis")
    assert list(income) == [*m.INCOME_BASES, "unknown"]  # every value, zeros too
    assert (income["cash_benefit"], income["wages"], income["unknown"], income["pension"]) == ((1, 3), (1, 2), (1, 1), (0, 0))
    employment = section(result, "employment")
    assert (employment["unemployed"], employment["employed"], employment["unknown"], employment["student"]) == (
        (1, 3),
        (1, 2),
        (1, 1),
        (0, 0),
    )
    ages = section(result, "parent_age")
    assert (ages["18_24"], ages["30_39"], ages["unknown"], ages["under_18"]) == ((1, 3), (1, 2), (1, 1), (0, 0))
    assert section(result, "children_age") == {
        "age_0": (1, 3),
        "age_1_2": (1, 3),
        "age_3_6": (1, 2),
        "age_7_plus": (1, 2),
        "unknown": (1, 1),
    }
    assert section(result, "household") == {"single": (1, 3), "couple": (1, 2), "unknown": (1, 1)}
    assert section(result, "pregnancy") == {"pregnant": (1, 3)}  # FR-004 is pregnant but had no contact in the year
    assert section(result, "referral") == {
        "legal_aid": (1, 1),
        "financial_counselling": (2, 2),
        "municipality": (0, 0),
        "other_organisation": (0, 0),
    }


def test_children_ages_are_parsed_leniently():
    assert parse_children_ages("0, 2 ,5") == [0, 2, 5]
    assert parse_children_ages("3 mdr,x,,4") == [4]
    assert parse_children_ages(None) == []


def test_notifications_are_a_count_only(app, data, tenant_a):
    result = build(app, tenant_a, ANNUAL)
    assert section(result, "notifications") == {"notifications_sent": (2, None)}  # the one of the year before is not counted
    text = repr(result.rows)
    assert "Familieafdelingen" not in text and "digital" not in text
    for secret in SECRETS:
        assert secret not in text


def test_other_programmes_figures_come_through_the_hook(app, client_for, data, tenant_a, tenant_b):
    # Every enabled programme may contribute; the example plugin's figure is the one with data here.
    assert section(build(app, tenant_a, ANNUAL), "other_programmes")["example.households"] == (1, None)
    assert section(build(app, tenant_b, ANNUAL), "other_programmes")["example.households"] == (3, None)
    rows = read_csv(client_for("alpha", "municipal_staff").get(f"/alpha/reports/{ANNUAL}.csv?year={YEAR}").get_data())
    assert ["Husstande", "<5"] in rows  # the figure's own label, and its count under disclosure control


def test_the_year_parameter(app, data, tenant_a):
    assert build(app, tenant_a, ANNUAL, {"year": str(YEAR + 1)}).rows[0] == ("total", "all", 1, 1)  # FR-004
    assert build(app, tenant_a, ANNUAL, {}).rows == build(app, tenant_a, ANNUAL, {"year": str(default_year())}).rows
    for bad in ("twenty", "1 OR 1=1", "0"):
        with pytest.raises(ValueError):
            build(app, tenant_a, ANNUAL, {"year": bad})


def test_default_year_is_last_year_until_march():
    assert default_year(date(2026, 1, 15)) == 2025
    assert default_year(date(2026, 2, 28)) == 2025
    assert default_year(date(2026, 3, 1)) == 2026
    assert default_year(date(2026, 12, 31)) == 2026


def test_tenant_b_data_never_in_tenant_a_report(app, data, tenant_a, tenant_b):
    alpha, beta = build(app, tenant_a, ANNUAL), build(app, tenant_b, ANNUAL)
    assert alpha.rows[0] == ("total", "all", 3, 6) and beta.rows[0] == ("total", "all", 4, 7)
    assert section(alpha, "need_level")["level_4"] == (0, 0) and section(beta, "need_level")["level_4"] == (1, 1)
    assert section(alpha, "notifications") == {"notifications_sent": (2, None)}
    assert section(beta, "notifications") == {"notifications_sent": (3, None)}


def test_every_section_and_category_has_a_danish_label(app, data, tenant_a):
    from flask_babel import force_locale

    from core.testing import build_report as render

    result = build(app, tenant_a, ANNUAL)
    keys = {v for row in result.rows for v in row[:2]} | set(result.columns)
    with app.test_request_context("/alpha/"), tenant_context(tenant_a), force_locale("da"):
        rendered = render(REPORTS[ANNUAL], {"year": YEAR}, disclose=False)
    shown = {cell.text for t in rendered.tables for row in t.rows for cell in row} | {h for t in rendered.tables for h in t.headings}
    assert shown & keys <= {"0", "1", "2", "3", "6"}  # figures, never a key
    assert {"Bolig og økonomi", "Kontanthjælp", "Familier", "Henvendelser", "Behovsniveau"} <= shown


def test_reports_need_a_tenant(app, data):
    with app.app_context(), pytest.raises(TenantContextMissing):
        annual_result({"year": str(YEAR)})


# --- National view -------------------------------------------------------------


def test_national_build_counts_per_tenant(app, data, tenant_a, tenant_b):
    from core.testing.fixtures import tenant_id

    gamma = tenant_id(app, "gamma")  # programme not enabled: no row
    with app.app_context(), cross_tenant("test: national open_counselling.annual"):
        result = REPORTS[ANNUAL].build_national({"year": str(YEAR)})
        db.session.remove()
    assert list(result.columns) == ["tenant_id", "families", "contacts", "notifications"]
    rows = {row[0]: tuple(row[1:]) for row in result.rows}
    assert rows[tenant_a] == (3, 6, 2) and rows[tenant_b] == (4, 7, 3)
    assert gamma not in rows and len(rows) == len(result.rows)
    assert all(type(v) is int for row in result.rows for v in row)  # counts only


# --- Notifications sent (the municipality's view) --------------------------------


def test_notifications_sent_only_says_that_and_when(app, data, tenant_a):
    result = build(app, tenant_a, SENT, {})
    assert list(result.columns) == ["day", "recipient_unit", "receipt_confirmed"]
    assert [tuple(r) for r in result.rows] == [
        (date(YEAR - 1, 6, 1), "Familieafdelingen", None),
        (date(YEAR, 4, 2), "Familieafdelingen", date(YEAR, 4, 3)),
        (date(YEAR, 10, 1), "Familieafdelingen", None),
    ]
    assert len(build(app, tenant_a, SENT, {"year": str(YEAR)}).rows) == 2
    assert REPORTS[SENT].build_national is None


# --- The viewer ------------------------------------------------------------------


def test_municipal_staff_read_the_annual_report_without_identities(client_for, data):
    client = client_for("alpha", "municipal_staff")
    page = client.get(f"/alpha/reports/{ANNUAL}?year={YEAR}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Årsrapport" in html and "Bolig og økonomi" in html and "Kontanthjælp" in html and "Familier" in html
    assert f"/alpha/reports/{ANNUAL}.csv?year={YEAR}" in html
    export = client.get(f"/alpha/reports/{ANNUAL}.csv?year={YEAR}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = read_csv(export.get_data())
    assert ["Periode", f"1. januar {YEAR} – 31. december {YEAR}"] in rows
    # Three families and two notifications: counts under 5, shown as such to the municipality.
    assert ["Sendte underretninger", "<5"] in rows and ["Alle familier med en henvendelse i året", "<5", "6"] in rows
    for text in (html, export.get_data().decode("utf-8-sig")):
        for secret in (*SECRETS, "Familieafdelingen"):
            assert secret not in text


def test_municipal_staff_read_the_notifications_sent_report(client_for, data):
    client = client_for("alpha", "municipal_staff")
    page = client.get(f"/alpha/reports/{SENT}?year={YEAR}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Familieafdelingen" in html and f"2.4.{YEAR}" in html
    for secret in SECRETS:
        assert secret not in html
    rows = read_csv(client.get(f"/alpha/reports/{SENT}.csv?year={YEAR}").get_data())
    header = rows.index(["Dato", "Modtagende enhed", "Modtagelse bekræftet"])
    sent = rows[header + 1 :]  # the year's two, by date; the dates as Danish Excel reads them (core.reports.formatting)
    assert [r[1] for r in sent] == ["Familieafdelingen", "Familieafdelingen"] and sent[1][2] == ""
    assert str(YEAR) in sent[0][0] and sent[0][2] and all(len(r) == 3 for r in sent)


def test_a_malformed_year_is_a_bad_request(client_for, data):
    assert client_for("alpha", "municipal_staff").get(f"/alpha/reports/{ANNUAL}?year=abc").status_code == 400


def test_the_reports_are_not_found_where_the_programme_is_off(client_for, data):
    admin = client_for(None)
    assert admin.get(f"/gamma/reports/{ANNUAL}").status_code == 404
    assert admin.get(f"/gamma/reports/{SENT}.csv").status_code == 404
    assert client_for("alpha", "municipal_staff").get(f"/beta/reports/{ANNUAL}").status_code == 404
