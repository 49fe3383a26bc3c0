"""Open counselling's reports as the engine declares them, and its section of the agreement's annual report.

The figures come from ``plugins.open_counselling.reports`` (grouped SQL). Here
they are laid out as tables with translated headings, the sums disclosure
control must know, and charts:

- every family with a contact in the year is in exactly one row of the need
  level (its highest), income basis, employment, parent's age and household
  tables, and so is every contact: those rows add up to the overview's
  families and contacts (declared as relations, so no small count can be
  worked out by subtraction);
- reasons, children's ages and referrals count a family once per row it
  falls in: they do not add up, and nothing is declared for them;
- notifications of concern are a count, nothing else.

``SECTION`` is the programme's part of the annual report of the agreement
covering it (``samvirke_annual_sections``); ``ANNUAL`` the programme's own
annual report, which adds the figures other programmes contribute
(``samvirke_annual_figures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.programme import N_, Cell, Chart, Column, Relation, Report, Table, TableData, YearParameters
from plugins.open_counselling.reports import (
    UNKNOWN,
    annual_national,
    annual_rows,
    notifications_sent_result,
    other_programme_figures,
)
from plugins.open_counselling.schemas import HOUSEHOLD_LABELS, LABELS

PROGRAMME = N_("Open counselling")
FAMILIES = N_("Families")
CONTACTS = N_("Contacts")
# The tables whose rows split the year's families (and contacts) between them.
PARTITIONS = ("need_level", "income_basis", "employment", "parent_age", "household")
SECTION_TABLE = {"total": "overview", "pregnancy": "overview"}

CATEGORY_LABELS: dict[str, Any] = {
    **LABELS,
    "all": N_("All families with a contact in the year"),
    "pregnant": N_("Of them pregnant"),
    UNKNOWN: N_("Not stated"),
    "level_1": N_("Level 1: single or short counselling"),
    "level_2": N_("Level 2: counselling plus volunteer activities or universal services"),
    "level_3": N_("Level 3: counselling plus a measure under SEL § 11.3 or specialised measures"),
    "level_4": N_("Level 4: counselling plus a measure under SEL § 52"),
    "age_0": N_("Children aged 0"),
    "age_1_2": N_("Children aged 1-2"),
    "age_3_6": N_("Children aged 3-6"),
    "age_7_plus": N_("Children aged 7 or older"),
    "notifications_sent": N_("Notifications of concern sent"),
}


def _category(heading: Any, labels: Mapping[str, Any] = CATEGORY_LABELS) -> Column:
    return Column("category", heading, kind="label", labels=labels)


def _families_contacts(key: str, title: Any, heading: Any, *, labels: Mapping[str, Any] = CATEGORY_LABELS, **extra: Any) -> Table:
    columns = [_category(heading, labels), Column("families", FAMILIES), Column("contacts", CONTACTS)]
    return Table(key, title=title, columns=columns, section=PROGRAMME, **extra)


TABLES = [
    _families_contacts("overview", N_("Families and contacts"), N_("Group")),
    _families_contacts(
        "need_level",
        N_("Need level (the family's highest in the year)"),
        N_("Need level"),
        description=N_("Families by the highest need level of their contacts in the year; contacts by the level recorded on each."),
    ),
    _families_contacts(
        "reason",
        N_("Reasons for contact"),
        N_("Reason"),
        description=N_("A family counts once for each reason it came with, so the rows do not add up to the number of families."),
    ),
    _families_contacts("income_basis", N_("Income basis"), N_("Income basis")),
    _families_contacts("employment", N_("Employment"), N_("Employment")),
    _families_contacts("parent_age", N_("Parent's age"), N_("Age")),
    _families_contacts(
        "children_age",
        N_("Children's ages"),
        N_("Children"),
        description=N_("A family with children in two age groups counts in both."),
    ),
    _families_contacts("household", N_("Household"), N_("Household"), labels={**CATEGORY_LABELS, **HOUSEHOLD_LABELS}),
    Table(
        "referral",
        title=N_("Referrals"),
        columns=[_category(N_("Referred to")), Column("families", FAMILIES), Column("contacts", N_("Referrals made"), kind="number")],
        section=PROGRAMME,
    ),
    Table(
        "notifications",
        title=N_("Notifications of concern (SEL § 153)"),
        description=N_("The number of notifications sent in the year; nothing else about them."),
        columns=[_category(N_("Notifications")), Column("notifications", N_("Number"))],
        section=PROGRAMME,
    ),
]
CHARTS = [
    Chart("oc_reasons", N_("Families by reason for contact"), "reason", "category", ["families"], kind="horizontal_bar"),
    Chart("oc_need_levels", N_("Families by need level"), "need_level", "category", ["families"]),
    Chart("oc_children", N_("Families by children's ages"), "children_age", "category", ["families"]),
]


def _tables(year: int) -> dict[str, list[dict[str, Any]]]:
    """The grouped figures (one query per breakdown) put into the tables' rows."""
    out: dict[str, list[dict[str, Any]]] = {t.key: [] for t in TABLES}
    for section, category, families, contacts in annual_rows(year):
        table = SECTION_TABLE.get(section, section)
        if table == "notifications":
            out[table].append({"category": category, "notifications": families})
        else:
            out[table].append({"category": category, "families": families, "contacts": contacts})
    return out


def _relations(data: Mapping[str, TableData]) -> Iterable[Relation]:
    """Each partition's rows add up to the overview's families and contacts."""
    for table in PARTITIONS:
        keys = [str(row["category"]) for row in data[table].rows]
        for column in ("families", "contacts"):
            yield Relation.sum(Cell("overview", "all", column), [Cell(table, k, column) for k in keys])


def _section(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return _tables(params["year"])


SECTION = Report(
    key="open_counselling.annual_section",
    title=PROGRAMME,
    parameters=YearParameters,
    compute=_section,
    tables=TABLES,
    charts=CHARTS,
    relations=_relations,
)


# --- The programme's own reports ------------------------------------------------------


def _annual(params: dict[str, Any]) -> dict[str, Any]:
    year = params["year"]
    figures = other_programme_figures(year)
    other = TableData(
        rows=[{"category": f.key, "value": int(f.value)} for f in figures],
        columns=[
            Column("category", N_("Figure"), kind="label", labels={f.key: f.label for f in figures}),
            Column("value", N_("Number")),
        ],
    )
    return {**_tables(year), "other_programmes": other}


ANNUAL = Report(
    key="open_counselling.annual",
    title=N_("Annual report"),
    description=N_("Families and contacts in the open counselling in the year: a family counts once, however many contacts it had."),
    parameters=YearParameters,
    compute=_annual,
    tables=[
        *TABLES,
        Table("other_programmes", title=N_("Other programmes"), columns=[], section=N_("Other programmes")),
    ],
    charts=CHARTS,
    relations=_relations,
    build_national=annual_national,
)


def _notifications(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    result = notifications_sent_result({"year": str(params["year"])})
    return {
        "sent": [
            {"_key": str(i), "day": day, "recipient_unit": unit, "receipt_confirmed": confirmed}
            for i, (day, unit, confirmed) in enumerate(result.rows)
        ]
    }


NOTIFICATIONS_SENT = Report(
    key="open_counselling.notifications_sent",
    title=N_("Notifications of concern"),
    description=N_("That notifications were sent, when, and to which unit: never the ground or the family."),
    parameters=YearParameters,
    compute=_notifications,
    tables=[
        Table(
            "sent",
            title=N_("Notifications sent"),
            columns=[
                Column("day", N_("Date"), kind="date"),
                Column("recipient_unit", N_("Receiving unit"), kind="text"),
                Column("receipt_confirmed", N_("Receipt confirmed"), kind="date"),
            ],
            row_header="day",
        )
    ],
)

REPORTS = (ANNUAL, NOTIFICATIONS_SENT)
