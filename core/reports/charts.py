"""Charts as SVG, drawn on the server by pygal from the figures a report shows.

A chart is drawn from a rendered table, after disclosure control: a hidden
figure is a gap, never its value. No script, no web font, nothing from
another site: the page shows the SVG as an image (``data:`` URI, allowed by
the content security policy's ``img-src``), the PDF embeds the same image.
Every chart comes with a text summary (its ``alt`` and caption) and its
figures as a table.
"""

from __future__ import annotations

import base64
import threading
from typing import TYPE_CHECKING, Any

from flask_babel import format_decimal, gettext

from core.reports.definitions import Chart, Report, text

if TYPE_CHECKING:
    from core.reports.engine import RenderedChart, RenderedReport, RenderedTable

# Det Fælles Designsystem's blue first; each colour has at least 3:1 contrast against white.
COLOURS = ("#0059b3", "#b35900", "#2e7d32", "#6a1b9a", "#424242", "#ad1457", "#00695c", "#5d4037")
WIDTH, HEIGHT = 720, 360


def _pygal():
    """pygal, without the import hook it adds for its map plugins (``pygal.maps.*``, not used here).

    The hook has only the old ``find_module`` protocol, so on Python 3.10+ every later
    import that reaches it (a module that is not installed, an optional one) warns.
    """
    import sys

    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__module__ != "pygal"]
    return pygal


def _style():
    _pygal()
    from pygal.style import Style

    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1a1a1a",
        foreground_strong="#1a1a1a",
        foreground_subtle="#595959",
        opacity="1",
        opacity_hover="1",
        colors=COLOURS,
        font_family="DejaVu Sans, Arial, Helvetica, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        value_font_size=11,
        title_font_size=15,
        legend_font_size=12,
    )


def _chart_class(kind: str):
    pygal = _pygal()
    return {"bar": pygal.Bar, "horizontal_bar": pygal.HorizontalBar, "stacked_bar": pygal.StackedBar, "line": pygal.Line}[kind]


def _figures(chart: Chart, table: RenderedTable) -> tuple[list[str], list[tuple[str, list[float | None]]], list[int], list[list[str]]]:
    keys = [c.key for c in table.columns]
    category = keys.index(chart.category)
    series_index = [keys.index(s) for s in chart.series]
    categories: list[str] = []
    values: list[list[float | None]] = [[] for _ in series_index]
    drawn: list[int] = []
    texts: list[list[str]] = []  # each drawn row's figures as the table shows them ("<5" where hidden)
    for index, (row_key, row) in enumerate(zip(table.row_keys, table.rows, strict=True)):
        if row_key in chart.skip_rows:
            continue
        drawn.append(index)
        categories.append(row[category].text)
        texts.append([row[column].text for column in series_index])
        for i, column in enumerate(series_index):
            cell = row[column]
            number = cell.value if cell.hidden is None and isinstance(cell.value, int | float) else None
            values[i].append(float(number) if number is not None else None)
    return categories, [(table.headings[c], v) for c, v in zip(series_index, values, strict=True)], drawn, texts


def summary(chart: RenderedChart) -> str:
    """What the chart shows, in words: its kind, its categories, the highest figure, and what is hidden."""
    kinds = {
        "bar": gettext("Bar chart"),
        "horizontal_bar": gettext("Bar chart"),
        "stacked_bar": gettext("Stacked bar chart"),
        "line": gettext("Line chart"),
    }
    parts = [
        gettext(
            "%(kind)s of %(series)s by %(category)s, %(count)s categories.",
            kind=kinds[chart.kind],
            series=", ".join(name for name, _ in chart.series),
            category=chart.category_heading.lower() if chart.category_heading else chart.table_title,
            count=len(chart.categories),
        )
    ]
    shown = [(value, name, chart.categories[i]) for name, values in chart.series for i, value in enumerate(values) if value is not None]
    if shown:
        value, name, where = max(shown, key=lambda t: t[0])
        label = f"{name}, {where}" if len(chart.series) > 1 else where
        parts.append(gettext("Highest: %(label)s (%(value)s).", label=label, value=format_decimal(value, format="#,##0.#")))
    hidden = sum(1 for _, values in chart.series for v in values if v is None)
    if hidden:
        parts.append(gettext("Figures hidden by disclosure control: %(count)s.", count=hidden))
    return " ".join(parts)


def svg(chart: RenderedChart) -> str:
    """The chart as an SVG document (no script, no XML declaration).

    Drawn once per content: the same figures, title and language give the same drawing, so a page
    seen again (the national view's 110 bars take pygal tens of milliseconds) reuses it. The key is
    everything the drawing is made from; a changed figure is another drawing.
    """
    from flask_babel import get_locale

    key = (
        chart.kind,
        chart.title,
        tuple(chart.categories),
        tuple((name, tuple(values)) for name, values in chart.series),
        str(get_locale() or "da"),
        gettext("No data"),
    )
    return _drawn(key, chart)


_DRAWINGS: dict[tuple[Any, ...], str] = {}
_DRAWINGS_LOCK = threading.Lock()
DRAWINGS_KEPT = 64  # a few MB at most: a drawing is tens of kB


def _drawn(key: tuple[Any, ...], chart: RenderedChart) -> str:
    with _DRAWINGS_LOCK:
        found = _DRAWINGS.get(key)
    if found is None:
        found = _draw(chart)
        with _DRAWINGS_LOCK:
            if len(_DRAWINGS) >= DRAWINGS_KEPT:
                _DRAWINGS.pop(next(iter(_DRAWINGS)))  # the oldest drawing goes first
            _DRAWINGS[key] = found
    return found


def _draw(chart: RenderedChart) -> str:
    cls = _chart_class(chart.kind)
    drawing = cls(
        js=[],  # pygal's tooltips load a script from its own site: never
        disable_xml_declaration=True,
        style=_style(),
        width=WIDTH,
        height=HEIGHT,
        title=chart.title,
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        print_values=chart.kind != "line" and len(chart.categories) <= 24,
        x_label_rotation=30 if len(chart.categories) > 6 else 0,
        truncate_label=-1,
        truncate_legend=-1,
        no_data_text=gettext("No data"),
        value_formatter=lambda v: format_decimal(v, format="#,##0.#"),
        show_y_guides=True,
        include_x_axis=True,  # the value axis starts at 0: a bar or line is never exaggerated
    )
    drawing.x_labels = chart.categories
    for name, values in chart.series:
        drawing.add(name, values)
    return drawing.render(is_unicode=True)


def data_uri(chart: RenderedChart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")


def render_charts(report: Report, rendered: RenderedReport) -> list[RenderedChart]:
    from core.reports.engine import RenderedChart

    tables = {t.key: t for t in rendered.tables}
    out = []
    for chart in report.charts:
        table = tables[chart.table]
        categories, series, drawn_rows, texts = _figures(chart, table)
        if not categories:
            continue  # no rows, no chart: the table says "No data"
        drawn = RenderedChart(
            key=chart.key,
            title=text(chart.title),
            table_key=table.key,
            table_title=table.title,
            kind=chart.kind,
            categories=categories,
            series=series,
            category_key=chart.category,
            category_heading=table.headings[[c.key for c in table.columns].index(chart.category)],
            series_keys=list(chart.series),
            row_indexes=drawn_rows,
            texts=texts,
        )
        drawn.summary = summary(drawn)
        drawn.svg = svg(drawn)
        out.append(drawn)
    return out
