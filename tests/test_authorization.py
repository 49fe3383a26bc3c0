"""The authorization matrix against the real URL map: every route × role × tenant.

Fails when a route is missing from the matrix; then checks, for every route
and every role, in the signed-in person's own tenant and in a foreign one,
that the answer is what the matrix says; and that a foreign tenant's object
id gets exactly the answer a missing id gets, with none of its data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest
from werkzeug.routing import Rule

from core.db import db
from core.identity import roles as R
from core.identity.authz import PUBLIC, allowed_roles
from core.plugins.types import SampleRows
from core.tenancy.context import tenant_context
from core.testing.fixtures import api_token as _api_token
from core.testing.fixtures import installed_programmes, organisation_id, sign_in
from core.testing.kit_checks import sample_rows
from core.testing.kit_walk import (
    FOREIGN,
    OTHER,
    OWN,
    PERSONA_IDS,
    PERSONAS,
    RUNNING,
    SKIP_METHODS,
    answered_as_expected,
    call,
    csrf_off,
    expected_answer,
    fill,
    programme_of,
    relative_rule,
    signed_in,
    walk,
)

# Core's routes whose views narrow rows by ownership for some roles: a row that
# is not one's own answers 404 exactly like a missing one. The sample rows here
# are nobody's own. (A programme names its own in its sample rows' ``narrowed``.)
NARROWED = {
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
# Parameters that are not a row's id.
NAMED = {"filename": "samvirke.css", "key": "example.households"}


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def test_every_route_is_in_the_matrix(app):
    matrix = app.extensions["samvirke_authz"]
    missing = sorted({r.rule for r in _rules(app)} - set(matrix))
    assert missing == [], f"add these rules to config/authorization.toml or declare roles= on the programme's route: {missing}"
    stale = sorted(set(matrix) - {r.rule for r in _rules(app)})
    assert stale == [], f"the matrix lists rules that do not exist: {stale}"


@dataclass
class Objects:
    """Ids of real rows per tenant: core's own, and each programme's from its ``samvirke_sample_rows`` (namespaced per programme)."""

    core: dict[str, dict[str, int | str]]
    rows: dict[str, dict[str, SampleRows]]

    def ids(self, rule: str, slug: str) -> Mapping[str, int | str]:
        """A rule of programme X takes its ids from X's rows; core's rules from core's."""
        key = programme_of(rule, self.rows[slug])
        ids = {**self.core[slug], **(self.rows[slug][key].ids if key else {})}
        if rule.startswith("/national/"):
            ids["export_id"] = self.core[OWN]["platform_export_id"]  # the platform's, not the tenant's
        return ids

    def narrowed(self, rule: str) -> set[str]:
        key = programme_of(rule, self.rows[OWN])
        return set(NARROWED.get(rule, ())) | (set(self.rows[OWN][key].narrowed.get(relative_rule(rule), ())) if key else set())

    def secrets(self, slug: str) -> tuple[str, ...]:
        """The texts of the authority-free room and partner-only fields in one tenant's sample rows."""
        return tuple(text for rows in self.rows[slug].values() for text in rows.confidential)

    def items(self) -> list[tuple[str, dict[str, int | str]]]:
        return [(slug, self[slug]) for slug in self.core]

    def __getitem__(self, slug: str) -> dict[str, int | str]:
        """Every id of the tenant's rows, for tests that name a row (``objects[OWN]["contact_id"]``)."""
        return {**self.core[slug], **{k: v for rows in self.rows[slug].values() for k, v in rows.ids.items()}}


def test_every_programme_gives_sample_rows(app, objects):
    """The walk covers each programme the plugin host knows, with rows of its own (no list of programmes here)."""
    assert set(objects.rows[OWN]) == set(installed_programmes(app)) == set(objects.rows[FOREIGN])
    assert objects.secrets(OWN) and all(OWN in text for text in objects.secrets(OWN))


@pytest.fixture
def objects(app, tenant_a, tenant_b, request, tmp_path) -> Objects:
    """Core's sample rows per tenant, and every programme's (``samvirke_sample_rows``, marked with the tenant's slug)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from core.identity.api_clients import ApiClient
    from core.identity.models import User, realm_of_tenant
    from core.partnerships.models import Agreement, AgreementReminder
    from core.reports.models import ReportExport
    from core.tenancy.context import current_tenant_id
    from core.tenancy.models import utcnow
    from core.volunteers.models import Volunteer

    core: dict[str, dict[str, int | str]] = {}
    with app.app_context():
        for slug, tid in ((OWN, tenant_a), (FOREIGN, tenant_b)):
            with tenant_context(tid):
                client = ApiClient(name=f"klient {slug}", client_id=f"test-{slug}", secret_hash="x" * 64, scope="read", created_by="test")
                volunteer = Volunteer(name=f"Frivillig {slug}", organisation_id=organisation_id(app, "testforeningen"))
                agreement = db.session.scalars(select(Agreement)).one()
                reminder = AgreementReminder(agreement_id=agreement.id, kind="review", due_on=date(2026, 6, 30))
                # A report export is its owner's alone: this sample one is nobody's in the walk.
                owner = User(
                    realm=realm_of_tenant(current_tenant_id()),  # a user of this tenant: written in its scope
                    issuer="https://test-idp.invalid",
                    subject=f"export-owner-{slug}",
                    display_name="Eksportør",
                )
                db.session.add_all([client, volunteer, reminder, owner])
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
                core[slug] = {
                    **NAMED,
                    "client_id": client.id,
                    "volunteer_id": volunteer.id,
                    "agreement_id": agreement.id,
                    "reminder_id": reminder.id,
                    "export_id": export.id,
                }
        db.session.remove()
    from tests.billing.helpers import billing_samples

    for slug in (OWN, FOREIGN):  # an issued invoice of Testforeningen and its run
        core[slug].update(billing_samples(app, slug, request, tmp_path))
    objects = Objects(core, {slug: sample_rows(app, slug, slug) for slug in (OWN, FOREIGN)})
    core[OWN]["platform_export_id"] = _platform_export(app, objects.secrets(OWN)[0])
    return objects


def _platform_export(app, secret: str) -> int:
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
            content=secret.encode(),
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add(export)
        db.session.commit()
        return export.id


def _url(rule: Rule, tenant: str, objects: Objects | Mapping[str, int | str], ids_of: str | None = None) -> str:
    """The rule filled for ``tenant``: with ``Objects``, the ids of tenant ``ids_of`` (default: the same), each
    programme's from its own rows; with a plain mapping (tests/test_bad_input.py), those ids."""
    if isinstance(objects, Objects):
        return fill(rule.rule, tenant, objects.ids(rule.rule, ids_of or tenant))
    national = (
        {"export_id": objects["platform_export_id"]} if rule.rule.startswith("/national/") and "platform_export_id" in objects else {}
    )
    return fill(rule.rule, tenant, {**objects, **NAMED, **national})


@pytest.mark.parametrize(("role", "organisation"), PERSONAS, ids=PERSONA_IDS)
def test_every_route_answers_each_person_as_the_agreements_say(app, objects, role, organisation):
    """Every URL rule x method x person (role, organisation) x own/foreign tenant.

    Statuses follow the matrix and the agreements; and no response body shows a
    value of the authority-free room (counselling free text, family number, the
    ground of a notification of concern, partner-only notes) to anyone but the
    running organisation's staff in their own tenant.
    """
    walked = walk(
        app,
        signed_in(app, role, organisation),
        _rules(app),
        role,
        organisation,
        ids_for=lambda rule, slug: objects.ids(rule.rule, slug),
        secrets={slug: objects.secrets(slug) for slug in (OWN, FOREIGN)},
        narrowed=objects.narrowed,
    )
    assert walked.failures == []
    if role == R.PARTNER_STAFF and organisation == RUNNING:
        assert walked.secrets_seen > 0  # the check can see a secret: the running organisation reads its own records


def test_anonymous_is_sent_to_sign_in_or_gets_401(app, objects):
    client = app.test_client()
    for rule in _rules(app):
        if PUBLIC in allowed_roles(rule.rule, "GET", app) or "GET" not in rule.methods:
            continue
        url = _url(rule, OWN, objects)
        response = client.get(url)
        if "/api/" in rule.rule:
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_foreign_object_id_gets_exactly_the_answer_of_a_missing_id(app, objects):
    clients = {role: signed_in(app, role) for role in (R.TENANT_ADMIN, R.PARTNER_STAFF, R.PARTNER_FINANCE)}
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
            with csrf_off(app):
                foreign = call(client, method, _url(rule, OWN, objects, ids_of=FOREIGN))
                missing = call(client, method, fill(rule.rule, OWN, {k: 987654 for k in objects.ids(rule.rule, OWN)}))
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
                url = _url(rule, tenant, objects)
                response = client.open(url, method=method, json={} if method != "GET" else None, headers=headers)
                body = response.get_data(as_text=True)
                if tenant == FOREIGN:
                    expected = {401}  # the token means nothing in another tenant
                else:
                    expected = expected_answer(rule.rule, method, role, owner, OWN, app)
                if not answered_as_expected(response.status_code, expected, role, owner, objects.narrowed(rule.rule)):
                    failures.append(f"{method} {url} as API client of {owner}: {response.status_code}, expected {expected}")
                for slug in (OWN, FOREIGN):
                    for secret in objects.secrets(slug):
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
