"""The national view as a report of the engine: its tables, the relations between its views, its charts.

For each programme a person covers, three views of the same counts:

- ``<programme>.municipalities``: every municipality in the year asked for,
  with a total row (the comparison);
- ``<programme>.years``: all their municipalities per year over the trend's
  years (the trend; one municipality's years when filtered to it);
- ``<programme>.detail``: per municipality and year (the key figures).

An intruder could difference them (a year's total minus the other
municipalities gives one back), and could difference two requests (this year
against last, all municipalities against one). So disclosure control
(``core.reports.disclosure.protect``) runs here, on one *canonical* table set
per programme: every municipality the person covers, per year, over a window
of years that does not move with the year asked for (the last five up to the
default year, reaching back to an older year asked for), with every exact
relation between its cells. The views shown are copies of its cells, markers
included, so every request shows each figure hidden or shown alike, and what
a filter leaves out changes nothing in what is hidden. Rates are hidden with
the count they are a rate of. The engine states the rule; the cells it gets
are already protected (``protected=False``: it does not protect them again).
Co-financing (agreed, invoiced, paid) is money, counting no one. The tests
audit the published cells by linear programming (tests/national/).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel.speaklater import LazyString

from core.national import contributions
from core.national import figures as F
from core.national.contributions import Measure
from core.national.params import TREND_YEARS, NationalParameters, _Choice
from core.national.scope import Coverage
from core.reports.definitions import Chart, Column, Report, Table, TableData
from core.reports.disclosure import Cell, Disclosure, Relation, protect
from core.reports.params import Period, default_year
from core.schemas import N_

KEY = "national"
TOTAL = "total"


class _Installed(Mapping[str, Sequence[Measure]]):
    """Each installed programme's measures, by programme key: what its plugin declares (``samvirke_national_figures``)."""

    def __getitem__(self, key: str) -> Sequence[Measure]:
        return contributions.installed()[key].measures

    def __iter__(self) -> Iterator[str]:
        return iter(contributions.installed())

    def __len__(self) -> int:
        return len(contributions.installed())


# The programmes with national figures of their own, of the current app (a programme without shows its ``build_national``).
MEASURES: Mapping[str, Sequence[Measure]] = _Installed()
MONEY = [
    Measure("agreed", N_("Co-financing agreed"), "money"),
    Measure("invoiced", N_("Invoiced"), "money"),
    Measure("paid", N_("Paid"), "money"),
]


def _columns(first: Sequence[Column], measures: Sequence[Measure]) -> list[Column]:
    # protected=False: the cells arrive protected (``canonical``); the engine must not choose other complements per view.
    return [*first, *(Column(m.key, m.heading, kind=m.kind, protected=False) for m in measures)]  # type: ignore[arg-type]


MUNICIPALITY = Column("municipality", N_("Municipality"), kind="text")
YEAR = Column("year", N_("Year"), kind="text")


def counts_of(programme: str) -> list[str]:
    return [m.key for m in MEASURES.get(programme, ()) if m.kind == "count"]


def window(year: int, today_default: int | None = None) -> list[int]:
    """The canonical years: the five up to the default year, reaching back to an older year asked for (later ones: up to it)."""
    last = max(year, today_default if today_default is not None else default_year())
    return list(range(min(year, last - TREND_YEARS + 1), last + 1))


def _sum_rows(rows: Iterable[Mapping[str, Any]], measures: Sequence[Measure]) -> dict[str, Any]:
    rows = list(rows)
    total: dict[str, Any] = {}
    for m in measures:
        if m.kind in ("count", "number", "money"):
            total[m.key] = sum((r.get(m.key) or 0 for r in rows), Decimal("0") if m.kind == "money" else 0)
    for m in measures:
        if m.rate_of is not None:  # a total's rate from the sums of its parts, never an average of rates
            total[f"_{m.key}_part"] = sum(r.get(f"_{m.key}_part", 0) for r in rows)
            total[f"_{m.key}_whole"] = sum(r.get(f"_{m.key}_whole", 0) for r in rows)
            total[m.key] = F.percent(total[f"_{m.key}_part"], total[f"_{m.key}_whole"])
    return total


class NationalReport:
    """Builds the ``Report`` for one person's coverage and filters (the tables follow what they cover).

    ``coverage``: every municipality the person covers for the programmes asked for (the canonical
    table set); ``municipality``: the one the page is filtered to (shown, not protected, alone).
    """

    def __init__(
        self,
        coverage: Coverage,
        programme_names: Mapping[str, Any],
        legacy: Mapping[str, Sequence[Any]] | None = None,
        *,
        municipality: int | None = None,
        threshold: int | None = None,
        secondary: bool = True,
    ):
        self.coverage = coverage
        self.programme_names = dict(programme_names)
        self.legacy = dict(legacy or {})  # programme -> old national report definitions (no figures here)
        self.municipality = municipality
        self.threshold = threshold
        self.secondary = secondary  # False only for the tests that show the audit catches what it prevents
        self.disclosures: dict[str, Disclosure] = {}  # per programme, after compute (for the tests)

    @property
    def programmes(self) -> list[str]:
        return [p for p in self.coverage.programmes if p in MEASURES or p in self.legacy]

    def shown(self, tenant_id: int) -> bool:
        return self.municipality is None or tenant_id == self.municipality

    # --- the definition ---------------------------------------------------------------------

    def parameters(self) -> type[NationalParameters]:
        """The schema, with the names of the programmes and municipalities for the parameter lines."""
        names = {m.slug: m.name for m in self.coverage.municipalities.values()}
        return type(
            "NationalParametersFor",
            (NationalParameters,),
            {
                "programme": _Choice(
                    None,
                    load_default=None,
                    metadata={
                        "label": N_("Programme"),
                        "choice_labels": {k: getattr(v, "name", v) for k, v in self.programme_names.items()},
                    },
                ),
                "municipality": _Choice(None, load_default=None, metadata={"label": N_("Municipality"), "choice_labels": names}),
            },
        )

    def report(self, year: int) -> Report:
        tables: list[Table] = []
        charts: list[Chart] = []
        for p in self.programmes:
            name = self.programme_names.get(p, p)
            if p not in MEASURES:
                for definition in self.legacy[p]:
                    tables.append(Table(f"{p}.legacy.{definition.key}", definition.title, columns=[MUNICIPALITY]))
                continue
            measures = MEASURES[p]
            tables += [
                Table(
                    f"{p}.municipalities",
                    _title(name, N_("municipalities in %(year)s"), year=year),
                    _columns([MUNICIPALITY], measures),
                ),
                Table(
                    f"{p}.years",
                    _title(name, N_("all your municipalities per year") if self.municipality is None else N_("per year")),
                    _columns([YEAR], measures),
                ),
                Table(
                    f"{p}.detail",
                    _title(name, N_("per municipality and year")),
                    _columns([MUNICIPALITY, YEAR], measures),
                    row_header="municipality",
                ),
            ]
            main = contributions.installed()[p].main
            charts += [
                Chart(
                    f"{p}.compare",
                    _title(name, N_("comparison of municipalities, %(year)s"), year=year),
                    f"{p}.municipalities",
                    "municipality",
                    [main],
                    kind="horizontal_bar",
                ),
                Chart(f"{p}.trend", _title(name, N_("trend over the years")), f"{p}.years", "year", counts_of(p), kind="line"),
            ]
        if self.coverage.agreements:
            tables += [
                Table(
                    "cofinancing.municipalities",
                    _title(N_("Co-financing"), N_("municipalities in %(year)s"), year=year),
                    _columns([MUNICIPALITY], MONEY),
                ),
                Table("cofinancing.years", N_("Co-financing: all your municipalities per year"), _columns([YEAR], MONEY)),
            ]
            charts.append(Chart("cofinancing.trend", N_("Co-financing per year"), "cofinancing.years", "year", [m.key for m in MONEY]))
        return Report(
            key=KEY,
            title=N_("National overview"),
            parameters=self.parameters(),
            compute=self.compute,
            tables=tables,
            charts=charts,
            description=N_("Aggregated figures only: no names, no free text, no individual records."),
            period=period,
        )

    # --- the computation (inside cross_tenant) ----------------------------------------------

    def compute(self, params: dict[str, Any]) -> dict[str, Any]:
        year = params["year"]
        years = window(year)
        out: dict[str, Any] = {}
        for p in self.programmes:
            if p not in MEASURES:
                out.update(self._legacy(p, year))
                continue
            out.update(self._programme(p, year, years))
        if self.coverage.agreements:
            out.update(self._money(year, years))
        return out

    def _programme(self, p: str, year: int, years: list[int]) -> dict[str, Any]:
        """The canonical table set of one programme, protected, and the three views of it that are shown."""
        cov = self.coverage
        tenants = cov.tenant_ids(p)
        found = F.programme(p, tenants, years) if tenants else {}
        measures = MEASURES[p]
        detail = []
        for tenant_id in sorted(tenants, key=lambda t: cov.municipalities[t].name):
            municipality = cov.municipalities[tenant_id]
            for y in years:
                if not cov.covers(p, tenant_id, y):
                    continue
                values = found.get((tenant_id, y), {})
                row = {m.key: values.get(m.key, 0 if m.kind in ("count", "number") else None) for m in measures}
                row.update({k: v for k, v in values.items() if k.startswith("_")})
                detail.append(
                    {"_key": f"{municipality.slug}:{y}", "municipality": municipality.name, "year": str(y), "_t": tenant_id, "_y": y, **row}
                )
        by_year = [{"_key": str(y), "year": str(y), "_y": y, **_sum_rows([r for r in detail if r["_y"] == y], measures)} for y in years]
        self.disclosures[p] = disclosure = self._protect(p, detail, by_year)
        detail = _marked(detail, "detail", measures, disclosure)
        by_year = _marked(by_year, "years", measures, disclosure)
        # The views, copies of the protected cells (a filter only leaves rows out).
        shown = [r for r in detail if self.shown(r["_t"])]
        comparison = [{**r, "_key": str(r["_key"]).split(":")[0]} for r in shown if r["_y"] == year]
        if self.municipality is None:
            comparison.append({**next(r for r in by_year if r["_y"] == year), "_key": TOTAL, "municipality": str(N_("All municipalities"))})
            trend = by_year
        else:
            trend = [{**r, "_key": r["year"]} for r in shown]
        return {f"{p}.municipalities": comparison, f"{p}.years": trend, f"{p}.detail": shown}

    def _protect(self, p: str, detail: list[dict[str, Any]], by_year: list[dict[str, Any]]) -> Disclosure:
        """Disclosure control on the canonical set: per municipality and year, and each year's sum of them."""
        values: dict[Cell, int] = {}
        relations: list[Relation] = []
        for column in counts_of(p):
            for r in detail:
                values[Cell("detail", r["_key"], column)] = int(r[column])
            for r in by_year:
                values[Cell("years", r["_key"], column)] = int(r[column])
                parts = [Cell("detail", d["_key"], column) for d in detail if d["_y"] == r["_y"]]
                relations.append(Relation.sum(Cell("years", r["_key"], column), parts))
        threshold = self.threshold or current_app.config["DISCLOSURE_THRESHOLD"]
        return protect(values, relations, threshold, secondary=self.secondary)

    def _money(self, year: int, years: list[int]) -> dict[str, Any]:
        cov = self.coverage
        agreements = [a for a, _m, _keys in cov.agreements]
        money = F.agreed(agreements, years)
        for key, values in F.invoiced([a.id for a in agreements], years).items():
            money.setdefault(key, {}).update(values)
        zero = Decimal("0")
        rows = []
        for tenant_id in sorted({a.tenant_id for a in agreements if self.shown(a.tenant_id)}, key=lambda t: cov.municipalities[t].name):
            values = money.get((tenant_id, year), {})
            rows.append(
                {
                    "_key": cov.municipalities[tenant_id].slug,
                    "municipality": cov.municipalities[tenant_id].name,
                    **{m.key: values.get(m.key, zero) for m in MONEY},
                }
            )
        trend = []
        for y in years:
            cells = [v for (t, yy), v in money.items() if yy == y and self.shown(t)]
            trend.append({"_key": str(y), "year": str(y), **{m.key: sum((c.get(m.key, zero) for c in cells), zero) for m in MONEY}})
        return {"cofinancing.municipalities": rows, "cofinancing.years": trend}

    def _legacy(self, programme: str, year: int) -> dict[str, Any]:
        """A programme without figures here: its old ``build_national``, every whole number a count."""
        out: dict[str, Any] = {}
        for definition in self.legacy[programme]:
            result = definition.build_national({"year": str(year)})  # no relations between its cells: primary suppression by the engine
            names = list(result.columns[1:])
            # The report's own headings (texts shown in the viewer's language); a key it does not head, as words.
            headings = {c.key: c.heading for t in definition.tables for c in t.columns}
            columns = [MUNICIPALITY] + [Column(c, headings.get(c, c.replace("_", " ").capitalize())) for c in names]
            rows = []
            for raw in result.rows:
                tenant_id = raw[0]
                if not self.shown(tenant_id) or not self.coverage.covers(programme, tenant_id, year):
                    continue
                municipality = self.coverage.municipalities[tenant_id]
                rows.append({"_key": municipality.slug, "municipality": municipality.name, **dict(zip(names, raw[1:], strict=True))})
            out[f"{programme}.legacy.{definition.key}"] = TableData(rows, columns)
        return out


def period(params: Mapping[str, Any]) -> Period:
    """From the first day of the trend's first year to the last day of its last."""
    years = window(params["year"])
    return Period(Period.of_year(years[0]).start, Period.of_year(years[-1]).end)


def _marked(rows: list[dict[str, Any]], view: str, measures: Sequence[Measure], disclosure: Disclosure) -> list[dict[str, Any]]:
    """Rows with each hidden count replaced by its marker, and each rate of a hidden count by "x"."""
    out = []
    for row in rows:
        row = dict(row)
        for m in measures:
            marker = disclosure.marker(Cell(view, str(row["_key"]), m.key)) if m.kind == "count" else None
            if marker is not None:
                row[m.key] = marker
        for m in measures:
            if m.derived_from and any(isinstance(row.get(source), str) for source in m.derived_from):
                row[m.key] = "x"  # a rate and its count's neighbours would give the count away
        out.append(row)
    return out


def _title(programme: Any, what: Any, **values: Any) -> LazyString:
    """ "<programme>: <what>" (a programme's name, or a text), put together when shown, in the viewer's language."""

    def joined() -> str:
        name = getattr(programme, "name", programme)
        return f"{str(name)}: {str(what) % values if values else str(what)}"

    return LazyString(joined)
