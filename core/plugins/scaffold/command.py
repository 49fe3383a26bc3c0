"""The click command ``samvirke plugins new``, made for the ``plugins`` group of ``core/cli.py`` with the app factory."""

from __future__ import annotations

from pathlib import Path

import click

from core.plugins.scaffold.apps import AppFactory


def new_command(make_app: AppFactory) -> click.Command:
    """``samvirke plugins new KEY``; ``make_app`` builds the throw-away apps (``core.cli`` hands in ``create_app``)."""

    @click.command("new")
    @click.argument("key")
    @click.option("--name", default=None, help="The programme's visible name, an English msgid (default: from the key); Danish in its .po.")
    @click.option("--tenant", default=None, help="The demo tenant to enable it for (default: the first demo tenant).")
    @click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The project folder (with pyproject.toml and plugins/).",
    )
    def plugins_new(key: str, name: str | None, tenant: str | None, root: Path) -> None:
        """Scaffold the programme plugin plugins/KEY: model, first migration, pages, API, billing rule, report, demo data, Danish, tests."""
        from core.plugins.scaffold import ScaffoldError, new_plugin

        root = root.resolve()
        try:
            made = new_plugin(key, root=root, name=name, tenant=tenant, make_app=make_app)
        except ScaffoldError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"created: {made.folder.relative_to(root)}/ (first migration {made.revision.name})")
        for path in made.changed:
            click.echo(f"changed: {path.relative_to(root)}")
        click.echo(f"enabled for the demo tenant {made.tenant}; next:")
        click.echo("  pip install -e .            # installs the new samvirke.plugins entry point (or: make install)")
        click.echo("  samvirke db upgrade && samvirke tenants sync && samvirke demo load")
        click.echo(f"  python -m pytest -q plugins/{key}/tests")

    return plugins_new
