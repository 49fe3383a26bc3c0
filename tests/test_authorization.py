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
from core.identity.digests import secret_digest
from core.tenancy.context import tenant_context
from core.testing.fixtures import organisation_id, sign_in

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
    # An API client is revoked only by its owner: the sample client is the municipality's.
    "/<tenant>/admin/api-clients/<int:client_id>/revoke": {"partner_staff"},
    # Another organisation's volunteer looks missing (the sample one is Testforeningen's).
    "/<tenant>/volunteers/<int:volunteer_id>": {"partner_staff/andenforening"},
    "/<tenant>/api/v1/volunteers/<int:volunteer_id>": {"partner_staff/andenforening"},
    # An agreement (and its reminders) that one's organisation is not party to looks missing.
    "/<tenant>/agreements/<int:agreement_id>": {"partner_staff/andenforening"},
    "/<tenant>/agreements/<int:agreement_id>/notice": {"partner_staff/andenforening"},
    "/<tenant>/agreements/reminders/<int:reminder_id>/acknowledge": {"partner_staff/andenforening"},
    # A report export answers 404 to anyone but its owner (the sample one is nobody's here).
    **{
        f"/<tenant>/reports/exports/<int:export_id>{tail}": {
            "tenant_admin",
            "municipal_staff",
            "partner_staff",
            "finance",
            "platform_admin",
        }
        for tail in ("", "/status", "/download")
    },
    # The same for the national view's exports (the sample one is nobody's here, its file a secret).
    **{f"/national/exports/<int:export_id>{tail}": {"national_coordinator", "platform_admin"} for tail in ("", "/status", "/download")},
    # The API's twins of the opening-hours page's delete routes: the walk has deleted the sample row through the page.
    "/<tenant>/api/v1/open_counselling/hours/<int:hours_id>": {"partner_staff", "tenant_admin", "platform_admin"},
    "/<tenant>/api/v1/open_counselling/closures/<int:closure_id>": {"partner_staff", "tenant_admin", "platform_admin"},
}
# Billing: an invoice or run another organisation issued looks missing (the samples are Testforeningen's).
NARROWED.update(
    {
        rule: {"partner_finance/andenforening"}
        for rule in (
            "/<tenant>/billing/runs/<int:run_id>",
            "/<tenant>/billing/invoices/<int:invoice_id>",
            "/<tenant>/billing/invoices/<int:invoice_id>.pdf",
            "/<tenant>/billing/invoices/<int:invoice_id>.xml",
            "/<tenant>/billing/invoices/<int:invoice_id>/issue",
            "/<tenant>/billing/invoices/<int:invoice_id>/send",
            "/<tenant>/billing/invoices/<int:invoice_id>/paid",
            "/<tenant>/billing/invoices/<int:invoice_id>/credit",
        )
    }
)
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
def objects(app, lookalike_data, tenant_a, tenant_b, request, tmp_path):
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
                volunteer = Volunteer(name=f"Frivillig {slug}", organisation_id=organisation_id(app, "testforeningen"))
                milestone = mg.Milestone(title="Politisk proces", due_on=date(2025, 6, 30))
                db.session.add_all([client, course, volunteer, milestone])
                db.session.flush()
                meeting = mg.CourseSession(course_id=course.id, date=date(2026, 1, 6), start_time=__import__("datetime").time(10, 0))
                mother = create_mother({"name": f"Mor {slug}"}, "test")
                enrolment = enrol(course, mother, date(2026, 1, 6))
                referral = mg.Referral(mother_id=mother.id, referred_by="test", referred_on=date(2026, 1, 1))
                db.session.add_all([meeting, referral])
                from plugins.open_counselling import models as oc
                from plugins.open_counselling.services import register_contact

                contact = register_contact(
                    {
                        "family_number": f"T-{slug}",
                        "day": date(2026, 1, 5),
                        "channel": "phone",
                        "duration_minutes": 30,
                        "reasons": ["parenthood"],
                        "need_level": 1,
                        "description": f"Fortroligt {slug}",
                    },
                    "test",
                )
                office = oc.Office(name=f"Kontor {slug}")
                db.session.add(office)
                db.session.flush()
                hours = oc.OpeningHours(office_id=office.id, weekday=1, opens=time(10, 0), closes=time(14, 0))
                closure = oc.Closure(office_id=office.id, day=date(2026, 12, 1), reason="Syg")
                notification = oc.Notification(
                    day=date(2026, 1, 6),
                    ground=f"Bekymringsgrund {slug}",
                    author="R",
                    recipient_unit="Familieafdelingen",
                    channel="digital",
                )
                db.session.add_all([hours, closure, notification])
                from plugins.volunteer_association import models as va

                shift = va.Shift(day=date(2026, 1, 7), starts=time(10, 0), ends=time(14, 0))
                expense = va.Expense(day=date(2026, 1, 7), category="rent", amount=100)
                grant = va.GrantApplication(funder="Fonden", amount_applied=1000)
                shop_hours = va.ShopHours(weekday=2, opens=time(10, 0), closes=time(16, 0))
                activity = va.Activity(kind="help", title="Tøjbytte", day=date(2026, 1, 7))
                donation = va.Donation(day=date(2026, 1, 7), category="toys", count=3)
                db.session.add_all([shift, expense, grant, shop_hours, activity, donation])
                from sqlalchemy import select

                from core.partnerships.models import Agreement, AgreementReminder

                agreement = db.session.scalars(select(Agreement)).one()
                reminder = AgreementReminder(agreement_id=agreement.id, kind="review", due_on=date(2026, 6, 30))
                db.session.add(reminder)
                # A report export is its owner's alone: this sample one is nobody's in the walk.
                from datetime import timedelta

                from core.identity.models import User, realm_of_tenant
                from core.reports.models import ReportExport
                from core.tenancy.context import current_tenant_id
                from core.tenancy.models import utcnow

                owner = User(
                    realm=realm_of_tenant(current_tenant_id()),  # a user of this tenant: written in its scope
                    issuer="https://test-idp.invalid",
                    subject=f"export-owner-{slug}",
                    display_name="Eksportør",
                )
                db.session.add(owner)
                db.session.flush()
                export = ReportExport(
                    owner_user_id=owner.id,
                    report_key="example.households",
                    format="csv",
                    params={},
                    locale="da",
                    disclose=True,
                    status="done",
                    progress=100,
                    filename="x.csv",
                    mimetype="text/csv",
                    content=b"x",
                    expires_at=utcnow() + timedelta(days=1),
                )
                db.session.add(export)
                db.session.commit()
                ids[slug] = {
                    "household_id": lookalike_data[slug]["household"],
                    "client_id": client.id,
                    "course_id": course.id,
                    "session_id": meeting.id,
                    "mother_id": mother.id,
                    "enrolment_id": enrolment.id,
                    "referral_id": referral.id,
                    "volunteer_id": volunteer.id,
                    "milestone_id": milestone.id,
                    "consent_id": mother.consents[0].id,
                    "contact_id": contact.id,
                    "family_id": contact.family_id,
                    "office_id": office.id,
                    "hours_id": hours.id,
                    "closure_id": closure.id,
                    "notification_id": notification.id,
                    "shift_id": shift.id,
                    "expense_id": expense.id,
                    "grant_id": grant.id,
                    "activity_id": activity.id,
                    "donation_id": donation.id,
                    "shop_hours_id": shop_hours.id,
                    "agreement_id": agreement.id,
                    "reminder_id": reminder.id,
                    "export_id": export.id,
                }
        db.session.remove()
    from tests.billing.helpers import billing_samples

    for slug in (OWN, FOREIGN):  # an issued invoice of Testforeningen and its run
        ids[slug].update(billing_samples(app, slug, request, tmp_path))
    ids[OWN]["platform_export_id"] = _platform_export(app)
    return ids


def _platform_export(app) -> int:
    """A national export that is nobody's in the walk; its file holds a secret, so no route may show it."""
    from datetime import timedelta

    from core.identity.models import User
    from core.reports.models import PlatformExport
    from core.tenancy.context import cross_tenant
    from core.tenancy.models import utcnow

    with app.app_context(), cross_tenant("test: a national export of someone else"):
        owner = User(issuer="https://test-idp.invalid", subject="export-owner-national", display_name="Eksportør")
        db.session.add(owner)
        db.session.flush()
        export = PlatformExport(
            owner_user_id=owner.id,
            coverage="all",
            report_key="national",
            format="csv",
            params={"year": "2025"},
            status="done",
            progress=100,
            filename="national-2025.csv",
            mimetype="text/csv",
            content=secrets_of(OWN)[0].encode(),
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add(export)
        db.session.commit()
        return export.id


def _url(rule, tenant: str, ids: dict[str, int]) -> str:
    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name == "tenant":
            return tenant
        if name == "realm":
            return tenant
        if name == "export_id" and rule.rule.startswith("/national/"):
            return str(ids["platform_export_id"])  # the platform's, not the tenant's
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


def _signed_in(app, role: str, organisation: str | None = None):
    client = app.test_client()
    tenant = OWN if role in R.TENANT_ROLES else None
    sign_in(app, client, role, tenant, organisation)
    return client


# Who acts: a role, and for the organisation roles the organisation acted for.
# Testforeningen is party to alpha's (and beta's) agreement covering every
# programme; Anden Forening is party to none of them.
RUNNING, OTHER = "testforeningen", "andenforening"
PERSONAS = [
    (R.TENANT_ADMIN, None),
    (R.MUNICIPAL_STAFF, None),
    (R.FINANCE, None),
    (R.PLATFORM_ADMIN, None),
    (R.PARTNER_STAFF, RUNNING),
    (R.PARTNER_STAFF, OTHER),
    (R.VOLUNTEER, RUNNING),
    (R.VOLUNTEER, OTHER),
    (R.NATIONAL_COORDINATOR, RUNNING),
    (R.PARTNER_FINANCE, RUNNING),
    (R.PARTNER_FINANCE, OTHER),
]
PROGRAMMES = ("example", "mother_groups", "open_counselling", "volunteer_association")


def programme_of(rule: str) -> str | None:
    """The programme a URL rule belongs to, read from the URL itself (not from the app's bookkeeping)."""
    parts = rule.split("/")
    for candidate in (parts[2:3], parts[4:5]) if rule.startswith("/<tenant>/api/v1/") else (parts[2:3],):
        if candidate and candidate[0] in PROGRAMMES:
            return candidate[0]
    return None


def expected_answer(rule: str, method: str, role: str, organisation: str | None, tenant: str | None, app) -> object:
    """What the person should get: {404}, {403} or "allowed" (the rules of issue 9, written out)."""
    allowed = allowed_roles(rule, method, app)
    assert allowed is not None, f"{rule} is missing from the authorization matrix"
    if "<tenant>" in rule and not (role == R.PLATFORM_ADMIN or (role in R.TENANT_ROLES and tenant == OWN)):
        return {404}  # a foreign tenant does not exist for you
    if programme_of(rule) and organisation == OTHER:
        return {404}  # your organisation is not party to the agreement covering it here
    if role in allowed and rule.startswith("/<tenant>/reports/<key>") and organisation == OTHER:
        return {404}  # the sample report (example.households) is a programme's report
    if role in allowed:
        return "allowed"
    return {403}  # includes the authority-free room for municipal roles and platform admins without break-the-glass


def secrets_of(slug: str) -> tuple[str, ...]:
    """Values of the authority-free room and partner-only fields in one tenant's sample data."""
    return (f"Fortroligt {slug}", f"Bekymringsgrund {slug}", f"Fortroligt notat {slug}", f"T-{slug}")


def may_read_secrets(role: str, organisation: str | None, tenant: str | None) -> bool:
    return role == R.PARTNER_STAFF and organisation == RUNNING and tenant == OWN


@pytest.mark.parametrize(("role", "organisation"), PERSONAS, ids=[f"{r}-{o or 'municipality'}" for r, o in PERSONAS])
def test_every_route_answers_each_person_as_the_agreements_say(app, objects, role, organisation):
    """Every URL rule x method x person (role, organisation) x own/foreign tenant.

    Statuses follow the matrix and the agreements; and no response body shows a
    value of the authority-free room (counselling free text, family number, the
    ground of a notification of concern, partner-only notes) to anyone but the
    running organisation's staff in their own tenant.
    """
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about authorization, not CSRF
    try:
        client = _signed_in(app, role, organisation)
        failures, secrets_seen = [], 0
        for rule in _rules(app):
            for method in sorted(rule.methods - SKIP_METHODS):
                if PUBLIC in allowed_roles(rule.rule, method, app):
                    continue
                tenant_route = "<tenant>" in rule.rule
                for tenant in (OWN, FOREIGN) if tenant_route else (None,):
                    url = _url(rule, tenant or OWN, objects[tenant or OWN])
                    response = _call(client, method, url)
                    status, body = response.status_code, response.get_data().decode("utf-8", "replace")  # PDF, XLSX: bytes
                    expected = expected_answer(rule.rule, method, role, organisation, tenant, app)
                    narrowed = NARROWED.get(rule.rule, ())
                    if expected == "allowed" and (role in narrowed or f"{role}/{organisation}" in narrowed):
                        ok = status not in (401, 403)
                    elif expected == "allowed":
                        ok = status not in (401, 403, 404)
                    else:
                        ok = status in expected
                    if not ok:
                        failures.append(f"{method} {url} as {role}/{organisation}: {status}, expected {expected}")
                    for slug in (OWN, FOREIGN):
                        for secret in secrets_of(slug):
                            if secret in body:
                                if may_read_secrets(role, organisation, slug) and tenant == slug:
                                    secrets_seen += 1
                                else:
                                    failures.append(f"{method} {url} as {role}/{organisation} shows {secret!r}")
        assert failures == []
        if may_read_secrets(role, organisation, OWN):
            assert secrets_seen > 0  # the check can see a secret: the running organisation reads its own records
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
    clients = {role: _signed_in(app, role) for role in (R.TENANT_ADMIN, R.PARTNER_STAFF, R.PARTNER_FINANCE)}
    checked = 0
    for rule in _rules(app):
        if "<tenant>" not in rule.rule or "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods - SKIP_METHODS):
            allowed = allowed_roles(rule.rule, method, app)
            if PUBLIC in allowed:
                continue
            # As someone the route admits, so the id is really looked up.
            client = clients[next((r for r in (R.TENANT_ADMIN, R.PARTNER_FINANCE) if r in allowed), R.PARTNER_STAFF)]
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
            assert b"Bekymringsgrund" not in foreign.get_data()
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
    sign_in(app, client, R.NATIONAL_COORDINATOR, None, "testforeningen")
    html = client.get("/national/").get_data(as_text=True)
    assert "Alfa Kommune" in html and "Beta Kommune" in html
    assert "Familien Hansen" not in html and "Amira" not in html and "Fortroligt" not in html
    assert '<td class="align-text-right">&lt;5</td><td class="align-text-right">&lt;5</td>' in html  # 1 household, 2 members: "<5"
    assert "Testaftale Alfa Kommune" in html and "Testaftale Beta Kommune" in html  # the organisation's agreements
    other = app.test_client()
    sign_in(app, other, R.NATIONAL_COORDINATOR, None, "andenforening")
    other_html = other.get("/national/").get_data(as_text=True)
    assert "Eksempelprogram" not in other_html and "Testaftale" not in other_html and "Alfa Kommune" not in other_html
    assert client.get("/alpha/").status_code == 404  # no way into a tenant's own pages


def _api_token(app, tenant_id: int, owner: str | None) -> str:
    """A bearer token of a write client of ``owner`` (an organisation slug; None: the municipality)."""
    import secrets
    from datetime import timedelta

    from core.identity.api_clients import ApiClient, ApiToken
    from core.tenancy.models import utcnow

    token = secrets.token_urlsafe(24)
    org = organisation_id(app, owner) if owner else None
    with app.app_context(), tenant_context(tenant_id):
        client = ApiClient(
            name=f"klient {owner}",
            client_id=f"matrix-{owner}-{secrets.token_hex(4)}",
            secret_hash="x" * 64,
            scope="write",
            created_by="test",
            organisation_id=org,
        )
        db.session.add(client)
        db.session.flush()
        db.session.add(
            ApiToken(
                api_client_id=client.id,
                token_hash=secret_digest(token, "api-token"),
                scope="write",
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        db.session.commit()
    return token


@pytest.mark.parametrize("owner", [None, RUNNING, OTHER], ids=["municipality", RUNNING, OTHER])
def test_api_clients_go_through_the_same_checks_as_people(app, objects, tenant_a, owner):
    """A machine client acts as its owner: municipal staff, or its organisation's partner staff."""
    role = R.PARTNER_STAFF if owner else R.MUNICIPAL_STAFF
    headers = {"Authorization": f"Bearer {_api_token(app, tenant_a, owner)}"}
    client = app.test_client()
    failures, secrets_seen = [], 0
    for rule in _rules(app):
        if "/api/" not in rule.rule or "<tenant>" not in rule.rule:
            continue
        for method in sorted(rule.methods - SKIP_METHODS):
            if PUBLIC in allowed_roles(rule.rule, method, app):
                continue
            for tenant in (OWN, FOREIGN):
                url = _url(rule, tenant, objects[tenant])
                response = client.open(url, method=method, json={} if method != "GET" else None, headers=headers)
                body = response.get_data(as_text=True)
                if tenant == FOREIGN:
                    expected = {401}  # the token means nothing in another tenant
                else:
                    expected = expected_answer(rule.rule, method, role, owner, OWN, app)
                narrowed = role in NARROWED.get(rule.rule, ()) or f"{role}/{owner}" in NARROWED.get(rule.rule, ())
                ok = (
                    (response.status_code not in (401, 403) + (() if narrowed else (404,)))
                    if expected == "allowed"
                    else response.status_code in expected
                )
                if not ok:
                    failures.append(f"{method} {url} as API client of {owner}: {response.status_code}, expected {expected}")
                for slug in (OWN, FOREIGN):
                    for secret in secrets_of(slug):
                        if secret in body:
                            if owner == RUNNING and tenant == slug == OWN:
                                secrets_seen += 1
                            else:
                                failures.append(f"{method} {url} as API client of {owner} shows {secret!r}")
    assert failures == []
    if owner == RUNNING:
        assert secrets_seen > 0


def objects_tenant_id(app) -> int:
    from core.testing.fixtures import tenant_id

    return tenant_id(app, OWN)


def test_break_the_glass_is_audited_with_its_reason(app, objects, client_for):
    from sqlalchemy import select

    from core.audit.models import AuditEvent
    from core.testing.fixtures import csrf_from

    contact_url = f"/alpha/open_counselling/contacts/{objects[OWN]['contact_id']}"
    admin = client_for(None)
    refused = admin.get(contact_url)
    assert refused.status_code == 403 and "Fortroligt alpha" not in refused.get_data(as_text=True)
    form = admin.get("/alpha/admin/break-glass").get_data(as_text=True)
    too_short = admin.post("/alpha/admin/break-glass", data={"reason": "fordi", "csrf_token": csrf_from(form)})
    assert too_short.status_code == 422 and "Fortroligt" not in too_short.get_data(as_text=True)
    reason = "Politiets anmodning om oplysninger i sag 4711"
    started = admin.post("/alpha/admin/break-glass", data={"reason": reason, "csrf_token": csrf_from(form)})
    assert started.status_code == 302
    opened = admin.get(contact_url)
    assert opened.status_code == 200 and "Fortroligt alpha" in opened.get_data(as_text=True)
    # Only in that tenant: beta's room stays shut.
    beta = admin.get(f"/beta/open_counselling/contacts/{objects[FOREIGN]['contact_id']}")
    assert beta.status_code == 403 and "Fortroligt beta" not in beta.get_data(as_text=True)
    subject = f"open_counselling.family:{objects[OWN]['family_id']}"
    with app.app_context(), tenant_context(objects_tenant_id(app)):  # row-level security on PostgreSQL
        purposes = db.session.scalars(select(AuditEvent.purpose).where(AuditEvent.subject == subject, AuditEvent.action == "view")).all()
    assert any(reason in (p or "") for p in purposes)
    # The person's audit report, read by the municipality's administrator, shows the reason.
    report = client_for(OWN, R.TENANT_ADMIN).get(f"/alpha/admin/audit?subject={subject}").get_data(as_text=True)
    assert reason in report and "Fortroligt alpha" not in report
    ended = admin.post(
        "/alpha/admin/break-glass/end", data={"csrf_token": csrf_from(admin.get("/alpha/admin/break-glass").get_data(as_text=True))}
    )
    assert ended.status_code == 302 and admin.get(contact_url).status_code == 403


def test_tenant_administrator_never_reads_the_authority_free_room(app, objects, client_for):
    admin = client_for(OWN, R.TENANT_ADMIN)
    for url in (
        f"/alpha/open_counselling/contacts/{objects[OWN]['contact_id']}",
        "/alpha/open_counselling/",
        f"/alpha/open_counselling/families/{objects[OWN]['family_id']}",
        "/alpha/api/v1/open_counselling/contacts",
        f"/alpha/open_counselling/notifications/{objects[OWN]['notification_id']}",
    ):
        response = admin.get(url)
        assert response.status_code == 403, url
        assert "Fortroligt alpha" not in response.get_data(as_text=True)
        assert "Bekymringsgrund alpha" not in response.get_data(as_text=True)
