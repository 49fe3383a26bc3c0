"""The request path's savings (issue 11) keep every answer current and every tenant apart.

- A tenant's agreements in force (parties, programmes, notices) are read once
  per process and directory version (core/tenancy/directory.py): a page that
  reads an agreement sends no statement for it while the copy is current;
  a write to an agreement or its notice is seen by the next request; a write
  request reads afresh; one tenant never gets another's agreements.
- The menu's links and the assets' URLs are built once (core/web), and still
  lead where they did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date

from flask import g
from sqlalchemy import delete, event, select
from sqlalchemy.engine import Engine

from core.db import db
from core.partnerships.access import agreement_covering, agreements_in_force
from core.partnerships.models import Agreement, AgreementNotice
from core.tenancy.context import tenant_context
from core.tenancy.directory import tenant_by_slug

AGREEMENT_TABLES = ("agreements", "agreement_parties", "agreement_programmes", "agreement_notices")


@contextlib.contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn, cursor, sql, params, context, executemany):
        seen.append(" ".join(sql.split()))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def _reads_agreements(statements: list[str]) -> list[str]:
    return [s for s in statements if any(f"FROM {t} " in f"{s} " or f"JOIN {t} " in f"{s} " for t in AGREEMENT_TABLES)]


@contextlib.contextmanager
def _get(app, slug: str, method: str = "GET") -> Iterator[None]:
    """A request to the tenant's home, resolved as the URL would be (the directory checked current)."""
    with app.test_request_context(f"/{slug}/", method=method):
        tenant = tenant_by_slug(slug)
        assert tenant is not None
        g.tenant = tenant
        with tenant_context(tenant.id):
            yield


def test_a_page_that_reads_an_agreement_sends_no_statement_for_it_while_the_copy_is_current(client_for):
    client = client_for("alpha", "municipal_staff")
    assert client.get("/alpha/reports/").status_code == 200  # fills the process's copy
    with _statements() as seen:
        response = client.get("/alpha/reports/")
    assert response.status_code == 200
    assert _reads_agreements(seen) == [], seen
    # The annual report the agreement asks for is still listed: the copy is the agreement.
    assert "testaftale" in response.get_data(as_text=True) or "/reports/annual." in response.get_data(as_text=True)


def test_the_cached_agreement_is_the_same_as_the_database_s(app):
    with _get(app, "alpha"):
        agreements_in_force()  # fills the copy
    with _get(app, "alpha"), _statements() as seen:
        cached = agreement_covering("example")
        assert cached is not None
        assert _reads_agreements(seen) == []
        row = (cached.id, cached.key, sorted(cached.programme_keys), sorted(o.slug for o in cached.organisations), cached.terms)
    with _get(app, "alpha", method="POST"):  # a write request reads afresh
        with _statements() as seen:
            fresh = agreement_covering("example")
        assert _reads_agreements(seen), "a write request must not use the copy"
        assert fresh is not None
        assert (fresh.id, fresh.key, sorted(fresh.programme_keys), sorted(o.slug for o in fresh.organisations), fresh.terms) == row


def test_a_notice_given_is_seen_by_the_next_request(app, tenant_a):
    with _get(app, "alpha"):
        agreement = agreement_covering("example")
        assert agreement is not None and agreement.notice is None
        agreement_id = agreement.id
    with app.app_context(), tenant_context(tenant_a):
        db.session.add(
            AgreementNotice(
                agreement_id=agreement_id,
                given_on=date(2026, 1, 5),
                given_by="municipality",
                earliest_end=date(2026, 7, 31),
                recorded_by="test",
            )
        )
        db.session.commit()
    try:
        with _get(app, "alpha"):
            agreement = agreement_covering("example")
            assert agreement is not None and agreement.notice is not None
            assert agreement.end_date() == date(2026, 7, 31) or agreement.end_date() < date(2026, 7, 31)
    finally:
        with app.app_context(), tenant_context(tenant_a):
            db.session.execute(delete(AgreementNotice).where(AgreementNotice.agreement_id == agreement_id))
            db.session.commit()
    with _get(app, "alpha"):
        agreement = agreement_covering("example")
        assert agreement is not None and agreement.notice is None


def test_a_changed_agreement_is_seen_by_the_next_request(app, tenant_a):
    from core.testing.fixtures import agreement_says

    with _get(app, "alpha"):
        assert agreement_covering("example") is not None  # cached
    with agreement_says(app, tenant_a, "example", targets={"households": 987654}):
        with _get(app, "alpha"):
            agreement = agreement_covering("example")
            assert agreement is not None and agreement.targets["example"] == {"households": 987654}
        with agreement_says(app, tenant_a, "example", draft=True):
            with _get(app, "alpha"):
                assert agreement_covering("example") is None  # out of force at once
    with _get(app, "alpha"):
        agreement = agreement_covering("example")
        assert agreement is not None and agreement.targets.get("example") != {"households": 987654}


def test_one_tenant_never_gets_another_s_cached_agreements(app, tenant_a, tenant_b):
    with _get(app, "alpha"):
        alpha = [(a.id, a.tenant_id) for a in agreements_in_force()]
    with _get(app, "beta"):
        beta = [(a.id, a.tenant_id) for a in agreements_in_force()]
    with _get(app, "alpha"):
        again = [(a.id, a.tenant_id) for a in agreements_in_force()]
    assert alpha and beta
    assert {t for _, t in alpha} == {tenant_a} and {t for _, t in beta} == {tenant_b}
    assert not {i for i, _ in alpha} & {i for i, _ in beta}
    assert again == alpha
    with app.app_context(), tenant_context(tenant_b):  # and beta's are beta's own rows
        assert {a for a, _ in beta} == set(
            db.session.scalars(select(Agreement.id).where(Agreement.active.is_(True), Agreement.declared_status != "draft"))
        )


def test_the_menu_and_the_assets_still_link_where_they_did(client_for):
    client = client_for("alpha", "municipal_staff")
    html = client.get("/alpha/reports/").get_data(as_text=True)
    assert 'href="/static/samvirke.css"' in html and 'src="/static/js/init.js"' in html
    assert 'href="/alpha/reports/" aria-current="page"' in html  # the current page is marked in the menu
    assert 'href="/alpha/"' in html
    other = client_for("beta", "municipal_staff").get("/beta/reports/").get_data(as_text=True)
    assert 'href="/beta/reports/"' in other and "/alpha/" not in other  # links are per tenant, never a cached other tenant's


def test_a_pooled_connection_is_checked_only_after_lying_idle_and_replaced_when_dead(tmp_path, monkeypatch):
    """Production no longer pings on every checkout (a round trip per request), only after ``seconds`` unused."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import QueuePool

    import core.db as core_db

    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}", poolclass=QueuePool, pool_size=1, max_overflow=0)
    pings: list[int] = []
    dead = {"now": False}

    def do_ping(dbapi_connection):
        pings.append(id(dbapi_connection))
        if dead["now"]:
            raise OSError("server closed the connection unexpectedly")
        return True

    monkeypatch.setattr(engine.dialect, "do_ping", do_ping)
    clock = [1000.0]
    monkeypatch.setattr(core_db, "_now", lambda: clock[0])
    core_db.ping_when_idle(engine, 10)

    def used() -> object:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            return connection.connection.dbapi_connection

    first = used()
    clock[0] += 5
    assert used() is first and pings == []  # handed back moments ago: no round trip
    clock[0] += 11
    assert used() is first and len(pings) == 1  # lay idle: asked once
    clock[0] += 11
    dead["now"] = True
    assert used() is not first  # did not answer: replaced, and the statement ran on the new one
    engine.dispose()
