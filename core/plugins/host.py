"""One pluggy manager per app, and what core needs to know about each plugin.

Plugins are found through the ``samvirke.plugins`` entry-point group (the
plugins in ``plugins/`` declare themselves there too), plus, for tests, the
import paths in ``SAMVIRKE_EXTRA_PLUGINS``. Core's own features register as a
plugin as well (``core.builtin``: one module per concern), so core uses the hooks it offers.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from flask import Flask, current_app

from core.plugins import hookspecs
from core.plugins.conventions import ProgrammePackage, programme_packages
from core.plugins.types import Programme

ENTRY_POINT_GROUP = "samvirke.plugins"
CORE_PLUGIN_NAME = "samvirke-core"


class PluginError(RuntimeError):
    """A plugin is wrongly declared (duplicate key, misspelt hook, ...)."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    programme: Programme | None
    hooks: tuple[str, ...]


class PluginHost:
    """Wraps the app's pluggy manager with per-programme dispatch."""

    def __init__(self, pm: pluggy.PluginManager):
        self.pm = pm
        self.hook = pm.hook
        self._programme_of: dict[str, Programme | None] = {}
        self._packages: list[ProgrammePackage] | None = None

    @classmethod
    def load(cls, *, entry_points: bool, extra: Iterable[str], core_plugins: Iterable[ModuleType]) -> PluginHost:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        for module in core_plugins:  # named samvirke-core.<concern>
            pm.register(module, name=f"{CORE_PLUGIN_NAME}.{module.__name__.rsplit('.', 1)[-1]}")
        if entry_points:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        for path in extra:
            module = importlib.import_module(path)
            if not pm.is_registered(module):
                pm.register(module, name=path)
        try:
            # A misspelt hook (samvirke_menu_entry for ..._entries) fails here.
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"Plugin hook does not match any specification: {exc}") from exc
        host = cls(pm)
        host._index_programmes()
        return host

    def _index_programmes(self) -> None:
        seen: dict[str, str] = {}
        for name, plugin in self.pm.list_name_plugin():
            programme = self._call_one(plugin, "samvirke_programme")
            if programme is not None:
                if programme.key in seen:
                    raise PluginError(f"Programme key {programme.key!r} is provided by both {seen[programme.key]} and {name}")
                seen[programme.key] = name
            self._programme_of[name] = programme

    # --- introspection ---------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        out = []
        for name, plugin in self.pm.list_name_plugin():
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            out.append(PluginInfo(name=name, programme=self._programme_of.get(name), hooks=hooks))
        return sorted(out, key=lambda p: (not p.name.startswith(CORE_PLUGIN_NAME), p.name))

    def programmes(self) -> dict[str, Programme]:
        return {p.key: p for p in self._programme_of.values() if p is not None}

    def programme_of(self, plugin_name: str) -> Programme | None:
        return self._programme_of.get(plugin_name)

    def programme_folders(self) -> list[Path]:
        """The package folder of each programme plugin: where its templates, catalogue and tests are found by convention."""
        return sorted(package.folder for package in self.packages())

    def packages(self) -> list[ProgrammePackage]:
        """The programme plugins that are packages: what core finds in them by convention (``core.plugins.conventions``)."""
        if self._packages is None:
            self._packages = programme_packages(self.pm.list_name_plugin(), self._programme_of.get)
        return self._packages

    def with_convention(self, hook_name: str, kind: type) -> list[tuple[Programme | None, list[Any]]]:
        """A hook's results, then each programme package's module-level objects of ``kind``; each object once."""
        given = [(programme, list(objects)) for programme, objects in self.call_each(hook_name)]
        seen = {id(obj) for _, objects in given for obj in objects}
        for package in self.packages():
            found = [obj for obj in package.objects_of(kind) if id(obj) not in seen]
            if found:
                given.append((package.programme, found))
        return given

    # --- calling ---------------------------------------------------------

    def _caller_of(self, hook_name: str, plugin_name: str) -> Any:
        """pluggy's own caller of ``hook_name`` with one plugin's implementation: every wrapper and tracing kept.

        Made at each call (a small object), so a plugin registered since cannot slip into it.
        """
        others = [
            impl.plugin
            for impl in getattr(self.hook, hook_name).get_hookimpls()
            if impl.plugin_name != plugin_name and not (impl.hookwrapper or impl.wrapper)
        ]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)

    def _call_one(self, plugin: object, hook_name: str, **kwargs: Any) -> Any:
        name = self.pm.get_name(plugin)
        results = self._caller_of(hook_name, name)(**kwargs) if name is not None else []
        return results[0] if results else None

    def call_each(self, hook_name: str, *, enabled: Iterable[str] | None = None, **kwargs: Any) -> list[tuple[Programme | None, Any]]:
        """Call a hook plugin by plugin, in registration order, returning (programme, result) pairs.

        ``enabled``: when given, only core's plugin, library plugins and the
        plugins whose programme key is in it are called; this is how a
        tenant's disabled programmes stay invisible. Each call goes through
        pluggy's subset caller, so hook wrappers and tracing see it.
        """
        allowed = None if enabled is None else set(enabled)
        results = []
        for impl in reversed(getattr(self.hook, hook_name).get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue  # a wrapper goes around each call, it is not one
            programme = self._programme_of.get(impl.plugin_name)
            if allowed is not None and programme is not None and programme.key not in allowed:
                continue
            values = self._caller_of(hook_name, impl.plugin_name)(**kwargs)
            if values:
                results.append((programme, values[0]))
        return results

    def collect(self, hook_name: str, *, enabled: Iterable[str] | None = None, **kwargs: Any) -> list[Any]:
        """Call a hook that returns iterables and chain the results."""
        items: list[Any] = []
        for _, value in self.call_each(hook_name, enabled=enabled, **kwargs):
            items.extend(value)
        return items


def init_plugins(app: Flask, core_plugins: Iterable[ModuleType]) -> PluginHost:
    host = PluginHost.load(
        entry_points=app.config["SAMVIRKE_LOAD_ENTRY_POINTS"],
        extra=app.config["SAMVIRKE_EXTRA_PLUGINS"],
        core_plugins=core_plugins,
    )
    app.extensions["samvirke_plugins"] = host
    return host


def plugin_host(app: Flask | None = None) -> PluginHost:
    return (app or current_app).extensions["samvirke_plugins"]
