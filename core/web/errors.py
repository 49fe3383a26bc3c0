"""Error pages: HTML for pages, a JSON problem for the API, the same status either way.

Bad input is a 4xx with a Danish message, never a 500, and nothing is written:

- Before anything else reads a request (the tenant's slug, the signed-in
  person), ``_refuse_unstorable_input`` answers 404 for a path whose segments
  the database cannot hold (a NUL byte, an id beyond the INTEGER column) and
  400 for a query or form value with a NUL byte (PostgreSQL refuses it in
  text). Body fields are checked by the schemas (``core.schemas``).
- What the database itself refuses (a UNIQUE key taken by a concurrent
  writer, a reference to a row that does not exist, a value out of range) is
  rolled back and answered 409 or 422, naming the field where the database
  says which; it is logged by constraint, never with the values.
- A rule's refusal (``marshmallow.ValidationError`` from a service) that a
  view did not turn into a form error is a 422 with the errors per field.
- An error page never fails on who is signed in (an ``Authorization: Bearer``
  header on a URL that does not exist is still a 404).
"""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import BadRequest, Conflict, HTTPException, NotFound, UnprocessableEntity

from core.schemas import INTEGER_MAX, INTEGER_MIN, N_, NUL_MESSAGE

_E = TypeVar("_E", bound=HTTPException)

log = logging.getLogger(__name__)

DETAILS = {
    400: N_("The request could not be read."),
    401: N_("Sign in, or send a valid access token."),
    403: N_("You do not have access to this."),
    404: N_("The page or the object does not exist."),
    405: N_("This method is not allowed here."),
    409: N_("The change conflicts with what is already stored."),
    413: N_("The request is too large."),
    415: N_("The request's content type is not supported."),
    422: N_("The input is not valid; see the errors per field."),
    429: N_("Too many requests; try again later."),
}
FALLBACK_DETAIL = N_("Something went wrong. Try again later.")
# Codes whose page says only what happened: a foreign tenant or object looks exactly like a missing one.
PLAIN_CODES = {401, 403, 404, 405}
DATABASE_REFUSALS = {
    "unique": (409, N_("This already exists.")),
    "foreign_key": (422, N_("Refers to something that does not exist.")),
    "not_null": (422, N_("This field is required.")),
    "check": (422, N_("The value is not valid.")),
    "data": (422, N_("The value cannot be stored; it is too long or too large.")),
}


def danish_detail(exc: HTTPException) -> str:
    """What the person is told: the message given where the error was raised, or the status's own text.

    The texts are English message ids in the UI language (Danish by default);
    werkzeug's English descriptions are never shown.
    """
    data = getattr(exc, "data", None) or {}
    if data.get("message"):
        return str(data["message"])
    if exc.description and exc.description != type(exc).description:
        return str(exc.description)
    return str(DETAILS.get(exc.code or 500, FALLBACK_DETAIL))


def _is_api() -> bool:
    return "/api/" in request.path


def _with_errors(exc: _E, errors: dict[str, Any]) -> _E:
    """Field errors attached as flask-smorest's ``abort()`` attaches them, as ``exc.data``, which it renders."""
    exc.data = {"errors": errors}  # type: ignore[attr-defined]  # werkzeug declares no `data`; flask-smorest reads it
    return exc


def _refuse_unstorable_input(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Runs first, before the tenant's slug or anything else is looked up in the database."""
    if request.url_rule is None:
        return  # no such route: the 404 follows
    for value in (values or {}).values():
        if isinstance(value, str) and "\x00" in value:
            raise NotFound()
        if isinstance(value, int) and not INTEGER_MIN <= value <= INTEGER_MAX:
            raise NotFound()  # no row has such an id
    errors: dict[str, dict[str, list[str]]] = {}
    for location, values_sent in (("query", request.args), ("form", request.form)):
        for name, value in values_sent.items(multi=True):
            if "\x00" in name or "\x00" in value:
                errors.setdefault(location, {})[name.replace("\x00", "")] = [str(NUL_MESSAGE)]
    if errors:
        raise _with_errors(
            BadRequest(description=gettext("The request contains an invalid character (NUL). Remove it and try again.")), errors
        )


def _flat(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def _constraint_of(exc: IntegrityError | DataError) -> tuple[str, str | None]:
    """(kind, field) of a database refusal, from PostgreSQL's diagnostics or SQLite's message."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(exc, DataError):
        return "data", getattr(getattr(orig, "diag", None), "column_name", None)
    if sqlstate is not None:
        kind = {"23505": "unique", "23503": "foreign_key", "23502": "not_null", "23514": "check"}.get(sqlstate, "check")
        diag = getattr(orig, "diag", None)
        column = getattr(diag, "column_name", None)
        if column:
            return kind, column
        found = re.match(r"Key \(([^)]*)\)=", getattr(diag, "message_detail", None) or "")
        columns = [c.strip() for c in found.group(1).split(",")] if found else []
    else:
        text = str(orig)
        kind = "unique" if "UNIQUE" in text else "foreign_key" if "FOREIGN KEY" in text else "not_null" if "NOT NULL" in text else "check"
        listed = text.split(" failed: ", 1)[1] if " failed: " in text else ""
        columns = [c.strip().rsplit(".", 1)[-1] for c in listed.split(",") if c.strip()]
    columns = [c for c in columns if c not in ("tenant_id", "id")] or columns
    return kind, (columns[-1] if columns else None)


def _problem_or_page(exc: HTTPException):
    if _is_api():
        api = current_app.extensions.get("samvirke_api")
        if api is not None:
            return api.handle_http_exception(exc)
    _principal_or_nobody()
    detail = None if exc.code in PLAIN_CODES else danish_detail(exc)
    # The same page for every cause: no tenant name, menu, echoed path or
    # form token, so a foreign tenant or object looks exactly like a missing one.
    return render_template("errors/error.html", error=exc, detail=detail, tenant=None, menu=[], plain=True), exc.code


def _principal_or_nobody() -> None:
    """Who is signed in, for the page's header; nobody when that cannot be told (a token on a page, a broken session)."""
    if "principal" in g:
        return
    from core.db import db
    from core.identity.sessions import current_principal

    try:
        current_principal()
    except Exception:  # an error page must not fail in its turn
        db.session.rollback()
        g.principal = None


def init_errors(app: Flask) -> None:
    # Before every other URL value preprocessor: the tenant's slug is looked up there.
    app.url_value_preprocessors.setdefault(None, []).insert(0, _refuse_unstorable_input)

    # Registered after flask-smorest's handler, so this one decides:
    # a JSON problem under /api/, an HTML page elsewhere.
    def handle(exc: HTTPException):
        return _problem_or_page(exc)

    def refused_by_database(exc: IntegrityError | DataError):
        from core.db import db

        db.session.rollback()  # nothing of the request's transaction is kept
        kind, field = _constraint_of(exc)
        log.warning("the database refused a write: %s (%s)", kind, field or "no field named")
        code, message = DATABASE_REFUSALS[kind]
        http: HTTPException = (Conflict if code == 409 else UnprocessableEntity)(description=str(message))
        if field:
            http = _with_errors(http, {"json" if request.is_json else "form": {field: [str(message)]}})
        return _problem_or_page(http)

    def refused_by_a_rule(exc: ValidationError):
        from core.db import db

        db.session.rollback()
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        http = UnprocessableEntity(description=" ".join(_flat(messages)))
        return _problem_or_page(_with_errors(http, {"json" if request.is_json or _is_api() else "form": messages}))

    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(ValidationError, refused_by_a_rule)
    app.register_error_handler(IntegrityError, refused_by_database)
    app.register_error_handler(DataError, refused_by_database)
