"""The report engine: definitions, disclosure control, renderers (HTML, CSV, Excel, PDF), exports.

See docs/reports.md. ``init_reports`` checks the deployment's disclosure
threshold (refused below 3), registers the engine's own hooks and mounts the
report pages.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask


def init_reports(app: Flask) -> None:
    from flask_babel import format_decimal

    from config import ConfigurationError
    from core.i18n import format_moment
    from core.plugins.host import plugin_host
    from core.reports import hooks, models  # noqa: F401 (the export table joins the metadata)
    from core.reports.disclosure import DEFAULT_THRESHOLD, check_threshold
    from core.reports.render_html import css_string
    from core.reports.views import bp

    try:
        app.config["DISCLOSURE_THRESHOLD"] = check_threshold(app.config.get("DISCLOSURE_THRESHOLD", DEFAULT_THRESHOLD))
    except ValueError as exc:
        raise ConfigurationError(f"{exc} (SAMVIRKE_DISCLOSURE_THRESHOLD)") from None
    pm = plugin_host(app).pm
    if not pm.is_registered(hooks):
        pm.register(hooks, name=hooks.PLUGIN_NAME)
    app.register_blueprint(bp)
    app.add_template_filter(css_string, "css_string")
    app.add_template_filter(lambda v: format_decimal(v, format="#,##0.#"), "chart_number")
    app.add_template_filter(lambda v: format_moment(v) if isinstance(v, datetime) else "", "report_datetime")
