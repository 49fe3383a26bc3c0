"""Programme blueprints whose routes say who may use them.

A programme writes ``@bp.get("/courses", roles=["programme_managers"])``: the
rule is relative to where core mounts the blueprint (``/<tenant>/<key>/`` for
pages, ``/<tenant>/api/v1/<key>/`` for the API), and the roles go into the one
authorization matrix (``core.identity.authz``) under the full rule. So no plugin
writes a URL prefix, and a route cannot exist without its rule: a programme
route without ``roles=`` fails at import.

``roles`` is a role, a group of ``config/authorization.toml``, a list of those,
``"public"``, or a mapping ``{"GET": ..., "POST": ...}`` when the methods of one
route differ. A list applies to the route's own methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import flask
from flask.sansio.scaffold import _endpoint_from_view_func

from core.api.pagination import Blueprint

RolesSpec = str | Sequence[str] | Mapping[str, str | Sequence[str]]


class DeclaredRoles:
    """What a blueprint's routes declared: endpoint (without the blueprint's name) -> roles."""

    name: str
    route_roles: dict[str, RolesSpec]

    def _remember_roles(self, rule: str, endpoint: str | None, view_func: Callable[..., Any] | None, roles: RolesSpec | None) -> None:
        if roles is None:
            raise TypeError(f"{self.name}: the route {rule!r} declares no roles (roles=[...]); every programme route says who may use it")
        if view_func is None:
            raise TypeError(f"{self.name}: the route {rule!r} has no view")
        endpoint = endpoint or _endpoint_from_view_func(view_func)
        known = self.route_roles.get(endpoint)
        if known is not None and known != roles:
            raise TypeError(f"{self.name}: the endpoint {endpoint!r} is declared twice with different roles")
        self.route_roles[endpoint] = roles


class PageBlueprint(DeclaredRoles, flask.Blueprint):
    """A programme's pages, mounted by core under ``/<tenant>/<programme key>/``.

    Templates are found by convention in the plugin package's ``templates`` folder.
    """

    def __init__(self, name: str, import_name: str, **options: Any) -> None:
        options.setdefault("template_folder", "templates")
        super().__init__(name, import_name, **options)
        self.route_roles = {}

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        *,
        roles: RolesSpec | None = None,
        **options: Any,
    ) -> None:
        self._remember_roles(rule, endpoint, view_func, roles)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)


class _RolesBeforeFlask(DeclaredRoles, flask.Blueprint):
    """Sits between flask-smorest's blueprint and Flask's in the MRO, so it sees the endpoint flask-smorest chose."""

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        *,
        roles: RolesSpec | None = None,
        **options: Any,
    ) -> None:
        self._remember_roles(rule, endpoint, view_func, roles)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)


class ApiBlueprint(Blueprint, _RolesBeforeFlask):
    """A programme's JSON API (flask-smorest, paginated as ``core.api.pagination``), mounted under ``/<tenant>/api/v1/<key>/``."""

    def __init__(self, name: str, import_name: str, **options: Any) -> None:
        super().__init__(name, import_name, **options)
        self.route_roles = {}


def declared_rules(app: flask.Flask) -> list[tuple[str, frozenset[str], RolesSpec, str]]:
    """Each URL rule whose route declared its roles: (full rule, its methods, roles, blueprint name)."""
    found = []
    for rule in app.url_map.iter_rules():
        blueprint_name, _, endpoint = rule.endpoint.rpartition(".")
        declared = getattr(app.blueprints.get(blueprint_name), "route_roles", None) or {}
        if endpoint in declared:
            methods = frozenset(rule.methods or ()) - {"HEAD", "OPTIONS"}
            found.append((rule.rule, methods, declared[endpoint], blueprint_name))
    return found
