"""Configuration classes for the three ways Samvirke runs.

``DevelopmentConfig`` is the embedded default (SQLite file, jobs in-process,
the development log-in); ``TestConfig`` is what the test-suite builds on;
``ProductionConfig`` reads everything from the environment and refuses to
start with anything missing or left at a default.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-not-secret"


class ConfigurationError(RuntimeError):
    """Raised when a configuration cannot run safely; the message says what to set."""


class BaseConfig:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'samvirke.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Seconds a pooled connection may lie unused before it is checked with a round trip when next
    # taken (core.db.ping_when_idle); 0: never (the embedded default's SQLite file needs no check).
    DATABASE_PING_AFTER_IDLE = float(os.environ.get("SAMVIRKE_DATABASE_PING_AFTER_IDLE", "0"))
    # Move what the app's start made (modules, mappers, the matrix: about 180,000 objects) out of the
    # cyclic collector's sight (gc.freeze): a full collection during a request then scans only what
    # requests made, about a third of the objects.
    FREEZE_START_OBJECTS = True
    # Empty: jobs run in-process through the same job functions RQ would call.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    TENANTS_DIR = os.environ.get("SAMVIRKE_TENANTS_DIR", str(ROOT / "tenants"))
    # Partner organisations, one file each; tenant files name them in their agreements.
    ORGANISATIONS_DIR = os.environ.get("SAMVIRKE_ORGANISATIONS_DIR", str(ROOT / "organisations"))
    # Import paths of extra plugin modules loaded beside the entry points
    # (the test-suite uses this for its example plugin).
    SAMVIRKE_EXTRA_PLUGINS: list[str] = []
    # Entry points are how plugins are found; tests may switch it off to get
    # a plugin set that does not depend on what happens to be installed.
    SAMVIRKE_LOAD_ENTRY_POINTS = True
    # The development OpenID provider under /dev-idp/ (off in production).
    DEV_IDP_ENABLED = False
    DEV_IDP_KEY_FILE = str(ROOT / "instance" / "dev-idp-key.json")
    # Field encryption of CPR numbers (core/crypto.py): FIELD_ENCRYPTION_KEYS,
    # newest first, or FIELD_ENCRYPTION_KEY + FIELD_ENCRYPTION_OLD_KEYS. Unset in
    # development and tests: a DEVELOPMENT key derived from SECRET_KEY, which
    # production refuses.
    FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "")
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
    FIELD_ENCRYPTION_OLD_KEYS = os.environ.get("FIELD_ENCRYPTION_OLD_KEYS", "")
    FIELD_ENCRYPTION_DEV_KEY_ALLOWED = True
    # The provider platform administrators and national coordinators sign in
    # with (tenants name theirs in their tenant files).
    PLATFORM_IDENTITY_PROVIDER = {
        "issuer": os.environ.get("SAMVIRKE_PLATFORM_OIDC_ISSUER", "http://127.0.0.1:5000/dev-idp/platform"),
        "client_id": os.environ.get("SAMVIRKE_PLATFORM_OIDC_CLIENT_ID", "samvirke-platform"),
        "client_secret_env": "SAMVIRKE_OIDC_SECRET_PLATFORM",
    }
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=10)
    # Log-in (docs/identity.md): seconds before any call to a provider gives up,
    # how long a person may take at the provider, how long failed log-ins are kept.
    OIDC_HTTP_TIMEOUT = float(os.environ.get("SAMVIRKE_OIDC_HTTP_TIMEOUT", "10"))
    LOGIN_FLOW_MAX_AGE = timedelta(minutes=10)
    LOGIN_FAILURE_RETENTION = timedelta(days=30)
    # Flask-Limiter, per (client address, realm); stored in REDIS_URL's Redis, else in memory.
    LOGIN_FAILURE_LIMIT = os.environ.get("SAMVIRKE_LOGIN_FAILURE_LIMIT", "20 per 15 minutes")
    LOGIN_START_LIMIT = os.environ.get("SAMVIRKE_LOGIN_START_LIMIT", "600 per minute")
    # Behind reverse proxies: how many of them set each X-Forwarded-* header
    # (werkzeug ProxyFix). 0, the default, trusts none of those headers.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", "0"))
    PROXY_FIX_X_PORT = int(os.environ.get("PROXY_FIX_X_PORT", "0"))
    PROXY_FIX_X_PREFIX = int(os.environ.get("PROXY_FIX_X_PREFIX", "0"))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    # Audit rows are kept at least 6 months; the purge job never goes below that.
    AUDIT_RETENTION = timedelta(days=int(os.environ.get("SAMVIRKE_AUDIT_RETENTION_DAYS", "365")))
    # Migrations run as the owner of the tables; the app connects as a role
    # that owns none (PostgreSQL row-level security binds it). Unset: same URL.
    MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL", "")
    # Cross-tenant work (national aggregates, platform jobs) on PostgreSQL connects
    # as this role of its own; the app's role cannot cross tenants (core/tenancy/rls.py).
    CROSS_TENANT_DATABASE_URL = os.environ.get("CROSS_TENANT_DATABASE_URL", "")
    # Optional: a read replica for cross-tenant reports (the national view), logging in as a
    # member of samvirke_cross_tenant like CROSS_TENANT_DATABASE_URL (docs/architecture.md).
    REPORTING_DATABASE_URL = os.environ.get("REPORTING_DATABASE_URL", "")
    # Runs the periodic jobs in a thread of the web process (embedded default only).
    EMBEDDED_SCHEDULER = False
    # Reports (core/reports): counts from 1 to this minus one are shown as "<5"; never below 3
    # (refused at start). Background exports are kept this long, then deleted.
    DISCLOSURE_THRESHOLD = os.environ.get("SAMVIRKE_DISCLOSURE_THRESHOLD", "5")
    REPORT_EXPORT_RETENTION = timedelta(days=int(os.environ.get("SAMVIRKE_REPORT_EXPORT_DAYS", "7")))
    # E-mail notices (core/notices), sent by the job core.deliver_notices through SMTP. Without
    # MAIL_SERVER (the embedded default) nothing is sent: /<tenant>/notices/outbox shows what would be.
    # MAIL_USE_TLS: STARTTLS on MAIL_PORT (587); MAIL_USE_SSL: implicit TLS (465). PUBLIC_URL makes
    # the e-mails' links absolute (the address people open the platform at).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Samvirke <noreply@samvirke.invalid>")
    PUBLIC_URL = os.environ.get("SAMVIRKE_PUBLIC_URL", "http://127.0.0.1:5000")
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_SUPPORTED_LOCALES = ["da", "en"]
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    API_TITLE = "Samvirke"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    # flask-smorest serves no global document: each tenant gets its own.
    OPENAPI_URL_PREFIX = None
    JSON_SORT_KEYS = False

    @classmethod
    def validate(cls) -> None:
        """Check the configuration can run; raise ConfigurationError if not."""


class DevelopmentConfig(BaseConfig):
    """The embedded default: one machine, no services, demo data, offline log-in."""

    DEBUG = False
    DEV_IDP_ENABLED = True
    EMBEDDED_SCHEDULER = True


class TestConfig(BaseConfig):
    TESTING = True
    FREEZE_START_OBJECTS = False  # a test session builds hundreds of apps: frozen, none would ever be freed
    SECRET_KEY = "test-secret"
    # Each test session points this at its own database (see core/testing/fixtures.py).
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = ""
    DEV_IDP_ENABLED = True
    WTF_CSRF_ENABLED = True
    MAIL_SERVER = ""  # the outbox, whatever the shell has set; tests/notices start their own SMTP server
    # The derived development key, whatever the shell has set.
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_OLD_KEYS = ""


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Not pool_pre_ping (a round trip on every request): a connection idle this long is checked when next taken.
    DATABASE_PING_AFTER_IDLE = float(os.environ.get("SAMVIRKE_DATABASE_PING_AFTER_IDLE", "10"))
    FIELD_ENCRYPTION_DEV_KEY_ALLOWED = False

    @classmethod
    def validate(cls) -> None:
        problems = []
        secret = os.environ.get("SECRET_KEY", "")
        if not secret or secret == DEFAULT_SECRET or len(secret) < 32:
            problems.append(
                "SECRET_KEY: set it to a random value of at least 32 characters, "
                "e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        if not os.environ.get("DATABASE_URL"):
            problems.append("DATABASE_URL: set it to the PostgreSQL URL, e.g. postgresql+psycopg://samvirke:…@db:5432/samvirke")
        if not os.environ.get("REDIS_URL"):
            problems.append("REDIS_URL: set it to the Redis URL, e.g. redis://redis:6379/0")
        if os.environ.get("MIGRATION_DATABASE_URL") and not os.environ.get("CROSS_TENANT_DATABASE_URL"):
            problems.append(
                "CROSS_TENANT_DATABASE_URL: set it to the cross-tenant role's URL, "
                "e.g. postgresql+psycopg://samvirke_cross:…@db:5432/samvirke"
            )
        platform_issuer = os.environ.get("SAMVIRKE_PLATFORM_OIDC_ISSUER", "")
        if platform_issuer and not platform_issuer.startswith("https://"):
            problems.append("SAMVIRKE_PLATFORM_OIDC_ISSUER: must be an https URL (http is for a development provider only)")
        if os.environ.get("MAIL_SERVER") and not os.environ.get("SAMVIRKE_PUBLIC_URL", "").startswith("https://"):
            problems.append(
                "SAMVIRKE_PUBLIC_URL: set it to the https address people open the platform at (the links in the e-mail notices)"
            )
        problems += _production_key_and_provider_problems()
        if problems:
            raise ConfigurationError("Production configuration is incomplete:\n  - " + "\n  - ".join(problems))

    def __init__(self) -> None:  # read the environment at start-up, not at import
        self.SECRET_KEY = os.environ.get("SECRET_KEY", "")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        self.MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL", "")
        for name in ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_OLD_KEYS"):
            setattr(self, name, os.environ.get(name, ""))
        self.TENANTS_DIR = os.environ.get("SAMVIRKE_TENANTS_DIR", str(ROOT / "tenants"))
        # No development URL as a default: validate() refuses an unset issuer.
        self.PLATFORM_IDENTITY_PROVIDER = {
            **BaseConfig.PLATFORM_IDENTITY_PROVIDER,
            "issuer": os.environ.get("SAMVIRKE_PLATFORM_OIDC_ISSUER", ""),
            "client_id": os.environ.get("SAMVIRKE_PLATFORM_OIDC_CLIENT_ID", "samvirke-platform"),
        }
        self.CROSS_TENANT_DATABASE_URL = os.environ.get("CROSS_TENANT_DATABASE_URL", "")
        # No development address in e-mails: required with MAIL_SERVER (validate).
        self.PUBLIC_URL = os.environ.get("SAMVIRKE_PUBLIC_URL", "")


def tenant_client_secret_names(folder: str | Path) -> list[tuple[str, str]]:
    """(tenant file, NAME of its client-secret variable) for every tenant file in ``folder``.

    Read from the files, not the database: they are what ``samvirke tenants
    sync`` applies, and start-up needs no database. A file that does not parse
    is left to the sync, which reports it field by field.
    """
    import tomllib

    found = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            name = tomllib.loads(path.read_text(encoding="utf-8"))["identity_provider"]["client_secret_env"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(name, str) and name:
            found.append((path.name, name))
    return found


def _production_key_and_provider_problems() -> list[str]:
    """The field-encryption key, the platform provider and every tenant's client secret."""
    from core.crypto import key_problems

    env = os.environ
    names = ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_OLD_KEYS", "SECRET_KEY")
    problems = key_problems({name: env.get(name, "") for name in names}, production=True)
    issuer = env.get("SAMVIRKE_PLATFORM_OIDC_ISSUER", "")
    if not issuer:
        problems.append(
            "SAMVIRKE_PLATFORM_OIDC_ISSUER: set it to the https issuer of the provider platform administrators "
            "and national coordinators sign in with (there is no default in production)"
        )
    elif "/dev-idp/" in issuer:
        problems.append("SAMVIRKE_PLATFORM_OIDC_ISSUER: the development provider is not available in production")
    secret = BaseConfig.PLATFORM_IDENTITY_PROVIDER["client_secret_env"]
    if not env.get(secret):
        problems.append(f"{secret}: set it to the platform provider's client secret")
    folder = env.get("SAMVIRKE_TENANTS_DIR", str(ROOT / "tenants"))
    for file, name in tenant_client_secret_names(folder):
        if not env.get(name):
            problems.append(f"{name}: set it to the client secret of the tenant in {file} (its identity_provider.client_secret_env)")
    return problems


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[BaseConfig] | BaseConfig:
    """Pick the configuration named by SAMVIRKE_CONFIG (default: development)."""
    name = os.environ.get("SAMVIRKE_CONFIG", "development")
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise ConfigurationError(f"SAMVIRKE_CONFIG={name!r} is unknown; use one of {', '.join(CONFIGS)}") from None
    return cls() if cls is ProductionConfig else cls
