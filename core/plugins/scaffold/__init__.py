"""``samvirke plugins new KEY``: a programme plugin that runs, tests itself and is enabled for a demo tenant.

The steps, each in its module: check the key and the tenant before anything is
written (``checks``), render the files of ``template/`` (``render``), make the
Danish catalogue with the Makefile's pybabel flow (``catalogue``), generate the
first migration with Alembic's autogenerate against a throw-away database
(``migration``), then declare the entry point and enable the programme in the
demo tenant's file and the test tenants (``enable``). All or nothing: a
failure after the first file is written removes the plugin's folder and puts
back the files it had changed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.plugins.scaffold.checks import ScaffoldError, check_request

if TYPE_CHECKING:
    from core.plugins.scaffold.apps import AppFactory


@dataclass
class Scaffolded:
    folder: Path
    revision: Path
    tenant: str
    changed: list[Path] = field(default_factory=list)


def new_plugin(key: str, *, root: Path, make_app: AppFactory, name: str | None = None, tenant: str | None = None) -> Scaffolded:
    """Write ``root/plugins/KEY`` and enable it; raises ``ScaffoldError`` (nothing written) on a bad request.

    ``make_app``: the app factory (``core.app.create_app``), for the throw-away apps.
    """
    from core.plugins.scaffold import catalogue, enable, migration, render

    request = check_request(key, root=root, name=name, tenant=tenant, make_app=make_app)
    folder = root / "plugins" / key
    edited = [root / "pyproject.toml", request.tenant_file, *sorted((root / "tests" / "tenants").glob("*.toml"))]
    before = {path: path.read_bytes() for path in edited}
    try:
        render.write_package(folder, key=key, name=request.name)
        catalogue.make_danish(root, folder, programme_name=request.name)
        revision = migration.first_revision(root, key, make_app)
        changed = enable.register_entry_point(root / "pyproject.toml", key)
        changed += enable.enable_for_tenant(request.tenant_file, key, request.name, request.partner)
        changed += enable.enable_for_test_tenants(root / "tests" / "tenants", key)
    except BaseException:
        # All or nothing: a half-made plugin would be found by convention and break the next start.
        shutil.rmtree(folder, ignore_errors=True)
        for path, content in before.items():
            path.write_bytes(content)
        raise
    return Scaffolded(folder=folder, revision=revision, tenant=request.tenant_file.stem, changed=changed)


__all__ = ["ScaffoldError", "Scaffolded", "new_plugin"]
