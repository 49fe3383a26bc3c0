"""The association's reports: the shop's monthly result and surplus, volunteer hours, activities by kind, annual figures."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from core.programme import Tenant, Volunteer, db
from core.testing import cross_tenant, tenant_context
from plugins.volunteer_association import reports as figures
from plugins.volunteer_association.models import (
    Activity,
    Donation,
    Expense,
    Shift,
    ShiftSignup,
    Takings,
)
from plugins.volunteer_association.reports import annual_figures, report_definitions

YEAR = 2025  # in the past, so every shift counts as worked
D = Decimal


def definition(key: str):
    return next(d for d in report_definitions() if d.key == key)


# The figures behind each report (grouped SQL); the reports lay them out (plugins/volunteer_association/annual.py).
FIGURES = {
    "volunteer_association.shop_month": figures._shop_month_report,
    "volunteer_association.volunteer_hours": figures._volunteer_hours_report,
    "volunteer_association.activities": figures._activities_report,
}


def build(app, tenant_id: int, key: str, **params):
    with app.app_context(), tenant_context(tenant_id):
        return FIGURES[key]({k: str(v) for k, v in params.items()})


def by_first(result) -> dict:
    return {row[0]: tuple(row[1:]) for row in result.rows}


def _testforeningen() -> int:
    """The organisation running the association in the test tenants (in the caller's app context)."""
    from sqlalchemy import select

    from core.programme import Organisation

    return db.session.scalars(select(Organisation.id).where(Organisation.slug == "testforeningen")).one()


def add_shift(tenant_id: int, day: date, starts: time, ends: time, takings: tuple | None = None, hours: list | None = None) -> None:
    shift = Shift(day=day, starts=starts, ends=ends, needed=2)
    db.session.add(shift)
    db.session.flush()
    if takings:
        cash, card, mobilepay = (D(v) for v in takings)
        db.session.add(Takings(shift_id=shift.id, cash=cash, card=card, mobilepay=mobilepay, cash_counted=cash, recorded_by="Test"))
    for worked in hours or []:
        volunteer = Volunteer(name="Frivillig", organisation_id=_testforeningen())
        db.session.add(volunteer)
        db.session.flush()
        db.session.add(ShiftSignup(shift_id=shift.id, volunteer_id=volunteer.id, hours_worked=None if worked is None else D(worked)))


@pytest.fixture
def shop(app, tenant_a, tenant_b):
    """Alpha: known takings, expenses, activities and donations in March and April; beta: bigger look-alikes."""
    with app.app_context():
        with tenant_context(tenant_a):
            add_shift(tenant_a, date(YEAR, 3, 3), time(10), time(13), ("1000.00", "500.50", "250.00"), hours=["2.5", None])
            add_shift(tenant_a, date(YEAR, 3, 17), time(13), time(17), ("200.00", "0", "49.50"), hours=[None])
            add_shift(tenant_a, date(YEAR, 4, 7), time(10), time(14), None, hours=["4", "0"])
            add_shift(tenant_a, date(YEAR - 1, 3, 3), time(10), time(13), ("9999", "0", "0"), hours=["3"])  # last year
            db.session.add_all(
                [
                    Expense(day=date(YEAR, 3, 1), category="rent", amount=D("1200.00")),
                    Expense(day=date(YEAR, 3, 20), category="supplies", amount=D("100.00")),
                    Expense(day=date(YEAR, 4, 1), category="rent", amount=D("1200.00")),
                    Activity(
                        kind="experience",
                        title="Zoo",
                        day=date(YEAR, 3, 22),
                        families=6,
                        children=11,
                        funding="shop_surplus",
                        cost=D("300.00"),
                    ),
                    Activity(
                        kind="help", title="Julehjælp", day=date(YEAR, 3, 23), families=4, children=9, funding="grant", cost=D("5000.00")
                    ),
                    Activity(
                        kind="help", title="Tøjbytte", day=date(YEAR, 4, 2), families=3, children=3, funding="shop_surplus", cost=D("0")
                    ),
                    Activity(
                        kind="network",
                        title="Gammel",
                        day=date(YEAR - 1, 6, 1),
                        families=50,
                        children=80,
                        funding="shop_surplus",
                        cost=D("1"),
                    ),
                    Donation(day=date(YEAR, 3, 5), category="clothes", count=12),
                    Donation(day=date(YEAR, 3, 6), category="toys", count=3),
                ]
            )
            db.session.commit()
        with tenant_context(tenant_b):
            add_shift(tenant_b, date(YEAR, 3, 3), time(10), time(13), ("77777", "1", "1"), hours=["9", "9", "9"])
            db.session.add_all(
                [
                    Expense(day=date(YEAR, 3, 1), category="rent", amount=D("5.00")),
                    Activity(
                        kind="experience",
                        title="Beta",
                        day=date(YEAR, 3, 2),
                        families=100,
                        children=200,
                        funding="shop_surplus",
                        cost=D("999"),
                    ),
                    Donation(day=date(YEAR, 3, 5), category="clothes", count=500),
                ]
            )
            db.session.commit()
        db.session.remove()


def test_shop_month_result_and_surplus(app, shop, tenant_a):
    result = build(app, tenant_a, "volunteer_association.shop_month", year=YEAR)
    assert list(result.columns) == [
        "month",
        "takings",
        "expenses",
        "result",
        "activity_costs_shop_surplus",
        "surplus",
        "donations_received",
    ]
    rows = by_first(result)
    # March: takings 1750.50 + 249.50 = 2000.00; expenses 1300; result 700; the zoo (300) from the surplus; the grant-funded one not.
    assert rows[3] == (D("2000.00"), D("1300.00"), D("700.00"), D("300.00"), D("400.00"), 15)
    assert rows[4] == (D("0.00"), D("1200.00"), D("-1200.00"), D("0.00"), D("-1200.00"), 0)
    assert rows[1] == (D("0.00"),) * 5 + (0,)
    assert rows["total"] == (D("2000.00"), D("2500.00"), D("-500.00"), D("300.00"), D("-800.00"), 15)
    assert len(result.rows) == 13


def test_volunteer_hours_use_the_shift_length_when_not_recorded(app, shop, tenant_a):
    rows = by_first(build(app, tenant_a, "volunteer_association.volunteer_hours", year=YEAR))
    # March: 2 shifts, 3 sign-ups; 2.5 recorded + 3 (10-13, not recorded) + 4 (13-17, not recorded).
    assert rows[3] == (2, 3, D("9.50"))
    assert rows[4] == (1, 2, D("4.00"))  # 0 recorded counts as 0
    assert rows["total"] == (3, 5, D("13.50"))
    assert rows[12] == (0, 0, D("0.00"))


def test_activities_by_kind(app, shop, tenant_a):
    rows = by_first(build(app, tenant_a, "volunteer_association.activities", year=YEAR))
    assert rows == {"help": (2, 7, 12), "experience": (1, 6, 11), "network": (0, 0, 0), "total": (3, 13, 23)}
    every_year = by_first(build(app, tenant_a, "volunteer_association.activities"))
    assert every_year["network"] == (1, 50, 80)


def test_alphas_numbers_are_not_affected_by_beta(app, shop, tenant_a, tenant_b):
    """Beta's look-alikes are in every table above; alpha's expected numbers hold, and beta sees its own."""
    beta = by_first(build(app, tenant_b, "volunteer_association.shop_month", year=YEAR))
    assert beta[3] == (D("77779.00"), D("5.00"), D("77774.00"), D("999.00"), D("76775.00"), 500)
    assert by_first(build(app, tenant_b, "volunteer_association.volunteer_hours", year=YEAR))[3] == (1, 3, D("27.00"))


def test_national_views_give_sums_per_tenant(app, shop, tenant_a, tenant_b):
    with app.app_context(), cross_tenant("test: national reports"):
        shop_rows = by_first(definition("volunteer_association.shop_month").build_national({"year": str(YEAR)}))
        hours = by_first(definition("volunteer_association.volunteer_hours").build_national({"year": str(YEAR)}))
        kinds = by_first(definition("volunteer_association.activities").build_national({"year": str(YEAR)}))
    assert shop_rows[tenant_a] == (D("2000.00"), D("2500.00"), D("-500.00"), D("300.00"), D("-800.00"), 15)
    assert shop_rows[tenant_b][0] == D("77779.00")
    assert hours[tenant_a] == (3, 5, D("13.50")) and hours[tenant_b] == (1, 3, D("27.00"))
    assert kinds[tenant_a] == (3, 13, 23) and kinds[tenant_b] == (1, 100, 200)


def test_every_report_has_danish_labels_for_its_columns(app, shop, tenant_a):
    from flask_babel import force_locale

    from core.testing import build_report as render

    with app.test_request_context("/alpha/"), tenant_context(tenant_a), force_locale("da"):
        for d in report_definitions():
            rendered = render(d, {"year": YEAR}, disclose=False)
            for table in rendered.tables:
                assert all(h and h != c.key for h, c in zip(table.headings, table.columns, strict=True)), d.key
            assert d.build_national is not None
        shop_month = render(definition("volunteer_association.shop_month"), {"year": YEAR}, disclose=False)
    (table,) = shop_month.tables
    assert table.headings[:3] == ["Måned", "Omsætning", "Udgifter"]
    assert [c.text for c in table.rows[2][:2]] == ["Marts", "2.000,00 kr."] and table.rows[-1][0].text == "I alt"


def test_a_malformed_year_is_refused(app, tenant_a):
    with pytest.raises(ValueError):
        build(app, tenant_a, "volunteer_association.shop_month", year="tjue")


def test_annual_figures(app, shop, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        tenant = db.session.get(Tenant, tenant_a)
        figures = {f.key: f for f in annual_figures(tenant, YEAR)}
        assert figures["volunteer_association.families_in_activities"].value == 13
        assert str(figures["volunteer_association.families_in_activities"].label) == "Familier i foreningens aktiviteter"
        assert figures["volunteer_association.children_in_activities"].value == 23
        assert {f.key: f.value for f in annual_figures(tenant, YEAR + 5)} == {
            "volunteer_association.families_in_activities": 0,
            "volunteer_association.children_in_activities": 0,
        }
