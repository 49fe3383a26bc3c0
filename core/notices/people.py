"""Who notices can go to: the people of a tenant, with the roles of their latest log-in there.

Where the recipients come from, and why:

- A person's roles are known only from their identity provider's ID token at
  log-in (``core.identity.oidc``, mapped by the tenant file's
  ``role_claims``). The platform has no directory to ask between log-ins (no
  provisioning interface is configured for any tenant), the tenant and
  organisation files name no people, and the sessions that hold the roles are
  readable only by the request holding their cookie (row-level security), so
  a job cannot ask them either. The latest log-in is therefore the best
  knowledge of who a reminder concerns, and the log-in records it itself:
  ``core.identity.sessions.open_session`` calls ``remember_log_in`` in the
  log-in's own transaction (an explicit call, not a listener on every flush),
  and every log-in brings the roles up to date.
- Saving one's notice preferences records the person too, with the address
  and language they chose (``remember``); the log-in gives no address.
- The volunteer registry (``core.volunteers``) holds e-mail addresses, but
  of the volunteers the reminders are about, not of the staff they go to; a
  notice to a volunteer who never signed in would be addressed to a registry
  entry, not to a user (``notices.recipient_user_id``), which needs a
  schema change of its own and the volunteer's say in it: not done here.

Both writes go through ``core.db.insert_once`` (an upsert on the UNIQUE
(tenant, user)), so two log-ins at once leave one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from core.db import db, insert_once
from core.notices.models import NoticeRecipient
from core.tenancy.models import utcnow

PERSON = ["tenant_id", "user_id"]  # the UNIQUE of notice_recipients


@dataclass(frozen=True)
class Person:
    user_id: int
    roles: frozenset[str]
    organisation_id: int | None
    locale: str

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)


def remember_log_in(tenant_id: int, user_id: int, roles: Iterable[str], organisation_id: int | None) -> None:
    """A log-in into the tenant: the person becomes (or stays) a recipient with this log-in's roles and organisation.

    Called by the log-in itself, before it commits; the address and language
    the person chose are kept. One statement.
    """
    row = {
        "tenant_id": tenant_id,
        "user_id": user_id,
        "roles": sorted(set(roles)),
        "organisation_id": organisation_id,
        "email": None,
        "locale": "da",
        "updated_at": utcnow(),
    }
    insert_once(NoticeRecipient, [row], PERSON, update=("roles", "organisation_id", "updated_at"))


def remember(tenant_id: int, user_id: int, roles: Iterable[str], organisation_id: int | None, *, email: str | None, locale: str) -> None:
    """Record (or update) the person from a request of theirs, with the address and language they chose."""
    row = {
        "tenant_id": tenant_id,
        "user_id": user_id,
        "roles": sorted(set(roles)),
        "organisation_id": organisation_id,
        "email": email,
        "locale": locale,
        "updated_at": utcnow(),
    }
    insert_once(NoticeRecipient, [row], PERSON, update=("roles", "organisation_id", "email", "locale", "updated_at"))


def people() -> list[Person]:
    """Every recipient of the tenant in context (one query; a tenant has tens or hundreds)."""
    rows = db.session.execute(
        select(NoticeRecipient.user_id, NoticeRecipient.roles, NoticeRecipient.organisation_id, NoticeRecipient.locale).order_by(
            NoticeRecipient.user_id
        )
    ).all()
    return [Person(user_id, frozenset(roles or ()), organisation_id, locale or "da") for user_id, roles, organisation_id, locale in rows]
