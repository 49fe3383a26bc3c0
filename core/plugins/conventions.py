"""What a programme plugin holds by convention, found from its package without a hook.

A programme plugin is a package (``plugins/<key>/``). Core looks in it for:

- its modules: every module directly in the package is imported when the app is
  made, so models (``models.py``) are in the metadata and blueprints exist;
- its pages and API: the module-level ``PageBlueprint`` and ``ApiBlueprint``
  objects of those modules (``core.programme``), mounted under
  ``/<tenant>/<key>/`` and ``/<tenant>/api/v1/<key>/``;
- its migrations: the ``migrations/`` folder, on the branch named after the key;
- its templates (``templates/``, the blueprints' default), its catalogue
  (``translations/``, ``core.i18n``) and its tests (``tests/``, collected by pytest).

The hooks stay for what is not convention (``samvirke_blueprints`` for a plain
blueprint, ``samvirke_migrations`` for another folder, ...); what both give is
counted once.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from core.plugins.types import Migrations, Programme

# Folders of a plugin package that are not its code: imported by nobody at start-up.
NOT_CODE = frozenset({"tests", "migrations", "templates", "translations", "static"})


@dataclass
class ProgrammePackage:
    programme: Programme
    package: ModuleType
    _modules: list[ModuleType] | None = field(default=None, repr=False)

    @property
    def folder(self) -> Path:
        return Path(self.package.__file__ or "").parent

    def modules(self) -> list[ModuleType]:
        """The package and each module directly in it (imported here), by name."""
        if self._modules is None:
            found = [self.package]
            for info in sorted(pkgutil.iter_modules([str(self.folder)]), key=lambda i: i.name):
                if info.name in NOT_CODE or info.name.startswith("_"):
                    continue
                found.append(importlib.import_module(f"{self.package.__name__}.{info.name}"))
            self._modules = found
        return self._modules

    def objects_of(self, kind: type) -> list:
        """Module-level objects of ``kind`` defined in this package, each once, in module order."""
        seen: dict[int, object] = {}
        for module in self.modules():
            for value in vars(module).values():
                if isinstance(value, kind) and getattr(value, "import_name", module.__name__).startswith(self.package.__name__):
                    seen.setdefault(id(value), value)
        return list(seen.values())

    def migrations(self) -> Migrations | None:
        folder = self.folder / "migrations"
        return Migrations(branch=self.programme.key, path=folder) if folder.is_dir() else None


def programme_packages(plugins: Iterable[tuple[str, object]], programme_of: Callable[[str], Programme | None]) -> list[ProgrammePackage]:
    """Each programme plugin that is a package, in the order given."""
    packages = []
    for name, plugin in plugins:
        programme = programme_of(name)
        if programme is not None and isinstance(plugin, ModuleType) and hasattr(plugin, "__path__"):
            packages.append(ProgrammePackage(programme, plugin))
    return packages
