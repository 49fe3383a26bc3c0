"""The application factory."""

from __future__ import annotations

import gc
import logging
from typing import Any

from flask import Flask

from config import BaseConfig, config_from_env
from core import logsafe


def create_app(config: type[BaseConfig] | BaseConfig | dict[str, Any] | None = None) -> Flask:
    """Build a Samvirke app.

    ``config``: a configuration class or object from ``config/``, or a dict
    of overrides on top of the one named by ``SAMVIRKE_CONFIG``.
    """
    app = Flask(__name__, instance_relative_config=False)
    overrides: dict[str, Any] = {}
    if config is None or isinstance(config, dict):
        overrides = dict(config or {})
        config = config_from_env()
    config.validate()
    app.config.from_object(config)
    app.config.update(overrides)
    # No personal data in logs: SQLAlchemy never puts bound values in an error
    # (every config, every bind), and the text of database errors is redacted
    # in every log record of the process (core/logsafe.py).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "hide_parameters": True}
    logsafe.install()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from core import builtin
    from core.api import init_api
    from core.db import db
    from core.i18n import init_i18n
    from core.identity import init_identity
    from core.migrations import init_migrations
    from core.plugins.host import init_plugins
    from core.tenancy.web import init_tenant_routing
    from core.web import init_web

    db.init_app(app)
    host = init_plugins(app, builtin.PLUGINS)
    from core.billing.plugin import init_billing

    init_billing(app, host)  # billing is core too: its hooks beside core.builtin's, and its pages
    from core.notices.plugin import init_notices

    init_notices(app, host)  # e-mail notices are core too: their tables, delivery job, pages and menu entry
    host.collect("samvirke_models")  # imports every plugin's models into the metadata
    for package in host.packages():
        package.modules()  # by convention: each module of a programme package (its models.py among them)
    init_migrations(app)
    init_i18n(app)
    init_tenant_routing(app)
    init_web(app)
    from core.web.legal import bp as legal_bp

    app.register_blueprint(legal_bp)  # accessibility statement and privacy notice (public, linked from every page)
    init_api(app)
    init_identity(app)  # after every route exists: the matrix covers them all

    from core.audit.trail import init_audit

    init_audit(app)  # after init_web: its response headers also go on a 500 for an unwritten trail

    from core.web.errors import init_errors

    init_errors(app)  # last, so it decides over flask-smorest's JSON-for-everything handler

    from core.cli import register_cli

    register_cli(app)
    if app.config.get("FREEZE_START_OBJECTS"):
        gc.collect()  # the start's garbage is freed first, not frozen with it
        gc.freeze()
    return app
