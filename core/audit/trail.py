"""Audit rows of a request, written in the request's own transaction, and that transaction's end.

``record()`` inserts audit rows into the session's transaction, which is the
request's one unit of work (views and services never commit):

- after the view (``after_request``): a response below 400 commits the view's
  changes together with the audit rows; a 4xx or 5xx (``abort()`` included)
  rolls the changes back and writes the audit rows again on their own. If the
  commit fails, the response becomes a 500 and the trail is written on its own;
  if the trail cannot be written either, a 500 with no data shown.
- a transaction that can no longer commit (a flush failed and the view went on)
  turns a response below 400 into a 500: never a 200 or a redirect for a write
  that is gone.
- a rollback during the request (a view catching an error) keeps the rows for
  writing again; a savepoint's rollback (``begin_nested``) only those inserted
  inside it, and the writes before it stay to be committed. An exception rolls
  everything back at teardown and writes the rows; a request context without a
  dispatch (``test_request_context``) settles at teardown.
- a streamed body runs after the commit: what it writes is rolled back at
  teardown, and its audit rows are committed there (no core view streams).

Writes are seen through the session (ORM flushes and ``session.execute``); SQL
sent on a connection taken from it bypasses this and is not committed.
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
_SAVEPOINTS = "samvirke_savepoints"  # session.info: open savepoint -> how many audit rows were pending at its start


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
    failed = _failed()
    pending = bool(g.get(_PENDING)) or _has_other_writes()
    try:
        if failed and response.status_code < 400:
            # A flush failed and the view answered as if it had not (a caught error, then a 200 or a
            # redirect): its write is gone, so the answer must not say otherwise.
            log.error("the request's transaction failed and the view still answered %s", response.status_code)
            db.session.rollback()
            _write_lost()
            return _server_error()
        if pending and response.status_code < 400:
            try:
                db.session.commit()
            except Exception:
                log.exception("the request's unit of work could not be committed")
                db.session.rollback()
                _write_lost()
                return _server_error()
        elif pending or failed:
            db.session.rollback()
        _write_lost()
    except Exception:
        log.exception("the audit trail of a request could not be written")
        db.session.rollback()
        return _server_error()
    return response


def _failed() -> bool:
    """The session's transaction can do nothing more (a flush failed in it) until it is rolled back."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    return transaction is not None and not transaction.is_active


def _server_error() -> Response:
    return current_app.response_class("Internal Server Error", status=500, mimetype="text/plain")


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
    if session.in_nested_transaction():
        return  # a savepoint's release: its writes and the audit rows are still the outer transaction's, to commit
    session.info.pop(_WROTE, None)
    if has_request_context():
        g.pop(_PENDING, None)


@event.listens_for(TenantSession, "after_transaction_create")
def _savepoint_began(session: Any, transaction: Any) -> None:
    if transaction.nested and has_request_context():
        # How many of the request's audit rows were in before the savepoint: the ones after it go with it.
        session.info.setdefault(_SAVEPOINTS, {})[transaction] = len(g.get(_PENDING, ()))


@event.listens_for(TenantSession, "after_transaction_end")
def _transaction_ended(session: Any, transaction: Any) -> None:
    if transaction.nested:
        session.info.get(_SAVEPOINTS, {}).pop(transaction, None)


@event.listens_for(TenantSession, "after_rollback")
def _rolled_back(session: Any) -> None:
    savepoint = session.get_nested_transaction() if session.in_nested_transaction() else None
    if savepoint is not None:
        # A savepoint's rollback (``begin_nested`` catching an IntegrityError): the writes before it stay
        # in the transaction, to be committed; only audit rows inserted since it began are to write again.
        mark = session.info.get(_SAVEPOINTS, {}).get(savepoint, 0)
        pending = g.get(_PENDING) if has_request_context() else None
        if pending and len(pending) > mark:
            g.setdefault(_LOST, []).extend(pending[mark:])
            del pending[mark:]
        return
    session.info.pop(_WROTE, None)
    if has_request_context():
        lost = g.pop(_PENDING, None)
        if lost:
            g.setdefault(_LOST, []).extend(lost)
