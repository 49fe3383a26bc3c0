"""A report as one self-contained HTML document (the HTML export, and what the PDF is printed from).

Its styles are inline and its charts are ``data:`` images, so the file reads
the same when opened on its own, with no request to any server. Printed, each
page's header names the report, the municipality and the period, and its
footer states the disclosure rule.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale, gettext
from markupsafe import Markup

from core.reports.charts import data_uri
from core.reports.engine import RenderedReport


def css_string(value: str) -> Markup:
    """``value`` as a quoted CSS string, safe inside a ``<style>`` (the printed page's running header and footer).

    Backslashes, quotes and line breaks are escaped, and ``<`` too, so no text can close the style element.
    """
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return Markup(f'"{escaped}"')


def render_document(report: RenderedReport, *, for_print: bool = False) -> str:
    header = " · ".join(p for p in (report.title, report.tenant_name, report.period_text) if p)
    footer = (
        gettext("Disclosure control: counts under %(threshold)s are shown as <%(threshold)s.", threshold=report.threshold)
        if report.threshold
        else ""
    )
    # Straight from the template, without the request's context processors: a worker and the
    # command line have no request, and the document needs nothing of one.
    return current_app.jinja_env.get_template("reports/document.html").render(
        report=report,
        chart_uri=data_uri,
        for_print=for_print,
        lang=str(get_locale() or "da"),
        running_header=header,
        running_footer=footer,
        page_label=gettext("Page"),
    )
