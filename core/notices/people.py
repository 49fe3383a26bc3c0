"""Who notices can go to: the people of the tenant as of their latest log-in there.

Roles live on sessions, which only the request holding the cookie may read
(row-level security), so a job cannot ask who a reminder concerns. Instead,
every new session of a tenant's person records their roles and organisation
in ``notice_recipients``, in the log-in's own transaction (a flush listener:
no statement on any other request). A person is therefore a recipient from
their first log-in into the tenant, with the roles of their latest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite

from core.db import db
from core.identity.models import UserSession
from core.notices.models import NoticeRecipient
from core.tenancy.models import utcnow
from core.tenancy.session import TenantSession


@dataclass(frozen=True)
class Person:
    user_id: int
    roles: frozenset[str]
    organisation_id: int | None
    locale: str

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)


def _upsert_statement(dialect_name: str, row: dict, update: Iterable[str]) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    insert = dialect.insert(NoticeRecipient.__table__).values(**row)
    return insert.on_conflict_do_update(index_elements=["tenant_id", "user_id"], set_={name: insert.excluded[name] for name in update})


@event.listens_for(TenantSession, "after_flush")
def _remember_log_ins(session: Any, flush_context: Any) -> None:
    """A new tenant session: its person's roles and organisation, in the same transaction."""
    for obj in session.new:
        if isinstance(obj, UserSession) and obj.tenant_id is not None and obj.user_id is not None:
            row = {
                "tenant_id": obj.tenant_id,
                "user_id": obj.user_id,
                "roles": list(obj.roles or []),
                "organisation_id": obj.organisation_id,
                "locale": "da",
                "updated_at": utcnow(),
            }
            # The flush's own connection: already in the log-in's transaction and tenant scope.
            connection = session.connection()
            connection.execute(_upsert_statement(connection.dialect.name, row, ("roles", "organisation_id", "updated_at")))


def remember(tenant_id: int, user_id: int, roles: Iterable[str], organisation_id: int | None, *, email: str | None, locale: str) -> None:
    """Record (or update) the person from a request of theirs, with the address and language they chose."""
    row = {
        "tenant_id": tenant_id,
        "user_id": user_id,
        "roles": list(roles),
        "organisation_id": organisation_id,
        "email": email,
        "locale": locale,
        "updated_at": utcnow(),
    }
    dialect_name = db.session.get_bind().dialect.name
    db.session.execute(_upsert_statement(dialect_name, row, ("roles", "organisation_id", "email", "locale", "updated_at")))


def people() -> list[Person]:
    """Every recipient of the tenant in context (one query; a tenant has tens or hundreds)."""
    rows = db.session.execute(
        select(NoticeRecipient.user_id, NoticeRecipient.roles, NoticeRecipient.organisation_id, NoticeRecipient.locale).order_by(
            NoticeRecipient.user_id
        )
    ).all()
    return [Person(user_id, frozenset(roles or ()), organisation_id, locale or "da") for user_id, roles, organisation_id, locale in rows]
