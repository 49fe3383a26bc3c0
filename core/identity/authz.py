"""Authorization from one matrix: every URL rule and the roles allowed on it.

``config/authorization.toml`` lists core's rules; each plugin adds its own
through ``samvirke_authorization``. The check runs once per request, before
any view, and fails closed: a rule missing from the matrix is refused (and a
test fails the build). For tenant URLs, someone who does not belong to the
tenant gets 404, exactly as if the tenant did not exist.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from flask import Flask, abort, current_app, g, redirect, request, url_for

from core.identity import roles as R

if TYPE_CHECKING:
    from core.identity.sessions import Principal

log = logging.getLogger(__name__)
PUBLIC = "public"
MATRIX_FILE = Path(__file__).resolve().parents[2] / "config" / "authorization.toml"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class MatrixError(ValueError):
    pass


def _expand(value: Any, groups: Mapping[str, Sequence[str]], where: str) -> frozenset[str]:
    if value == PUBLIC:
        return frozenset({PUBLIC})
    if isinstance(value, str):
        value = [value]
    roles: set[str] = set()
    for item in value:
        if item in groups:
            roles.update(groups[item])
        elif item in R.ALL_ROLES or item in (PUBLIC, R.BREAK_GLASS):
            roles.add(item)
        else:
            raise MatrixError(f"{where}: unknown role or group {item!r}")
    return frozenset(roles)


def parse_rules(rules: Mapping[str, Any], groups: Mapping[str, Sequence[str]], source: str) -> dict[str, dict[str, frozenset[str]]]:
    """Normalise ``rule -> roles | {METHOD: roles}`` into ``rule -> {METHOD: roles}``."""
    matrix: dict[str, dict[str, frozenset[str]]] = {}
    for rule, value in rules.items():
        where = f"{source}: {rule}"
        if isinstance(value, Mapping):
            unknown = set(value) - set(METHODS)
            if unknown:
                raise MatrixError(f"{where}: unknown methods {sorted(unknown)}")
            matrix[rule] = {method: _expand(v, groups, where) for method, v in value.items()}
        else:
            roles = _expand(value, groups, where)
            matrix[rule] = {method: roles for method in METHODS}
    return matrix


def role_groups(data: Mapping[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """The named role groups of ``config/authorization.toml``, each as the roles it stands for."""
    if data is None:
        data = tomllib.loads(MATRIX_FILE.read_text(encoding="utf-8"))
    return {name: tuple(_expand(v, {}, f"group {name}")) for name, v in data.get("groups", {}).items()}


def expand_roles(value: Any, groups: Mapping[str, Sequence[str]], where: str) -> frozenset[str]:
    """Roles and group names as the roles they stand for; an unknown name is a ``MatrixError`` naming ``where``."""
    return _expand(value, groups, where)


def load_matrix(app: Flask) -> dict[str, dict[str, frozenset[str]]]:
    from core.plugins.host import plugin_host

    data = tomllib.loads(MATRIX_FILE.read_text(encoding="utf-8"))
    groups = role_groups(data)
    matrix = parse_rules(data.get("routes", {}), groups, MATRIX_FILE.name)
    for programme, rules in plugin_host(app).call_each("samvirke_authorization"):
        source = programme.key if programme else "plugin"
        for rule, methods in parse_rules(rules, groups, source).items():
            if rule in matrix:
                raise MatrixError(f"{source}: rule {rule} is already in the matrix")
            matrix[rule] = methods
    _merge_declared_routes(app, matrix, groups)
    return matrix


def _merge_declared_routes(app: Flask, matrix: dict[str, dict[str, frozenset[str]]], groups: Mapping[str, Sequence[str]]) -> None:
    """Add the roles that programme routes declared (``@bp.get(rule, roles=...)``) under their full rules.

    A list applies to the route's own methods; a mapping must name each of them,
    so no method of a route is left without a rule (fail closed).
    """
    from core.plugins.routes import declared_rules

    for rule, methods, roles, blueprint in declared_rules(app):
        where = f"{blueprint}: {rule}"
        if isinstance(roles, Mapping):
            named = set(roles)
            if named - set(METHODS):
                raise MatrixError(f"{where}: unknown methods {sorted(named - set(METHODS))}")
            if named != methods:
                raise MatrixError(f"{where}: roles are declared for {sorted(named)}, the route answers {sorted(methods)}")
            declared = {method: _expand(value, groups, where) for method, value in roles.items()}
        else:
            expanded = _expand(roles, groups, where)
            declared = {method: expanded for method in methods}
        existing = matrix.setdefault(rule, {})
        for method, allowed in declared.items():
            if method in existing:
                raise MatrixError(f"{where}: {method} is already in the matrix")
            existing[method] = allowed


def allowed_roles(rule: str, method: str, app: Flask | None = None) -> frozenset[str] | None:
    """The roles allowed on ``rule`` for ``method``; None when the rule is not in the matrix."""
    methods = (app or current_app).extensions["samvirke_authz"].get(rule)
    if methods is None:
        return None
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return methods.get(method, frozenset())


def _refuse(status: int, reason: str) -> NoReturn:
    from core.audit import record

    # The refusal names what was asked for: the rule and its arguments
    # (ids, the tenant), never a query string or a body.
    rule = request.url_rule.rule if request.url_rule else request.path
    arguments = " ".join(f"{key}={value}" for key, value in (request.view_args or {}).items())
    record("refused", criterion=f"{request.method} {reason}: {rule}" + (f" {arguments}" if arguments else ""))
    abort(status)


def authorize_request() -> Any:
    from core.identity.sessions import current_principal

    rule = request.url_rule
    if rule is None:
        return None  # no route: a plain 404 follows
    allowed = allowed_roles(rule.rule, request.method)
    if allowed is None:
        log.error("route %s is missing from the authorization matrix", rule.rule)
        abort(403)
    if PUBLIC in allowed:
        return None
    principal = current_principal()
    tenant = g.get("tenant")
    is_api = "/api/" in rule.rule
    if principal is None:
        if is_api:
            abort(401)
        if tenant is not None:
            return redirect(url_for("identity.tenant_login", tenant=tenant.slug, next=request.full_path))
        return redirect(url_for("identity.platform_login", next=request.full_path))
    if tenant is not None and not principal.may_enter(tenant):
        _refuse(404, "foreign tenant")
    if principal.api_client_id is not None:
        # A machine client is a principal like a person: it has its owner's
        # role and organisation, and the same matrix applies.
        if not is_api:
            _refuse(403, "API client on a page")
        if request.method in WRITE_METHODS and principal.api_scope != "write":
            _refuse(403, "read-only API client")
    if allowed.intersection(principal.roles):
        return None
    if R.BREAK_GLASS in allowed and tenant is not None and principal.breaks_glass_in(tenant.id):
        return None  # audited: record() marks every access with the stated reason
    _refuse(403, "role")


def signed_in() -> Principal:
    """The principal of this request, for views the matrix opens only to the signed-in.

    ``authorize_request`` has refused everyone else before the view runs; a
    view reached without one all the same (a rule made public by mistake)
    answers 401 rather than failing on None.
    """
    from core.identity.sessions import current_principal

    principal = current_principal()
    if principal is None:
        abort(401)
    return principal


def init_authz(app: Flask) -> None:
    app.extensions["samvirke_authz"] = load_matrix(app)
    app.before_request(authorize_request)


@functools.cache
def role_group(name: str) -> frozenset[str]:
    """The roles a named group of ``config/authorization.toml`` stands for, for a view's own finer checks."""
    groups = role_groups()
    if name not in groups:
        raise MatrixError(f"no role group {name!r} in {MATRIX_FILE.name}")
    return frozenset(groups[name])
