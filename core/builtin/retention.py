"""Retention of the platform's own records: audit rows and log-in records."""

from __future__ import annotations

from collections.abc import Iterable

from core.plugins.hookspecs import hookimpl
from core.plugins.types import JobDefinition


def purge_audit_events(tenant_id: None) -> None:
    """Delete audit rows past the retention (never younger than six months)."""
    from core.audit import purge_expired

    purge_expired()


@hookimpl(trylast=True)
def samvirke_jobs() -> Iterable[JobDefinition]:
    from core.identity.sessions import purge_login_records

    return [
        JobDefinition(
            name="core.purge_audit_events",
            func=purge_audit_events,
            cron="41 2 * * *",
            description="Delete audit rows past the configured retention (at least six months)",
            scope="platform",
        ),
        JobDefinition(
            name="core.purge_login_records",
            func=purge_login_records,
            cron="23 * * * *",
            description="Delete ended and timed-out sessions, unfinished log-ins and failed log-ins older than 30 days",
            scope="platform",
        ),
    ]
