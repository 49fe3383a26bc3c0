"""Recording the audit trail (``record``) and reading it for one person.

Plugins call ``record("view", subject="mother_groups.mother:42")`` whenever a
person's data is viewed, searched (``criterion=``), exported or changed, and
pass ``purpose=`` where the UI asks for one. Rows are written in their own
transaction so a refused or failed request still leaves its trace.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import select, text

from core.audit.models import AuditEvent
from core.db import db
from core.tenancy.context import current_tenant_id
from core.tenancy.models import utcnow

ACTIONS = frozenset(
    {"view", "search", "export", "change", "create", "delete", "login", "login_failed", "logout", "refused", "break_glass"}
)
MINIMUM_RETENTION = timedelta(days=183)  # at least 6 months (Danish public-sector logging terms)


def record(
    action: str,
    *,
    subject: str | None = None,
    criterion: str | None = None,
    purpose: str | None = None,
    actor: str | None = None,
    tenant_id: int | None = None,
) -> None:
    """Write one audit row now, independent of the request's own transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
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
        "subject": subject,
        "criterion": (criterion or None) and criterion[:200],
        "purpose": (purpose or None) and purpose[:200],
        "route": request.url_rule.rule[:200] if has_request_context() and request.url_rule else None,
    }
    # A separate connection and transaction: the trace survives a rollback of
    # the request, and the request's unit of work is not flushed early.
    with db.engine.begin() as connection:
        from core.tenancy.rls import set_rls_context

        set_rls_context(connection, event["tenant_id"], cross=event["tenant_id"] is None)
        connection.execute(AuditEvent.__table__.insert().values(**event))


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
    result = db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.at < cutoff))
    return result.rowcount or 0
