"""A report as PDF, printed by WeasyPrint from the report's HTML document.

The running header on every page names the report, the municipality and the
period; the footer has the page number and, under disclosure control, the rule.
"""

from __future__ import annotations

from core.reports.engine import RenderedReport
from core.reports.render_html import render_document


def render_pdf(report: RenderedReport) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The document's charts are data: images and its styles inline: nothing else is ever
    # fetched (no file, no network), whatever a report's text says.
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=render_document(report, for_print=True), url_fetcher=fetcher).write_pdf()
