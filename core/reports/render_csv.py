"""A report as CSV that Danish Excel opens right: ``;`` between cells, UTF-8 with a BOM.

Numbers are plain with a decimal comma ("1234", "66,7"), hidden figures their
marker ("<5", "x"). The report's title, municipality, period, parameters and
the disclosure rule come first, then each table under its title. No cell can
become a formula (``core.csvsafe``).
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext

from core.csvsafe import safe_row
from core.reports.engine import RenderedReport

BOM = "\ufeff"
DELIMITER = ";"


def preamble(report: RenderedReport) -> list[list[str]]:
    """The lines that say what the figures are: title, municipality, period, parameters, when, the rule."""
    lines = [[report.title]]
    if report.tenant_name:
        lines.append([gettext("Municipality"), report.tenant_name])
    if report.period_text:
        lines.append([gettext("Period"), report.period_text])
    lines += [[label, value] for label, value in report.parameters]
    if report.generated_text:
        lines.append([gettext("Made"), report.generated_text])
    if report.disclosure_note:
        lines.append([report.disclosure_note])
    return lines


def render_csv(report: RenderedReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    for line in preamble(report):
        writer.writerow(safe_row(line))
    section = ""
    for table in report.tables:
        writer.writerow([])
        if table.section and table.section != section:  # a composed document's part (an annual report's programme)
            section = table.section
            writer.writerow(safe_row([section.upper()]))
        writer.writerow(safe_row([table.title]))
        writer.writerow(safe_row(table.headings))
        for row in table.rows:
            writer.writerow(safe_row(cell.csv for cell in row))
        if not table.rows:
            writer.writerow([gettext("No data.")])
    return (BOM + out.getvalue()).encode("utf-8")
