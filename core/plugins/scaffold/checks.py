"""Everything that can refuse a ``plugins new`` request, checked before the first file is written."""

from __future__ import annotations

import importlib.util
import keyword
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.plugins.scaffold.apps import AppFactory

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
TENANT_SEGMENT = re.compile(r"^/<tenant>/(?:api/v1/)?([^/<]+)")


class ScaffoldError(Exception):
    """A request the scaffold refuses (the message says why and what to do); nothing has been written."""


@dataclass(frozen=True)
class Request:
    key: str
    name: str
    tenant_file: Path
    partner: str


def check_request(key: str, *, root: Path, name: str | None, tenant: str | None, make_app: AppFactory) -> Request:
    check_key_shape(key)
    check_project(root)
    check_new(key, root)
    visible = check_name(name if name is not None else key.replace("_", " ").capitalize())
    tenant_file, partner = demo_tenant(root / "tenants", tenant)
    check_urls(key, make_app)  # last: it builds an app
    return Request(key=key, name=visible, tenant_file=tenant_file, partner=partner)


def check_key_shape(key: str) -> None:
    if not (2 <= len(key) <= 40 and KEY_PATTERN.match(key)) or keyword.iskeyword(key):
        raise ScaffoldError(
            f"{key!r} is not a programme key: use 2-40 lowercase letters, digits and single underscores, starting with a letter "
            "(a Python identifier: it is the package, table prefix, blueprint and migration branch)"
        )


def check_project(root: Path) -> None:
    if not (root / "pyproject.toml").is_file() or not (root / "plugins" / "__init__.py").is_file():
        raise ScaffoldError(f"{root} is not the Samvirke project folder (no pyproject.toml and plugins/); run the command there")
    spec = importlib.util.find_spec("plugins")
    locations = [Path(p).resolve() for p in (spec.submodule_search_locations or [])] if spec else []
    if (root / "plugins").resolve() not in locations:
        raise ScaffoldError(f"the package 'plugins' is imported from {locations or 'nowhere'}, not from {root / 'plugins'}")


def check_new(key: str, root: Path) -> None:
    from core.plugins.host import ENTRY_POINT_GROUP

    if (root / "plugins" / key).exists():
        raise ScaffoldError(f"plugins/{key} exists already; choose another key")
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == key or entry.value == f"plugins.{key}":
            raise ScaffoldError(f"a plugin named {key!r} is installed already ({entry.value}); choose another key")
    if f'{key} = "plugins.{key}"' in (root / "pyproject.toml").read_text(encoding="utf-8"):
        raise ScaffoldError(f"pyproject.toml declares a plugin {key!r} already; choose another key")


def core_segments(make_app: AppFactory) -> set[str]:
    """The first path segments core (and every installed programme) uses under ``/<tenant>/`` and ``/<tenant>/api/v1/``."""
    from core.plugins.host import plugin_host
    from core.plugins.scaffold.apps import throwaway_app

    app = throwaway_app(make_app)
    taken = set(plugin_host(app).programmes())
    for rule in app.url_map.iter_rules():
        found = TENANT_SEGMENT.match(rule.rule)
        if found:
            taken.add(found.group(1))
            if rule.rule.startswith("/<tenant>/api/"):
                taken.add("api")
    return taken


def check_urls(key: str, make_app: AppFactory) -> None:
    if key in core_segments(make_app):
        raise ScaffoldError(f"{key!r} clashes with a URL core or an installed programme uses (/<tenant>/{key}/...); choose another key")


def check_name(name: str) -> str:
    name = name.strip()
    if not 2 <= len(name) <= 80 or any(c in name for c in '"\\$\n{}'):
        raise ScaffoldError(f"{name!r} is not a usable programme name: 2-80 characters, without quotes, backslashes, $ or braces")
    return name


def demo_tenant(folder: Path, slug: str | None) -> tuple[Path, str]:
    """The demo tenant file to enable the programme in (``--tenant``, else the first demo tenant) and a partner of it."""
    files = sorted(folder.glob("*.toml"))
    if slug is not None:
        files = [f for f in files if f.stem == slug]
        if not files:
            raise ScaffoldError(f"there is no tenant file tenants/{slug}.toml")
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if not data.get("demo"):
            if slug is not None:
                raise ScaffoldError(f"{slug} is not a demo tenant (demo = true): a scaffolded programme gets a demo agreement only there")
            continue
        partners = [p for agreement in data.get("agreements", []) for p in agreement.get("partners", [])]
        if not partners:
            raise ScaffoldError(f"tenants/{path.name} has no agreement whose partner could run the demo programme; pass --tenant")
        return path, partners[0]
    raise ScaffoldError(f"no demo tenant (demo = true) in {folder}; pass --tenant")
