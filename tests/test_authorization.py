"""The authorization matrix against the real URL map: every route × role × tenant.

Fails when a route is missing from the matrix; then checks, for every route
and every role, in the signed-in person's own tenant and in a foreign one,
that the answer is what the matrix says; and that a foreign tenant's object
id gets exactly the answer a missing id gets, with none of its data.
"""
from __future__ import annotations

import re

import pytest

from core.db import db
from core.identity import roles as R
from core.identity.authz import PUBLIC, allowed_roles
from core.tenancy.context import tenant_context
from tests.conftest import sign_in

OWN, FOREIGN = "alpha", "beta"
# Routes whose views narrow rows by ownership for some roles: a row that is not
# one's own (a volunteer's other courses, another health visitor's referral)
# answers 404 exactly like a missing one. The sample rows here are nobody's own.
NARROWED = {
    "/<tenant>/api/v1/mother_groups/referrals/<int:referral_id>": {"municipal_staff"},
    "/<tenant>/mother_groups/sessions/<int:session_id>/attendance": {"volunteer"},
    "/<tenant>/api/v1/mother_groups/sessions/<int:session_id>/attendance": {"volunteer"},
    # A volunteer records the takings only of a shift she is on.
    "/<tenant>/volunteer_association/shifts/<int:shift_id>/takings": {"volunteer"},
    "/<tenant>/api/v1/volunteer_association/shifts/<int:shift_id>/takings": {"volunteer"},
    # Offering a slot needs one's own sign-up on that shift.
    "/<tenant>/volunteer_association/shifts/<int:shift_id>/offer": {"volunteer", "partner_staff", "tenant_admin", "platform_admin"},
}
SKIP_METHODS = {"HEAD", "OPTIONS"}


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def test_every_route_is_in_the_matrix(app):
    matrix = app.extensions["samvirke_authz"]
    missing = sorted({r.rule for r in _rules(app)} - set(matrix))
    assert missing == [], f"add these rules to config/authorization.toml or the plugin's samvirke_authorization: {missing}"
    stale = sorted(set(matrix) - {r.rule for r in _rules(app)})
    assert stale == [], f"the matrix lists rules that do not exist: {stale}"


@pytest.fixture
def objects(app, lookalike_data, tenant_a, tenant_b):
    """Ids of real objects per tenant for each kind of URL parameter."""
    from datetime import date, time

    from core.identity.api_clients import ApiClient
    from core.volunteers.models import Volunteer
    from plugins.mother_groups import models as mg
    from plugins.mother_groups.services import create_mother, enrol

    ids = {}
    with app.app_context():
        for slug, tid in ((OWN, tenant_a), (FOREIGN, tenant_b)):
            with tenant_context(tid):
                client = ApiClient(name=f"klient {slug}", client_id=f"test-{slug}", secret_hash="x" * 64, scope="read", created_by="test")
                course = mg.Course(name=f"Forløb {slug}", start_date=date(2026, 1, 6), end_date=date(2026, 10, 20), status="running")
                volunteer = Volunteer(name=f"Frivillig {slug}", partner_organisation="DRC Integration")
                milestone = mg.Milestone(title="Politisk proces", due_on=date(2025, 6, 30))
                db.session.add_all([client, course, volunteer, milestone])
                db.session.flush()
                meeting = mg.CourseSession(course_id=course.id, date=date(2026, 1, 6), start_time=__import__('datetime').time(10, 0))
                mother = create_mother({"name": f"Mor {slug}"}, "test")
                enrolment = enrol(course, mother, date(2026, 1, 6))
                referral = mg.Referral(mother_id=mother.id, referred_by="test", referred_on=date(2026, 1, 1))
                db.session.add_all([meeting, referral])
                from plugins.open_counselling import models as oc
                from plugins.open_counselling.services import register_contact

                contact = register_contact(
                    {"family_number": f"T-{slug}", "day": date(2026, 1, 5), "channel": "phone", "duration_minutes": 30,
                     "reasons": ["parenthood"], "need_level": 1, "description": f"Fortroligt {slug}"}, "test")
                office = oc.Office(name=f"Kontor {slug}")
                db.session.add(office)
                db.session.flush()
                hours = oc.OpeningHours(office_id=office.id, weekday=1, opens=time(10, 0), closes=time(14, 0))
                closure = oc.Closure(office_id=office.id, day=date(2026, 12, 1), reason="Syg")
                notification = oc.Notification(day=date(2026, 1, 6), ground="Bekymring", author="R", recipient_unit="Familieafdelingen", channel="digital")
                db.session.add_all([hours, closure, notification])
                from plugins.volunteer_association import models as va

                shift = va.Shift(day=date(2026, 1, 7), starts=time(10, 0), ends=time(14, 0))
                expense = va.Expense(day=date(2026, 1, 7), category="rent", amount=100)
                grant = va.GrantApplication(funder="Fonden", amount_applied=1000)
                shop_hours = va.ShopHours(weekday=2, opens=time(10, 0), closes=time(16, 0))
                activity = va.Activity(kind="help", title="Tøjbytte", day=date(2026, 1, 7))
                donation = va.Donation(day=date(2026, 1, 7), category="toys", count=3)
                db.session.add_all([shift, expense, grant, shop_hours, activity, donation])
                db.session.commit()
                ids[slug] = {
                    "household_id": lookalike_data[slug]["household"], "client_id": client.id, "course_id": course.id,
                    "session_id": meeting.id, "mother_id": mother.id, "enrolment_id": enrolment.id, "referral_id": referral.id,
                    "volunteer_id": volunteer.id, "milestone_id": milestone.id, "consent_id": mother.consents[0].id,
                    "contact_id": contact.id, "family_id": contact.family_id, "office_id": office.id, "hours_id": hours.id,
                    "closure_id": closure.id, "notification_id": notification.id, "shift_id": shift.id, "expense_id": expense.id,
                    "grant_id": grant.id, "activity_id": activity.id, "donation_id": donation.id, "shop_hours_id": shop_hours.id,
                }
        db.session.remove()
    return ids


def _url(rule, tenant: str, ids: dict[str, int]) -> str:
    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name == "tenant":
            return tenant
        if name == "realm":
            return tenant
        if name == "filename":
            return "samvirke.css"
        if name == "key":
            return "example.households"
        if converter == "int":
            return str(ids[name])
        raise AssertionError(f"no sample value for <{name}> in {rule.rule}")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def _call(client, method: str, url: str):
    return client.open(url, method=method, data={} if method != "GET" else None)


def _signed_in(app, role: str):
    client = app.test_client()
    tenant = OWN if role in R.TENANT_ROLES else None
    sign_in(app, client, role, tenant)
    return client


@pytest.mark.parametrize("role", R.ALL_ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(app, objects, role):
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about authorization, not CSRF
    try:
        client = _signed_in(app, role)
        failures = []
        for rule in _rules(app):
            for method in sorted(rule.methods - SKIP_METHODS):
                allowed = allowed_roles(rule.rule, method, app)
                if PUBLIC in allowed:
                    continue
                tenant_route = "<tenant>" in rule.rule
                for tenant in (OWN, FOREIGN) if tenant_route else (None,):
                    url = _url(rule, tenant or OWN, objects[tenant or OWN])
                    status = _call(client, method, url).status_code
                    enters = role == R.PLATFORM_ADMIN or (role in R.TENANT_ROLES and tenant == OWN)
                    if tenant_route and not enters:
                        expected = {404}
                    elif role in allowed:
                        expected = "allowed"
                    else:
                        expected = {403}
                    if expected == "allowed" and role in NARROWED.get(rule.rule, ()):
                        ok = status not in (401, 403)
                    elif expected == "allowed":
                        ok = status not in (401, 403, 404)
                    else:
                        ok = status in expected
                    if not ok:
                        failures.append(f"{method} {url} as {role}: {status}, expected {expected}")
        assert failures == []
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_anonymous_is_sent_to_sign_in_or_gets_401(app, objects):
    client = app.test_client()
    for rule in _rules(app):
        if PUBLIC in allowed_roles(rule.rule, "GET", app) or "GET" not in rule.methods:
            continue
        url = _url(rule, OWN, objects[OWN])
        response = client.get(url)
        if "/api/" in rule.rule:
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_foreign_object_id_gets_exactly_the_answer_of_a_missing_id(app, objects):
    client = _signed_in(app, R.TENANT_ADMIN)
    checked = 0
    for rule in _rules(app):
        if "<tenant>" not in rule.rule or "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods - SKIP_METHODS):
            if PUBLIC in allowed_roles(rule.rule, method, app):
                continue
            app.config["WTF_CSRF_ENABLED"] = False
            try:
                foreign = _call(client, method, _url(rule, OWN, objects[FOREIGN]))
                missing = _call(client, method, _url(rule, OWN, {k: 987654 for k in objects[OWN]}))
            finally:
                app.config["WTF_CSRF_ENABLED"] = True
            # 404, or 422 where the body is refused before the id is looked at: the same either way.
            assert foreign.status_code == missing.status_code and foreign.status_code in (404, 422), rule.rule
            assert foreign.get_data() == missing.get_data(), rule.rule
            assert b"beta" not in foreign.get_data().lower() and b"Fortroligt" not in foreign.get_data()
            checked += 1
    assert checked >= 2  # the household API and the API-client revoke route


def test_partner_only_fields_are_hidden_from_municipal_staff(app, client_for, lookalike_data):
    household = lookalike_data[OWN]["household"]
    as_partner = client_for(OWN, R.PARTNER_STAFF).get(f"/alpha/api/v1/example/households/{household}").get_json()
    as_municipal = client_for(OWN, R.MUNICIPAL_STAFF).get(f"/alpha/api/v1/example/households/{household}").get_json()
    assert as_partner["note"] == "Fortroligt notat alpha"
    assert "note" not in as_municipal and as_municipal["name"] == "Familien Hansen"
    page = client_for(OWN, R.MUNICIPAL_STAFF).get("/alpha/example/").get_data(as_text=True)
    assert 'name="note"' not in page
    assert 'name="note"' in client_for(OWN, R.PARTNER_STAFF).get("/alpha/example/").get_data(as_text=True)


def test_national_coordinator_sees_only_aggregates_of_own_organisation(app, lookalike_data):
    client = app.test_client()
    sign_in(app, client, R.NATIONAL_COORDINATOR, None, partner_organisation="Testforeningen")
    html = client.get("/national/").get_data(as_text=True)
    assert "Alfa Kommune" in html and "Beta Kommune" in html
    assert "Familien Hansen" not in html and "Amira" not in html and "Fortroligt" not in html
    assert "<td>1</td><td>2</td>" in html  # one household, two members per tenant
    other = app.test_client()
    sign_in(app, other, R.NATIONAL_COORDINATOR, None, partner_organisation="DRC Integration")
    assert "Eksempelprogram" not in other.get("/national/").get_data(as_text=True)
    assert client.get("/alpha/").status_code == 404  # no way into a tenant's own pages
