"""No personal data in logs: database errors are logged without the values.

A failed INSERT carries the row it tried to write in three places: SQLAlchemy's
``[parameters: ...]`` (switched off by the engine option ``hide_parameters``,
which ``create_app`` always sets), and PostgreSQL's ``DETAIL`` (``Key
(phone)=(...) already exists``, ``Failing row contains (...)``) and, for data
errors, its primary message (``invalid input syntax for type integer: "..."``),
which reach the log through the exception's text.

``install()`` wraps the logging record factory, so every record in the
process (Flask's "Exception on ...", werkzeug's "Error on request", gunicorn,
RQ, ``log.exception`` anywhere) has the text of each database error in it,
its traceback included, replaced by ``safe_exception_message``: the error's
class, SQLSTATE, constraint/table/column names and the SQL with placeholders,
never a value. ``safe_exception_text`` gives the same for stored error texts
(e.g. a failed job's record).
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import traceback
from collections.abc import Iterator
from typing import Any

from sqlalchemy.exc import StatementError

_MARK = "_samvirke_redacts_database_errors"
WITHHELD = "(message withheld: it may quote the data)"


def _is_dbapi_error(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        return True
    module = type(exc).__module__ or ""
    return module == "psycopg" or module.startswith(("psycopg.", "psycopg2"))


def _is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, StatementError) or _is_dbapi_error(exc)


def _qualified(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def _dbapi_message(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    if diag is None:
        # sqlite3 names the constraint and column ("UNIQUE constraint failed:
        # volunteers.phone"), never the value.
        return str(exc)
    sqlstate = getattr(exc, "sqlstate", None) or diag.sqlstate or ""
    primary = diag.message_primary or ""
    # Class 22 (data exceptions) quotes the offending input in the primary
    # message; DETAIL (never used here) quotes keys and whole rows.
    if sqlstate.startswith("22"):
        primary = WITHHELD
    named = [
        f"{label} {value}"
        for label, value in (
            ("constraint", diag.constraint_name),
            ("table", diag.table_name),
            ("column", diag.column_name),
        )
        if value
    ]
    return " ".join(part for part in (primary, f"[SQLSTATE {sqlstate}]" if sqlstate else "", ", ".join(named)) if part)


def safe_exception_message(exc: BaseException) -> str:
    """The text of a database error without any value it quotes; other exceptions as they are."""
    if isinstance(exc, StatementError):
        orig = exc.orig
        if orig is None:
            cause = ""
        elif _is_dbapi_error(orig):
            cause = f"({_qualified(orig)}) {_dbapi_message(orig)}"
        else:
            # A bind or result processor failed; Python's message may quote the value.
            cause = f"({_qualified(orig)}) {WITHHELD}"
        statement = f"\n[SQL: {exc.statement}]" if exc.statement else ""
        return f"{cause}{statement}\n[SQL parameters hidden]"
    if _is_dbapi_error(exc):
        return _dbapi_message(exc)
    return str(exc)


def safe_exception_text(exc: BaseException) -> str:
    """``Type: message`` of one exception, as ``traceback.format_exception_only`` would, but safe."""
    name = type(exc).__qualname__ if type(exc).__module__ in ("builtins", "__main__") else _qualified(exc)
    return f"{name}: {safe_exception_message(exc)}"


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend((current.__cause__, current.__context__))
        stack.extend(getattr(current, "exceptions", ()) or ())  # exception groups


def _replacements(exceptions: list[BaseException]) -> list[tuple[str, str]]:
    pairs = {}
    for exc in exceptions:
        for link in _chain(exc):
            if not _is_database_error(link):
                continue
            try:
                unsafe, safe = str(link), safe_exception_message(link)
            except Exception:
                continue
            if unsafe and unsafe != safe:
                pairs[unsafe] = safe
    # Longest first: SQLAlchemy's text contains the driver's.
    return sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)


def redact(text: str, replacements: list[tuple[str, str]]) -> str:
    for unsafe, safe in replacements:
        text = text.replace(unsafe, safe)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite the message and traceback of one record if a database error is in them."""
    candidates: list[BaseException] = []
    if record.exc_info and record.exc_info[1] is not None:
        candidates.append(record.exc_info[1])
    handled = sys.exc_info()[1]  # werkzeug formats the traceback into the message itself
    if handled is not None:
        candidates.append(handled)
    args = record.args if isinstance(record.args, tuple) else (record.args,) if record.args else ()
    candidates += [a for a in (record.msg, *args) if isinstance(a, BaseException)]
    if not candidates:
        return record
    replacements = _replacements(candidates)
    if not replacements:
        return record
    try:
        message = record.getMessage()
    except Exception:
        return record
    record.msg, record.args = redact(message, replacements), ()
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"), replacements)
    return record


def install() -> None:
    """Redact database errors in every log record of this process (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, _MARK, False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    setattr(redacting_factory, _MARK, True)
    logging.setLogRecordFactory(redacting_factory)
