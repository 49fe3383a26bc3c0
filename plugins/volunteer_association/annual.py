"""The local association's reports as the engine declares them, and its section of the agreement's annual report.

The figures come from ``plugins.volunteer_association.reports`` (grouped SQL,
one query per figure). The section of the annual report is what the agreement
asks the association to document: its activities by kind (help, experience,
network-building) and the families and children they reached, and the
volunteers' shifts and hours. Families and children are head counts given
per activity (a family at two activities counts twice): they add up over the
kinds, and the total row says so to disclosure control.
"""

from __future__ import annotations

from typing import Any

from core.programme import N_, Chart, Column, Report, RowsSum, Table, YearParameters
from plugins.volunteer_association.activity_schemas import KIND_LABELS
from plugins.volunteer_association.reports import (
    MONTHS,
    TOTAL,
    _activities_national,
    _activities_report,
    _shop_month_national,
    _shop_month_report,
    _volunteer_hours_national,
    _volunteer_hours_report,
)

PROGRAMME = N_("The local association")
TOTAL_LABELS = {TOTAL: N_("Total")}
MONTH_LABELS = {
    **{
        str(m): name
        for m, name in zip(
            MONTHS,
            (
                N_("January"),
                N_("February"),
                N_("March"),
                N_("April"),
                N_("May"),
                N_("June"),
                N_("July"),
                N_("August"),
                N_("September"),
                N_("October"),
                N_("November"),
                N_("December"),
            ),
            strict=True,
        )
    },
    **TOTAL_LABELS,
}


def _rows(result: Any) -> list[dict[str, Any]]:
    """The old figures' tuples as rows keyed by column, the first column as text (a month, a kind, "total")."""
    columns = list(result.columns)
    return [{**dict(zip(columns, row, strict=True)), columns[0]: str(row[0])} for row in result.rows]


def _year(params: dict[str, Any]) -> dict[str, str]:
    return {"year": str(params["year"])}


ACTIVITIES = Table(
    "activities",
    title=N_("Activities by kind"),
    description=N_("Families and children are counted at each activity: a family at two activities counts twice."),
    columns=[
        Column("kind", N_("Kind of activity"), kind="label", labels={**KIND_LABELS, **TOTAL_LABELS}),
        Column("activities", N_("Activities"), kind="number"),
        Column("families", N_("Families reached")),
        Column("children", N_("Children reached")),
    ],
    sums=[RowsSum(TOTAL)],
    section=PROGRAMME,
)
HOURS = Table(
    "hours",
    title=N_("Volunteers' shifts and hours"),
    description=N_("Hours count for shifts up to today: a sign-up's recorded hours, else the shift's length."),
    columns=[
        Column("month", N_("Month"), kind="label", labels=MONTH_LABELS),
        Column("shifts", N_("Shifts"), kind="number"),
        Column("volunteer_signups", N_("Volunteer sign-ups"), kind="number"),
        Column("hours_worked", N_("Hours worked"), kind="decimal"),
    ],
    section=PROGRAMME,
)
SHOP = Table(
    "shop",
    title=N_("The shop's result by month"),
    columns=[
        Column("month", N_("Month"), kind="label", labels=MONTH_LABELS),
        Column("takings", N_("Takings"), kind="money"),
        Column("expenses", N_("Expenses"), kind="money"),
        Column("result", N_("Result"), kind="money"),
        Column("activity_costs_shop_surplus", N_("Activities paid by the surplus"), kind="money"),
        Column("surplus", N_("Surplus"), kind="money"),
        Column("donations_received", N_("Donated items received"), kind="number"),
    ],
)
ACTIVITY_CHART = Chart("va_activities", N_("Families reached by kind of activity"), "activities", "kind", ["families", "children"])


def _activities(params: dict[str, Any]) -> dict[str, Any]:
    return {"activities": _rows(_activities_report(_year(params)))}


def _hours(params: dict[str, Any]) -> dict[str, Any]:
    return {"hours": _rows(_volunteer_hours_report(_year(params)))}


def _shop(params: dict[str, Any]) -> dict[str, Any]:
    return {"shop": _rows(_shop_month_report(_year(params)))}


def _section(params: dict[str, Any]) -> dict[str, Any]:
    return {**_activities(params), **_hours(params)}


SECTION = Report(
    key="volunteer_association.annual_section",
    title=PROGRAMME,
    parameters=YearParameters,
    compute=_section,
    tables=[ACTIVITIES, HOURS],
    charts=[ACTIVITY_CHART],
)

REPORTS = (
    Report(
        key="volunteer_association.shop_month",
        title=N_("The shop's monthly result"),
        parameters=YearParameters,
        compute=_shop,
        tables=[SHOP],
        charts=[Chart("va_shop", N_("Takings and expenses by month"), "shop", "month", ["takings", "expenses"])],
        build_national=_shop_month_national,
    ),
    Report(
        key="volunteer_association.volunteer_hours",
        title=N_("Volunteer hours"),
        parameters=YearParameters,
        compute=_hours,
        tables=[HOURS],
        charts=[Chart("va_hours", N_("Hours worked by month"), "hours", "month", ["hours_worked"], kind="line")],
        build_national=_volunteer_hours_national,
    ),
    Report(
        key="volunteer_association.activities",
        title=N_("Activities"),
        parameters=YearParameters,
        compute=_activities,
        tables=[ACTIVITIES],
        charts=[ACTIVITY_CHART],
        build_national=_activities_national,
    ),
)
