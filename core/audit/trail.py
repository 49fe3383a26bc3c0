"""Audit rows of a request, written in the request's own transaction, and that transaction's end.

``record()`` inserts audit rows into the session's transaction, which is the
request's one unit of work (views and services never commit):

- after the view (``after_request``): a response below 400 commits the view's
  changes together with the audit rows; a 4xx or 5xx rolls the changes back and
  writes the audit rows again on their own. If the commit or the trail cannot be
  written the response becomes a 500: no audit row, no data shown.
- a rollback during the request (a view catching an error) keeps the rows for
  writing again; an exception rolls everything back at teardown and writes
  them; a request context without a dispatch (``test_request_context``)
  settles at teardown.

The trail therefore survives every rollback of the request's work.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.exc import PendingRollbackError
from sqlalchemy.sql.elements import TextClause

from core.audit.models import AUDIT_EVENTS, AuditEvent
from core.db import db
from core.tenancy.context import cross_tenant_reason, current_tenant_id, tenant_context
from core.tenancy.session import TenantSession

log = logging.getLogger(__name__)

_PENDING = "_samvirke_audit_pending"  # rows inserted into the session's open transaction
_LOST = "_samvirke_audit_lost"  # rows whose transaction was rolled back: to write again
_WROTE = "samvirke_wrote"  # session.info: the open transaction holds other writes than audit rows


def _insert(rows: list[dict]) -> bool:
    """Insert into the session's transaction, each row in its own tenant's scope; False if one cannot be."""
    context = current_tenant_id()
    crossing = cross_tenant_reason() is not None
    groups: dict[int | None, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["tenant_id"], []).append(row)
    if not crossing and any(tenant is None and context is not None for tenant in groups):
        return False  # a platform row from a tenant's request: the row-level security scope is per transaction
    for tenant, group in groups.items():
        if crossing or tenant == context:
            db.session.execute(AUDIT_EVENTS.insert(), group)
        else:
            assert tenant is not None
            with tenant_context(tenant):  # e.g. a log-out on a platform URL: the user's tenant
                db.session.execute(AUDIT_EVENTS.insert(), group)
    return True


def write_in_request(rows: list[dict]) -> None:
    from core.audit import write_apart

    try:
        inserted = _insert(rows)
    except PendingRollbackError:  # the request's transaction already failed: the rows go on their own
        inserted = False
    if inserted:
        g.setdefault(_PENDING, []).extend(rows)
    else:
        write_apart(rows)


def _has_other_writes() -> bool:
    session = db.session()
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def settle() -> None:
    """Commit the request's audit rows, or write them again on their own; raises if that fails."""
    from core.audit import write_apart

    if g.get(_PENDING):
        if _has_other_writes():
            db.session.rollback()  # the view's uncommitted changes go, as at teardown; the rows move to _LOST
        else:
            try:
                db.session.commit()
            except Exception:
                log.warning("the request's transaction could not be committed; its audit rows are written again")
                db.session.rollback()
    lost = g.pop(_LOST, None)
    if lost:
        write_apart(lost)


def _after_request(response: Response) -> Response:
    """The request's one unit of work: commit on success, roll back otherwise; the trail survives both.

    Views and services never commit (as jobs, whose runner commits). A response
    below 400, a redirect included, commits the view's changes with the audit
    rows of what it read. A 4xx or 5xx rolls them back, and its audit rows are
    written again on their own, so a refused request is still on the record. A
    commit that fails turns the response into a 500: nothing of it is kept but the trail.
    """
    pending = bool(g.get(_PENDING)) or _has_other_writes()
    try:
        if pending and response.status_code < 400:
            try:
                db.session.commit()
            except Exception:
                log.exception("the request's unit of work could not be committed")
                db.session.rollback()
                _write_lost()
                return current_app.response_class("Internal Server Error", status=500, mimetype="text/plain")
        elif pending:
            db.session.rollback()
        _write_lost()
    except Exception:
        log.exception("the audit trail of a request could not be written")
        db.session.rollback()
        return current_app.response_class("Internal Server Error", status=500, mimetype="text/plain")
    return response


def _write_lost() -> None:
    from core.audit import write_apart

    lost = g.pop(_LOST, None)
    if lost:
        write_apart(lost)


def _teardown(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()  # the view raised: none of its work is kept
    if not (g.get(_PENDING) or g.get(_LOST)):
        return
    try:
        settle()
    except Exception:
        log.exception("the audit trail of a request could not be written")
        db.session.rollback()


def init_audit(app: Flask) -> None:
    app.after_request(_after_request)
    app.teardown_request(_teardown)


# --- what the session's open transaction holds ----------------------------------


@event.listens_for(TenantSession, "after_flush")
def _flushed(session: Any, flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(TenantSession, "do_orm_execute")
def _executed(state: Any) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        if getattr(statement, "table", None) is not AuditEvent.__table__:
            state.session.info[_WROTE] = True
    elif isinstance(statement, TextClause) and statement.text.split(None, 1)[:1] not in (["SELECT"], ["select"], ["EXPLAIN"]):
        state.session.info[_WROTE] = True  # raw SQL that may write


@event.listens_for(TenantSession, "after_commit")
def _committed(session: Any) -> None:
    session.info.pop(_WROTE, None)
    if has_request_context():
        g.pop(_PENDING, None)


@event.listens_for(TenantSession, "after_rollback")
def _rolled_back(session: Any) -> None:
    session.info.pop(_WROTE, None)
    if has_request_context():
        lost = g.pop(_PENDING, None)
        if lost:
            g.setdefault(_LOST, []).extend(lost)
