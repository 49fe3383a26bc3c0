"""Fixtures in the shape of Flask's tutorial: ``app``, ``client``, ``runner``,
plus two tenants with look-alike data and clients signed in per role and tenant.

The database is built by running the migrations (core, then every plugin
branch), never with ``create_all``. ``TEST_DATABASE_URL`` points the suite at
PostgreSQL: each run creates its own databases there, migrates them as that
(owner) role and connects the app as ``samvirke_app``, a role that owns no
tables, so row-level security binds it as in production. Without it, SQLite.
``TEST_REDIS_URL`` enables the tests that use a real Redis.

The session's app is also served on 127.0.0.1 (``live_url``), because the
log-in flow has the relying party call the development provider over HTTP.
"""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from config import TestConfig
from core.app import create_app
from core.db import db
from core.identity.digests import secret_digest
from core.identity.models import User, UserSession
from core.migrations import upgrade_all
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.models import Tenant
from core.tenancy.sync import sync_tenants

HERE = Path(__file__).resolve().parents[2] / "tests"  # the platform's test tenants, organisations and example plugin
TEST_TENANTS = HERE / "tenants"
TEST_ORGANISATIONS = HERE / "organisations"
EXAMPLE_PLUGIN = "tests.example_plugin"
APP_ROLE = "samvirke_app"
CROSS_ROLE = "samvirke_cross"  # CROSS_TENANT_DATABASE_URL's role; `samvirke db upgrade` makes it a member of samvirke_cross_tenant
PLACEHOLDER_URL = "http://127.0.0.1:5000"
# Tenants, organisations and agreements come from the files; the audit trail is append-only.
KEPT_BETWEEN_TESTS = {
    "tenants",
    "tenant_programmes",
    "organisations",
    "agreements",
    "agreement_parties",
    "agreement_programmes",
    "audit_events",
    "alembic_version",
    "directory_version",  # the tenant directory's counter (core/tenancy/directory.py)
}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets fixtures see whether the test failed (the browser fixture takes a screenshot).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class PostgresDatabases:
    """Creates throw-away databases next to TEST_DATABASE_URL and drops them after."""

    def __init__(self, url: str):
        self.base = make_url(url)
        self.admin = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        with self.admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})
            if not exists:
                # An ordinary role: not a superuser, no BYPASSRLS, owns nothing.
                conn.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"))
            if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": CROSS_ROLE}):
                conn.execute(text(f"CREATE ROLE {CROSS_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"))

    def create(self) -> tuple[str, str]:
        """(app URL, owner URL) of a new empty database."""
        name = f"samvirke_test_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        owner = self.base.set(database=name)
        app = owner.set(username=APP_ROLE, password=None)
        return app.render_as_string(hide_password=False), owner.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


_APPS: list[Flask] = []


def _dispose_engines() -> None:
    while _APPS:
        app = _APPS.pop()
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():  # the default and the cross-tenant bind
                engine.dispose()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory) -> Iterator:
    """Returns a function that gives (app URL, owner URL) of a new, empty database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        pg = PostgresDatabases(url)
        yield pg.create
        _dispose_engines()
        pg.drop_all()
    else:
        folder = tmp_path_factory.mktemp("db")

        def sqlite() -> tuple[str, str]:
            url = f"sqlite:///{folder / (uuid.uuid4().hex + '.db')}"
            return url, ""

        yield sqlite
        _dispose_engines()


def create_app_for_tests(database: tuple[str, str], **overrides) -> Flask:
    app_url, owner_url = database

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app_url
        MIGRATION_DATABASE_URL = owner_url
        CROSS_TENANT_DATABASE_URL = (
            make_url(owner_url).set(username=CROSS_ROLE, password=None).render_as_string(hide_password=False) if owner_url else ""
        )
        TENANTS_DIR = str(TEST_TENANTS)
        ORGANISATIONS_DIR = str(TEST_ORGANISATIONS)
        SAMVIRKE_EXTRA_PLUGINS = [EXAMPLE_PLUGIN]

    for key, value in overrides.items():
        setattr(Config, key, value)
    app = create_app(Config)
    _APPS.append(app)
    return app


def installed_programmes(app: Flask) -> list[str]:
    """The programme keys of the app's plugins, from its plugin host: no test lists them by hand."""
    from core.plugins.host import plugin_host

    return sorted(plugin_host(app).programmes())


def build_app(database: tuple[str, str], *, sync: bool = True, **overrides) -> Flask:
    """An app whose database is migrated and (unless ``sync=False``) whose test tenants are synced."""
    app = create_app_for_tests(database, **overrides)
    with app.app_context():
        upgrade_all()
        if sync:
            sync_tenants(app.config["TENANTS_DIR"], installed_programmes(app))
        db.session.remove()
    return app


def tenant_files_for(base_url: str, folder: Path) -> Path:
    """The test tenant files with their issuers pointing at ``base_url``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in TEST_TENANTS.glob("*.toml"):
        (folder / path.name).write_text(path.read_text().replace(PLACEHOLDER_URL, base_url))
    return folder


@pytest.fixture(scope="session")
def _served(database_factory, tmp_path_factory):
    """The session's app, migrated, synced and served on 127.0.0.1."""
    app = create_app_for_tests(database_factory(), DEV_IDP_KEY_FILE=str(tmp_path_factory.mktemp("idp") / "key.json"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["TENANTS_DIR"] = str(tenant_files_for(base_url, tmp_path_factory.mktemp("tenants")))
    app.config["PLATFORM_IDENTITY_PROVIDER"] = {**app.config["PLATFORM_IDENTITY_PROVIDER"], "issuer": f"{base_url}/dev-idp/platform"}
    with app.app_context():
        upgrade_all()
        sync_tenants(app.config["TENANTS_DIR"], installed_programmes(app))
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, base_url
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def app(_served) -> Flask:
    return _served[0]


@pytest.fixture(scope="session")
def live_url(_served) -> str:
    return _served[1]


@pytest.fixture(autouse=True)
def _clean_tables(request) -> Iterator[None]:
    """Each test starts with no programme data, sessions, failures or job records.

    The audit trail is append-only, so it is not cleaned: tests that read it
    use subjects of their own.
    """
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        with cross_tenant("test clean-up"):
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in KEPT_BETWEEN_TESTS:
                    db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app_ctx(app) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def tenant_id(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Tenant.id).where(Tenant.slug == slug)).one()


@pytest.fixture
def tenant_a(app) -> int:
    return tenant_id(app, "alpha")


@pytest.fixture
def tenant_b(app) -> int:
    return tenant_id(app, "beta")


@pytest.fixture
def lookalike_data(app, tenant_a, tenant_b) -> dict[str, dict[str, int]]:
    """The same household name and member names in both tenants."""
    from tests.example_plugin.models import Household, Member

    ids: dict[str, dict[str, int]] = {}
    with app.app_context():
        for slug, tid in (("alpha", tenant_a), ("beta", tenant_b)):
            with tenant_context(tid):
                household = Household(name="Familien Hansen", note=f"Fortroligt notat {slug}")
                household.members = [Member(name="Amira"), Member(name="Sara")]
                db.session.add(household)
                db.session.commit()
                ids[slug] = {"household": household.id, "member": household.members[0].id}
        db.session.remove()
    return ids


def organisation_id(app: Flask, slug: str) -> int:
    from core.partnerships.models import Organisation

    with app.app_context():
        found = db.session.scalar(select(Organisation.id).where(Organisation.slug == slug))
    assert found is not None, f"no test organisation {slug!r}"
    return found


def sign_in(
    app: Flask,
    client,
    role: str,
    slug: str | None,
    organisation: str | None = None,
    *,
    issuer: str = "https://test-idp.invalid",
    subject: str | None = None,
) -> int:
    """Give ``client`` a server-side session as ``role`` (of tenant ``slug``).

    Partner staff, volunteers and national coordinators act for
    ``organisation`` (default: Testforeningen, party to the test tenants'
    agreements). A shortcut past the identity provider for tests that are not
    about log-in; tests/test_login.py goes through the real OpenID Connect flow.
    With ``subject`` (and the provider's ``issuer``) the session is that user's,
    as the log-in of that subject would give (users are keyed by issuer and subject).
    """
    from core.identity.roles import ORGANISATION_ROLES

    if organisation is None and role in ORGANISATION_ROLES:
        organisation = "testforeningen"
    org_id = organisation_id(app, organisation) if organisation else None
    key = secrets.token_urlsafe(16)
    with app.app_context():
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) if slug else None
        user = db.session.scalar(select(User).where(User.issuer == issuer, User.subject == subject)) if subject else None
        if user is None:
            user = User(
                issuer=issuer,
                subject=subject or f"{slug}-{role}-{uuid.uuid4().hex[:6]}",
                display_name=subject or f"Test {role}",
            )
            db.session.add(user)
            db.session.flush()
        # PostgreSQL admits a tenant's session only for that tenant (a platform one outside any).
        from contextlib import nullcontext

        with tenant_context(tid) if tid is not None else nullcontext():
            db.session.add(
                UserSession(
                    id=secret_digest(key, "session"),
                    user_id=user.id,
                    tenant_id=tid,
                    roles=[role],
                    organisation_id=org_id,
                )
            )
            if tid is not None:  # what the log-in records beside the session (core.identity.sessions.open_session)
                from core.notices.people import remember_log_in

                remember_log_in(tid, user.id, [role], org_id)
            db.session.commit()
        user_id = user.id
    with client.session_transaction() as session:
        session["sid"] = key
    return user_id


@pytest.fixture
def client_for(app):
    """``client_for("alpha")``: partner staff of alpha; ``client_for("alpha", "municipal_staff")``;
    ``client_for(None)``: a platform administrator."""

    def make(slug: str | None, role: str | None = None, organisation: str | None = None):
        c = app.test_client()
        sign_in(app, c, role or ("partner_staff" if slug else "platform_admin"), slug, organisation)
        return c

    return make


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


# --- what an agreement says --------------------------------------------------------
# Agreements come from the tenant files and are kept between tests, so a test that
# needs other terms or targets changes the synced row and restores it, never the file.


@contextmanager
def agreement_says(
    app, tenant_id: int, programme: str, *, terms: dict[str, Any] | None = None, targets: dict[str, int] | None = None, draft: bool = False
) -> Iterator[None]:
    """The agreement covering ``programme`` in the tenant with ``terms`` merged into its terms,
    ``targets`` as the programme's targets, or (``draft``) not in force, for the block's duration."""
    from core.partnerships import agreement_covering
    from core.partnerships.models import Agreement

    with app.app_context(), tenant_context(tenant_id):
        agreement = agreement_covering(programme)
        assert agreement is not None, f"no agreement covers {programme} in tenant {tenant_id}"
        agreement_id = agreement.id
        saved = (dict(agreement.terms or {}), dict(agreement.targets or {}), agreement.declared_status)
        if terms is not None:
            agreement.terms = {**saved[0], **terms}
        if targets is not None:
            agreement.targets = {**saved[1], programme: dict(targets)}
        if draft:
            agreement.declared_status = "draft"
        db.session.commit()
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context(), tenant_context(tenant_id):
            agreement = db.session.get_one(Agreement, agreement_id)
            agreement.terms, agreement.targets, agreement.declared_status = saved
            db.session.commit()
            db.session.remove()


class HeldQueue:
    """Runs recorded but not executed, as in a queue no worker has taken them from yet."""

    def __init__(self, execute):
        self.ids: list[int] = []
        self._held: list[tuple] = []
        self._execute = execute

    def hold(self, run_id: int, *known) -> str:
        """What the queue keeps: the run and what the runner tells the worker about it."""
        self.ids.append(run_id)
        self._held.append((run_id, *known))
        return "queued"

    def work(self, app) -> list[str]:
        """What a worker does: execute each held run."""
        with app.app_context():
            return [self._execute(*held) for held in self._held]


@pytest.fixture
def held_back(monkeypatch):
    import core.jobs.runner as runner

    queue = HeldQueue(runner.execute)
    monkeypatch.setattr(runner, "execute", queue.hold)
    return queue


def api_token(app, tenant_id: int, owner: str | None) -> str:
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


def read_csv(content: bytes) -> list[list[str]]:
    """A CSV as Danish Excel reads it: UTF-8 with a BOM, ``;`` between cells."""
    import csv
    import io

    assert content.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would read the file as ANSI"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
