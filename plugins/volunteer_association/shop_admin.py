"""The shop's staff page: weekly opening hours, this month's expenses and donated goods.

Mounted by core under /<tenant>/volunteer_association/. Hours, expenses and
counts of donated goods hold no personal data (donations are counted by
category, never by donor), so nothing here is recorded in the audit trail.

``monthly_expenses`` and ``donations_by_category`` are SQL aggregates of the
tenant in context, for reuse by reports.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date, format_time
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from sqlalchemy import func, select

from core.programme import N_, PageBlueprint, db, form_errors, form_fields, format_amount, format_day_long, load_form
from core.programme import get_or_404 as _get_or_404
from plugins.volunteer_association import shop_admin_schemas as schemas
from plugins.volunteer_association.models import (
    DONATION_CATEGORIES,
    Donation,
    Expense,
    ShopHours,
)
from plugins.volunteer_association.shop_admin_schemas import (
    DONATION_LABELS,
    EXPENSE_LABELS,
    WEEKDAY_LABELS,
    DonationSchema,
    ExpenseSchema,
    ShopHoursSchema,
)

bp = PageBlueprint("volunteer_association_shop", __name__)
OVERLAP = N_("These hours overlap hours already recorded for that day.")


# --- aggregates, for reuse ---------------------------------------------------------------


def _month(year: int, month: int) -> tuple[date, date]:
    """[first day, first day of the next month)."""
    first = date(year, month, 1)
    return first, date(year + month // 12, month % 12 + 1, 1)


def monthly_expenses(year: int, month: int) -> Decimal:
    """The tenant's expenses in the month, in kroner (0.00 when none)."""
    first, after = _month(year, month)
    total = db.session.scalar(select(func.coalesce(func.sum(Expense.amount), 0)).where(Expense.day >= first, Expense.day < after))
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def donations_by_category(year: int, month: int) -> dict[str, int]:
    """Items of donated goods received in the month per category: every category, 0 when none."""
    first, after = _month(year, month)
    rows = db.session.execute(
        select(Donation.category, func.sum(Donation.count)).where(Donation.day >= first, Donation.day < after).group_by(Donation.category)
    )
    counts = dict.fromkeys(DONATION_CATEGORIES, 0)
    for category, total in rows:
        counts[category] = int(total or 0)
    return counts


# --- formatting --------------------------------------------------------------------------


def _locale() -> str:
    return "en" if str(get_locale() or "da") == "en" else "da"


@bp.app_template_filter("vas_time")
def _format_time(moment) -> str:
    """``09.00`` (Danish) or ``09:00``."""
    return format_time(moment, "HH.mm" if _locale() == "da" else "HH:mm", locale=_locale())


@bp.app_template_filter("vas_day")
def _format_day(day: date) -> str:
    """``12. maj 2026`` (Danish) or ``May 12, 2026``: the platform's long date."""
    return format_day_long(day)


@bp.app_template_filter("vas_kroner")
def _format_kroner(amount: Decimal) -> str:
    """``1.250,00 kr.`` (Danish) or ``DKK 1,250.00``: the platform's one amount format."""
    return format_amount(amount)


# --- the page ----------------------------------------------------------------------------


@bp.get("/shop/", roles=["programme_managers"])
def shop(errors: dict | None = None, failing: str | None = None, status: int = 200):
    """Weekly hours, this month's expenses and donations; ``failing`` names the form shown again with ``errors``."""
    errors = errors or {}
    today = schemas.today()
    first, after = _month(today.year, today.month)

    def fields_of(name: str, schema):
        mine = failing == name
        return form_fields(schema, request.form if mine else None, errors if mine else None)

    hours = list(db.session.scalars(select(ShopHours).order_by(ShopHours.weekday, ShopHours.opens, ShopHours.id)))
    expenses = list(db.session.scalars(select(Expense).where(Expense.day >= first, Expense.day < after).order_by(Expense.day, Expense.id)))
    donations = donations_by_category(today.year, today.month)
    return render_template(
        "volunteer_association/shop.html",
        month=format_date(today, "LLLL y", locale=_locale()),
        hours=hours,
        weekday_labels={k: str(v) for k, v in WEEKDAY_LABELS.items()},
        expenses=expenses,
        expense_labels={k: str(v) for k, v in EXPENSE_LABELS.items()},
        expense_total=monthly_expenses(today.year, today.month),
        donations=donations,
        donation_labels={k: str(v) for k, v in DONATION_LABELS.items()},
        donation_total=sum(donations.values()),
        hours_fields=fields_of("hours", ShopHoursSchema()),
        expense_fields=fields_of("expense", ExpenseSchema()),
        donation_fields=fields_of("donation", DonationSchema()),
        general_errors=form_errors(errors),
        failing=failing,
        today=today,
    ), status


def _overlaps(weekday: int, opens, closes) -> bool:
    return (
        db.session.scalar(
            select(ShopHours.id)
            .where(
                ShopHours.weekday == weekday,
                ShopHours.opens < closes,
                ShopHours.closes > opens,
            )
            .limit(1)
        )
        is not None
    )


@bp.post("/shop/hours", roles=["programme_managers"])
def add_hours():
    data, errors = load_form(ShopHoursSchema(), request.form)
    if data is not None and _overlaps(data["weekday"], data["opens"], data["closes"]):
        data, errors = None, {"opens": [OVERLAP]}
    if data is None:
        return shop(errors, "hours", 422)
    db.session.add(ShopHours(**data))
    flash(gettext("The opening hours are saved."), "success")
    return redirect(url_for(".shop"))


@bp.post("/shop/hours/<int:shop_hours_id>/delete", roles=["programme_managers"])
def delete_hours(shop_hours_id: int):
    db.session.delete(_get_or_404(ShopHours, shop_hours_id))
    flash(gettext("The opening hours are removed."), "success")
    return redirect(url_for(".shop"))


@bp.post("/shop/expenses", roles=["programme_managers"])
def add_expense():
    data, errors = load_form(ExpenseSchema(), request.form)
    if data is None:
        return shop(errors, "expense", 422)
    db.session.add(Expense(**data))
    flash(gettext("The expense is saved."), "success")
    return redirect(url_for(".shop"))


@bp.post("/shop/expenses/<int:expense_id>/delete", roles=["programme_managers"])
def delete_expense(expense_id: int):
    db.session.delete(_get_or_404(Expense, expense_id))
    flash(gettext("The expense is removed."), "success")
    return redirect(url_for(".shop"))


@bp.post("/shop/donations", roles=["programme_managers"])
def add_donation():
    data, errors = load_form(DonationSchema(), request.form)
    if data is None:
        return shop(errors, "donation", 422)
    db.session.add(Donation(**data))
    flash(gettext("The donated goods are recorded."), "success")
    return redirect(url_for(".shop"))
