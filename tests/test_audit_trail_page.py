"""The audit trail page: reachable from the menu, people and roles by name, actions in the UI language,
Danish time, filters by person, actor, action and period, pages, and never another tenant's rows."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bench.counting import count_statements
from core.audit.models import AUDIT_EVENTS, AuditEvent
from core.db import db
from core.identity.models import User, realm_of_tenant
from core.tenancy.context import cross_tenant, tenant_context
from core.testing.fixtures import sign_in, tenant_id


@pytest.fixture(autouse=True)
def _last_seen_once(monkeypatch):
    # A session's last-seen write once a minute would land in whichever request crossed the minute.
    monkeypatch.setattr("core.identity.sessions.LAST_SEEN_RESOLUTION", timedelta(days=1))


def _person(app, slug: str, role: str, name: str):
    """A signed-in client whose user has a distinctive display name; (client, user id)."""
    client = app.test_client()
    user_id = sign_in(app, client, role, slug)
    with app.app_context(), tenant_context(tenant_id(app, slug)):  # (row-level security: a realm's users are its tenant's)
        user = db.session.get_one(User, user_id)
        user.display_name = name
        user.realm = realm_of_tenant(tenant_id(app, slug))  # as a log-in into the tenant makes it
        db.session.commit()
    return client, user_id


def _insert(app, tenant_id: int, rows: list[dict]) -> None:
    with app.app_context(), tenant_context(tenant_id):
        db.session.execute(
            AUDIT_EVENTS.insert(), [{"tenant_id": tenant_id, "route": None, "criterion": None, "purpose": None, **r} for r in rows]
        )
        db.session.commit()


def _admin(app, slug: str = "alpha"):
    client, _ = _person(app, slug, "tenant_admin", f"Admin {uuid.uuid4().hex[:6]}")
    return client


def test_the_menu_offers_the_audit_trail_to_administrators_only(app, client_for):
    assert 'href="/alpha/admin/audit"' in client_for("alpha", "tenant_admin").get("/alpha/").get_data(as_text=True)
    assert 'href="/alpha/admin/audit"' in client_for(None, "platform_admin").get("/alpha/").get_data(as_text=True)
    for role in ("municipal_staff", "partner_staff", "volunteer"):
        assert "/admin/audit" not in client_for("alpha", role).get("/alpha/").get_data(as_text=True), role


def test_people_and_roles_by_name_and_actions_in_danish(app, lookalike_data):
    household = lookalike_data["alpha"]["household"]
    subject = f"example.household:{household}"
    staff, staff_id = _person(app, "alpha", "municipal_staff", "Birgitte Sundhedsplejerske")
    assert staff.get(f"/alpha/api/v1/example/households/{household}").status_code == 200
    page = _admin(app).get(f"/alpha/admin/audit?subject={subject}").get_data(as_text=True)
    assert "Birgitte Sundhedsplejerske (Kommunal medarbejder)" in page
    assert f">user:{staff_id}<" not in page  # the label is not what people read
    assert ">Læste<" in page  # "view", in Danish


def test_english_is_available(app, lookalike_data):
    household = lookalike_data["alpha"]["household"]
    _person(app, "alpha", "municipal_staff", "Birgitte English")[0].get(f"/alpha/api/v1/example/households/{household}")
    admin = _admin(app)
    with admin.session_transaction() as session:
        session["lang"] = "en"
    page = admin.get(f"/alpha/admin/audit?subject=example.household:{household}").get_data(as_text=True)
    assert "Birgitte English (Municipal staff)" in page and ">Viewed<" in page


def test_times_are_danish_time(app, tenant_a):
    subject = f"test.time:{uuid.uuid4().hex[:8]}"
    _insert(
        app,
        tenant_a,
        [
            {"at": datetime(2026, 7, 1, 10, 0, 0, tzinfo=UTC), "actor": "anonymous", "action": "view", "subject": subject},  # summer: +2
            {"at": datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC), "actor": "anonymous", "action": "view", "subject": subject},  # winter: +1
        ],
    )
    page = _admin(app).get(f"/alpha/admin/audit?subject={subject}").get_data(as_text=True)
    assert "1. jul. 2026 12.00.00" in page and "1. dec. 2026 11.00.00" in page
    assert "10.00.00" not in page


def test_filters_by_actor_action_and_danish_period(app, tenant_a):
    subject = f"test.filter:{uuid.uuid4().hex[:8]}"
    _, anna = _person(app, "alpha", "partner_staff", "Anna Filtersen")
    _, bent = _person(app, "alpha", "partner_staff", "Bent Andersen")
    _insert(
        app,
        tenant_a,
        [
            # 00:30 on 1 July in Denmark, still 30 June in UTC: inside a period that starts on 1 July.
            {
                "at": datetime(2026, 6, 30, 22, 30, tzinfo=UTC),
                "actor": f"user:{anna}",
                "action": "view",
                "subject": subject,
                "purpose": "P-first",
            },
            {
                "at": datetime(2026, 7, 15, 9, 0, tzinfo=UTC),
                "actor": f"user:{bent}",
                "action": "change",
                "subject": subject,
                "purpose": "P-second",
            },
            # 23:30 on 31 July in UTC is 1 August in Denmark: outside a period that ends on 31 July.
            {
                "at": datetime(2026, 7, 31, 22, 30, tzinfo=UTC),
                "actor": f"user:{anna}",
                "action": "view",
                "subject": subject,
                "purpose": "P-third",
            },
        ],
    )
    admin = _admin(app)

    def shown(query: str) -> set[str]:
        response = admin.get(f"/alpha/admin/audit?subject={subject}&{query}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        return {p for p in ("P-first", "P-second", "P-third") if p in body}

    assert shown("") == {"P-first", "P-second", "P-third"}
    assert shown("from=2026-07-01&to=2026-07-31") == {"P-first", "P-second"}
    assert shown("actor=filtersen") == {"P-first", "P-third"}  # part of a name, any case
    assert shown(f"actor=user:{bent}") == {"P-second"}  # or the label the name links to
    assert shown("action=change") == {"P-second"}
    assert shown("actor=Anna&to=2026-07-31") == {"P-first"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "Skriv periodens datoer som datoer"),
        ("from=2026-08-01&to=2026-07-01", "Periodens første dag skal ligge før dens sidste dag"),
        ("action=sudo", "Vælg en af handlingerne"),
        ("actor=" + "x" * 121, "må højst indeholde 120 tegn"),
        ("page=abc", "page"),
        ("page=0", "page"),
    ],
)
def test_bad_filters_are_a_danish_400(app, query, message):
    response = _admin(app).get(f"/alpha/admin/audit?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def _table(body: str) -> str:
    return body[body.index('id="audit-trail"') : body.index("</table>")]


def test_another_tenants_entries_never_appear(app, tenant_b):
    secret = f"test.beta-only:{uuid.uuid4().hex[:8]}"
    _, beta_user = _person(app, "beta", "municipal_staff", "Beate Betasen")
    _insert(
        app,
        tenant_b,
        [{"at": datetime.now(UTC), "actor": f"user:{beta_user}", "action": "view", "subject": secret, "purpose": "beta-purpose"}],
    )
    admin = _admin(app)
    for query in ("", f"?subject={secret}", "?actor=Betasen", f"?actor=user:{beta_user}"):
        body = admin.get(f"/alpha/admin/audit{query}").get_data(as_text=True)
        assert "beta-purpose" not in body and "Beate Betasen" not in body, query
        assert secret not in _table(body), query  # (the search box shows what was typed)
    export = admin.get(f"/alpha/admin/audit.csv?subject={secret}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [r["action"] for r in rows] == ["search"] and "beta-purpose" not in export  # only alpha's own search for it
    # beta's own administrator does see it: the check can see the row.
    assert "beta-purpose" in _admin(app, "beta").get(f"/beta/admin/audit?subject={secret}").get_data(as_text=True)


def test_reading_the_trail_is_itself_audited(app, tenant_a):
    subject = f"test.read:{uuid.uuid4().hex[:8]}"
    admin = _admin(app)
    admin.get(f"/alpha/admin/audit?subject={subject}&actor=Someone&from=2026-01-01")
    with app.app_context(), tenant_context(tenant_a):
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.criterion).where(AuditEvent.subject == subject)).all()
    assert rows == [("search", "audit trail: actor=Someone, period=2026-01-01..")]


def test_pages_and_a_constant_number_of_statements(app, tenant_a):
    subject = f"test.pages:{uuid.uuid4().hex[:8]}"
    people = [_person(app, "alpha", "partner_staff", f"Side Person {i}")[1] for i in range(3)]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    _insert(
        app,
        tenant_a,
        [{"at": start + timedelta(minutes=i), "actor": f"user:{people[i % 3]}", "action": "view", "subject": subject} for i in range(3)],
    )
    admin = _admin(app)
    admin.get(f"/alpha/admin/audit?subject={subject}")  # the first request fills per-process caches
    with count_statements() as few:
        assert admin.get(f"/alpha/admin/audit?subject={subject}").status_code == 200
    more = [_person(app, "alpha", "volunteer", f"Flere Personer {i}")[1] for i in range(57)]
    _insert(
        app,
        tenant_a,
        [
            {"at": start + timedelta(hours=1, minutes=i), "actor": f"user:{more[i]}", "action": "view", "subject": subject}
            for i in range(57)
        ],
    )
    with count_statements() as many:
        first = admin.get(f"/alpha/admin/audit?subject={subject}")
    assert first.status_code == 200
    assert many.count == few.count, many.summary()
    body = first.get_data(as_text=True)
    assert "Flere Personer 56 (Frivillig)" in body and "Side Person 0" not in body  # newest first, 50 a page
    assert 'href="/alpha/admin/audit?subject=' in body and "page=2" in body
    second = admin.get(f"/alpha/admin/audit?subject={subject}&page=2").get_data(as_text=True)
    assert "Side Person 0 (Partnermedarbejder)" in second and "Flere Personer 56" not in second
    with app.app_context(), cross_tenant("test: count"):
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.subject == subject, AuditEvent.action == "view")
            )
            == 60
        )


def test_csv_export_follows_the_filters(app, tenant_a):
    subject = f"test.csv:{uuid.uuid4().hex[:8]}"
    _, anna = _person(app, "alpha", "partner_staff", "=Anna Formel")
    _insert(app, tenant_a, [{"at": datetime(2026, 5, 1, 8, tzinfo=UTC), "actor": f"user:{anna}", "action": "view", "subject": subject}])
    export = _admin(app).get(f"/alpha/admin/audit.csv?subject={subject}&action=view")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["view"]
    assert rows[0]["actor"] == f"user:{anna}" and rows[0]["actor_name"] == "'=Anna Formel (Partnermedarbejder)"  # neutralised


def test_every_action_has_a_label_in_both_languages():
    from core.audit import ACTIONS
    from core.audit.views import ACTION_LABELS

    assert set(ACTION_LABELS) == set(ACTIONS)  # a new action shows its key until it gets a label here
