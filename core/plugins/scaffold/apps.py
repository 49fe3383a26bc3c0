"""Throw-away apps the scaffold asks things of: the URL map, and a database to autogenerate against.

The app factory is handed in by the ``samvirke`` command (``core.cli``, a
composition root): no other module of core imports the app
(tests/test_import_cycles.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask

AppFactory = Callable[[Any], Flask]  # core.app.create_app, given a configuration class


def throwaway_app(make_app: AppFactory, database_url: str = "sqlite://", extra_plugins: Sequence[str] = ()) -> Flask:
    """An app on ``database_url`` with the installed plugins and ``extra_plugins``: no tenant, no server, no Redis."""
    from config import TestConfig

    class ScaffoldConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        MIGRATION_DATABASE_URL = ""
        CROSS_TENANT_DATABASE_URL = ""
        SAMVIRKE_EXTRA_PLUGINS = list(extra_plugins)

    return make_app(ScaffoldConfig)
