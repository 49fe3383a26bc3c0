"""Homework café (lektiecafé), where volunteers help children with homework: its hooks, yearly report, fixed fee and demo rows."""

from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from flask_babel import gettext
from marshmallow import fields, validate
from sqlalchemy import func, select

import core.programme as kit
from core.programme import N_, Column, InvoiceLine, Volunteer, db, hookimpl, organisations_of_programme
from plugins.homework_cafe.cafe import BANDS, KEY, CafeSession, Helper

KEYS = ("place", "sessions", *BANDS, "visits", "hours")  # the child visits are counts: disclosure-controlled
COLUMNS = [Column("place", N_("Place"), "text"), Column("sessions", N_("Sessions"), "number"), *map(Column, BANDS, BANDS.values())]
COLUMNS += [Column("visits", N_("All child visits")), Column("hours", N_("Volunteer hours"), "decimal")]


def _year(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    s, in_year = CafeSession, CafeSession.day.between(date(params["year"], 1, 1), date(params["year"], 12, 31))
    helpers = select(func.count(Helper.id)).where(Helper.session_id == s.id).scalar_subquery()  # hours: minutes x helpers
    visits, hours = sum(getattr(s, b) for b in BANDS), func.sum(s.minutes * helpers) / 60.0
    sums = [func.count(s.id), *(func.sum(getattr(s, b)) for b in BANDS), func.sum(visits), hours]
    found = db.session.execute(select(s.place, *sums).where(in_year).group_by(s.place).order_by(s.place))
    rows = [dict(zip(KEYS, row, strict=True)) for row in found]
    return {"places": [*rows, {"_key": "total", "place": gettext("Total"), **{k: sum(r[k] for r in rows) for k in KEYS[1:]}}]}


TABLE = kit.Table("places", N_("By place"), COLUMNS, sums=[kit.RowsSum("total"), kit.ColumnsSum("visits", list(BANDS))])
CHART = kit.Chart("homework_cafe", N_("Child visits by age band and place"), "places", "place", list(BANDS), kind="stacked_bar")


class FixedFee:  # ``homework_cafe.fixed_fee``: a year's (quarter's) part is billed in the period holding its first day, if in force
    class parameters(kit.Schema):
        amount_per_year = fields.Decimal(required=True, validate=validate.Range(min=0, min_inclusive=False))
        invoiced = fields.String(load_default="yearly", validate=validate.OneOf(("yearly", "quarterly")))

    key, name = "homework_cafe.fixed_fee", N_("Homework café: a fixed fee a year")

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        months, end = (3 if agreement["invoiced"] == "quarterly" else 12), agreement.get("end") or date.max
        amount = (Decimal(str(agreement["amount_per_year"])) * months / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
        firsts = [date(y, m, 1) for y in range(period_start.year, period_end.year + 1) for m in range(1, 13, months)]
        lines = []
        for first in (f for f in firsts if max(period_start, agreement["start"]) <= f <= min(period_end, end)):
            last = min(first + relativedelta(months=months, days=-1), end)  # the last part ends with the agreement
            text = gettext("Homework café %(first)s-%(last)s", first=kit.format_day(first), last=kit.format_day(last))
            lines.append(InvoiceLine(text, first, last, amount))
        return lines


SESSION = {"starts": time(15), "ends": time(17, 30), "minutes": 150}
samvirke_programme = hookimpl(lambda: kit.Programme(key=KEY, name=N_("Homework café")))
samvirke_menu_entries = hookimpl(lambda: [kit.MenuEntry(label=N_("Homework café"), endpoint="homework_cafe.index", order=40)])
samvirke_reports = hookimpl(lambda: [kit.Report("homework_cafe.year", N_("Homework café"), kit.YearParameters, _year, [TABLE], [CHART])])
samvirke_billing_rules = hookimpl(lambda: [FixedFee()])


@hookimpl
def samvirke_demo_data(tenant: Any) -> None:  # ten weeks of Tuesdays and Thursdays at two schools, once
    organisations = organisations_of_programme(KEY)
    if organisations and db.session.scalar(select(CafeSession.id).limit(1)) is None:
        volunteers = list(db.session.scalars(select(Volunteer).where(Volunteer.organisation_id == organisations[0].id)))
        monday = kit.copenhagen_today() - timedelta(days=kit.copenhagen_today().weekday())
        for n, day in enumerate(monday - timedelta(days=d) for week in range(1, 11) for d in (7 * week - 1, 7 * week - 3)):
            counts = {band: (n * 7 + i * 3) % 10 for i, band in enumerate(BANDS)}  # varied, and the same every time
            place = "Tranegilde Skole" if day.weekday() == 1 else "Vibeholmskolen"
            db.session.add(CafeSession(day=day, place=place, volunteers=volunteers[n % 3 : n % 3 + 2], **SESSION, **counts))


@hookimpl
def samvirke_sample_rows(marker: str) -> kit.SampleRows:
    volunteer = Volunteer(name=f"Frivillig {marker}", organisation_id=next((o.id for o in organisations_of_programme(KEY)), None))
    row = CafeSession(day=kit.copenhagen_today(), place=f"Bibliotek {marker}", notes=f"Note {marker}", volunteers=[volunteer], **SESSION)
    db.session.add(row)
    db.session.flush()
    return kit.SampleRows(ids={"cafe_session_id": row.id}, confidential=(f"Note {marker}",))
