"""Reading the audit trail a page at a time: filters, and who the actors are by name.

Two queries per page whatever its size: a count of the filtered trail, and
the page's rows, cut first (LIMIT/OFFSET) and only then joined with the
actors' names and roles, so the joins cost a page, not the trail. An actor is stored as
a label (``user:4``, ``api-client:3``, ``anonymous``); ``user:N`` is the user's
display name, with the roles of their latest log-in in the tenant
(``notice_recipients``), ``api-client:N`` the client's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import String, cast, func, literal, or_, select

from core.audit import ACTIONS
from core.audit.models import AuditEvent
from core.db import db
from core.identity.api_clients import ApiClient
from core.identity.models import PLATFORM_REALM, User, realm_of_tenant
from core.notices.models import NoticeRecipient
from core.web.pagination import contains

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MAX_TEXT = 120
EARLIEST = date(2000, 1, 1)


class BadFilter(ValueError):
    """A filter or page that cannot be used; the message is for the person (UI language)."""


@dataclass(frozen=True)
class TrailFilters:
    subject: str | None = None  # the person concerned, by reference (mother_groups.mother:42)
    actor: str | None = None  # a name (part of it) or a label (user:4)
    action: str | None = None
    date_from: date | None = None  # Danish dates, both included
    date_to: date | None = None

    def criterion(self) -> str:
        """The search, as the audit row of reading the trail records it."""
        parts = [f"{name}={value}" for name, value in (("actor", self.actor), ("action", self.action)) if value]
        if self.date_from or self.date_to:
            parts.append(f"period={self.date_from or ''}..{self.date_to or ''}")
        return "audit trail" + (": " + ", ".join(parts) if parts else "")


def _text(args: Mapping[str, str], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    if "\x00" in value:
        raise BadFilter(_("The search contains an invalid character."))
    if len(value) > MAX_TEXT:
        raise BadFilter(_("A search field may hold at most %(max)s characters.", max=MAX_TEXT))
    return value or None


def _day(args: Mapping[str, str], name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadFilter(_("Enter the dates of the period as dates, e.g. 2026-12-01.")) from None
    if not EARLIEST <= day <= date(2100, 12, 31):
        raise BadFilter(_("Enter the dates of the period between 2000 and 2100."))
    return day


def parse_filters(args: Mapping[str, str]) -> TrailFilters:
    action = _text(args, "action")
    if action is not None and action not in ACTIONS:
        raise BadFilter(_("Choose one of the actions."))
    filters = TrailFilters(_text(args, "subject"), _text(args, "actor"), action, _day(args, "from"), _day(args, "to"))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise BadFilter(_("The period's first day must come before its last day."))
    return filters


def danish_midnight_utc(day: date) -> datetime:
    """The start of a Danish calendar day, in UTC (the trail's times are UTC)."""
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN).astimezone(UTC)


def _users_of(tenant_id: int) -> Any:
    """Who can act in the tenant: its own realm's users and the platform's (administrators)."""
    return User.realm.in_((realm_of_tenant(tenant_id), PLATFORM_REALM))


def _user_label() -> Any:
    return literal("user:", String) + cast(User.id, String)


def _client_label() -> Any:
    return literal("api-client:", String) + cast(ApiClient.id, String)


@dataclass(frozen=True)
class TrailRow:
    at: datetime
    actor: str
    actor_name: str | None
    actor_roles: tuple[str, ...]
    action: str
    subject: str | None
    criterion: str | None
    purpose: str | None
    route: str | None


def _conditions(tenant_id: int, filters: TrailFilters) -> list[Any]:
    conditions: list[Any] = [AuditEvent.tenant_id == tenant_id]
    if filters.subject:
        conditions.append(AuditEvent.subject == filters.subject)
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.actor:
        named = select(_user_label()).where(contains(User.display_name, filters.actor), _users_of(tenant_id))
        clients = select(_client_label()).where(contains(ApiClient.name, filters.actor))
        conditions.append(or_(AuditEvent.actor == filters.actor, AuditEvent.actor.in_(named), AuditEvent.actor.in_(clients)))
    if filters.date_from:
        conditions.append(AuditEvent.at >= danish_midnight_utc(filters.date_from))
    if filters.date_to:
        conditions.append(AuditEvent.at < danish_midnight_utc(filters.date_to + timedelta(days=1)))
    return conditions


def count(tenant_id: int, filters: TrailFilters) -> int:
    """How many rows the filters find (one statement, on the trail alone)."""
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(*_conditions(tenant_id, filters))) or 0


def trail_page(tenant_id: int, filters: TrailFilters, page: int, per_page: int) -> list[TrailRow]:
    """The page's rows, newest first, with the actors' names and roles — one statement."""
    rows_of_page = (
        select(AuditEvent)
        .where(*_conditions(tenant_id, filters))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page")
    )
    e = rows_of_page.c
    query = (
        select(
            e.at, e.actor, e.action, e.subject, e.criterion, e.purpose, e.route, User.display_name, ApiClient.name, NoticeRecipient.roles
        )
        .select_from(rows_of_page)
        .outerjoin(User, (e.actor == _user_label()) & _users_of(tenant_id))
        .outerjoin(ApiClient, e.actor == _client_label())
        .outerjoin(NoticeRecipient, (NoticeRecipient.user_id == User.id) & (NoticeRecipient.tenant_id == tenant_id))
        .order_by(e.at.desc(), e.id.desc())
    )
    return [
        TrailRow(at, actor, user_name or client_name, tuple(roles or ()), action, subject, criterion, purpose, route)
        for at, actor, action, subject, criterion, purpose, route, user_name, client_name, roles in db.session.execute(query)
    ]
