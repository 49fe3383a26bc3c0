"""What the OpenAPI document says beyond the schemas of the endpoints.

- Every error is an RFC 9457 problem (``application/problem+json``), and
  every operation lists the ones it can answer: 400 (a body that is not JSON,
  a NUL byte), 401 (no or a bad token), 403 (the role or a read-only token),
  404 (a missing or another tenant's object), 422 (invalid input, per field)
  and, for writes, 409 (what the database refuses as a duplicate). There is
  no catch-all ``default`` response: an undocumented status is a bug.
- Decimals (amounts) are JSON strings ("1250.00"), as Flask's JSON provider
  writes them: documented as ``type: string`` with a pattern of their places,
  their range in ``x-minimum``/``x-maximum`` (apispec's convention for a
  range on a non-number), never a number range given as a string.
- The security scheme (bearer tokens from the tenant's client-credentials
  token endpoint) and each operation's requirement come from the
  authorization matrix when a tenant's document is cut (``secure``).
"""

from __future__ import annotations

import http
from decimal import Decimal
from typing import Any

from apispec import BasePlugin
from flask import Flask
from marshmallow import fields, validate

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_SCHEMA = "Problem"  # the component name of core.api.ProblemSchema
ERROR_CODES = (400, 401, 403, 404, 422)
WRITE_ERROR_CODES = (409,)
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
AUTH_CODES = {"401", "403"}
BEARER = "bearer"
OAUTH2 = "oauth2"


def response_name(code: int) -> str:
    """The name flask-smorest gives the component response of a status (``UNPROCESSABLE_ENTITY``)."""
    return http.HTTPStatus(code).name


class ProblemResponses(BasePlugin):
    """Adds the problem responses every operation can give (see the module docstring)."""

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                # An error an endpoint documents itself (``alt_response(404, description=...)``) is a problem too.
                if int(code) >= 400 and isinstance(response, dict) and "content" not in response:
                    response["content"] = {PROBLEM_MIMETYPE: {"schema": PROBLEM_SCHEMA}}
            codes = ERROR_CODES + (WRITE_ERROR_CODES if method in WRITE_METHODS else ())
            for code in codes:
                if code not in responses and str(code) not in responses:
                    responses[code] = response_name(code)


def _places(quantum: Any) -> int | None:
    """Decimal places of a field's ``places`` (marshmallow keeps it as a quantum such as ``Decimal("0.01")``)."""
    if quantum is None:
        return None
    if isinstance(quantum, Decimal):
        return max(0, -int(quantum.as_tuple().exponent))
    return int(quantum)


def decimal2properties(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """The pattern of a decimal string: digits before the point from its maximum, after it its places."""
    if not isinstance(field, fields.Decimal):
        return {}
    ranges = [v for v in field.validators if isinstance(v, validate.Range)]
    maximum = max((r.max for r in ranges if r.max is not None), default=None)
    minimum = min((r.min for r in ranges if r.min is not None), default=None)
    whole = f"[0-9]{{1,{len(str(int(abs(Decimal(maximum)))))}}}" if maximum is not None else "[0-9]+"
    sign = "" if minimum is not None and Decimal(minimum) >= 0 else "-?"
    places = _places(field.places)
    fraction = "" if places == 0 else f"(\\.[0-9]{{1,{places}}})?" if places is not None else "(\\.[0-9]+)?"
    return {"pattern": f"^{sign}{whole}{fraction}$"}


def secure(doc: dict[str, Any], app: Flask, rules: dict[str, str], slug: str) -> None:
    """The security scheme and each operation's requirement (none on a public one), from the authorization matrix.

    ``rules`` maps an OpenAPI path of the full document (``/{tenant}/api/v1/...``)
    to its Flask rule.
    """
    from core.identity.authz import PUBLIC, allowed_roles

    components = doc.setdefault("components", {})
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from the tenant's token endpoint (OAuth 2 client credentials), valid in this tenant only.",
        },
        OAUTH2: {
            "type": "oauth2",
            "description": "An API client of the municipality or of an organisation; read or write.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": f"/{slug}/api/v1/oauth/token",
                    "scopes": {"read": "Read", "write": "Read and write"},
                }
            },
        },
    }
    doc["security"] = [{BEARER: []}, {OAUTH2: ["read"]}]
    for path, item in doc.get("paths", {}).items():
        rule = rules.get(path)
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            allowed = allowed_roles(rule, method.upper(), app) if rule else None
            if allowed is not None and PUBLIC in allowed:
                operation["security"] = []
                for code in AUTH_CODES:
                    operation.get("responses", {}).pop(code, None)
            elif method in WRITE_METHODS:
                operation["security"] = [{BEARER: []}, {OAUTH2: ["write"]}]
