"""The Danish PDF invoice or credit note, rendered by WeasyPrint from a Jinja template.

Danish whoever renders it, like the UBL document (``texts``): the template is the
document's Danish wording, not a page of the UI, so it is not translated.

The template and its CSS and fonts live in ``core/templates/billing/documents``;
this module uses its own Jinja environment (no Flask app needed), and the
renderer may read only local files from that folder: no network, ever.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.billing.documents import texts
from core.billing.documents.model import InvoiceDocument

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "billing" / "documents"
TEMPLATE = "invoice_pdf.html"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    environment.filters.update(
        kr=lambda value: texts.kroner(Decimal(value)),
        beloeb=lambda value: texts.amount(Decimal(value)),
        dato=texts.long_date,
        kort_dato=texts.short_date,
        antal=lambda value: texts.quantity(Decimal(value)),
    )
    return environment


def render_html(doc: InvoiceDocument) -> str:
    """The HTML the PDF is made from (tests read it; the PDF is the product)."""
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            doc=doc,
            period=texts.period(doc.period_start, doc.period_end),
            line_total=sum((line.amount for line in doc.lines), Decimal(0)),
            vat_text=texts.VAT_EXEMPTION_TEXT,
            vat_code=texts.VAT_EXEMPTION_CODE,
        )
    )


def render_pdf(doc: InvoiceDocument) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only the template folder's own files (CSS, fonts): the data cannot make the renderer fetch anything.
    fetcher = URLFetcher(allowed_protocols=["file"])
    html = HTML(string=render_html(doc), base_url=str(TEMPLATES) + "/", url_fetcher=fetcher)
    result = html.write_pdf()
    assert result is not None  # write_pdf() without a target returns the bytes
    return result
