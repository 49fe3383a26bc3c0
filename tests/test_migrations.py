"""Migrations build the schema; the models and the migrations agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core.db import db
from core.migrations import lineages, script_directory, upgrade, upgrade_all
from core.testing.fixtures import build_app, create_app_for_tests, installed_programmes


def test_upgraded_empty_database_matches_the_models(database_factory):
    app = build_app(database_factory(), sync=False)
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_every_lineage_has_a_single_head(app):
    with app.app_context():
        script = script_directory()
        branches = [m.branch for m in lineages()]
        for branch in branches:
            assert len(script.get_revisions(f"{branch}@head")) == 1, branch
        assert len(script.get_heads()) == len(branches)


def test_a_plugin_branch_migrates_on_its_own(database_factory):
    app = create_app_for_tests(database_factory())
    with app.app_context():
        upgrade("core@head")
        tables = set(inspect(db.engine).get_table_names())
        assert "tenants" in tables and "example_households" not in tables
        upgrade("example@head")
        assert "example_households" in set(inspect(db.engine).get_table_names())
        assert upgrade_all() == ["core", *installed_programmes(app)]  # already there: a no-op


def test_cli_db_upgrade_and_heads(database_factory):
    app = create_app_for_tests(database_factory())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "upgraded: core" in result.output and "upgraded: example" in result.output
    heads = runner.invoke(args=["db", "heads"]).output
    assert "core" in heads and "example" in heads


def test_flask_migrates_own_commands_load_when_used(database_factory):
    app = create_app_for_tests(database_factory())
    runner = app.test_cli_runner()
    assert "heads" in runner.invoke(args=["alembic", "--help"]).output
    result = runner.invoke(args=["alembic", "-d", "migrations", "upgrade", "heads"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {"tenants", "example_households"} <= set(inspect(db.engine).get_table_names())
