"""A report as an Excel workbook (openpyxl): typed cells, translated headings, native charts.

The first sheet says what the figures are (title, municipality, period,
parameters, when, the disclosure rule); each table has a sheet of its own with
its headings in bold, numbers as numbers (with a number format), dates as
dates and hidden figures as their marker ("<5", "x"). Text is stored as text,
never as a formula, whatever it starts with. Each chart of a table is added
as an Excel chart of the same figures.
"""

from __future__ import annotations

import io
import re

from flask_babel import gettext

from core.reports import formatting
from core.reports.engine import RenderedChart, RenderedReport, RenderedTable
from core.reports.render_csv import preamble

MAX_SHEET_NAME = 31
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, taken: set[str]) -> str:
    base = _NOT_IN_SHEET_NAMES.sub(" ", title).strip()[:MAX_SHEET_NAME] or "Tabel"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _text_cell(cell, value: str) -> None:
    # openpyxl reads a string starting with "=" as a formula; this one is text.
    cell.value = value
    cell.data_type = "s"


def _table_sheet(workbook, table: RenderedTable, report: RenderedReport, taken: set[str]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(_sheet_name(table.title, taken))
    _text_cell(sheet.cell(row=1, column=1), table.title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    if report.period_text:
        _text_cell(sheet.cell(row=2, column=1), f"{gettext('Period')}: {report.period_text}")
    header_row = 4
    for i, heading in enumerate(table.headings, start=1):
        cell = sheet.cell(row=header_row, column=i)
        _text_cell(cell, heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, start=header_row + 1):
        for c, (column, rendered) in enumerate(zip(table.columns, row, strict=True), start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(rendered.value, str):
                _text_cell(cell, rendered.value)
                if rendered.hidden:
                    cell.alignment = Alignment(horizontal="right")
            else:
                cell.value = rendered.value
                number_format = formatting.number_format(column)
                if number_format and rendered.value is not None:
                    cell.number_format = number_format
    if not table.rows:
        _text_cell(sheet.cell(row=header_row + 1, column=1), gettext("No data."))
    for i, heading in enumerate(table.headings, start=1):
        longest = max([len(heading), *(len(row[i - 1].text) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 50)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    if report.disclosure_note:
        _text_cell(sheet.cell(row=header_row + len(table.rows) + 2, column=1), report.disclosure_note)
    for chart in report.charts:
        if chart.table_key == table.key:
            _add_chart(sheet, table, chart, header_row)


def _add_chart(sheet, table: RenderedTable, chart: RenderedChart, header_row: int) -> None:
    """The chart's figures as an Excel chart, where its rows are one block (a total row last is left out)."""
    from openpyxl.chart import BarChart, LineChart, Reference

    rows = chart.row_indexes
    if not rows or rows != list(range(rows[0], rows[-1] + 1)):
        return  # Excel charts take a block of rows; the figures are in the sheet anyway
    if any(v is None for _, values in chart.series for v in values):
        return  # Excel would draw a hidden figure's marker as 0
    drawing: LineChart | BarChart
    if chart.kind == "line":
        drawing = LineChart()
    else:
        drawing = BarChart()
        if chart.kind == "horizontal_bar":
            drawing.type = "bar"
        if chart.kind == "stacked_bar":
            drawing.grouping, drawing.overlap = "stacked", 100
    drawing.title = chart.title
    first, last = header_row + 1 + rows[0], header_row + 1 + rows[-1]
    keys = [c.key for c in table.columns]
    for key in chart.series_keys:
        column = keys.index(key) + 1
        values = Reference(sheet, min_col=column, min_row=header_row, max_row=last)
        drawing.add_data(values, titles_from_data=True)  # the heading row names the series
    drawing.set_categories(Reference(sheet, min_col=keys.index(chart.category_key) + 1, min_row=first, max_row=last))
    drawing.width, drawing.height = 18, 9
    sheet.add_chart(drawing, f"{_column_letter(len(keys) + 2)}{header_row}")


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def render_xlsx(report: RenderedReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    about = workbook.worksheets[0]
    taken: set[str] = set()
    about.title = _sheet_name(gettext("About the report"), taken)
    for r, line in enumerate(preamble(report), start=1):
        for c, value in enumerate(line, start=1):
            _text_cell(about.cell(row=r, column=c), value)
    about.cell(row=1, column=1).font = Font(bold=True, size=14)
    about.column_dimensions["A"].width = 30
    about.column_dimensions["B"].width = 60
    for table in report.tables:
        _table_sheet(workbook, table, report, taken)
    workbook.properties.title = report.title
    workbook.properties.creator = "Samvirke"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
