"""Opening hours and closures: the computed closed days, the public page and calendar feed, the staff page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from core.programme import db
from core.testing import AuditEvent, cross_tenant, tenant_context
from core.testing.fixtures import agreement_says, csrf_from
from plugins.open_counselling import schedule_views
from plugins.open_counselling.models import Closure, Office, OpeningHours
from plugins.open_counselling.schedule import is_open
from plugins.open_counselling.tests.test_closures import FREDERICIA_DAYS_OFF, feed_days
from tests.test_browser import check_accessibility, log_in, page  # noqa: F401 (page: the Chromium fixture)

BASE = "/alpha/open_counselling"
TODAY = date(2026, 5, 10)  # a Sunday, before the day after Ascension (15 May) and Constitution Day
NOTICE = "Ring til telefonrådgivningen i stedet"


# --- the closed days: see test_closures.py ------------------------------------------------


HOURS = [SimpleNamespace(weekday=0, opens=time(9), closes=time(15)), (2, time(12), time(18))]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 5, 11, 9, 0), True),  # Monday, opening time
        (datetime(2026, 5, 11, 14, 59), True),
        (datetime(2026, 5, 11, 15, 0), False),  # closing time
        (datetime(2026, 5, 11, 8, 59), False),
        (datetime(2026, 5, 13, 17, 0), True),  # Wednesday, hours given as a tuple
        (datetime(2026, 5, 12, 10, 0), False),  # Tuesday: no hours
        (datetime(2026, 5, 11, 7, 30, tzinfo=UTC), True),  # 09.30 in Denmark (summer time)
        (datetime(2026, 5, 11, 13, 30, tzinfo=UTC), False),  # 15.30 in Denmark
    ],
)
def test_is_open(moment, expected):
    assert is_open(HOURS, [], moment) is expected


def test_is_open_is_false_on_a_closed_day():
    monday = datetime(2026, 5, 11, 10, 0)
    assert is_open(HOURS, [date(2026, 5, 11)], monday) is False
    assert is_open(HOURS, [(date(2026, 5, 11), "Sygdom")], monday) is False
    assert is_open(HOURS, [SimpleNamespace(day=date(2026, 5, 11))], monday) is False
    assert is_open(HOURS, [date(2026, 5, 12)], monday) is True


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def today(monkeypatch, app, tenant_a):
    monkeypatch.setattr(schedule_views, "_today", lambda: TODAY)
    with agreement_says(app, tenant_a, "open_counselling", terms={"days_off": FREDERICIA_DAYS_OFF}):
        yield TODAY


@pytest.fixture
def offices(app, tenant_a, tenant_b):
    """Two offices in alpha with hours and an ad-hoc closure; one look-alike office in beta."""
    ids = {}
    with app.app_context():
        with tenant_context(tenant_a):
            main = Office(
                name="Rådgivningen Midtby", address="Gothersgade 1, 7000 Fredericia", phone="11 22 33 44", phone_counselling="55 66 77 88"
            )
            second = Office(name="Rådgivningen Nord", address=None, phone=None, phone_counselling=None)
            db.session.add_all([main, second])
            db.session.flush()
            db.session.add_all(
                [
                    OpeningHours(office_id=main.id, weekday=0, opens=time(9), closes=time(15)),
                    OpeningHours(office_id=main.id, weekday=3, opens=time(12), closes=time(18)),
                    Closure(office_id=main.id, day=TODAY + timedelta(days=2), reason="Sygdom", notice=NOTICE),
                ]
            )
            db.session.commit()
            ids["alpha"] = {"office": main.id, "second": second.id}
        with tenant_context(tenant_b):
            foreign = Office(name="Beta-rådgivningen", phone_counselling="99 99 99 99")
            db.session.add(foreign)
            db.session.flush()
            hours = OpeningHours(office_id=foreign.id, weekday=1, opens=time(8), closes=time(11))
            closure = Closure(office_id=foreign.id, day=TODAY + timedelta(days=3), reason="Beta lukket", notice="Beta-besked")
            db.session.add_all([hours, closure])
            db.session.commit()
            ids["beta"] = {"office": foreign.id, "hours": hours.id, "closure": closure.id}
        db.session.remove()
    return ids


def _count(app, model) -> int:
    with app.app_context(), cross_tenant("test: count rows"):
        return db.session.scalars(select(func.count()).select_from(model)).one()


def test_public_page_works_without_sign_in(client, offices, today):
    response = client.get(f"{BASE}/public")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="da"' in html and "Log ind" in html and "Log ud" not in html
    assert "<h1>Åben rådgivning: åbningstider</h1>" in html
    assert "Rådgivningen Midtby" in html and "Gothersgade 1, 7000 Fredericia" in html and "Rådgivningen Nord" in html
    assert "Mandag" in html and "09.00–15.00" in html and "Torsdag" in html and "12.00–18.00" in html
    # The ad-hoc closure with its notice and the number to call instead.
    assert "Sygdom" in html and NOTICE in html and 'href="tel:55667788"' in html
    assert '<time datetime="2026-05-12">tirsdag den 12. maj 2026</time>' in html
    # The fixed closures coming up.
    assert '<time datetime="2026-05-15">' in html and "Dagen efter Kristi himmelfartsdag" in html and "Grundlovsdag" in html
    # Nothing of another tenant, no staff forms.
    assert "Beta" not in html and "99 99 99 99" not in html
    assert "/schedule/" not in html


def test_public_page_in_english(client, offices, today):
    client.post(
        "/language",
        data={"lang": "en", "csrf_token": csrf_from(client.get(f"{BASE}/public").get_data(as_text=True)), "next": f"{BASE}/public"},
    )
    html = client.get(f"{BASE}/public").get_data(as_text=True)
    assert '<html lang="en"' in html and "Monday" in html and "09:00–15:00" in html and "Tuesday, May 12, 2026" in html


def test_public_page_with_no_offices(client, today):
    assert client.get(f"{BASE}/public").status_code == 200


def test_closures_feed_is_public_icalendar(client, offices, today):
    response = client.get(f"{BASE}/closures.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.get_data())
    events = list(calendar.walk("VEVENT"))
    office, second = offices["alpha"]["office"], offices["alpha"]["second"]
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    # 12 months from 2026-05-10: the public holidays and the agreement's days (21, listed by hand
    # in test_closures.py) per office, plus the ad-hoc closure of the first office.
    fixed_days = feed_days()
    assert len(fixed_days) == 21
    assert sorted(uids) == sorted(
        [f"alpha-{office}-{d.isoformat()}@samvirke" for d in [*fixed_days, date(2026, 5, 12)]]
        + [f"alpha-{second}-{d.isoformat()}@samvirke" for d in fixed_days]
    )
    by_uid = {str(e["UID"]): e for e in events}
    illness = by_uid[f"alpha-{office}-2026-05-12@samvirke"]
    assert illness.decoded("DTSTART") == date(2026, 5, 12) and illness.decoded("DTEND") == date(2026, 5, 13)
    assert str(illness["SUMMARY"]) == "Rådgivningen Midtby er lukket: Sygdom"
    assert NOTICE in str(illness["DESCRIPTION"]) and "55 66 77 88" in str(illness["DESCRIPTION"])
    constitution = by_uid[f"alpha-{second}-2026-06-05@samvirke"]
    assert str(constitution["SUMMARY"]) == "Rådgivningen Nord er lukket: Grundlovsdag"
    assert not any("Beta" in str(e["SUMMARY"]) for e in events)


def test_an_adhoc_closure_on_a_fixed_day_is_one_event(app, client, offices, today, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        db.session.add(Closure(office_id=offices["alpha"]["office"], day=date(2026, 6, 5), reason="Flytning", notice=NOTICE))
        db.session.commit()
    events = list(Calendar.from_ical(client.get(f"{BASE}/closures.ics").get_data()).walk("VEVENT"))
    (event,) = [e for e in events if str(e["UID"]) == f"alpha-{offices['alpha']['office']}-2026-06-05@samvirke"]
    assert str(event["SUMMARY"]) == "Rådgivningen Midtby er lukket: Grundlovsdag, Flytning"


def test_the_feed_uids_are_stable(client, offices, today):
    first = sorted(str(e["UID"]) for e in Calendar.from_ical(client.get(f"{BASE}/closures.ics").get_data()).walk("VEVENT"))
    second = sorted(str(e["UID"]) for e in Calendar.from_ical(client.get(f"{BASE}/closures.ics").get_data()).walk("VEVENT"))
    assert first == second


def test_a_tenant_without_the_programme_has_no_public_page(client):
    assert client.get("/gamma/open_counselling/public").status_code == 404
    assert client.get("/gamma/open_counselling/closures.ics").status_code == 404
    assert client.get("/nowhere/open_counselling/public").status_code == 404


def test_staff_page_shows_offices_hours_and_closures(client_for, offices, today):
    html = client_for("alpha").get(f"{BASE}/schedule/").get_data(as_text=True)
    assert "Rådgivningen Midtby" in html and "09.00" in html and "Sygdom" in html and NOTICE in html
    assert "Grundlovsdag" in html and "Beta" not in html
    assert 'name="hours_office_id"' in html and 'name="closure_office_id"' in html and 'id="office-form"' in html


def test_staff_adds_an_office_hours_and_a_closure(app, client_for, offices, today, tenant_a):
    client = client_for("alpha")
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    assert (
        client.post(
            f"{BASE}/schedule/offices", data={"csrf_token": token, "name": "Rådgivningen Syd", "phone_counselling": "+45 12 34 56 78"}
        ).status_code
        == 302
    )
    with app.app_context(), tenant_context(tenant_a):
        south = db.session.scalar(select(Office.id).where(Office.name == "Rådgivningen Syd"))
    added = client.post(
        f"{BASE}/schedule/hours", data={"csrf_token": token, "hours_office_id": south, "weekday": "2", "opens": "10:00", "closes": "14:30"}
    )
    assert added.status_code == 302
    closed = client.post(
        f"{BASE}/schedule/closures",
        data={"csrf_token": token, "closure_office_id": south, "day": "2026-05-20", "reason": "Kursus", "notice": NOTICE},
    )
    assert closed.status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert [
            (h.weekday, h.opens, h.closes) for h in db.session.scalars(select(OpeningHours).where(OpeningHours.office_id == south))
        ] == [(2, time(10), time(14, 30))]
        assert db.session.scalars(select(Closure.reason).where(Closure.office_id == south)).all() == ["Kursus"]
    html = client.get(f"{BASE}/public").get_data(as_text=True)
    assert "Rådgivningen Syd" in html and "Onsdag" in html and "10.00–14.30" in html and "Kursus" in html


def test_staff_removes_hours_and_a_closure(app, client_for, offices, today, tenant_a):
    client = client_for("alpha")
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    with app.app_context(), tenant_context(tenant_a):
        hours_id = db.session.scalar(select(OpeningHours.id).where(OpeningHours.weekday == 0))
        closure_id = db.session.scalar(select(Closure.id))
    assert client.post(f"{BASE}/schedule/hours/{hours_id}/delete", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{BASE}/schedule/closures/{closure_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.get(OpeningHours, hours_id) is None and db.session.get(Closure, closure_id) is None


@pytest.mark.parametrize(
    ("url", "data", "field", "message"),
    [
        ("/schedule/offices", {"name": ""}, "name", "Feltet skal udfyldes."),
        ("/schedule/offices", {"name": "X", "phone": "abc"}, "phone", "Skriv et telefonnummer, for eksempel 70 20 90 50."),
        ("/schedule/hours", {"weekday": "0", "opens": "09:00", "closes": "15:00"}, "hours_office_id", "Feltet skal udfyldes."),
        (
            "/schedule/hours",
            {"hours_office_id": "OFFICE", "weekday": "9", "opens": "09:00", "closes": "15:00"},
            "weekday",
            "Vælg en af mulighederne.",
        ),
        (
            "/schedule/hours",
            {"hours_office_id": "OFFICE", "weekday": "0", "opens": "15:00", "closes": "09:00"},
            "closes",
            "Lukketiden skal ligge efter åbningstiden.",
        ),
        (
            "/schedule/hours",
            {"hours_office_id": "OFFICE", "weekday": "0", "opens": "kl. 9", "closes": "15:00"},
            "opens",
            "Skriv et klokkeslæt som TT:MM.",
        ),
        (
            "/schedule/hours",
            {"hours_office_id": "OFFICE", "weekday": "0", "opens": "14:00", "closes": "16:00"},
            "opens",
            "Tiderne overlapper",
        ),  # overlaps 9-15
        (
            "/schedule/hours",
            {"hours_office_id": "FOREIGN", "weekday": "0", "opens": "16:00", "closes": "17:00"},
            "hours_office_id",
            "Vælg en af mulighederne.",
        ),
        (
            "/schedule/closures",
            {"closure_office_id": "OFFICE", "day": "12-05-2026", "reason": "Sygdom"},
            "day",
            "Skriv en dato som ÅÅÅÅ-MM-DD.",
        ),
        ("/schedule/closures", {"closure_office_id": "OFFICE", "day": "2026-06-01"}, "reason", "Feltet skal udfyldes."),
        (
            "/schedule/closures",
            {"closure_office_id": "OFFICE", "day": "2026-05-12", "reason": "Igen"},
            "day",
            "Kontoret er allerede lukket den dag.",
        ),
        (
            "/schedule/closures",
            {"closure_office_id": "FOREIGN", "day": "2026-06-01", "reason": "X"},
            "closure_office_id",
            "Vælg en af mulighederne.",
        ),
    ],
)
def test_invalid_forms_show_field_errors_and_write_nothing(app, client_for, offices, today, url, data, field, message):
    replace = {"OFFICE": str(offices["alpha"]["office"]), "FOREIGN": str(offices["beta"]["office"])}
    data = {k: replace.get(v, v) for k, v in data.items()}
    client = client_for("alpha")
    before = {m: _count(app, m) for m in (Office, OpeningHours, Closure)}
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    response = client.post(f"{BASE}{url}", data={"csrf_token": token, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="field-{field}-error"' in html and 'aria-invalid="true"' in html and "Ret venligst følgende" in html
    assert message in html
    assert {m: _count(app, m) for m in (Office, OpeningHours, Closure)} == before


def test_municipal_staff_may_read_but_not_write(app, client_for, offices, today):
    client = client_for("alpha", "municipal_staff")
    response = client.get(f"{BASE}/schedule/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Rådgivningen Midtby" in html
    assert 'name="hours_office_id"' not in html and "/delete" not in html
    token = csrf_from(html)
    hours_id = _first_id(app, OpeningHours)
    closure_id = _first_id(app, Closure, offices)
    before = {m: _count(app, m) for m in (Office, OpeningHours, Closure)}
    for url, data in (
        ("/schedule/offices", {"name": "Ny"}),
        ("/schedule/hours", {"hours_office_id": offices["alpha"]["office"], "weekday": "4", "opens": "09:00", "closes": "12:00"}),
        ("/schedule/closures", {"closure_office_id": offices["alpha"]["office"], "day": "2026-06-01", "reason": "X"}),
        (f"/schedule/hours/{hours_id}/delete", {}),
        (f"/schedule/closures/{closure_id}/delete", {}),
    ):
        assert client.post(f"{BASE}{url}", data={"csrf_token": token, **data}).status_code == 403, url
    assert {m: _count(app, m) for m in (Office, OpeningHours, Closure)} == before


def _first_id(app, model, offices=None):
    with app.app_context(), cross_tenant("test: an alpha row"):
        query = select(model.id).order_by(model.id)
        if offices is not None:
            query = query.where(model.office_id == offices["alpha"]["office"])
        return db.session.scalar(query)


@pytest.mark.parametrize("role", ["tenant_admin", "partner_staff"])
def test_managers_may_write(client_for, offices, today, role):
    client = client_for("alpha", role)
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    assert client.post(f"{BASE}/schedule/offices", data={"csrf_token": token, "name": "Ny"}).status_code == 302


def test_platform_admin_may_write(client_for, offices, today):
    client = client_for(None)
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    assert client.post(f"{BASE}/schedule/offices", data={"csrf_token": token, "name": "Ny"}).status_code == 302


def test_others_and_anonymous_visitors_do_not_reach_the_staff_page(client, client_for, offices):
    assert client_for("alpha", "volunteer").get(f"{BASE}/schedule/").status_code == 403
    assert client_for("alpha", "finance").get(f"{BASE}/schedule/").status_code == 403
    anonymous = client.get(f"{BASE}/schedule/")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert client_for("beta").get(f"{BASE}/schedule/").status_code == 404  # another tenant's staff


def test_another_tenants_ids_look_missing(app, client_for, offices, today):
    client = client_for("alpha")
    token = csrf_from(client.get(f"{BASE}/schedule/").get_data(as_text=True))
    for kind in ("hours", "closures"):
        foreign_id = offices["beta"]["hours" if kind == "hours" else "closure"]
        foreign = client.post(f"{BASE}/schedule/{kind}/{foreign_id}/delete", data={"csrf_token": token})
        missing = client.post(f"{BASE}/schedule/{kind}/987654/delete", data={"csrf_token": token})
        assert foreign.status_code == missing.status_code == 404
        assert foreign.get_data() == missing.get_data()
        assert b"Beta" not in foreign.get_data()
    with app.app_context(), cross_tenant("test: beta's rows are untouched"):
        assert db.session.get(OpeningHours, offices["beta"]["hours"]) is not None
        assert db.session.get(Closure, offices["beta"]["closure"]) is not None


def test_nothing_is_recorded_in_the_audit_trail(app, client, client_for, offices, today):
    before = _count(app, AuditEvent)
    staff = client_for("alpha")
    token = csrf_from(staff.get(f"{BASE}/schedule/").get_data(as_text=True))
    staff.post(f"{BASE}/schedule/offices", data={"csrf_token": token, "name": "Ny"})
    client.get(f"{BASE}/public")
    client.get(f"{BASE}/closures.ics")
    assert _count(app, AuditEvent) == before


# --- in a real browser: accessible without and with sign-in ---------------------------------


@pytest.mark.browser
def test_public_and_staff_pages_are_accessible_in_a_browser(page, offices, today):  # noqa: F811
    page.goto(f"{BASE}/public")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("heading", level=2, name="Rådgivningen Midtby").is_visible()
    assert NOTICE in page.content()
    check_accessibility(page)
    log_in(page, "Alfa Kommune", "Testmedarbejder, Testforeningen, Alfa Kommune (demo)")  # the running organisation
    page.wait_for_url("**/alpha/")
    page.goto(f"{BASE}/schedule/")
    check_accessibility(page)
    form = page.locator("#hours-form")
    form.locator("select[name=hours_office_id]").select_option(str(offices["alpha"]["office"]))
    form.get_by_label("Ugedag").select_option("1")
    form.locator("input[name=opens]").fill("15:00")
    form.locator("input[name=closes]").fill("09:00")
    form.get_by_role("button").click()
    assert page.locator("#field-closes-error").is_visible()
    check_accessibility(page)
