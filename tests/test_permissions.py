"""The permissions plugins declare (``samvirke_permissions``) are checked at start-up and listed."""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Iterator

import pytest
from flask import Flask

from core.identity.authz import MatrixError, role_groups
from core.identity.permissions import load_permissions
from core.plugins import hookimpl
from core.plugins.host import PluginHost
from core.plugins.types import Permission, Programme
from core.testing.fixtures import create_app_for_tests


@pytest.fixture
def declaring() -> Iterator:
    """Returns a function that makes a plugin of programme ``demo`` declaring the given permissions, and an app holding only it."""
    names: list[str] = []

    def make(*permissions: Permission) -> Flask:
        name = f"permissions_plugin_{len(names)}"
        plugin = types.ModuleType(name)
        plugin.samvirke_programme = hookimpl(lambda: Programme("demo", "Demo"))  # type: ignore[attr-defined]
        plugin.samvirke_permissions = hookimpl(lambda: list(permissions))  # type: ignore[attr-defined]
        sys.modules[name] = plugin
        names.append(name)
        app = Flask(__name__)
        app.extensions["samvirke_plugins"] = PluginHost.load(entry_points=False, extra=[name], core_plugins=())
        return app

    yield make
    for name in names:
        del sys.modules[name]


def test_groups_are_expanded_to_roles(declaring):
    app = declaring(Permission("demo.edit", "Edit", roles=("tenant_admins", "volunteer")))
    (granted,) = load_permissions(app).values()
    assert granted.name == "demo.edit"
    assert granted.roles == ("platform_admin", "tenant_admin", "volunteer")  # the group's roles, in the platform's order


@pytest.mark.parametrize(
    ("permission", "message"),
    [
        (Permission("demo.edit", "Edit", roles=("tenant_staff",)), "unknown role or group 'tenant_staff'"),
        (Permission("demo.edit", "Edit", roles=("public",)), "is not a role"),
        (Permission("demo.edit", "Edit", roles=("break_glass",)), "is not a role"),
        (Permission("mother_groups.edit", "Edit", roles=("volunteer",)), "name it demo.<verb>"),
        (Permission("demo", "Edit", roles=("volunteer",)), "name it demo.<verb>"),
    ],
)
def test_a_wrong_declaration_fails_naming_it(declaring, permission, message):
    with pytest.raises(MatrixError, match=re.escape(message)):
        load_permissions(declaring(permission))


def test_a_permission_declared_twice_fails(declaring):
    twice = Permission("demo.edit", "Edit", roles=("volunteer",))
    with pytest.raises(MatrixError, match="declared twice"):
        load_permissions(declaring(twice, twice))


def test_an_unknown_role_stops_the_app_at_start_up(database_factory, declaring):
    """The check runs in create_app, not only when someone asks: ``tenant_staff`` was unnoticed while nothing called the hook."""
    declaring(Permission("demo.edit", "Edit", roles=("tenant_staff",)))  # registers the module permissions_plugin_0
    with pytest.raises(MatrixError, match=re.escape("demo: permission 'demo.edit': unknown role or group 'tenant_staff'")):
        create_app_for_tests(database_factory(), SAMVIRKE_EXTRA_PLUGINS=["tests.example_plugin", "permissions_plugin_0"])


def test_samvirke_plugins_permissions_lists_every_declared_permission(runner):
    result = runner.invoke(args=["plugins", "permissions", "--json"])
    assert result.exit_code == 0, result.output
    by_name = {row["name"]: row for row in json.loads(result.output)}
    assert set(by_name["core.view_tenant"]["roles"]) == set(role_groups()["tenant_people"])  # as the matrix opens /<tenant>/
    assert by_name["example.edit"]["roles"] == ["platform_admin", "tenant_admin", "partner_staff"]
    assert {"mother_groups.refer", "open_counselling.aggregates", "volunteer_association.shifts"} <= set(by_name)
    text = runner.invoke(args=["plugins", "permissions"]).output
    assert "mother_groups.refer" in text and "municipal_staff" in text
