"""What a plugin gives the national view (``samvirke_national_figures``), and how core runs it.

A programme declares its key figures (``Measure``: a key, a translated
heading, a kind) and one SQL aggregate grouped by tenant and year
(``NationalFigures.select``). Core gives that aggregate a ``Window``: the
tenants the person covers and the years asked for, as rows to join on. Core
runs it once, inside ``cross_tenant()``, over every municipality at once (so
the statements do not grow with the number of tenants), computes the rates
from their parts, and keeps scope and disclosure control to itself: a plugin
never sees who asks, nor which cells are hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Date, Integer, and_, any_, bindparam, case, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY

from core.db import db

Figures = dict[tuple[int, int], dict[str, Any]]  # (tenant id, year) -> measure -> value
KINDS = ("count", "number", "percent", "money")  # money: core's co-financing columns, counting no one
EXTENSION = "samvirke_national_figures"  # where the answers are kept (app.extensions), by the hook's name


@dataclass(frozen=True)
class Measure:
    """One key figure of a programme, a column of its national tables.

    ``kind``: ``count`` (persons or families: under disclosure control), ``number`` (things: courses,
    activities; shown as they are), ``percent`` (a rate, computed by core from ``rate_of``).
    ``rate_of``: a rate's (part, whole), two columns of the select; a total row's rate is computed
    from their sums, never averaged. ``derived_from``: the counts a rate is hidden with.
    """

    key: str
    heading: Any  # a translated text (lazy_gettext / N_)
    kind: str = "count"
    derived_from: tuple[str, ...] = ()
    rate_of: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"national measure {self.key}: kind {self.kind!r} is not one of {KINDS}")
        if (self.kind == "percent") != (self.rate_of is not None):
            raise ValueError(f"national measure {self.key}: a percent, and only a percent, names its rate_of (part, whole)")


@dataclass(frozen=True)
class Window:
    """The tenants and the years one national aggregate covers; helpers to bound a query by them.

    ``table``: the years as rows (``year``, ``first``, ``last``: its first and last day) to join on;
    the aggregate groups by ``table.c.year``.
    """

    tenant_ids: tuple[int, ...]
    years: tuple[int, ...]
    table: Any
    array_parameter: bool = False  # PostgreSQL: the tenants as one array parameter

    @property
    def first(self) -> date:
        return date(min(self.years), 1, 1)

    @property
    def last(self) -> date:
        return date(max(self.years), 12, 31)

    def of_tenants(self, column: Any) -> Any:
        """Rows of the tenants covered.

        On PostgreSQL ``tenant_id = ANY(:tenants)``, one array parameter: the
        statement's text is then short and the same for any number of tenants,
        where ``IN (...)`` wrote one parameter per tenant at every use (348 in
        the mother groups' aggregate at 109 tenants, 21 KB of SQL that psycopg
        parsed afresh at every request, being too long for its cache).
        Elsewhere ``IN (...)``.
        """
        if self.array_parameter:
            return column == any_(bindparam("window_tenants", list(self.tenant_ids), type_=ARRAY(Integer)))
        return column.in_(self.tenant_ids)

    def during(self, day: Any) -> Any:
        """A day in the joined year; the window's own bounds repeated as constants, so an index on the day is used."""
        return and_(day >= self.table.c.first, day <= self.table.c.last, day >= self.first, day <= self.last)

    def overlapping(self, start: Any, end: Any) -> Any:
        """A span (first and last day, both set) that runs in the joined year; bounded by the window's constants too."""
        return and_(start <= self.table.c.last, end >= self.table.c.first, start <= self.last, end >= self.first)

    @staticmethod
    def count_if(condition: Any) -> Any:
        """The rows where ``condition`` holds (SUM(CASE ...): SQLite and PostgreSQL both take it)."""
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class NationalFigures:
    """A programme's national key figures: what ``samvirke_national_figures`` returns.

    ``select(window)``: ONE statement, grouped by tenant and year over the window, with the labelled
    columns ``tenant_id``, ``year``, every ``count`` and ``number`` measure and every rate's part and
    whole (a row per tenant and year that has any; a missing one reads as zeros). Counts only:
    never a name, a free text or a row per person. ``main``: the count the comparison chart shows.
    """

    measures: Sequence[Measure]
    select: Callable[[Window], Any]
    main: str

    def __post_init__(self) -> None:
        keys = [m.key for m in self.measures]
        if len(set(keys)) != len(keys) or self.main not in keys:
            raise ValueError(f"national figures: measure keys must be unique and include main ({self.main!r})")

    @property
    def columns(self) -> list[str]:
        """The columns the select must give besides tenant and year."""
        wanted = [m.key for m in self.measures if m.kind != "percent"]
        for m in self.measures:
            wanted += [c for c in m.rate_of or () if c not in wanted]
        return wanted

    def counts(self) -> list[str]:
        return [m.key for m in self.measures if m.kind == "count"]


def years_table(years: Sequence[int]) -> Any:
    """The years as rows (year, first day, last day), to join on in SQL.

    Typed bind parameters, not CASTs: SQLite would read ``CAST('2025-01-01' AS DATE)``
    as the number 2025 (its DATE affinity is numeric); psycopg sends them typed.
    """
    rows = [
        select(
            literal(y, Integer).label("year"),
            literal(date(y, 1, 1), Date).label("first"),
            literal(date(y, 12, 31), Date).label("last"),
        )
        for y in years
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("years")


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None  # nothing recorded: a rate of 0 would mislead
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def installed(app: Flask | None = None) -> dict[str, NationalFigures]:
    """Each installed programme's national figures, by programme key; asked of the plugins once per app.

    Only a programme's own plugin speaks for it: a contribution of a plugin without a programme
    (core's, a library) has no programme to belong to and is refused.
    """
    from core.plugins.host import PluginError, plugin_host

    app = app or current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = {}
        for programme, value in plugin_host(app).call_each("samvirke_national_figures"):
            if value is None:
                continue
            if programme is None or not isinstance(value, NationalFigures):
                raise PluginError(f"{EXTENSION}: a programme's plugin returns NationalFigures for its programme (got {value!r})")
            found[programme.key] = value
        app.extensions[EXTENSION] = found
    return found


def run(figures: NationalFigures, tenant_ids: Iterable[int], years: Sequence[int]) -> Figures:
    """The programme's aggregate over the tenants and years: one statement; rates from their parts."""
    window = Window(tuple(tenant_ids), tuple(years), years_table(years), array_parameter=db.engine.dialect.name == "postgresql")
    if not window.tenant_ids:
        return {}
    result = db.session.execute(figures.select(window)).mappings()
    wanted = figures.columns
    missing = [c for c in ("tenant_id", "year", *wanted) if c not in result.keys()]
    if missing:
        raise LookupError(f"national figures: the select lacks the columns {missing}")
    rates = [m for m in figures.measures if m.rate_of is not None]
    out: Figures = {}
    for row in result:
        values: dict[str, Any] = {c: int(row[c] or 0) for c in wanted}
        for m in rates:
            part, whole = m.rate_of  # type: ignore[misc]  # set for every rate (Measure checks it)
            values[m.key] = percent(values[part], values[whole])
            # The parts kept beside the rate: a total row's rate is computed from their sums.
            values[f"_{m.key}_part"], values[f"_{m.key}_whole"] = values[part], values[whole]
        out[(int(row["tenant_id"]), int(row["year"]))] = values
    return out
