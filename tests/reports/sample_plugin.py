"""Reports of the new shape for the engine's tests: a library plugin (no programme), registered per test.

- ``sample.household_sizes``: the example programme's households by number of
  members, aggregated in SQL; a total row; a chart.
- ``sample.crafted``: whatever ``CRAFTED`` holds (set by a test), as three views
  of one set of counts: by municipality and year (with margins), by year, and
  by municipality for the years before the last, related to each other, so
  differencing between the views is part of what disclosure control must stop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import case, func, select

from core.db import db
from core.plugins import hookimpl
from core.reports.definitions import Chart, Column, ColumnsSum, Report, RowsSum, Table, TableData
from core.reports.disclosure import Cell, Relation
from core.reports.params import YearParameters
from tests.example_plugin.models import Household, Member


class Bilingual:
    """A test fixture's text in both languages without a catalogue: a report text is anything ``str()``
    shows in the viewer's language (core and the plugins use gettext message ids instead)."""

    def __init__(self, da: str, en: str) -> None:
        self.da, self.en = da, en

    def __str__(self) -> str:
        from core.i18n import language

        return self.en if language() == "en" else self.da


SIZES = ("none", "one", "two", "three_plus")
SIZE_LABELS = {
    "none": Bilingual(da="Ingen medlemmer", en="No members"),
    "one": Bilingual(da="Ét medlem", en="One member"),
    "two": Bilingual(da="To medlemmer", en="Two members"),
    "three_plus": Bilingual(da="Tre eller flere", en="Three or more"),
    "total": Bilingual(da="I alt", en="Total"),
}

# Set by a test: {"years": [2023, 2024, 2025], "counts": {municipality: [count per year]}}
CRAFTED: dict[str, Any] = {"years": [2024, 2025], "counts": {}}


def _household_sizes(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    members = select(Household.id.label("h"), func.count(Member.id).label("n")).outerjoin(Member).group_by(Household.id).subquery()
    band = case((members.c.n == 0, "none"), (members.c.n == 1, "one"), (members.c.n == 2, "two"), else_="three_plus")
    found = {
        b: (h, m) for b, h, m in db.session.execute(select(band, func.count(), func.coalesce(func.sum(members.c.n), 0)).group_by(band))
    }
    rows: list[dict[str, Any]] = [
        {"size": s, "households": int(found.get(s, (0, 0))[0]), "members": int(found.get(s, (0, 0))[1])} for s in SIZES
    ]
    households, members = sum(r["households"] for r in rows), sum(r["members"] for r in rows)
    rows.append({"size": "total", "households": households, "members": members})
    return {"sizes": rows}


HOUSEHOLD_SIZES = Report(
    key="sample.household_sizes",
    title=Bilingual(da="Husstande efter størrelse", en="Households by size"),
    description=Bilingual(da="Antal husstande og medlemmer.", en="Households and members."),
    parameters=YearParameters,
    compute=_household_sizes,
    tables=[
        Table(
            "sizes",
            title=Bilingual(da="Husstande efter antal medlemmer", en="Households by number of members"),
            columns=[
                Column("size", Bilingual(da="Størrelse", en="Size"), kind="label", labels=SIZE_LABELS),
                Column("households", Bilingual(da="Husstande", en="Households")),
                Column("members", Bilingual(da="Medlemmer", en="Members")),
            ],
            sums=[RowsSum("total")],
        )
    ],
    charts=[Chart("sizes_chart", Bilingual(da="Husstande efter størrelse", en="Households by size"), "sizes", "size", ["households"])],
)


def _year_key(year: int) -> str:
    return f"y{year}"


def _crafted(params: dict[str, Any]) -> dict[str, TableData]:
    years, counts = list(CRAFTED["years"]), dict(CRAFTED["counts"])
    year_columns = [Column(_year_key(y), Bilingual(da=str(y), en=str(y))) for y in years]
    by_place = [{"place": p, **{_year_key(y): n for y, n in zip(years, ns, strict=True)}, "all": sum(ns)} for p, ns in counts.items()]
    by_place.append({"place": "total", **{_year_key(y): sum(ns[i] for ns in counts.values()) for i, y in enumerate(years)}})
    by_place[-1]["all"] = sum(by_place[-1][_year_key(y)] for y in years)
    by_year = [{"year": str(y), "people": by_place[-1][_year_key(y)]} for y in years]
    by_year.append({"year": "total", "people": by_place[-1]["all"]})
    earlier = [{"place": p, "people": sum(ns[:-1])} for p, ns in counts.items()]
    earlier.append({"place": "total", "people": sum(r["people"] for r in earlier)})
    place_column = Column("place", lazy_gettext("Municipality"), kind="text")
    return {
        "by_place": TableData(rows=by_place, columns=[place_column, *year_columns, Column("all", Bilingual(da="Alle år", en="All years"))]),
        "by_year": TableData(rows=by_year),
        "earlier": TableData(rows=earlier),
    }


def _crafted_relations(data: Mapping[str, TableData]) -> list[Relation]:
    years = list(CRAFTED["years"])
    places = list(CRAFTED["counts"])
    relations = [Relation.same(Cell("by_year", str(y), "people"), Cell("by_place", "total", _year_key(y))) for y in years]
    relations.append(Relation.same(Cell("by_year", "total", "people"), Cell("by_place", "total", "all")))
    # The earlier years' view: a municipality's all-years total less its last year.
    for place in [*places, "total"]:
        relations.append(
            Relation.sum(Cell("by_place", place, "all"), [Cell("earlier", place, "people"), Cell("by_place", place, _year_key(years[-1]))])
        )
    return relations


def crafted_report() -> Report:
    years = list(CRAFTED["years"])
    return Report(
        key="sample.crafted",
        title=Bilingual(da="Deltagere efter kommune og år", en="Participants by municipality and year"),
        parameters=YearParameters,
        compute=_crafted,
        tables=[
            Table(
                "by_place",
                title=Bilingual(da="Efter kommune og år", en="By municipality and year"),
                columns=[],
                sums=[RowsSum("total"), ColumnsSum("all", [_year_key(y) for y in years])],
            ),
            Table(
                "by_year",
                title=Bilingual(da="Efter år", en="By year"),
                columns=[
                    Column("year", Bilingual(da="År", en="Year"), kind="text"),
                    Column("people", Bilingual(da="Deltagere", en="Participants")),
                ],
                sums=[RowsSum("total")],
            ),
            Table(
                "earlier",
                title=Bilingual(da="De tidligere år, efter kommune", en="The earlier years, by municipality"),
                columns=[
                    Column("place", Bilingual(da="Kommune", en="Municipality"), kind="text"),
                    Column("people", Bilingual(da="Deltagere", en="Participants")),
                ],
                sums=[RowsSum("total")],
            ),
        ],
        charts=[
            Chart("by_year_chart", Bilingual(da="Deltagere pr. år", en="Participants per year"), "by_year", "year", ["people"], kind="line")
        ],
        relations=_crafted_relations,
    )


@hookimpl
def samvirke_reports():
    return [HOUSEHOLD_SIZES, crafted_report()]
