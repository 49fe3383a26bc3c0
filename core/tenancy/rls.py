"""PostgreSQL row-level security: the second wall behind the ORM filter.

Every table carrying ``tenant_id`` has RLS enabled and forced. The policies
read one per-transaction setting, ``app.scope``, and trust it only when it is
signed: ``<scope>.<HMAC-SHA256>`` where the scope is a tenant id or
``platform`` (no tenant in context) and the MAC covers the scope and the
backend's process id, under a key kept in ``samvirke_private.rls_key``. The
application role can neither read that key nor reach the schema it is in, so
a ``set_config('app.scope', …)`` of its own making matches nothing, and a
value seen on one connection is worthless on another. The functions
``samvirke_rls_tenant()`` / ``samvirke_rls_platform()`` (PL/pgSQL, STABLE,
PARALLEL RESTRICTED; the check is SECURITY DEFINER, owned by the table owner)
verify it; the policies call them once per statement (an InitPlan, so indexes
on ``tenant_id`` still serve, and with the ORM's own filter it is a one-time
filter). The tenant policies bind ``samvirke_scoped`` (the application's role
is a member) and no other role, so the cross-tenant role's queries carry none
of their conditions (revision 0010).

Cross-tenant work (``cross_tenant(reason)``) does not go through a setting at
all: the session sends it to a second engine that logs in as its own role
(``CROSS_TENANT_DATABASE_URL``), a member of ``samvirke_cross_tenant``, which
a policy on every table admits. The application role is not a member and
cannot ``SET ROLE`` to it, so no SQL it sends crosses a tenant.

Per table:

- the tenant policy ``tenant_isolation``: ``tenant_id`` is the signed tenant;
  where ``tenant_id`` may be NULL (``audit_events``, ``job_runs``) a NULL row
  also needs the signed ``platform`` scope;
- ``user_sessions``: a row is visible only to the request holding its cookie
  (``app.session_id`` is the hash of the cookie's key: knowing it is the
  capability); it is inserted only for the signed tenant (or platform), and
  its identity (id, user, tenant, roles, organisation) never changes;
- ``tenant_programmes``: which programmes a municipality runs is the public
  directory the front page shows, so anyone may read it; only the tenant
  itself (its sync) may write it;
- ``cross_tenant``: ``TO samvirke_cross_tenant``, all rows.

The settings are set with ``set_config(..., true)``, local to the
transaction, so a pooled connection never carries a tenant into the next
request. The session keeps them in step with the context at the start of
each transaction, before each statement and before each flush. Behind a
transaction pooler (PgBouncer) the backend is asked for its process id in
each transaction, and no statement is prepared (``_detect_transaction_pooler``).
On SQLite (the embedded default) all of this is a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from core.tenancy.context import cross_tenant_reason, current_tenant_id

POLICY = "tenant_isolation"
CROSS_POLICY = "cross_tenant"
DIRECTORY_POLICY = "tenant_directory"
CROSS_ROLE = "samvirke_cross_tenant"  # NOLOGIN; the cross-tenant login role is a member
# NOLOGIN; the application's role is a member (core.migrations.grant_app_role). The tenant
# policies apply to it alone, so the cross-tenant role's queries carry none of their conditions.
SCOPED_ROLE = "samvirke_scoped"
PLATFORM = "platform"
KEY_TABLE = "samvirke_private.rls_key"
_KEY = "samvirke_rls"
DIRECTORY_VERSION_KEY = "samvirke_directory_version"
POOLED = "samvirke_transaction_pooler"  # connection record info: connected through PgBouncer or the like
_KEY_EXTENSION = "samvirke_rls_key"

_TENANT = "tenant_id = (SELECT samvirke_rls_tenant())"
_TENANT_OR_PLATFORM = f"{_TENANT} OR (tenant_id IS NULL AND (SELECT samvirke_rls_platform()))"
_OWN_SESSION = "id = current_setting('app.session_id', true)"
# What revisions before 0009 created; kept so they still run on a fresh database
# (0009 replaces every such policy).
_LEGACY_CONDITION = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer OR current_setting('app.cross_tenant', true) = 'on'"
)


class RlsKeyUnavailable(RuntimeError):
    """The signing key cannot be read: migrations not run, or no cross-tenant role configured."""


def _message(scope: str, pid: int) -> bytes:
    return f"samvirke-rls:v1:{scope}:{pid}".encode()


def sign_scope(key: bytes, scope: str, pid: int) -> str:
    """The value of ``app.scope`` that the database accepts for ``scope`` on backend ``pid``."""
    return f"{scope}.{hmac.new(key, _message(scope, pid), hashlib.sha256).hexdigest()}"


def key_rows(key: bytes) -> dict[str, bytes]:
    """The key and its HMAC pads (the database computes HMAC-SHA256 with the pads and sha256())."""
    padded = key.ljust(64, b"\0")
    return {
        "key": key,
        "ipad": bytes(b ^ 0x36 for b in padded),
        "opad": bytes(b ^ 0x5C for b in padded),
    }


def signing_key() -> bytes:
    """The key (read once per app); a worker reads it before forking so its work horses need not."""
    return _signing_key()


def _signing_key() -> bytes:
    """This app's database key, read once through the cross-tenant role (cached per app)."""
    from flask import current_app

    from core.db import CROSS_TENANT_BIND, db

    key = current_app.extensions.get(_KEY_EXTENSION)
    if key is None:
        engine = db.engines.get(CROSS_TENANT_BIND, db.engine)
        try:
            with engine.connect() as connection:
                key = connection.execute(text(f"SELECT key FROM {KEY_TABLE}")).scalar_one()
        except Exception as exc:  # permission denied, no such table, no row
            raise RlsKeyUnavailable(
                "Cannot read the row-level security key: run `samvirke db upgrade`, and set "
                "CROSS_TENANT_DATABASE_URL (the application's own role may not read it)."
            ) from exc
        key = bytes(key)
        current_app.extensions[_KEY_EXTENSION] = key
    return key


def _backend_pid(connection: Connection) -> int:
    """The process id of the server backend that runs this transaction.

    Directly connected, libpq knows it (no round trip). Behind a transaction
    pooler (PgBouncer) libpq's is the pooler's own number and each transaction
    may run on another backend: it is asked, in the transaction it is for,
    which the pooler keeps on one backend from BEGIN to COMMIT, so the scope
    is signed for the backend that reads it.
    """
    info = getattr(connection.connection.dbapi_connection, "info", None)
    pid = None if connection.info.get(POOLED) else getattr(info, "backend_pid", None)  # psycopg 3: from libpq
    if pid is None:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    return int(pid)


@event.listens_for(Engine, "connect")
def _detect_transaction_pooler(dbapi_connection: Any, connection_record: Any) -> None:
    """A connection through a pooler: libpq's backend id is not the server's (checked once per connection).

    Then no server-side prepared statements either (psycopg prepares a query
    run five times on its connection): under transaction pooling the next
    transaction may run on a backend that does not have it, or has another
    client's statement of that name.
    """
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    dbapi_connection.rollback()
    if row is None or row[0] != dbapi_connection.info.backend_pid:
        connection_record.info[POOLED] = True
        dbapi_connection.prepare_threshold = None


def _session_id() -> str:
    """The hash of this request's session key ('' outside a request or without one).

    The cookie's key when it has one; after a log-out has cleared the cookie,
    still the key the request came with, so ending the session can touch its row.
    """
    from flask import has_request_context, request, session

    if not has_request_context():
        return ""
    key = session.get("sid")
    if isinstance(key, str) and key:
        from core.identity.digests import secret_digest

        request.environ["samvirke.session_id"] = secret_digest(key, "session")  # the row's id (core.identity.sessions)
    return request.environ.get("samvirke.session_id", "")


_SET_SCOPE = "SELECT set_config('app.scope', :scope, true), set_config('app.session_id', :session, true)"
# The same, and the tenant directory's counter (core/tenancy/directory.py): one round trip for both.
_SET_SCOPE_AND_READ_VERSION = _SET_SCOPE + ", (SELECT version FROM directory_version WHERE id = 1)"


def set_rls_context(connection: Connection, tenant_id: int | None, *, read_directory_version: bool = False) -> None:
    """Set the transaction's signed scope (the tenant, or platform) on a PostgreSQL connection.

    One statement for both settings; with ``read_directory_version`` it also
    reads the directory's counter into ``connection.info[DIRECTORY_VERSION_KEY]``.
    """
    if connection.dialect.name != "postgresql" or connection.info.get("samvirke_cross"):
        return
    scope = PLATFORM if tenant_id is None else str(int(tenant_id))
    session_id = _session_id()
    wanted = (scope, session_id)
    if connection.info.get(_KEY) == wanted:
        return
    row = connection.execute(
        text(_SET_SCOPE_AND_READ_VERSION if read_directory_version else _SET_SCOPE),
        {"scope": sign_scope(_signing_key(), scope, _backend_pid(connection)), "session": session_id},
    ).one()
    connection.info[_KEY] = wanted
    if read_directory_version:
        connection.info[DIRECTORY_VERSION_KEY] = row[2]


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_settings(connection: Connection) -> None:
    # set_config(..., true) ends with the transaction; so does our record of it
    # (and the directory counter read in it).
    connection.info.pop(_KEY, None)
    connection.info.pop(DIRECTORY_VERSION_KEY, None)


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def _sync(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or cross_tenant_reason() is not None:
        return
    set_rls_context(session.connection(), current_tenant_id())


def install_session_hooks(session_class: type[Session]) -> None:
    @event.listens_for(session_class, "after_begin")
    def _on_begin(session: Session, transaction: Any, connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.info.pop(_KEY, None)  # settings died with the last transaction
            connection.info.pop(DIRECTORY_VERSION_KEY, None)
            if cross_tenant_reason() is None:
                # In a request, the first statement also tells the tenant directory whether its copy is current.
                set_rls_context(connection, current_tenant_id(), read_directory_version=_in_request())

    @event.listens_for(session_class, "do_orm_execute")
    def _on_execute(state: Any) -> None:
        _sync(state.session)

    @event.listens_for(session_class, "before_flush")
    def _on_flush(session: Session, flush_context: Any, instances: Any) -> None:
        _sync(session)


# --- for migrations ----------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _scalar(op: Any, sql: str, **params: Any) -> Any:
    return op.get_bind().execute(text(sql), params).scalar()


def signed_policies_installed(op: Any) -> bool:
    return bool(_scalar(op, "SELECT to_regprocedure('samvirke_rls_tenant()') IS NOT NULL"))


def _scoped_to(op: Any) -> str:
    """Whom the tenant policies bind: the scoped group once revision 0010 made it, else everyone (as 0009 did)."""
    return SCOPED_ROLE if _scalar(op, "SELECT to_regrole(:r) IS NOT NULL", r=SCOPED_ROLE) else "PUBLIC"


def create_tenant_policies(op: Any, table: str) -> None:
    """The policies of ``table`` by its kind (see the module docstring); RLS must be enabled.

    One policy per role: the tenant policies ``TO samvirke_scoped`` (the
    application's role), ``cross_tenant TO samvirke_cross_tenant``. Permissive
    policies of one role are ORed, so keeping them apart means each role's
    queries carry only its own condition: the application's plans like a plain
    ``tenant_id = …`` filter (the InitPlan is evaluated once, and the ORM's own
    ``tenant_id = :t`` makes it a one-time filter), and the cross-tenant role's
    national aggregates carry no function call at all, so they may run in parallel.
    A role in neither group is in no policy: it sees nothing (fail closed).
    """
    t = _quote(table)
    to = _scoped_to(op)
    if table == "user_sessions":
        op.execute(f"CREATE POLICY {POLICY}_read ON {t} FOR SELECT TO {to} USING ({_OWN_SESSION})")
        op.execute(f"CREATE POLICY {POLICY}_insert ON {t} FOR INSERT TO {to} WITH CHECK ({_TENANT_OR_PLATFORM})")
        op.execute(f"CREATE POLICY {POLICY}_update ON {t} FOR UPDATE TO {to} USING ({_OWN_SESSION}) WITH CHECK ({_OWN_SESSION})")
        op.execute(f"CREATE POLICY {POLICY}_delete ON {t} FOR DELETE TO {to} USING ({_OWN_SESSION})")
    else:
        nullable = _scalar(
            op,
            "SELECT NOT attnotnull FROM pg_attribute WHERE attrelid = to_regclass(:t) AND attname = 'tenant_id'",
            t=t,
        )
        condition = _TENANT_OR_PLATFORM if nullable else _TENANT
        op.execute(f"CREATE POLICY {POLICY} ON {t} TO {to} USING ({condition}) WITH CHECK ({condition})")
        if table == "tenant_programmes":
            op.execute(f"CREATE POLICY {DIRECTORY_POLICY} ON {t} FOR SELECT USING (true)")
    op.execute(f"CREATE POLICY {CROSS_POLICY} ON {t} TO {CROSS_ROLE} USING (true) WITH CHECK (true)")


def drop_tenant_policies(op: Any, table: str) -> None:
    names = (
        op.get_bind().execute(text("SELECT polname FROM pg_policy WHERE polrelid = to_regclass(:t)"), {"t": _quote(table)}).scalars().all()
    )
    for name in names:
        op.execute(f"DROP POLICY {_quote(name)} ON {_quote(table)}")


def enable_tenant_rls(op: Any, table: str) -> None:
    """In a migration: enable and force RLS on ``table`` with the tenant policies."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    if signed_policies_installed(op):
        create_tenant_policies(op, table)
    else:  # a revision before 0009 on a fresh database; 0009 replaces it
        op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({_LEGACY_CONDITION}) WITH CHECK ({_LEGACY_CONDITION})')


def disable_tenant_rls(op: Any, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    drop_tenant_policies(op, table)
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
