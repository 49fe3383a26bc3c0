"""Each tenant's JSON API under ``/<tenant>/api/v1/``, documented by OpenAPI.

flask-smorest builds one specification from the marshmallow schemas of every
registered endpoint; ``openapi.tenant_document`` cuts from it the document of
one tenant: its own server URL and only the programmes it has enabled.
Invalid input gets 422 with the errors per field, before a view runs, so
nothing is written.

Every error is an RFC 9457 problem (``application/problem+json``): ``type``,
``title``, ``status``, a Danish ``detail``, and, for invalid input,
``errors`` per location and field (``{"json": {"name": [...]}}``). A JSON body
nested deeper than ``MAX_JSON_DEPTH`` or not JSON at all is a 400 before it is
parsed for a view.
"""

from __future__ import annotations

import http
import json
import re
from typing import Any

import marshmallow as ma
from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from core.api import openapi, spec, views
from core.plugins.host import plugin_host
from core.tenancy.web import TENANT_URL_PREFIX
from core.web.forms import csrf

API_PREFIX = f"{TENANT_URL_PREFIX}/api/v1"
# Far deeper than any document of the API (an attendance list nests three levels).
MAX_JSON_DEPTH = 32
PROBLEM_MIMETYPE = spec.PROBLEM_MIMETYPE
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than ``limit``.

    One pass over the text without parsing it (the standard parser recurses
    and gives up with a RecursionError, a 500, on 50,000 levels).
    """
    data = raw.encode() if isinstance(raw, str) else raw
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', data)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JSONProvider(DefaultJSONProvider):
    @staticmethod
    def default(o):  # lazy translated messages become text in the request's language
        if hasattr(o, "__html__") or type(o).__name__ in {"LazyString", "_Translated"}:
            return str(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if json_too_deep(s):
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return super().loads(s, **kwargs)


class ProblemSchema(ma.Schema):
    """An error of the API (RFC 9457), with the errors per field of invalid input."""

    type = ma.fields.String(metadata={"description": "always about:blank: the status says what happened"})
    title = ma.fields.String(metadata={"description": "the HTTP status phrase"})
    status = ma.fields.Integer(metadata={"description": "the HTTP status code"})
    detail = ma.fields.String(metadata={"description": "what went wrong, in the UI language (Danish by default)"})
    code = ma.fields.Integer(metadata={"description": "the HTTP status code (as before RFC 9457)"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Dict(),
        metadata={"description": "per location (json, query, form), per field: its messages"},
    )


class SamvirkeApi(Api):
    ERROR_SCHEMA = ProblemSchema
    # No catch-all "default": each operation lists its problem responses (core.api.spec).
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self) -> None:
        """flask-smorest's response per status, with the error statuses as problems (``application/problem+json``)."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)

    def _register_pagination_header(self) -> None:
        """flask-smorest's ``X-Pagination`` header, documented as the JSON text it is (not as an object)."""
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        header = {"description": "Pagination metadata (JSON)", "content": {"application/json": {"schema": "PaginationMetadata"}}}
        self.spec.components.header("PAGINATION", header, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        from core.web.errors import danish_detail

        payload, code, headers = super().handle_http_exception(error)
        problem = {
            "type": "about:blank",
            "title": error.name,
            "status": code,
            "code": code,
            "detail": str(payload.get("message") or danish_detail(error)),
        }
        if "errors" in payload:
            problem["errors"] = _per_field(payload["errors"])
        response = current_app.json.response(problem)
        response.status_code = code
        response.mimetype = PROBLEM_MIMETYPE
        response.headers.extend(headers or {})
        return response


def _per_field(errors: Any) -> dict[str, Any]:
    """Errors per location and field; messages about a location as a whole go under ``_schema``, as marshmallow puts them."""
    if not isinstance(errors, dict):
        return {"_schema": {"_schema": errors}}
    return {location: value if isinstance(value, dict) else {"_schema": value} for location, value in errors.items()}


def _refuse_unreadable_json() -> None:
    """A JSON body too deep, or no JSON at all, is a 400 before a view or webargs parses it."""
    if not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw:
        return  # no body at all: the schema says which fields are missing
    if json_too_deep(raw):
        abort(400, description=gettext("The JSON document is nested more than %(levels)s levels deep.", levels=MAX_JSON_DEPTH))
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        abort(400, description=gettext("The body is not valid JSON."))


def init_api(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.before_request(_refuse_unreadable_json)
    api = SamvirkeApi(app, spec_kwargs={"extra_plugins": [spec.ProblemResponses()]})
    # Amounts are JSON strings (Flask writes a Decimal as one): documented so, with their pattern.
    api.register_field(ma.fields.Decimal, "string", "decimal")
    api.ma_plugin.converter.add_attribute_function(spec.decimal2properties)
    app.extensions["samvirke_api"] = api
    host = plugin_host(app)
    programmes_by_blueprint = app.extensions["samvirke_blueprint_programmes"]

    # Named schemas first, so endpoints that use them refer to these names.
    for _, schemas in host.call_each("samvirke_schemas"):
        for name, schema in schemas.items():
            api.spec.components.schema(name, schema=schema)

    csrf.exempt(views.blp)
    api.register_blueprint(views.blp, url_prefix=API_PREFIX)
    # The volunteer registry is core: every tenant has it, whatever its programmes.
    from core.volunteers.api import blp as volunteers_blp

    csrf.exempt(volunteers_blp)
    api.register_blueprint(volunteers_blp, url_prefix=API_PREFIX)
    from core.plugins.routes import ApiBlueprint

    for programme, blueprints in host.with_convention("samvirke_api_blueprints", ApiBlueprint):
        if programme is None:
            raise ValueError("An API blueprint must belong to a programme plugin")
        for blp in blueprints:
            csrf.exempt(blp)
            api.register_blueprint(blp, url_prefix=f"{API_PREFIX}/{programme.key}")
            programmes_by_blueprint[blp.name] = programme.key

    app.register_blueprint(openapi.bp, url_prefix=API_PREFIX)
