"""Notifications of concern in the JSON API: the same rules as the pages.

Only the running organisation's staff read and record them (a platform
administrator reads them only through break-the-glass); the ground is never
in a list and never in any body but theirs; every read names the
notification in the audit trail; another tenant's id looks missing.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from core.programme import copenhagen_today, db
from core.testing import AuditEvent, cross_tenant, tenant_context
from core.testing.fixtures import api_token as _api_token
from core.testing.fixtures import csrf_from
from plugins.open_counselling.models import Family, Notification

API = "/alpha/api/v1/open_counselling/notifications"
MISSING_ID = 987654
GROUND = "Bekymring: barnet kommer sulten i skole"
FOREIGN_GROUND = "Beta-grund: kun i Beta Kommune"
VALID = {
    "notification_date": "2026-03-04",
    "ground": GROUND,
    "author": "Rådgiver Hansen",
    "recipient_unit": "Familieafdelingen",
    "channel": "digital",
}


@pytest.fixture(autouse=True)
def _clean(app):
    yield
    with app.app_context():
        db.session.rollback()
        with cross_tenant("test clean-up: open_counselling notifications"):
            for model in (Notification, Family):
                db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


def add(app, tenant: int, model, **fields) -> int:
    with app.app_context(), tenant_context(tenant):
        row = model(**fields)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


def notification(app, tenant: int, ground: str = "Fortroligt grundlag", **fields) -> int:
    return add(
        app,
        tenant,
        Notification,
        **{
            "day": date(2026, 3, 4),
            "ground": ground,
            "author": "Rådgiver",
            "recipient_unit": "Familieafdelingen",
            "channel": "phone",
            **fields,
        },
    )


def count(app) -> int:
    with app.app_context(), cross_tenant("test: count every tenant's notifications"):
        return db.session.scalars(select(func.count(Notification.id))).one()


def last_audit_id(app) -> int:
    with app.app_context(), cross_tenant("test: read the audit trail"):
        return db.session.scalars(select(func.coalesce(func.max(AuditEvent.id), 0))).one()


def audit_since(app, since: int) -> list[AuditEvent]:
    with app.app_context(), cross_tenant("test: read the audit trail"):
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id)))
        for row in rows:
            db.session.expunge(row)
    return rows


def test_record_list_read_and_confirm_receipt(app, client_for, tenant_a):
    family = add(app, tenant_a, Family, family_number="FR-001", name="Sara Jensen")
    staff = client_for("alpha")
    since = last_audit_id(app)

    created = staff.post(API, json={**VALID, "family_id": family})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["ground"] == GROUND and body["family_id"] == family and body["family_number"] == "FR-001"
    assert body["receipt_confirmed_on"] is None and body["notification_date"] == "2026-03-04"
    nid = body["id"]

    listing = staff.get(API)
    assert listing.status_code == 200
    assert [n["id"] for n in listing.get_json()] == [nid]
    assert "ground" not in listing.get_json()[0] and GROUND not in listing.get_data(as_text=True)  # as on the list page
    assert json.loads(listing.headers["X-Pagination"])["total"] == 1

    one = staff.get(f"{API}/{nid}").get_json()
    assert one["ground"] == GROUND and one["author"] == "Rådgiver Hansen"

    confirmed = staff.put(f"{API}/{nid}", json={**VALID, "family_id": family, "receipt_confirmed_on": "2026-03-05"})
    assert confirmed.status_code == 200 and confirmed.get_json()["receipt_confirmed_on"] == "2026-03-05"
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.get(Notification, nid).receipt_confirmed_on == date(2026, 3, 5)
    for response in (created, listing, confirmed):
        assert "Sara Jensen" not in response.get_data(as_text=True)  # a family by its number, never its name

    subject = f"open_counselling.notification:{nid}"
    events = [(e.action, e.subject, e.criterion) for e in audit_since(app, since)]
    assert ("create", subject, None) in events and ("view", subject, None) in events and ("change", subject, None) in events
    assert ("search", subject, "notification list") in events  # the list names what it showed
    assert all(GROUND not in str(e) for e in events)  # never a value


def test_the_list_names_every_notification_shown_and_pages(app, client_for, tenant_a):
    ids = [notification(app, tenant_a, day=date(2026, 3, d)) for d in (1, 2, 3)]
    staff = client_for("alpha")
    since = last_audit_id(app)
    first = staff.get(f"{API}?page_size=2")
    assert [n["id"] for n in first.get_json()] == [ids[2], ids[1]]  # newest first
    assert json.loads(first.headers["X-Pagination"]) == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 1,
        "next_page": 2,
    }
    assert [n["id"] for n in staff.get(f"{API}?page=2&page_size=2").get_json()] == [ids[0]]
    shown = {e.subject for e in audit_since(app, since) if e.action == "search"}
    assert shown == {f"open_counselling.notification:{i}" for i in ids}
    beyond = staff.get(f"{API}?page=1000")
    assert beyond.status_code == 200 and beyond.get_json() == [] and json.loads(beyond.headers["X-Pagination"])["total"] == 3
    for query, field, message in (
        ("page_size=1000", "page_size", "Angiv en værdi fra 1 til 100."),
        ("page=x", "page", "Skriv et helt tal."),
        ("page=99999999999999999999", "page", "Angiv en værdi fra 1 til 2147483647."),
    ):
        refused = staff.get(f"{API}?{query}")
        assert refused.status_code == 422 and refused.get_json()["errors"]["query"] == {field: [message]}, query


def test_invalid_bodies_get_422_per_field_in_danish_and_write_nothing(app, client_for, tenant_b):
    staff = client_for("alpha")
    missing = staff.post(API, json={"recipient_unit": "Familieafdelingen"})
    assert missing.status_code == 422
    errors = missing.get_json()["errors"]["json"]
    assert errors["ground"] == ["Feltet skal udfyldes."] and {"notification_date", "author", "channel"} <= set(errors)

    future = (copenhagen_today() + timedelta(days=1)).isoformat()
    cases = {
        "notification_date": ({"notification_date": future}, "Datoen kan ikke ligge i fremtiden."),
        "receipt_confirmed_on": ({"receipt_confirmed_on": "2026-03-01"}, "Modtagelsen kan ikke bekræftes før underretningen."),
        "channel": ({"channel": "pigeon"}, "Vælg en af mulighederne."),
        "family_id": ({"family_id": "x"}, "Skriv et helt tal."),
    }
    for field, (change, message) in cases.items():
        refused = staff.post(API, json={**VALID, **change})
        assert refused.status_code == 422 and refused.get_json()["errors"]["json"] == {field: [message]}, field
    too_big = staff.post(API, json={**VALID, "family_id": 2**63})
    assert too_big.status_code == 422 and list(too_big.get_json()["errors"]["json"]) == ["family_id"]
    # Another tenant's family (or none at all) cannot be named.
    for family_id in (add(app, tenant_b, Family, family_number="FR-001"), MISSING_ID):
        refused = staff.post(API, json={**VALID, "family_id": family_id})
        assert refused.status_code == 422 and refused.get_json()["errors"]["json"] == {"family_id": ["Vælg en af mulighederne."]}
    assert count(app) == 0


def test_invalid_replacement_changes_nothing(app, client_for, tenant_a):
    nid = notification(app, tenant_a)
    refused = client_for("alpha").put(f"{API}/{nid}", json={**VALID, "channel": "pigeon"})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]["json"]) == ["channel"]
    with app.app_context(), tenant_context(tenant_a):
        assert (db.session.get(Notification, nid).channel, db.session.get(Notification, nid).ground) == ("phone", "Fortroligt grundlag")


def test_the_ground_is_absent_for_everybody_but_the_running_organisations_staff(app, client_for, tenant_a):
    nid = notification(app, tenant_a, ground=GROUND)
    urls = (API, f"{API}/{nid}")
    for who, client, status in (
        ("tenant_admin", client_for("alpha", "tenant_admin"), 403),
        ("municipal_staff", client_for("alpha", "municipal_staff"), 403),
        ("finance", client_for("alpha", "finance"), 403),
        ("volunteer", client_for("alpha", "volunteer"), 403),
        ("platform_admin without break-the-glass", client_for(None), 403),
        ("another organisation's staff", client_for("alpha", "partner_staff", organisation="andenforening"), 404),
        ("another tenant's staff", client_for("beta"), 404),
    ):
        for url in urls:
            response = client.get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == status, (who, url)
            assert GROUND not in body and "Familieafdelingen" not in body, (who, url)
        writes = (client.post(API, json=VALID), client.put(f"{API}/{nid}", json={**VALID, "ground": "Overskrevet"}))
        assert all(r.status_code == status for r in writes), who
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.get(Notification, nid).ground == GROUND and count(app) == 1


@pytest.mark.parametrize(("owner", "status"), [(None, 403), ("andenforening", 404), ("testforeningen", 200)])
def test_api_clients_act_as_their_owner(app, tenant_a, owner, status):
    nid = notification(app, tenant_a, ground=GROUND)
    headers = {"Authorization": f"Bearer {_api_token(app, tenant_a, owner)}"}
    response = app.test_client().get(f"{API}/{nid}", headers=headers)
    assert response.status_code == status
    assert (GROUND in response.get_data(as_text=True)) is (status == 200)


def test_break_the_glass_reads_with_the_reason_in_the_trail_but_never_writes(app, client_for, tenant_a):
    nid = notification(app, tenant_a, ground=GROUND)
    admin = client_for(None)
    reason = "Politiets anmodning om oplysninger i sag 4711"
    form = admin.get("/alpha/admin/break-glass").get_data(as_text=True)
    assert admin.post("/alpha/admin/break-glass", data={"reason": reason, "csrf_token": csrf_from(form)}).status_code == 302
    since = last_audit_id(app)
    opened = admin.get(f"{API}/{nid}")
    assert opened.status_code == 200 and opened.get_json()["ground"] == GROUND  # as on the page, under break-the-glass
    views = [e for e in audit_since(app, since) if e.action == "view"]
    assert [e.subject for e in views] == [f"open_counselling.notification:{nid}"] and reason in views[0].purpose
    assert admin.post(API, json=VALID).status_code == 403
    assert admin.put(f"{API}/{nid}", json=VALID).status_code == 403
    assert count(app) == 1


def test_another_tenants_notification_answers_exactly_like_a_missing_one(app, client_for, tenant_a, tenant_b):
    foreign = notification(app, tenant_b, ground=FOREIGN_GROUND, recipient_unit="Beta-enheden")
    own = notification(app, tenant_a)
    staff = client_for("alpha")
    assert staff.get(f"{API}/{own}").status_code == 200
    for method, body in (("GET", None), ("PUT", VALID), ("PUT", {"channel": "pigeon"})):
        a = staff.open(f"{API}/{foreign}", method=method, json=body)
        b = staff.open(f"{API}/{MISSING_ID}", method=method, json=body)
        assert a.status_code == b.status_code == 404, method  # looked up before the body is read
        assert a.get_data() == b.get_data()
    listing = staff.get(API).get_data(as_text=True)
    assert "Beta-enheden" not in listing and FOREIGN_GROUND not in listing
    with app.app_context(), tenant_context(tenant_b):
        assert db.session.get(Notification, foreign).ground == FOREIGN_GROUND  # the PUT changed nothing


def test_the_openapi_document_lists_the_notifications_only_where_open_counselling_is_enabled(client):
    alpha = client.get("/alpha/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(alpha["paths"]["/open_counselling/notifications"])
    assert {"get", "put"} <= set(alpha["paths"]["/open_counselling/notifications/{notification_id}"])
    assert "ground" in alpha["components"]["schemas"]["OpenCounsellingNotification"]["properties"]
    assert "ground" not in alpha["components"]["schemas"]["OpenCounsellingNotificationSummary"]["properties"]
    gamma = client.get("/gamma/api/v1/openapi.json").get_json()
    assert not [p for p in gamma["paths"] if p.startswith("/open_counselling")]
    assert "OpenCounsellingNotification" not in gamma.get("components", {}).get("schemas", {})
