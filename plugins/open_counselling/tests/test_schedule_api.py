"""Offices, opening hours and closures in the JSON API: the same rules and checks as the opening-hours page."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from core.programme import db
from core.testing import AuditEvent, cross_tenant, tenant_context
from core.testing.fixtures import agreement_says
from core.testing.fixtures import api_token as _api_token
from plugins.open_counselling import schedule_views
from plugins.open_counselling.models import Closure, Office, OpeningHours
from plugins.open_counselling.tests.test_closures import FREDERICIA_DAYS_OFF

API = "/alpha/api/v1/open_counselling"
TODAY = date(2026, 5, 10)  # a Sunday, before the day after Ascension (15 May) and Constitution Day
NOTICE = "Ring til telefonrådgivningen i stedet"
MISSING_ID = 987654


@pytest.fixture
def today(monkeypatch, app, tenant_a):
    monkeypatch.setattr(schedule_views, "_today", lambda: TODAY)
    with agreement_says(app, tenant_a, "open_counselling", terms={"days_off": FREDERICIA_DAYS_OFF}):
        yield TODAY


@pytest.fixture
def offices(app, tenant_a, tenant_b):
    """An office in alpha with hours and an ad-hoc closure; a look-alike office in beta."""
    ids = {}
    with app.app_context():
        with tenant_context(tenant_a):
            main = Office(name="Rådgivningen Midtby", address="Gothersgade 1", phone="11 22 33 44", phone_counselling="55 66 77 88")
            db.session.add(main)
            db.session.flush()
            hours = OpeningHours(office_id=main.id, weekday=0, opens=time(9), closes=time(15))
            closure = Closure(office_id=main.id, day=TODAY + timedelta(days=2), reason="Sygdom", notice=NOTICE)
            db.session.add_all([hours, closure])
            db.session.commit()
            ids["alpha"] = {"office": main.id, "hours": hours.id, "closure": closure.id}
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


def count(app, model) -> int:
    with app.app_context(), cross_tenant("test: count rows"):
        return db.session.scalars(select(func.count()).select_from(model)).one()


def test_offices_with_their_hours_and_the_closures_of_the_next_12_months(client_for, offices, today):
    reader = client_for("alpha", "municipal_staff")  # the page's readers include the municipality
    listed = reader.get(f"{API}/offices")
    assert listed.status_code == 200
    assert listed.get_json() == [
        {
            "id": offices["alpha"]["office"],
            "name": "Rådgivningen Midtby",
            "address": "Gothersgade 1",
            "phone": "11 22 33 44",
            "phone_counselling": "55 66 77 88",
            "hours": [
                {
                    "id": offices["alpha"]["hours"],
                    "office_id": offices["alpha"]["office"],
                    "weekday": 0,
                    "opens": "09:00:00",
                    "closes": "15:00:00",
                }
            ],
        }
    ]
    assert reader.get(f"{API}/offices/{offices['alpha']['office']}").get_json() == listed.get_json()[0]
    assert reader.get(f"{API}/hours").get_json() == listed.get_json()[0]["hours"]

    closures = reader.get(f"{API}/closures").get_json()
    assert closures[0] == {
        "day": "2026-05-12",
        "reason": "Sygdom",
        "notice": NOTICE,
        "fixed": False,
        "office_id": offices["alpha"]["office"],
        "closure_id": offices["alpha"]["closure"],
    }
    assert {
        "day": "2026-05-15",
        "reason": "Dagen efter Kristi himmelfartsdag",
        "notice": None,
        "fixed": True,
        "office_id": None,
        "closure_id": None,
    } in closures
    assert [c["day"] for c in closures] == sorted(c["day"] for c in closures)
    assert max(c["day"] for c in closures) < "2027-05-10"  # the page's horizon: 12 months
    for response in (listed, reader.get(f"{API}/closures")):
        assert "Beta" not in response.get_data(as_text=True)  # the other tenant's look-alike office and closure


def test_managers_add_and_remove_hours_and_closures(app, client_for, offices, today, tenant_a):
    staff = client_for("alpha")
    office = staff.post(f"{API}/offices", json={"name": "Rådgivningen Nord", "phone_counselling": "70 20 90 50"})
    assert office.status_code == 201 and office.get_json()["hours"] == []
    office_id = office.get_json()["id"]
    hours = staff.post(f"{API}/hours", json={"office_id": office_id, "weekday": 2, "opens": "10:00", "closes": "13:30"})
    assert hours.status_code == 201 and hours.get_json()["closes"] == "13:30:00"
    closure = staff.post(f"{API}/closures", json={"office_id": office_id, "day": "2026-06-01", "reason": "Kursus", "notice": NOTICE})
    assert closure.status_code == 201 and closure.get_json()["reason"] == "Kursus"
    assert staff.get("/alpha/open_counselling/closures.ics").get_data(as_text=True).count("Kursus") == 1  # the public feed shows it

    assert staff.delete(f"{API}/hours/{hours.get_json()['id']}").status_code == 204
    assert staff.delete(f"{API}/closures/{closure.get_json()['id']}").status_code == 204
    assert staff.delete(f"{API}/closures/{closure.get_json()['id']}").status_code == 404
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(OpeningHours.office_id)).all() == [offices["alpha"]["office"]]
        assert db.session.scalars(select(Closure.office_id)).all() == [offices["alpha"]["office"]]


@pytest.mark.parametrize(
    ("url", "body", "field", "message"),
    [
        (
            "hours",
            {"weekday": 0, "opens": "14:00", "closes": "16:00"},
            "opens",
            "Tiderne overlapper tider, der allerede er registreret for den dag.",
        ),
        ("hours", {"weekday": 1, "opens": "14:00", "closes": "13:00"}, "closes", "Lukketiden skal ligge efter åbningstiden."),
        ("hours", {"weekday": 7, "opens": "09:00", "closes": "10:00"}, "weekday", "Vælg en af mulighederne."),
        ("hours", {"weekday": 1, "opens": "9 om morgenen", "closes": "10:00"}, "opens", "Skriv et klokkeslæt som TT:MM."),
        ("closures", {"day": "2026-05-12", "reason": "Igen"}, "day", "Kontoret er allerede lukket den dag."),
        ("closures", {"day": "2026-05-20"}, "reason", "Feltet skal udfyldes."),
    ],
)
def test_invalid_bodies_get_422_naming_the_field_and_write_nothing(app, client_for, offices, url, body, field, message):
    before = (count(app, OpeningHours), count(app, Closure))
    refused = client_for("alpha").post(f"{API}/{url}", json={"office_id": offices["alpha"]["office"], **body})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"] == {field: [message]}
    assert (count(app, OpeningHours), count(app, Closure)) == before


@pytest.mark.parametrize("url", ["hours", "closures"])
def test_another_tenants_office_cannot_be_named(app, client_for, offices, url):
    body = {"weekday": 3, "opens": "09:00", "closes": "10:00"} if url == "hours" else {"day": "2026-07-01", "reason": "Ferie"}
    before = (count(app, OpeningHours), count(app, Closure))
    for office_id in (offices["beta"]["office"], MISSING_ID):
        refused = client_for("alpha").post(f"{API}/{url}", json={**body, "office_id": office_id})
        assert refused.status_code == 422 and refused.get_json()["errors"]["json"] == {"office_id": ["Vælg en af mulighederne."]}
    assert (count(app, OpeningHours), count(app, Closure)) == before


def test_another_tenants_ids_answer_exactly_like_missing_ones(app, client_for, offices, tenant_b):
    staff = client_for("alpha")
    assert staff.get(f"{API}/offices/{offices['alpha']['office']}").status_code == 200
    for method, path, key in (("GET", "offices", "office"), ("DELETE", "hours", "hours"), ("DELETE", "closures", "closure")):
        foreign = staff.open(f"{API}/{path}/{offices['beta'][key]}", method=method)
        missing = staff.open(f"{API}/{path}/{MISSING_ID}", method=method)
        assert foreign.status_code == missing.status_code == 404, path
        assert foreign.get_data() == missing.get_data() and b"Beta" not in foreign.get_data()
    with app.app_context(), tenant_context(tenant_b):
        assert db.session.get(OpeningHours, offices["beta"]["hours"]) is not None
        assert db.session.get(Closure, offices["beta"]["closure"]) is not None


def test_readers_read_and_only_managers_write(app, client_for, offices, today, tenant_a):
    writes = (
        ("POST", "offices", {"name": "Ny"}),
        ("POST", "hours", {"office_id": offices["alpha"]["office"], "weekday": 4, "opens": "09:00", "closes": "10:00"}),
        ("POST", "closures", {"office_id": offices["alpha"]["office"], "day": "2026-07-01", "reason": "Ferie"}),
        ("DELETE", f"hours/{offices['alpha']['hours']}", None),
        ("DELETE", f"closures/{offices['alpha']['closure']}", None),
    )
    reads = ("offices", f"offices/{offices['alpha']['office']}", "hours", "closures")
    for who, client, read, write in (
        ("municipal_staff", client_for("alpha", "municipal_staff"), 200, 403),
        ("finance", client_for("alpha", "finance"), 403, 403),
        ("volunteer", client_for("alpha", "volunteer"), 403, 403),
        ("another organisation's staff", client_for("alpha", "partner_staff", organisation="andenforening"), 404, 404),
        ("the municipality's API client", None, 200, 403),
    ):
        if client is None:
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_api_token(app, tenant_a, None)}"
        for path in reads:
            assert client.get(f"{API}/{path}").status_code == read, (who, path)
        for method, path, body in writes:
            assert client.open(f"{API}/{path}", method=method, json=body).status_code == write, (who, path)
    assert (count(app, Office), count(app, OpeningHours), count(app, Closure)) == (2, 2, 2)
    for role in ("tenant_admin", "partner_staff"):
        assert client_for("alpha", role).post(f"{API}/offices", json={"name": f"Kontor {role}"}).status_code == 201
    assert client_for(None).post(f"{API}/offices", json={"name": "Platformens kontor"}).status_code == 201


def test_nothing_is_audited_there_is_no_personal_data(app, client_for, offices, today):
    with app.app_context(), cross_tenant("test: read the audit trail"):
        before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.route.like("%/api/v1/open_counselling/%")))
    staff = client_for("alpha")
    assert staff.get(f"{API}/offices").status_code == staff.get(f"{API}/closures").status_code == 200
    assert (
        staff.post(f"{API}/closures", json={"office_id": offices["alpha"]["office"], "day": "2026-07-01", "reason": "Ferie"}).status_code
        == 201
    )
    with app.app_context(), cross_tenant("test: read the audit trail"):
        after = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.route.like("%/api/v1/open_counselling/%")))
    assert after == before


def test_the_openapi_document_lists_the_schedule_only_where_open_counselling_is_enabled(client):
    alpha = client.get("/alpha/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(alpha["paths"]["/open_counselling/offices"])
    assert {"get", "post"} <= set(alpha["paths"]["/open_counselling/closures"])
    assert "delete" in alpha["paths"]["/open_counselling/hours/{hours_id}"]
    assert "delete" in alpha["paths"]["/open_counselling/closures/{closure_id}"]
    gamma = client.get("/gamma/api/v1/openapi.json").get_json()
    assert not [p for p in gamma["paths"] if p.startswith("/open_counselling")]
    assert not [s for s in gamma.get("components", {}).get("schemas", {}) if s.startswith("OpenCounselling")]
