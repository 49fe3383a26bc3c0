"""Where the benchmark runs: its own PostgreSQL database (or an SQLite file), its tenant folder, its settings.

``BENCH_DATABASE_URL`` is a superuser URL of a PostgreSQL server (as
``scripts/services.sh start DIR`` prints for TEST_DATABASE_URL); the benchmark
creates the database ``samvirke_bench`` there, migrates it as that (owner)
role, and connects the app as ``samvirke_app`` and cross-tenant work as
``samvirke_cross``, as README's production section does. Without it, an
SQLite file in ``instance/bench/`` (no row-level security, no gunicorn
production settings: good for the generator and the statement counts only).
``BENCH_REDIS_URL`` is the Redis the production app is given.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import ROOT, BaseConfig

BENCH_DIR = ROOT / "instance" / "bench"
DATABASE = "samvirke_bench"
APP_ROLE = "samvirke_app"
CROSS_ROLE = "samvirke_cross"


@dataclass
class Target:
    admin_url: str | None = field(default_factory=lambda: os.environ.get("BENCH_DATABASE_URL") or None)
    redis_url: str = field(default_factory=lambda: os.environ.get("BENCH_REDIS_URL", ""))
    folder: Path = BENCH_DIR

    @property
    def postgres(self) -> bool:
        return bool(self.admin_url)

    @property
    def tenants_dir(self) -> Path:
        return self.folder / "tenants"

    @property
    def owner_url(self) -> str:
        if not self.admin_url:
            return f"sqlite:///{self.folder / 'bench.db'}"
        return make_url(self.admin_url).set(database=DATABASE).render_as_string(hide_password=False)

    def _role_url(self, role: str) -> str:
        return make_url(self.owner_url).set(username=role, password=None).render_as_string(hide_password=False)

    @property
    def app_url(self) -> str:
        return self._role_url(APP_ROLE) if self.postgres else self.owner_url

    @property
    def cross_url(self) -> str:
        return self._role_url(CROSS_ROLE) if self.postgres else ""

    def create_database(self, *, fresh: bool) -> bool:
        """Create the database (dropped first when ``fresh``) and the two login roles; True when it is new."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.postgres:
            path = self.folder / "bench.db"
            if fresh and path.exists():
                path.unlink()
            return not path.exists()
        assert self.admin_url is not None
        admin = create_engine(make_url(self.admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for role in (APP_ROLE, CROSS_ROLE):
                    if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"))
                if fresh:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
                exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE})
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
                return not exists
        finally:
            admin.dispose()

    def config(self) -> type[BaseConfig]:
        """The configuration for the generator and in-process measuring: the development one on the bench database.

        (The development log-in is on only so the repository's real tenant files, which name the
        development provider, pass the sync's checks; the load run serves the production configuration.)
        """
        target = self

        class BenchConfig(BaseConfig):
            SECRET_KEY = target.secret_key()
            SQLALCHEMY_DATABASE_URI = target.app_url
            MIGRATION_DATABASE_URL = target.owner_url if target.postgres else ""
            CROSS_TENANT_DATABASE_URL = target.cross_url
            TENANTS_DIR = str(target.tenants_dir)
            REDIS_URL = ""  # jobs the generator starts (billing runs) run in-process
            DEV_IDP_ENABLED = True
            FIELD_ENCRYPTION_KEYS = target.encryption_key()
            FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_OLD_KEYS = ""
            REPORTING_DATABASE_URL = ""

        return BenchConfig

    def _kept(self, name: str, make: Any) -> str:
        """A value kept in the bench folder, so the generator and every later run agree on it."""
        path = self.folder / name
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_text(make())
            path.chmod(0o600)
        return path.read_text().strip()

    def secret_key(self) -> str:
        return self._kept("secret_key", lambda: secrets.token_hex(32))

    def encryption_key(self) -> str:
        from cryptography.fernet import Fernet

        return self._kept("field_key", lambda: Fernet.generate_key().decode())

    def production_env(self) -> dict[str, str]:
        """The environment README's production section asks for, on the bench database (PostgreSQL only)."""
        from bench.tenants import client_secret_names

        env = {
            "SAMVIRKE_CONFIG": "production",
            "SECRET_KEY": self.secret_key(),
            "DATABASE_URL": self.app_url,
            "MIGRATION_DATABASE_URL": self.owner_url,
            "CROSS_TENANT_DATABASE_URL": self.cross_url,
            "REDIS_URL": self.redis_url,
            "FIELD_ENCRYPTION_KEY": self.encryption_key(),
            "SAMVIRKE_TENANTS_DIR": str(self.tenants_dir),
            "SAMVIRKE_PLATFORM_OIDC_ISSUER": "https://idp.bench.invalid/platform",
            "SAMVIRKE_OIDC_SECRET_PLATFORM": "bench-not-a-secret",
        }
        for name in client_secret_names(self.tenants_dir):
            env[name] = "bench-not-a-secret"
        return env
