"""What a report is, as a plugin declares it (through ``samvirke_reports``).

A ``Report`` declares

- its **parameters**: a marshmallow schema (``core.reports.params`` has the
  usual ones: ``YearParameters``, ``YearPeriodParameters``); the loaded values
  reach ``compute`` and say which **period** the report covers;
- its **computation**: ``compute(params) -> {table key: rows}``, aggregated in
  SQL by the plugin (one grouped query per breakdown, never a loop over
  persons); runs in the tenant's context (a national report: inside
  ``cross_tenant()``, entered by core);
- its **tables**: each column with a translated heading and a kind (a
  ``count`` of persons is disclosure-controlled), the linear relations that
  hold between the cells (a total row, a margin column; across tables in
  ``Report.relations``), so core can hide what would let a small count be
  worked out;
- its **charts**: which table, which column gives the categories and which
  give the series.

Core renders it as an HTML page with charts, CSV, Excel and PDF, Danish first
and English available, with the period and the disclosure rule on every page
and in every export. Headings and labels are texts (``Text``): a lazy Babel
string (``lazy_gettext("Families")``, translated in the package's catalogue: docs/translations.md),
shown in the viewer's language; never a raw key, never a Danish/English pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from core.reports.disclosure import Relation

if TYPE_CHECKING:
    from marshmallow import Schema

    from core.reports.params import Period


# A heading, title or label: a plain string is shown as it is (a name from the data).
Text = Any  # str | flask_babel.LazyString (or core.schemas.N_)


def text(value: Text | None) -> str:
    """A text in the active language ('' for None)."""
    return "" if value is None else str(value)


ColumnKind = Literal["label", "text", "count", "number", "decimal", "percent", "money", "date", "raw"]
NUMERIC_KINDS = frozenset({"count", "number", "decimal", "percent", "money"})


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind``:
      ``label``: a category key, shown through ``labels`` (``{"cash_benefit": lazy_gettext("Cash benefit")}``);
      ``text``: text from the data (a course's name), shown as it is;
      ``count``: a number of persons or families: disclosure-controlled;
      ``number``: a whole number that counts no one (sessions held, items donated);
      ``decimal``, ``percent`` (a value in percent points, 66.7), ``money`` (DKK), ``date``;
      ``raw``: cells shown as they are (text or a plain number).
    ``derived_from``: the count columns of the row a rate or share is computed
    from; it is hidden wherever one of them is (a percentage and its
    denominator give away the numerator).
    ``protected``: override whether the column is disclosure-controlled (default: counts are).
    """

    key: str
    heading: Text
    kind: ColumnKind = "count"
    labels: Mapping[str, Text] = field(default_factory=dict)
    derived_from: tuple[str, ...] = ()
    protected: bool | None = None

    @property
    def is_protected(self) -> bool:
        return self.kind == "count" if self.protected is None else self.protected

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class RowsSum:
    """In each protected column the row ``total`` is the sum of the rows ``parts``.

    ``parts``: row keys, a predicate on the row key, or None for every other
    row of the table. ``columns``: the columns it holds in (default: every
    protected column).
    """

    total: str
    parts: Sequence[str] | Callable[[str], bool] | None = None
    columns: Sequence[str] | None = None


@dataclass(frozen=True)
class ColumnsSum:
    """In every row the column ``total`` is the sum of the columns ``parts`` (a margin)."""

    total: str
    parts: Sequence[str]


@dataclass(frozen=True)
class Table:
    """A table of a report: its columns (in order) and the sums that hold between its cells.

    Each row is a mapping from column key to value; its key (for sums and
    relations) is the row's ``"_key"`` if it has one, else the value of
    ``row_header`` (default: the first column) as text.
    """

    key: str
    title: Text
    columns: Sequence[Column]
    sums: Sequence[RowsSum | ColumnsSum] = ()
    description: Text | None = None
    row_header: str | None = None
    # The part of a composed document the table belongs to (an annual report's programme); shown as a heading.
    section: Text | None = None


ChartKind = Literal["bar", "horizontal_bar", "stacked_bar", "line"]


@dataclass(frozen=True)
class Chart:
    """A chart drawn from one table: ``category`` gives the categories, ``series`` the bars or lines.

    Rows whose key is in ``skip_rows`` (totals) are left out. Each chart is
    shown with a text summary and its figures as a table.
    """

    key: str
    title: Text
    table: str
    category: str
    series: Sequence[str]
    kind: ChartKind = "bar"
    skip_rows: Sequence[str] = ("total",)


@dataclass(frozen=True)
class TableData:
    """Rows, and the columns when they follow the data (one per year, one per municipality)."""

    rows: Sequence[Mapping[str, Any]]
    columns: Sequence[Column] | None = None


ReportData = Mapping[str, "Sequence[Mapping[str, Any]] | TableData"]


@dataclass(frozen=True)
class Report:
    """A report definition, the new shape (see the module docstring and docs/reports.md)."""

    key: str  # "<programme>.<report>"
    title: Text
    parameters: type[Schema]
    compute: Callable[[dict[str, Any]], ReportData]
    tables: Sequence[Table]
    charts: Sequence[Chart] = ()
    description: Text | None = None
    # The period the loaded parameters cover; None: from ``year`` / ``period`` (core.reports.params.period_of).
    period: Callable[[dict[str, Any]], Period | None] | None = None
    # Relations between cells of different tables (views of the same data), given the computed data.
    relations: Callable[[Mapping[str, TableData]], Iterable[Relation]] | None = None
    # The year picker's choices; None: the last years up to next year (core.reports.params.year_choices).
    years: Callable[[], Sequence[int]] | None = None
    # Long (national, multi-year): offered as a background export, not computed on the page.
    long_running: bool = False
    # The national view's figures (``core.national``): run inside ``cross_tenant()``, one row of
    # counts per tenant id (``core.plugins.types.ReportResult``); None: not shown nationally.
    build_national: Callable[[dict[str, Any]], Any] | None = None
