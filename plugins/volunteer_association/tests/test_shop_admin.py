"""The shop's staff page: weekly hours, this month's expenses and donated goods; the monthly aggregates."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.programme import db
from core.testing import cross_tenant, tenant_context
from core.testing.fixtures import csrf_from
from plugins.volunteer_association import shop_admin_schemas
from plugins.volunteer_association.models import Donation, Expense, ShopHours
from plugins.volunteer_association.shop_admin import (
    donations_by_category,
    monthly_expenses,
)

BASE = "/alpha/volunteer_association/shop"
TODAY = date(2026, 5, 20)
MODELS = (ShopHours, Expense, Donation)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(shop_admin_schemas, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def shop(app, tenant_a, tenant_b):
    """Alpha: hours, expenses and donations in May (and some in April); beta: look-alikes."""
    ids = {}
    with app.app_context():
        for slug, tid, amount in (("alpha", tenant_a, "4500.00"), ("beta", tenant_b, "9999.00")):
            with tenant_context(tid):
                hours = ShopHours(weekday=0, opens=time(10), closes=time(16))
                rent = Expense(day=date(2026, 5, 3), category="rent", amount=Decimal(amount), description="Husleje maj")
                db.session.add_all(
                    [
                        hours,
                        rent,
                        Expense(day=date(2026, 5, 12), category="supplies", amount=Decimal("249.95"), description="Bøjler"),
                        Expense(day=date(2026, 4, 30), category="utilities", amount=Decimal("700.00"), description=None),
                        Expense(day=date(2026, 6, 1), category="utilities", amount=Decimal("1.00"), description=None),
                        Donation(day=date(2026, 5, 2), category="clothes", count=12),
                        Donation(day=date(2026, 5, 31), category="clothes", count=8),
                        Donation(day=date(2026, 5, 9), category="toys", count=3),
                        Donation(day=date(2026, 4, 30), category="books", count=40),
                    ]
                )
                db.session.commit()
                ids[slug] = {"hours": hours.id, "expense": rent.id}
        db.session.remove()
    return ids


def _count(app, model) -> int:
    with app.app_context(), cross_tenant("test: count rows"):
        return db.session.scalars(select(func.count()).select_from(model)).one()


def _counts(app) -> dict:
    return {m: _count(app, m) for m in MODELS}


def _token(client) -> str:
    response = client.get(f"{BASE}/")
    assert response.status_code == 200
    return csrf_from(response.get_data(as_text=True))


# --- the aggregates ------------------------------------------------------------------------


def test_monthly_expenses_sums_the_month_of_the_tenant_in_context(app, shop, tenant_a, tenant_b):
    with app.app_context():
        with tenant_context(tenant_a):
            assert monthly_expenses(2026, 5) == Decimal("4749.95")
            assert monthly_expenses(2026, 4) == Decimal("700.00")
            assert monthly_expenses(2026, 6) == Decimal("1.00")
            assert monthly_expenses(2025, 12) == Decimal("0.00")
            assert isinstance(monthly_expenses(2025, 12), Decimal)
        with tenant_context(tenant_b):
            assert monthly_expenses(2026, 5) == Decimal("10248.95")


def test_december_ends_at_new_year(app, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        db.session.add_all(
            [
                Expense(day=date(2025, 12, 31), category="other", amount=Decimal("10.50")),
                Expense(day=date(2026, 1, 1), category="other", amount=Decimal("99.00")),
            ]
        )
        db.session.commit()
        assert monthly_expenses(2025, 12) == Decimal("10.50")
        assert monthly_expenses(2026, 1) == Decimal("99.00")


def test_donations_by_category_counts_items_in_the_month(app, shop, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        may = donations_by_category(2026, 5)
        assert may == {"clothes": 20, "children_clothes": 0, "toys": 3, "prams_equipment": 0, "household": 0, "books": 0, "other": 0}
        assert donations_by_category(2026, 4)["books"] == 40
        assert sum(donations_by_category(2026, 3).values()) == 0


# --- the page --------------------------------------------------------------------------------


def test_page_shows_hours_this_months_expenses_with_total_and_donations(client_for, shop, today):
    response = client_for("alpha").get(f"{BASE}/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mandag" in html and "10.00" in html and "16.00" in html
    assert "Husleje maj" in html and "Bøjler" in html and "4.500,00 kr." in html and "249,95 kr." in html
    total = html[html.index('id="expense-total"') :]
    assert "4.749,95 kr." in total[: total.index("</tr>")]
    assert "700,00 kr." not in html and "1,00 kr." not in html  # April and June
    clothes = html[html.index('id="donations-clothes"') :]
    assert ">20<" in clothes[: clothes.index("</tr>")]
    donation_total = html[html.index('id="donation-total"') :]
    assert ">23<" in donation_total[: donation_total.index("</tr>")]
    assert "9.999,00" not in html  # beta's rent
    for form_id in ("hours-form", "expense-form", "donation-form"):
        assert f'id="{form_id}"' in html
    ids = [part.split('"')[0] for part in html.split(' id="')[1:]]
    assert len(ids) == len(set(ids)), "every id on the page is unique"


def test_staff_add_hours_an_expense_and_donations(app, client_for, tenant_a, today):
    client = client_for("alpha")
    token = _token(client)
    assert client.post(f"{BASE}/hours", data={"csrf_token": token, "weekday": "5", "opens": "10:00", "closes": "13:30"}).status_code == 302
    assert (
        client.post(f"{BASE}/hours", data={"csrf_token": token, "weekday": "5", "opens": "13:30", "closes": "15:00"}).status_code == 302
    )  # touching, not overlapping
    expense = client.post(
        f"{BASE}/expenses",
        data={
            "csrf_token": token,
            "expense_day": "2026-05-19",
            "expense_category": "transport",
            "amount": "1.250,50",
            "description": "Kørsel",
        },
    )
    assert expense.status_code == 302
    assert (
        client.post(
            f"{BASE}/expenses", data={"csrf_token": token, "expense_day": TODAY.isoformat(), "expense_category": "other", "amount": "12.5"}
        ).status_code
        == 302
    )
    donation = client.post(
        f"{BASE}/donations",
        data={"csrf_token": token, "donation_day": TODAY.isoformat(), "donation_category": "prams_equipment", "count": "2"},
    )
    assert donation.status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert [(h.weekday, h.opens, h.closes) for h in db.session.scalars(select(ShopHours).order_by(ShopHours.opens))] == [
            (5, time(10), time(13, 30)),
            (5, time(13, 30), time(15)),
        ]
        assert [(e.day, e.category, e.amount, e.description) for e in db.session.scalars(select(Expense).order_by(Expense.id))] == [
            (date(2026, 5, 19), "transport", Decimal("1250.50"), "Kørsel"),
            (TODAY, "other", Decimal("12.50"), None),
        ]
        assert [(d.day, d.category, d.count) for d in db.session.scalars(select(Donation))] == [(TODAY, "prams_equipment", 2)]
    html = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Lørdag" in html and "1.250,50 kr." in html and "1.263,00 kr." in html


def test_staff_remove_hours_and_an_expense(app, client_for, shop, tenant_a, today):
    client = client_for("alpha")
    token = _token(client)
    assert client.post(f"{BASE}/hours/{shop['alpha']['hours']}/delete", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{BASE}/expenses/{shop['alpha']['expense']}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.get(ShopHours, shop["alpha"]["hours"]) is None
        assert db.session.get(Expense, shop["alpha"]["expense"]) is None


TOMORROW = (TODAY + timedelta(days=1)).isoformat()
EXPENSE = {"expense_day": "2026-05-10", "expense_category": "rent", "amount": "100"}
DONATION = {"donation_day": "2026-05-10", "donation_category": "toys", "count": "1"}


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("/hours", {"weekday": "0", "opens": "16:00", "closes": "18:00"}, None),  # valid: touches 10-16 (control)
        ("/hours", {"weekday": "7", "opens": "09:00", "closes": "10:00"}, "weekday"),
        ("/hours", {"opens": "09:00", "closes": "10:00"}, "weekday"),
        ("/hours", {"weekday": "1", "opens": "15:00", "closes": "09:00"}, "closes"),
        ("/hours", {"weekday": "1", "opens": "09:00", "closes": "09:00"}, "closes"),
        ("/hours", {"weekday": "1", "opens": "kl. 9", "closes": "15:00"}, "opens"),
        ("/hours", {"weekday": "0", "opens": "15:00", "closes": "17:00"}, "opens"),  # overlaps 10-16
        ("/hours", {"weekday": "0", "opens": "08:00", "closes": "18:00"}, "opens"),  # encloses 10-16
        ("/expenses", {**EXPENSE, "expense_day": TOMORROW}, "expense_day"),
        ("/expenses", {**EXPENSE, "expense_day": "10-05-2026"}, "expense_day"),
        ("/expenses", {**EXPENSE, "expense_day": ""}, "expense_day"),
        ("/expenses", {**EXPENSE, "expense_category": "food"}, "expense_category"),
        ("/expenses", {**EXPENSE, "amount": "0"}, "amount"),
        ("/expenses", {**EXPENSE, "amount": "-5"}, "amount"),
        ("/expenses", {**EXPENSE, "amount": "12.345"}, "amount"),
        ("/expenses", {**EXPENSE, "amount": "mange"}, "amount"),
        ("/expenses", {**EXPENSE, "amount": "NaN"}, "amount"),
        ("/expenses", {**EXPENSE, "amount": "100000000000"}, "amount"),
        ("/expenses", {**EXPENSE, "description": "x" * 201}, "description"),
        ("/donations", {**DONATION, "donation_day": TOMORROW}, "donation_day"),
        ("/donations", {**DONATION, "donation_category": "cars"}, "donation_category"),
        ("/donations", {**DONATION, "count": "0"}, "count"),
        ("/donations", {**DONATION, "count": "1.5"}, "count"),
        ("/donations", {**DONATION, "count": ""}, "count"),
    ],
)
def test_invalid_forms_show_field_errors_and_write_nothing(app, client_for, shop, today, url, data, field):
    client = client_for("alpha")
    token = _token(client)
    before = _counts(app)
    response = client.post(f"{BASE}{url}", data={"csrf_token": token, **data})
    if field is None:
        assert response.status_code == 302
        return
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="field-{field}-error"' in html and 'aria-invalid="true"' in html
    assert "Husleje maj" in html  # the page again, with its data
    assert _counts(app) == before


def test_the_form_keeps_what_was_typed(client_for, shop, today):
    client = client_for("alpha")
    response = client.post(
        f"{BASE}/expenses", data={"csrf_token": _token(client), **EXPENSE, "amount": "0", "description": "Bøjler og poser"}
    )
    assert response.status_code == 422 and 'value="Bøjler og poser"' in response.get_data(as_text=True)


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["partner_staff", "tenant_admin"])
def test_managers_may_read_and_write(client_for, shop, today, role):
    client = client_for("alpha", role)
    token = _token(client)
    assert client.post(f"{BASE}/donations", data={"csrf_token": token, **DONATION}).status_code == 302


def test_platform_admin_may_read_and_write(client_for, shop, today):
    client = client_for(None)
    token = _token(client)
    assert client.post(f"{BASE}/expenses", data={"csrf_token": token, **EXPENSE}).status_code == 302


@pytest.mark.parametrize("role", ["municipal_staff", "volunteer", "finance"])
def test_other_roles_get_403_on_every_route(app, client_for, shop, today, monkeypatch, role):
    # They cannot load the page to get a CSRF token; this test is about authorization, not CSRF.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    other = client_for("alpha", role)
    assert other.get(f"{BASE}/").status_code == 403
    token = ""
    before = _counts(app)
    for url, data in (
        ("/hours", {"weekday": "3", "opens": "09:00", "closes": "12:00"}),
        (f"/hours/{shop['alpha']['hours']}/delete", {}),
        ("/expenses", EXPENSE),
        (f"/expenses/{shop['alpha']['expense']}/delete", {}),
        ("/donations", DONATION),
    ):
        assert other.post(f"{BASE}{url}", data={"csrf_token": token, **data}).status_code == 403, url
    assert _counts(app) == before


def test_anonymous_visitors_are_sent_to_log_in(client, shop):
    response = client.get(f"{BASE}/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- isolation --------------------------------------------------------------------------------


def test_another_tenants_ids_look_exactly_like_missing_ones(app, client_for, shop, today):
    client = client_for("alpha")
    token = _token(client)
    for kind in ("hours", "expenses"):
        foreign_id = shop["beta"]["hours" if kind == "hours" else "expense"]
        foreign = client.post(f"{BASE}/{kind}/{foreign_id}/delete", data={"csrf_token": token})
        missing = client.post(f"{BASE}/{kind}/987654321/delete", data={"csrf_token": token})
        assert foreign.status_code == missing.status_code == 404
        assert foreign.get_data() == missing.get_data()
        assert b"Beta" not in foreign.get_data()
    with app.app_context(), cross_tenant("test: beta's rows are untouched"):
        assert db.session.get(ShopHours, shop["beta"]["hours"]) is not None
        assert db.session.get(Expense, shop["beta"]["expense"]) is not None


def test_a_tenant_without_the_programme_has_no_shop_page(client_for):
    admin = client_for(None)
    assert admin.get("/gamma/volunteer_association/shop/").status_code == 404


def test_another_tenants_staff_do_not_reach_the_page(client_for, shop):
    assert client_for("beta").get(f"{BASE}/").status_code == 404
