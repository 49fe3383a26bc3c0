"""The generic report viewer: every enabled programme's reports for a tenant, as a table or CSV."""

from __future__ import annotations

from flask import Flask


def init_reports(app: Flask) -> None:
    from core.reports.views import bp

    app.register_blueprint(bp)
