"""The app through PgBouncer in transaction pooling mode: every transaction may run on
another server backend, and no setting or prepared statement may follow a client there.

``scripts/services.sh`` starts PgBouncer (``pool_mode = transaction``, a small pool)
in front of the test PostgreSQL and prints ``TEST_PGBOUNCER_URL``; without it these
tests are skipped. Migrations run directly against PostgreSQL (as the owner); the app's
role and the cross-tenant role connect through PgBouncer, as they would in production.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from core.db import db
from core.tenancy.context import tenant_context
from core.tenancy.rls import POOLED, set_rls_context
from core.tenancy.session import TenantSession, _scope_to_tenant
from core.testing.fixtures import CROSS_ROLE, build_app, sign_in

BOUNCER = os.environ.get("TEST_PGBOUNCER_URL", "")
pytestmark = pytest.mark.skipif(not (BOUNCER and os.environ.get("TEST_DATABASE_URL")), reason="needs TEST_PGBOUNCER_URL")


def _through_bouncer(url: str, username: str | None = None) -> str:
    bouncer = make_url(BOUNCER)
    direct = make_url(url)
    return direct.set(host=bouncer.host, port=bouncer.port, username=username or direct.username).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def pooled_app(database_factory):
    app_url, owner_url = database_factory()
    app = build_app(
        (app_url, owner_url),
        SQLALCHEMY_DATABASE_URI=_through_bouncer(app_url),
        CROSS_TENANT_DATABASE_URL=_through_bouncer(owner_url, CROSS_ROLE),
        # More client connections than PgBouncer's pool has server connections for the database.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8, "max_overflow": 0, "pool_timeout": 30},
    )
    return app


@pytest.fixture
def orm_filter_off():
    event.remove(TenantSession, "do_orm_execute", _scope_to_tenant)
    yield
    event.listen(TenantSession, "do_orm_execute", _scope_to_tenant)


def test_connections_through_the_pooler_are_recognised_and_prepare_nothing(pooled_app):
    with pooled_app.app_context(), db.engine.connect() as connection:
        assert connection.info.get(POOLED) is True
        assert connection.connection.dbapi_connection.prepare_threshold is None
        for _ in range(10):  # psycopg would prepare this at its fifth run
            connection.execute(text("SELECT count(*) FROM tenants")).scalar()
        assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0


def test_the_scope_is_signed_for_the_backend_that_runs_the_transaction(pooled_app):
    """Two transactions open at once run on two backends; each one's scope holds there, and only there."""
    with pooled_app.app_context():
        tenants = dict(db.session.execute(select(text("slug"), text("id")).select_from(text("tenants"))).all())
        db.session.remove()
        with db.engine.connect() as first, db.engine.connect() as second:
            set_rls_context(first, tenants["alpha"])
            set_rls_context(second, tenants["beta"])
            pids = {c.execute(text("SELECT pg_backend_pid()")).scalar() for c in (first, second)}
            assert len(pids) == 2  # both transactions are open: two server backends
            assert first.execute(text("SELECT samvirke_rls_tenant()")).scalar() == tenants["alpha"]
            assert second.execute(text("SELECT samvirke_rls_tenant()")).scalar() == tenants["beta"]
            beta_token = second.execute(text("SELECT current_setting('app.scope')")).scalar()
            first.execute(text("SELECT set_config('app.scope', :t, true)"), {"t": beta_token})
            assert first.execute(text("SELECT samvirke_rls_tenant()")).scalar() is None  # worthless on another backend
            first.rollback()
            second.rollback()
            # A new transaction starts without any scope, whichever backend serves it.
            assert first.execute(text("SELECT coalesce(current_setting('app.scope', true), '')")).scalar() == ""
            first.rollback()


def test_thousand_tenant_alternating_requests_through_the_pooler_return_no_wrong_row(pooled_app, orm_filter_off):
    """Row-level security alone (the ORM filter off), 4 threads, 1,000 requests: never another tenant's row."""
    from tests.example_plugin.models import Household

    app = pooled_app
    expected = {}
    with app.app_context():
        ids = dict(db.session.execute(select(text("slug"), text("id")).select_from(text("tenants"))).all())
        for slug in ("alpha", "beta"):
            with tenant_context(ids[slug]):
                db.session.add_all([Household(name=f"{slug}-{i}") for i in range(3)])
                db.session.commit()
                expected[slug] = sorted(db.session.scalars(select(Household.id)).all())
        db.session.remove()
    assert expected["alpha"] and expected["beta"] and not set(expected["alpha"]) & set(expected["beta"])
    clients = {}
    for slug in ("alpha", "beta"):
        clients[slug] = [app.test_client() for _ in range(2)]
        for client in clients[slug]:
            sign_in(app, client, "partner_staff", slug)
    results: list[tuple[str, int, list[int]]] = []
    lock = threading.Lock()

    def serve(worker: int) -> None:
        for i in range(250):
            slug = ("alpha", "beta")[(i + worker) % 2]
            response = clients[slug][worker // 2].get(f"/{slug}/api/v1/example/households")
            got = sorted(h["id"] for h in response.get_json()) if response.status_code == 200 else []
            with lock:
                results.append((slug, response.status_code, got))

    threads = [threading.Thread(target=serve, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1000
    assert [r for r in results if r[1] != 200] == []
    wrong = [r for r in results if r[2] != expected[r[0]]]
    assert wrong == []
