"""Recording the audit trail (``record``) and reading it for one person.

Plugins call ``record("view", subject="mother_groups.mother:42")`` whenever a
person's data is viewed, searched (``criterion=``), exported or changed, and
pass ``purpose=`` where the UI asks for one. A list or search that shows
several persons names each of them (``subjects=[...]``): one row per person
shown, so every person's own trail says who saw them in which list.

In a request the rows go into the request's own transaction, on its one
connection (``core/audit/trail.py``): committed with the request's changes,
or, for a read, committed before the response leaves; if the request's
changes are rolled back (or were never committed) the rows are written
again on their own, so a refused or failed request still leaves its trace,
and a trail that cannot be written turns the response into a 500. Outside a
request (jobs, commands) they are written in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

from flask import current_app, has_request_context, request
from sqlalchemy import select, text
from sqlalchemy.engine import CursorResult

from core.audit.models import AUDIT_EVENTS, AuditEvent
from core.db import db
from core.tenancy.context import current_tenant_id
from core.tenancy.models import utcnow

ACTIONS = frozenset({"view", "search", "export", "change", "create", "delete", "login", "login_failed", "logout", "refused", "break_glass"})
MINIMUM_RETENTION = timedelta(days=183)  # at least 6 months (Danish public-sector logging terms)


def _text(value: object, length: int) -> str | None:
    """A column value: empty is None, cut to the column's length, no NUL (PostgreSQL refuses it)."""
    if value is None or value == "":
        return None
    return str(value).replace("\x00", "")[:length] or None


def record(
    action: str,
    *,
    subject: str | None = None,
    subjects: Iterable[str] | None = None,
    criterion: str | None = None,
    purpose: str | None = None,
    actor: str | None = None,
    tenant_id: int | None = None,
) -> None:
    """Write the audit row(s) now, independent of the request's own transaction.

    ``subjects``: every person a list or search showed; one row each (in one
    statement), or a single row without a subject when it showed nobody.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if subject is not None and subjects is not None:
        raise ValueError("give subject or subjects, not both")
    # Ordered and without repeats: a person shown twice in a list is one row.
    shown = list(dict.fromkeys(subjects)) if subjects is not None else [subject]
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if has_request_context():
        from core.identity.sessions import current_principal

        principal = current_principal()
        if actor is None:
            actor = principal.audit_label if principal else "anonymous"
        if principal is not None and principal.breaks_glass_in(tenant_id):
            # Every access under break-the-glass carries its stated reason, so it
            # shows in the audit report of the person whose data was opened.
            purpose = f"break-the-glass: {principal.break_glass_reason}" + (f"; {purpose}" if purpose else "")
    actor = actor or "anonymous"
    event = {
        "at": utcnow(),
        "tenant_id": tenant_id,
        "actor": actor,
        "action": action,
        "criterion": _text(criterion, 200),
        "purpose": _text(purpose, 200),
        "route": _text(request.url_rule.rule, 200) if has_request_context() and request.url_rule else None,
    }
    rows = [{**event, "subject": _text(s, 120)} for s in shown or [None]]
    if has_request_context():
        from core.audit.trail import write_in_request

        write_in_request(rows)
    else:
        write_apart(rows)


def write_apart(rows: list[dict]) -> None:
    """In a transaction of its own (outside a request; the request's fallback)."""
    by_tenant: dict[int | None, list[dict]] = {}
    for row in rows:
        by_tenant.setdefault(row["tenant_id"], []).append(row)
    with db.engine.begin() as connection:
        from core.tenancy.rls import set_rls_context

        for tenant_id, group in by_tenant.items():
            set_rls_context(connection, tenant_id)  # None: the platform scope
            connection.execute(AUDIT_EVENTS.insert(), group)


def events_for_subject(tenant_id: int, subject: str) -> list[AuditEvent]:
    """Who looked at this person's data in this tenant, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.subject == subject)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def purge_expired() -> int:
    """Delete audit rows older than the configured retention (never under 6 months)."""
    retention = max(current_app.config["AUDIT_RETENTION"], MINIMUM_RETENTION)
    cutoff = utcnow() - retention
    if db.engine.dialect.name == "postgresql":
        # The application role cannot DELETE; this owner-defined function can,
        # and it refuses a cut-off younger than the minimum.
        return db.session.scalar(text("SELECT samvirke_purge_audit_events(:cutoff)"), {"cutoff": cutoff}) or 0
    result = cast("CursorResult[Any]", db.session.execute(AUDIT_EVENTS.delete().where(AuditEvent.at < cutoff)))
    return result.rowcount or 0
