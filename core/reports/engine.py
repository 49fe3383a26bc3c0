"""From a report definition and its parameters to what every format renders.

``build`` computes the report (the plugin's SQL), puts every protected count
through disclosure control (one table set: all the report's tables, with
their sums and cross-table relations), and turns each cell into its text in
the UI language, its CSV form and its typed spreadsheet value. The renderers
(``core.reports.render_*``) only lay that out, so the page, the CSV, the
workbook and the PDF always show the same figures with the same cells hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import format_datetime, gettext
from markupsafe import Markup, escape

from core.reports import formatting
from core.reports.definitions import Column, ColumnsSum, Report, RowsSum, Table, TableData, text
from core.reports.disclosure import Cell, Disclosure, Relation, Status, protect
from core.reports.params import Period, period_of

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RenderedCell:
    text: str  # as the page and the PDF show it
    csv: str  # as the CSV has it
    value: Any  # a spreadsheet's typed value (the marker when hidden)
    hidden: Status | None = None
    numeric: bool = False


@dataclass
class RenderedTable:
    key: str
    title: str
    description: str
    columns: list[Column]
    headings: list[str]
    rows: list[list[RenderedCell]]
    row_keys: list[str]
    row_header: int | None  # the index of the column that heads each row
    section: str = ""  # the part of a composed document (an annual report's programme) it belongs to

    def body_html(self) -> Markup:
        """The table's rows as HTML (each cell's text escaped): what the ``table`` macro of reports/_macros.html
        shows, written here in one pass rather than by the template cell by cell."""
        out = []
        for row in self.rows:
            cells = []
            for index, cell in enumerate(row):
                shown = escape(cell.text)
                if index == self.row_header:
                    cells.append(f'<th scope="row">{shown}</th>')
                elif cell.numeric:
                    cells.append(f'<td class="align-text-right">{shown}</td>')
                else:
                    cells.append(f"<td>{shown}</td>")
            out.append(f"    <tr>{''.join(cells)}</tr>\n")
        return Markup("".join(out))


@dataclass
class RenderedChart:
    key: str
    title: str
    table_key: str
    table_title: str
    kind: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    category_key: str = ""
    category_heading: str = ""
    series_keys: list[str] = field(default_factory=list)
    row_indexes: list[int] = field(default_factory=list)  # the table rows drawn
    texts: list[list[str]] = field(default_factory=list)  # per drawn row, each series' figure as the table shows it
    summary: str = ""
    svg: str = ""


@dataclass
class RenderedReport:
    key: str
    title: str
    description: str
    period: Period | None
    period_text: str
    parameters: list[tuple[str, str]]
    tables: list[RenderedTable]
    charts: list[RenderedChart] = field(default_factory=list)
    disclosure: Disclosure | None = None
    disclosure_note: str = ""
    generated_at: datetime | None = None
    generated_text: str = ""
    tenant_name: str = ""

    @property
    def threshold(self) -> int | None:
        return self.disclosure.threshold if self.disclosure else None


def row_key(table: Table, columns: Sequence[Column], row: Mapping[str, Any]) -> str:
    if "_key" in row:
        return str(row["_key"])
    header = table.row_header or (columns[0].key if columns else "")
    return str(row.get(header, ""))


def normalise(report: Report, data: Mapping[str, Any]) -> dict[str, TableData]:
    """Every declared table's rows and columns (a table the computation left out is empty)."""
    out: dict[str, TableData] = {}
    for table in report.tables:
        found = data.get(table.key, ())
        table_data = found if isinstance(found, TableData) else TableData(rows=list(found))
        out[table.key] = TableData(rows=list(table_data.rows), columns=list(table_data.columns or table.columns))
    return out


def _keyed_rows(table: Table, data: TableData) -> Iterator[tuple[str, Mapping[str, Any]]]:
    columns = list(data.columns or ())
    for row in data.rows:
        yield row_key(table, columns, row), row


def protected_values(report: Report, data: Mapping[str, TableData]) -> dict[Cell, int]:
    """The counts under disclosure control, by cell (markers such as "–" and empty cells are not counts)."""
    values: dict[Cell, int] = {}
    for table in report.tables:
        columns = [c for c in data[table.key].columns or () if c.is_protected]
        for key, row in _keyed_rows(table, data[table.key]):
            for column in columns:
                value = row.get(column.key)
                if isinstance(value, int) and not isinstance(value, bool):
                    values[Cell(table.key, key, column.key)] = value
    return values


def relations_of(report: Report, data: Mapping[str, TableData], values: Mapping[Cell, int]) -> list[Relation]:
    """The declared sums of each table and the report's cross-table relations, over the cells that exist."""
    relations: list[Relation] = []
    for table in report.tables:
        columns = list(data[table.key].columns or ())
        keys = [key for key, _ in _keyed_rows(table, data[table.key])]
        protected = [c.key for c in columns if c.is_protected]
        for rule in table.sums:
            if isinstance(rule, RowsSum):
                parts = [k for k in keys if k != rule.total and _matches(rule.parts, k)]
                for column in rule.columns or protected:
                    relations.append(Relation.sum(Cell(table.key, rule.total, column), [Cell(table.key, k, column) for k in parts]))
            elif isinstance(rule, ColumnsSum):
                for key in keys:
                    relations.append(Relation.sum(Cell(table.key, key, rule.total), [Cell(table.key, key, p) for p in rule.parts]))
    if report.relations is not None:
        relations.extend(report.relations(data))
    # A sum over cells a table does not have (no total row in this year's data) is not published: left out.
    return [r for r in relations if all(c in values for c in r.cells)]


def _matches(parts: Any, key: str) -> bool:
    if parts is None:
        return True
    if callable(parts):
        return bool(parts(key))
    return key in parts


def disclosure_note(threshold: int) -> str:
    return gettext(
        'Disclosure control: counts from 1 to %(below)s are shown as "<%(threshold)s", and figures marked "x" or ".." are hidden '
        "so that no such count can be worked out from totals, other rows or other tables of this report.",
        below=threshold - 1,
        threshold=threshold,
    )


def _render_table(table: Table, data: TableData, disclosure: Disclosure | None, formats: formatting.Formats | None = None) -> RenderedTable:
    formats = formats or formatting.Formats()
    columns = list(data.columns or ())
    header = table.row_header or (columns[0].key if columns else None)
    rows, keys = [], []
    # Only a table with a hidden cell needs a look-up per cell (a national table's cells arrive protected).
    if disclosure is not None and not any(cell.table == table.key for cell in disclosure.hidden):
        disclosure = None
    numeric = [column.numeric for column in columns]
    for key, row in _keyed_rows(table, data):
        cells = []
        for index, column in enumerate(columns):
            value = row.get(column.key)
            hidden = disclosure.status(Cell(table.key, key, column.key)) if disclosure else None
            if disclosure and hidden is None and column.derived_from:
                if any(disclosure.status(Cell(table.key, key, source)) for source in column.derived_from):
                    hidden = "secondary"  # a rate of a hidden count would give it away
            if hidden is not None:
                marker = disclosure.marker(Cell(table.key, key, column.key)) if disclosure else None
                marker = marker or "x"
                cells.append(RenderedCell(marker, marker, marker, hidden, numeric[index]))
            else:
                shown, csv, typed = formats.cell(column, value)
                numeric_cell = numeric[index] or (column.kind == "raw" and isinstance(value, int | float))
                cells.append(RenderedCell(shown, csv, typed, None, numeric_cell))
        rows.append(cells)
        keys.append(key)
    return RenderedTable(
        key=table.key,
        title=text(table.title),
        description=text(table.description),
        columns=columns,
        headings=[text(c.heading) for c in columns],
        rows=rows,
        row_keys=keys,
        row_header=None if header is None else next((i for i, c in enumerate(columns) if c.key == header), None),
        section=text(table.section),
    )


def _parameter_texts(report: Report, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    shown = []
    for name, schema_field in report.parameters().fields.items():
        if name not in params or params[name] is None:
            continue
        label = schema_field.metadata.get("label", name)
        value = params[name]
        choice_labels = schema_field.metadata.get("choice_labels") or {}
        shown.append((text(label), text(choice_labels.get(value, value))))
    return shown


def build(
    report: Report,
    params: Mapping[str, Any],
    *,
    disclose: bool,
    tenant_name: str = "",
    threshold: int | None = None,
    secondary: bool = True,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RenderedReport:
    """The report computed, protected and put into words, ready for any renderer."""
    from core.reports.charts import render_charts

    def step(percent: int) -> None:
        if progress is not None:
            progress(percent)

    step(5)
    data = normalise(report, report.compute(dict(params)))
    step(50)
    disclosure = None
    if disclose:
        threshold = threshold or current_app.config["DISCLOSURE_THRESHOLD"]
        values = protected_values(report, data)
        disclosure = protect(values, relations_of(report, data, values), threshold, secondary=secondary)
    step(70)
    formats = formatting.Formats()  # the language's number forms, once for every cell of the report
    tables = [_render_table(t, data[t.key], disclosure, formats) for t in report.tables]
    period = period_of(report, params)
    from core.calendar import COPENHAGEN

    generated = now or datetime.now(COPENHAGEN)
    rendered = RenderedReport(
        key=report.key,
        title=text(report.title),
        description=text(report.description),
        period=period,
        period_text=period.label() if period else "",
        parameters=_parameter_texts(report, params),
        tables=tables,
        disclosure=disclosure,
        disclosure_note=disclosure_note(disclosure.threshold) if disclosure else "",
        generated_at=generated,
        generated_text=format_datetime(generated, "medium"),
        tenant_name=tenant_name,
    )
    rendered.charts = render_charts(report, rendered)
    step(80)
    return rendered
