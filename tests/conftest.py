"""Fixtures in the shape of Flask's tutorial: ``app``, ``client``, ``runner``,
plus two tenants with look-alike data and a client signed in per tenant.

The database is built by running the migrations (core, then every plugin
branch), never with ``create_all``. ``TEST_DATABASE_URL`` points the suite at
PostgreSQL (a fresh database per run is created from it); without it, SQLite.
``TEST_REDIS_URL`` enables the tests that use a real Redis.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import make_url

from config import TestConfig
from core.app import create_app
from core.db import db
from core.jobs.models import JobRun
from core.migrations import upgrade_all
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from core.tenancy.sync import sync_tenants

HERE = Path(__file__).parent
TEST_TENANTS = HERE / "tenants"
EXAMPLE_PLUGIN = "tests.example_plugin"
IN_CI = os.environ.get("CI") == "true"


class PostgresDatabases:
    """Creates throw-away databases next to TEST_DATABASE_URL and drops them after."""

    def __init__(self, url: str):
        self.base = make_url(url)
        self.admin = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"samvirke_test_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

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
            db.engine.dispose()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory) -> Iterator:
    """Returns a function that gives the URL of a new, empty database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        pg = PostgresDatabases(url)
        yield pg.create
        _dispose_engines()
        pg.drop_all()
    else:
        folder = tmp_path_factory.mktemp("db")
        yield lambda: f"sqlite:///{folder / (uuid.uuid4().hex + '.db')}"
        _dispose_engines()




def build_app(database_url: str, *, sync: bool = True, **overrides) -> Flask:
    """An app whose database is migrated and (unless ``sync=False``) whose test tenants are synced."""
    app = create_app_for_tests(database_url, **overrides)
    with app.app_context():
        upgrade_all()
        if sync:
            sync_tenants(app.config["TENANTS_DIR"], ["example"])
        db.session.remove()
    return app


def create_app_for_tests(database_url: str, **overrides) -> Flask:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        TENANTS_DIR = str(TEST_TENANTS)
        SAMVIRKE_EXTRA_PLUGINS = [EXAMPLE_PLUGIN]

    for key, value in overrides.items():
        setattr(Config, key, value)
    app = create_app(Config)
    _APPS.append(app)
    return app


@pytest.fixture(scope="session")
def app(database_factory) -> Flask:
    return build_app(database_factory())


@pytest.fixture(autouse=True)
def _clean_tables(request) -> Iterator[None]:
    """Each test starts with no programme data and no job records."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        from tests.example_plugin.models import Household, Member

        from core.tenancy.context import cross_tenant

        with cross_tenant("test clean-up"):
            db.session.execute(delete(Member))
            db.session.execute(delete(Household))
        db.session.execute(delete(JobRun))
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
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


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
                household = Household(name="Familien Hansen")
                household.members = [Member(name="Amira"), Member(name="Sara")]
                db.session.add(household)
                db.session.commit()
                ids[slug] = {"household": household.id, "member": household.members[0].id}
        db.session.remove()
    return ids


def sign_in(client, user_id: str) -> None:
    """Sign a test client in through the development sign-in form."""
    with client.session_transaction() as session:
        session["user"] = None
    page = client.get("/auth/sign-in")
    token = _csrf_from(page.get_data(as_text=True))
    response = client.post("/auth/sign-in", data={"user_id": user_id, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def _csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def client_for(app):
    """``client_for("alpha")`` is a client signed in as staff of that tenant;
    ``client_for(None)`` a platform administrator."""

    def make(slug: str | None):
        c = app.test_client()
        sign_in(c, f"dev:{slug}:staff" if slug else "dev:admin")
        return c

    return make


csrf_from = _csrf_from
