"""The permissions plugins declare (``samvirke_permissions``), checked when the app starts.

A permission says in words what a role may do in a programme
("``mother_groups.refer``: refer a mother and follow one's own referrals";
the authorization matrix says it route by route). Read once at start-up,
each is checked as the matrix is: its roles are the platform's roles or the
named groups of ``config/authorization.toml`` (``tenant_people``), so a role
that does not exist (``tenant_staff``) stops the app instead of granting
nothing; its name is ``<programme key>.<verb>`` of the plugin that declares
it (``core.<verb>`` for core's own plugins), and is declared once.
``samvirke plugins permissions`` lists them with the roles they stand for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from core.identity import roles as R
from core.identity.authz import PUBLIC, MatrixError, expand_roles, role_groups
from core.plugins.host import plugin_host

CORE_PREFIX = "core"
_EXTENSION = "samvirke_permissions"


@dataclass(frozen=True)
class GrantedPermission:
    name: str
    description: Any  # as declared: a text, or a lazy translation shown in the language of who reads it
    roles: tuple[str, ...]  # the roles it is granted to, groups expanded, in the platform's order


def load_permissions(app: Flask) -> dict[str, GrantedPermission]:
    """Every declared permission by name; a ``MatrixError`` for a bad name, a duplicate or an unknown role."""
    groups = role_groups()
    found: dict[str, GrantedPermission] = {}
    for programme, declared in plugin_host(app).call_each("samvirke_permissions"):
        prefix = programme.key if programme is not None else CORE_PREFIX
        for permission in declared:
            where = f"{prefix}: permission {permission.name!r}"
            key, _, verb = permission.name.partition(".")
            if key != prefix or not verb:
                raise MatrixError(f"{where}: name it {prefix}.<verb>")
            if permission.name in found:
                raise MatrixError(f"{where} is declared twice")
            # A bare string would be read letter by letter as roles; refuse it with the rest.
            names = [permission.roles] if isinstance(permission.roles, str) else list(permission.roles)
            not_roles = {PUBLIC, R.BREAK_GLASS}.intersection(names)
            if not_roles:
                raise MatrixError(f"{where}: {sorted(not_roles)} is not a role")
            granted = expand_roles(names, groups, where)
            found[permission.name] = GrantedPermission(
                permission.name, permission.description, tuple(r for r in R.ALL_ROLES if r in granted)
            )
    return found


def init_permissions(app: Flask) -> None:
    app.extensions[_EXTENSION] = load_permissions(app)


def permissions(app: Flask | None = None) -> list[GrantedPermission]:
    """The declared permissions, by name."""
    return sorted((app or current_app).extensions[_EXTENSION].values(), key=lambda p: p.name)
