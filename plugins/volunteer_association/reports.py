"""The association's reports: the shop's monthly result, volunteer hours, activities by kind.

Every figure is aggregated in SQL (one grouped query per figure, never one
per row). ``build`` runs in the tenant's context, so the ORM filters every
table to that tenant; ``build_national`` runs inside ``cross_tenant()`` (the
caller enters it) and returns counts and sums per tenant id only.

- ``shop_month`` (param ``year``, default this year): per month the takings
  (cash + card + MobilePay, by the day of the shift they were recorded on),
  the expenses, the result (takings - expenses), the cost of activities
  funded by the shop's surplus, the surplus (result - those costs) and the
  donated items received (the sum of the counts); a last row ``total``.
- ``volunteer_hours`` (param ``year``): per month the shifts, the sign-ups
  to them and the hours worked: a sign-up's ``hours_worked`` or, when not
  recorded, the shift's length. Hours count only for shifts on or before
  today (a future shift has not been worked).
- ``activities`` (param ``year``, blank: all years): per kind the
  activities, families and children.

``annual_figures`` gives open counselling's annual report the families and
children in the year's activities.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import case, extract, func, select, true

from core.programme import AnnualFigure, ReportResult, Tenant, TenantProgramme, copenhagen_today, db
from plugins.volunteer_association.models import (
    ACTIVITY_KINDS,
    Activity,
    Donation,
    Expense,
    Shift,
    ShiftSignup,
    Takings,
)

KEY = "volunteer_association"
CENTS = Decimal("0.01")
MONTHS = range(1, 13)
TOTAL = "total"


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENTS)


def _year_param(params: dict[str, Any], default: int | None) -> int | None:
    value = str(params.get("year") or "").strip()
    if not value:
        return default
    try:
        year = int(value)
    except ValueError:
        raise ValueError("year must be a whole number") from None
    if not 1900 <= year <= 9999:
        raise ValueError("year out of range")
    return year


def _in_year(column, year: int | None):
    if year is None:
        return true()
    return column.between(date(year, 1, 1), date(year, 12, 31))


def _month(column):
    return extract("month", column)


def _enabled_tenants():
    """Active tenants with the programme enabled: every one gets a row, zero or not."""
    return (
        select(Tenant.id)
        .join(TenantProgramme, TenantProgramme.tenant_id == Tenant.id)
        .where(TenantProgramme.programme_key == KEY, Tenant.active.is_(True))
    ).subquery()


def _tenant_ids() -> list[int]:
    enabled = _enabled_tenants()
    return list(db.session.scalars(select(enabled.c.id).order_by(enabled.c.id)))


# --- The shop's monthly result ----------------------------------------------------------


def _shop_sums(group, year: int | None) -> dict[str, dict[Any, Any]]:
    """{figure: {group value: sum}} for the year, one grouped query per figure."""
    takings = db.session.execute(
        select(group(Shift), func.sum(Takings.cash + Takings.card + Takings.mobilepay))
        .select_from(Takings)
        .join(Shift, Shift.id == Takings.shift_id)
        .where(_in_year(Shift.day, year))
        .group_by(group(Shift))
    ).all()
    expenses = db.session.execute(
        select(group(Expense), func.sum(Expense.amount)).where(_in_year(Expense.day, year)).group_by(group(Expense))
    ).all()
    costs = db.session.execute(
        select(group(Activity), func.sum(Activity.cost))
        .where(_in_year(Activity.day, year), Activity.funding == "shop_surplus")
        .group_by(group(Activity))
    ).all()
    donations = db.session.execute(
        select(group(Donation), func.sum(Donation.count)).where(_in_year(Donation.day, year)).group_by(group(Donation))
    ).all()
    return {
        "takings": {int(k): _money(v) for k, v in takings},
        "expenses": {int(k): _money(v) for k, v in expenses},
        "activity_costs": {int(k): _money(v) for k, v in costs},
        "donations": {int(k): int(v or 0) for k, v in donations},
    }


def _shop_row(label: Any, sums: dict[str, dict[Any, Any]], k: Any) -> tuple:
    takings = sums["takings"].get(k, Decimal("0.00"))
    expenses = sums["expenses"].get(k, Decimal("0.00"))
    costs = sums["activity_costs"].get(k, Decimal("0.00"))
    result = takings - expenses
    return (label, takings, expenses, result, costs, result - costs, sums["donations"].get(k, 0))


SHOP_COLUMNS = ["takings", "expenses", "result", "activity_costs_shop_surplus", "surplus", "donations_received"]


def _shop_month_report(params: dict[str, Any]) -> ReportResult:
    year = _year_param(params, copenhagen_today().year)
    sums = _shop_sums(lambda model: _month(model.day), year)
    rows = [_shop_row(month, sums, month) for month in MONTHS]
    totals = {name: {TOTAL: sum(by.values(), 0 if name == "donations" else Decimal("0.00"))} for name, by in sums.items()}
    rows.append(_shop_row(TOTAL, totals, TOTAL))
    return ReportResult(columns=["month", *SHOP_COLUMNS], rows=rows)


def _shop_month_national(params: dict[str, Any]) -> ReportResult:
    year = _year_param(params, copenhagen_today().year)
    sums = _shop_sums(lambda model: model.tenant_id, year)
    tenants = _tenant_ids()
    return ReportResult(columns=["tenant_id", *SHOP_COLUMNS], rows=[_shop_row(t, sums, t) for t in tenants])


# --- Volunteer hours -------------------------------------------------------------------


def _shift_hours(starts, ends) -> Decimal:
    """A shift's length in hours (a shift ending at or before it starts runs past midnight)."""
    seconds = (datetime.combine(date.min, ends) - datetime.combine(date.min, starts)).total_seconds()
    if seconds <= 0:
        seconds += 24 * 3600
    return Decimal(str(seconds / 3600))


def _hours_sums(group, year: int | None) -> tuple[dict, dict, dict]:
    """({k: shifts}, {k: sign-ups}, {k: hours}) for the year."""
    in_year = _in_year(Shift.day, year)
    shifts: dict[Any, Any] = dict(db.session.execute(select(group, func.count(Shift.id)).where(in_year).group_by(group)).all())
    # The year's sign-ups summed per shift first (the year's shifts only), then joined to their
    # shifts: one pass over the sign-ups, whatever plan the database picks for the join.
    per_shift = (
        select(
            ShiftSignup.shift_id.label("shift_id"),
            func.count(ShiftSignup.id).label("n"),
            func.coalesce(func.sum(ShiftSignup.hours_worked), 0).label("recorded"),
            func.sum(case((ShiftSignup.hours_worked.is_(None), 1), else_=0)).label("unrecorded"),
        )
        .where(ShiftSignup.shift_id.in_(select(Shift.id).where(in_year)))
        .group_by(ShiftSignup.shift_id)
        .subquery()
    )
    joined = select(Shift).join(per_shift, per_shift.c.shift_id == Shift.id).where(in_year)
    signups = dict(db.session.execute(joined.with_only_columns(group, func.sum(per_shift.c.n)).group_by(group)).all())
    # Grouped by the shift's times too, so the length of a shift is known for the
    # sign-ups without recorded hours: a handful of rows per month, not one per sign-up.
    worked = db.session.execute(
        joined.with_only_columns(
            group,
            Shift.starts,
            Shift.ends,
            func.coalesce(func.sum(per_shift.c.recorded), 0),
            func.coalesce(func.sum(per_shift.c.unrecorded), 0),
        )
        .where(Shift.day <= copenhagen_today())
        .group_by(group, Shift.starts, Shift.ends)
    ).all()
    hours: dict[Any, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for k, starts, ends, recorded, unrecorded in worked:
        hours[k] += Decimal(str(recorded)) + int(unrecorded) * _shift_hours(starts, ends)
    return (
        {int(k): int(v) for k, v in shifts.items()},
        {int(k): int(v) for k, v in signups.items()},
        {int(k): v.quantize(CENTS) for k, v in hours.items()},
    )


HOURS_COLUMNS = ["shifts", "volunteer_signups", "hours_worked"]


def _volunteer_hours_report(params: dict[str, Any]) -> ReportResult:
    year = _year_param(params, copenhagen_today().year)
    shifts, signups, hours = _hours_sums(_month(Shift.day), year)
    rows: list[tuple[Any, ...]] = [(m, shifts.get(m, 0), signups.get(m, 0), hours.get(m, Decimal("0.00"))) for m in MONTHS]
    rows.append((TOTAL, sum(shifts.values()), sum(signups.values()), sum(hours.values(), Decimal("0.00"))))
    return ReportResult(columns=["month", *HOURS_COLUMNS], rows=rows)


def _volunteer_hours_national(params: dict[str, Any]) -> ReportResult:
    year = _year_param(params, copenhagen_today().year)
    shifts, signups, hours = _hours_sums(Shift.tenant_id, year)
    tenants = _tenant_ids()
    rows = [(t, shifts.get(t, 0), signups.get(t, 0), hours.get(t, Decimal("0.00"))) for t in tenants]
    return ReportResult(columns=["tenant_id", *HOURS_COLUMNS], rows=rows)


# --- Activities by kind ----------------------------------------------------------------


def _activity_totals(year: int | None):
    return select(
        func.count(Activity.id), func.coalesce(func.sum(Activity.families), 0), func.coalesce(func.sum(Activity.children), 0)
    ).where(_in_year(Activity.day, year))


def _activities_report(params: dict[str, Any]) -> ReportResult:
    year = _year_param(params, None)
    found = {
        kind: (int(n), int(families), int(children))
        for kind, n, families, children in db.session.execute(
            select(Activity.kind, func.count(Activity.id), func.sum(Activity.families), func.sum(Activity.children))
            .where(_in_year(Activity.day, year))
            .group_by(Activity.kind)
        )
    }
    # Every kind is listed, with zeros, so the report keeps its shape.
    rows: list[tuple[Any, ...]] = [
        (kind, *found.get(kind, (0, 0, 0))) for kind in [*ACTIVITY_KINDS, *sorted(set(found) - set(ACTIVITY_KINDS))]
    ]
    rows.append((TOTAL, *(sum(r[i] for r in rows) for i in (1, 2, 3))))
    return ReportResult(columns=["kind", "activities", "families", "children"], rows=rows)


def _activities_national(params: dict[str, Any]) -> ReportResult:
    year = _year_param(params, None)
    tenants = _enabled_tenants()
    per_tenant = (
        select(
            Activity.tenant_id.label("k"),
            func.count(Activity.id).label("n"),
            func.sum(Activity.families).label("families"),
            func.sum(Activity.children).label("children"),
        )
        .where(_in_year(Activity.day, year))
        .group_by(Activity.tenant_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            tenants.c.id,
            func.coalesce(per_tenant.c.n, 0),
            func.coalesce(per_tenant.c.families, 0),
            func.coalesce(per_tenant.c.children, 0),
        )
        .outerjoin(per_tenant, per_tenant.c.k == tenants.c.id)
        .order_by(tenants.c.id)
    ).all()
    return ReportResult(columns=["tenant_id", "activities", "families", "children"], rows=[tuple(int(v) for v in r) for r in rows])


# --- Definitions -----------------------------------------------------------------------


def report_definitions() -> list:
    """The association's reports (``samvirke_reports``), declared in ``plugins.volunteer_association.annual``."""
    from plugins.volunteer_association.annual import REPORTS

    return list(REPORTS)


def annual_figures(tenant: Tenant, year: int) -> list[AnnualFigure]:
    """Families and children in the year's activities (called inside the tenant's context)."""
    _, families, children = db.session.execute(_activity_totals(year)).one()
    return [
        AnnualFigure(
            key="volunteer_association.families_in_activities",
            label=lazy_gettext("Families in the association's activities"),
            value=int(families),
        ),
        AnnualFigure(
            key="volunteer_association.children_in_activities",
            label=lazy_gettext("Children in the association's activities"),
            value=int(children),
        ),
    ]
