"""Notifications of concern: recorded and read by the running organisation's staff only; the municipality,
its tenant administrator included, sees only that and when they were sent."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from core.programme import copenhagen_today, db
from core.testing import AuditEvent, cross_tenant, tenant_context
from core.testing.fixtures import csrf_from
from plugins.open_counselling.models import Family, Notification

PAGE = "/alpha/open_counselling/notifications/"
MISSING_ID = 987654
GROUND = "Fortroligt: barnet virker underernæret"
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


def add(app, tenant_id: int, model, **fields) -> int:
    with app.app_context(), tenant_context(tenant_id):
        row = model(**fields)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


def notification(app, tenant_id: int, slug: str = "alpha", **fields) -> int:
    values = {
        "day": date(2026, 3, 4),
        "ground": f"Fortroligt grundlag {slug}",
        "author": f"Rådgiver {slug}",
        "recipient_unit": f"Familieafdelingen {slug}",
        "channel": "phone",
        **fields,
    }
    return add(app, tenant_id, Notification, **values)


def stored(app, tenant_id: int, notification_id: int) -> Notification | None:
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.get(Notification, notification_id)
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def count(app) -> int:
    with app.app_context(), cross_tenant("test: count every tenant's notifications"):
        return db.session.scalars(select(func.count(Notification.id))).one()


def post(client, url: str, data: dict[str, str], token_page: str = PAGE):
    token = csrf_from(client.get(token_page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def audit_since(app, since: int) -> list[tuple[str, str | None]]:
    with app.app_context(), cross_tenant("test: read the audit trail"):
        return [
            (action, subject)
            for action, subject in db.session.execute(
                select(AuditEvent.action, AuditEvent.subject).where(AuditEvent.id > since).order_by(AuditEvent.id)
            )
        ]


def last_audit_id(app) -> int:
    with app.app_context(), cross_tenant("test: read the audit trail"):
        return db.session.scalars(select(func.coalesce(func.max(AuditEvent.id), 0))).one()


# --- create, list, view, update --------------------------------------------------------


def test_create_list_view_and_confirm_receipt(app, client_for, tenant_a):
    family = add(app, tenant_a, Family, family_number="FR-001", name="Sara Jensen")
    staff = client_for("alpha", "partner_staff")
    since = last_audit_id(app)
    form = staff.get(PAGE).get_data(as_text=True)
    assert 'name="ground"' in form and f'<option value="{family}">FR-001</option>' in form
    assert "Sara Jensen" not in form  # families are chosen by number, never by name

    created = post(staff, PAGE, {**VALID, "family": str(family)})
    assert created.status_code == 303
    notification_id = int(re.search(r"/notifications/(\d+)$", created.headers["Location"]).group(1))
    row = stored(app, tenant_a, notification_id)
    assert (row.day, row.ground, row.family_id, row.channel, row.receipt_confirmed_on) == (
        date(2026, 3, 4),
        GROUND,
        family,
        "digital",
        None,
    )

    listing = staff.get(PAGE).get_data(as_text=True)
    assert "4.3.2026" in listing and "Familieafdelingen" in listing and "FR-001" in listing
    assert GROUND not in listing  # the ground only on the notification's own page

    detail = staff.get(f"{PAGE}{notification_id}").get_data(as_text=True)
    assert GROUND in detail and "Rådgiver Hansen" in detail and "FR-001" in detail

    confirmed = post(staff, f"{PAGE}{notification_id}", {**VALID, "family": str(family), "receipt_confirmed_on": "2026-03-05"})
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith(f"{PAGE}{notification_id}")
    assert stored(app, tenant_a, notification_id).receipt_confirmed_on == date(2026, 3, 5)

    subject = f"open_counselling.notification:{notification_id}"
    events = audit_since(app, since)
    assert ("create", subject) in events and ("view", subject) in events and ("change", subject) in events
    assert ("search", None) in events  # the list


def test_a_notification_without_a_family(app, client_for, tenant_a):
    created = post(client_for("alpha", "partner_staff"), PAGE, VALID)
    assert created.status_code == 303
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(Notification.family_id)).all() == [None]


# --- validation --------------------------------------------------------------------------


def test_invalid_forms_give_422_danish_errors_and_write_nothing(app, client_for, tenant_b):
    staff = client_for("alpha", "partner_staff")
    missing = post(staff, PAGE, {"recipient_unit": "Familieafdelingen"})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Feltet skal udfyldes." in html
    for name in ("notification_date", "ground", "author", "channel"):
        assert f'id="field-{name}-error"' in html
    assert 'value="Familieafdelingen"' in html  # the input is kept

    wrong = post(staff, PAGE, {**VALID, "notification_date": "4/3", "channel": "pigeon", "family": "x"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "Skriv en dato som ÅÅÅÅ-MM-DD." in html and "Vælg en af mulighederne." in html and "Skriv et helt tal." in html

    future = (copenhagen_today() + timedelta(days=1)).isoformat()
    assert 'id="field-notification_date-error"' in post(staff, PAGE, {**VALID, "notification_date": future}).get_data(as_text=True)
    early = post(staff, PAGE, {**VALID, "receipt_confirmed_on": "2026-03-01"})
    assert early.status_code == 422 and 'id="field-receipt_confirmed_on-error"' in early.get_data(as_text=True)

    # Another tenant's family cannot be chosen (the database would refuse it too).
    foreign_family = add(app, tenant_b, Family, family_number="FR-001")
    foreign = post(staff, PAGE, {**VALID, "family": str(foreign_family)})
    assert foreign.status_code == 422 and 'id="field-family-error"' in foreign.get_data(as_text=True)
    assert count(app) == 0


def test_invalid_update_changes_nothing(app, client_for, tenant_a):
    notification_id = notification(app, tenant_a)
    refused = post(client_for("alpha"), f"{PAGE}{notification_id}", {**VALID, "channel": "pigeon"})
    assert refused.status_code == 422 and "Vælg en af mulighederne." in refused.get_data(as_text=True)
    assert stored(app, tenant_a, notification_id).channel == "phone"


# --- roles ---------------------------------------------------------------------------------


def test_municipal_staff_get_403_but_read_the_notifications_sent_report(app, client_for, tenant_a):
    notification_id = notification(app, tenant_a)
    staff = client_for("alpha", "municipal_staff")
    assert staff.get(PAGE).status_code == 403
    assert staff.get(f"{PAGE}{notification_id}").status_code == 403
    assert post(staff, PAGE, VALID, token_page="/alpha/").status_code == 403
    assert post(staff, f"{PAGE}{notification_id}", VALID, token_page="/alpha/").status_code == 403
    assert count(app) == 1

    report = staff.get("/alpha/reports/open_counselling.notifications_sent")
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and "4.3.2026" in html and "Familieafdelingen alpha" in html
    assert "Fortroligt" not in html and "Rådgiver" not in html


@pytest.mark.parametrize("role", ["volunteer", "finance"])
def test_other_tenant_roles_get_403(app, client_for, tenant_a, role):
    notification_id = notification(app, tenant_a)
    client = client_for("alpha", role)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}{notification_id}").status_code == 403


@pytest.mark.parametrize("role", ["tenant_admin", "platform_admin"])
def test_administrators_get_403_and_never_the_ground(app, client_for, tenant_a, role):
    """The authority-free room: not the municipality's administrator; a platform administrator
    only through break-the-glass (not here)."""
    notification_id = notification(app, tenant_a)
    admin = client_for("alpha", role) if role == "tenant_admin" else client_for(None)
    for response in (admin.get(PAGE), admin.get(f"{PAGE}{notification_id}")):
        html = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "Fortroligt" not in html and "Familieafdelingen alpha" not in html and 'name="ground"' not in html
    assert post(admin, PAGE, VALID, token_page="/alpha/").status_code == 403
    assert post(admin, f"{PAGE}{notification_id}", VALID, token_page="/alpha/").status_code == 403
    assert count(app) == 1 and stored(app, tenant_a, notification_id).channel == "phone"
    if role == "tenant_admin":  # the municipality sees that and when a notification was made
        report = admin.get("/alpha/reports/open_counselling.notifications_sent")
        html = report.get_data(as_text=True)
        assert report.status_code == 200 and "4.3.2026" in html and "Fortroligt" not in html


def test_another_organisations_staff_find_nothing(app, client_for, tenant_a):
    notification_id = notification(app, tenant_a)
    other = client_for("alpha", "partner_staff", organisation="andenforening")  # party to no agreement here
    for url in (PAGE, f"{PAGE}{notification_id}"):
        response = other.get(url)
        assert response.status_code == 404 and b"Fortroligt" not in response.get_data()


def test_the_running_organisations_staff_see_the_ground_and_the_forms(app, client_for, tenant_a):
    notification_id = notification(app, tenant_a)
    client = client_for("alpha", "partner_staff")
    assert f'action="{PAGE}"' in client.get(PAGE).get_data(as_text=True)
    html = client.get(f"{PAGE}{notification_id}").get_data(as_text=True)
    assert "Fortroligt grundlag alpha" in html and f'action="{PAGE}{notification_id}"' in html


# --- isolation -------------------------------------------------------------------------------


def test_the_list_shows_only_the_own_tenants_notifications(app, client_for, tenant_a, tenant_b):
    notification(app, tenant_a, "alpha")
    notification(app, tenant_b, "beta")
    html = client_for("alpha").get(PAGE).get_data(as_text=True)
    assert "Familieafdelingen alpha" in html and "beta" not in html.lower()


def test_foreign_notification_id_answers_exactly_like_a_missing_one(app, client_for, tenant_b):
    foreign = notification(app, tenant_b, "beta")
    staff = client_for("alpha", "partner_staff")
    since = last_audit_id(app)
    answers = [staff.get(f"{PAGE}{foreign}"), staff.get(f"{PAGE}{MISSING_ID}")]
    for data in (VALID, {**VALID, "channel": "pigeon"}):  # invalid input: still 404, never 422
        answers += [post(staff, f"{PAGE}{foreign}", data), post(staff, f"{PAGE}{MISSING_ID}", data)]
    for answer_foreign, answer_missing in zip(answers[::2], answers[1::2], strict=True):
        assert answer_foreign.status_code == answer_missing.status_code == 404
        assert answer_foreign.get_data() == answer_missing.get_data()
        assert b"beta" not in answer_foreign.get_data().lower() and b"Fortroligt" not in answer_foreign.get_data()
    assert stored(app, tenant_b, foreign).channel == "phone"
    assert not [e for e in audit_since(app, since) if e[0] in ("view", "change")]


def test_another_tenants_page_is_not_found(client_for):
    assert client_for("alpha", "tenant_admin").get("/beta/open_counselling/notifications/").status_code == 404


def test_a_tenant_without_the_programme_has_no_notification_pages(client_for):
    assert client_for("gamma", "tenant_admin").get("/gamma/open_counselling/notifications/").status_code == 404
