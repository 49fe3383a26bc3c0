"""An issued invoice never changes; a number is never skipped, reused or taken without an invoice.

In the ORM for every database; in PostgreSQL itself (triggers, row-level security) for any SQL
the application's role sends.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from core.billing.models import ImmutableInvoice, Invoice, InvoiceItem
from core.db import db
from core.tenancy.context import tenant_context
from tests.billing.helpers import invoices, make_issued_invoice, series, tenant_of

postgres_only = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only (TEST_DATABASE_URL)")


@pytest.fixture
def issued(real):
    return make_issued_invoice(real, "ishoj", "2024")


@pytest.mark.parametrize(
    ("field", "value"),
    [("total", Decimal("1.00")), ("number", 99), ("due_date", None), ("buyer_reference", "X"), ("supplier", {"name": "Andre"})],
)
def test_the_orm_refuses_to_change_an_issued_invoice(real, issued, field, value):
    with real.app_context(), tenant_context(tenant_of(real, "ishoj")):
        invoice = db.session.get(Invoice, issued)
        setattr(invoice, field, value)
        with pytest.raises(ImmutableInvoice, match="cannot change"):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert invoices(real, "ishoj")[0]["total"] == Decimal("28000.00")


def test_the_orm_refuses_a_step_back_a_deletion_and_a_new_line(real, issued):
    with real.app_context(), tenant_context(tenant_of(real, "ishoj")):
        invoice = db.session.get(Invoice, issued)
        invoice.state = "draft"
        with pytest.raises(ImmutableInvoice, match="not allowed"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(Invoice, issued))
        with pytest.raises(ImmutableInvoice, match="cannot be deleted"):
            db.session.flush()
        db.session.rollback()
        line = db.session.scalars(select(InvoiceItem).where(InvoiceItem.invoice_id == issued)).one()
        line.amount = Decimal("1.00")
        with pytest.raises(ImmutableInvoice, match="lines cannot change"):
            db.session.flush()
        db.session.rollback()
        db.session.remove()


def test_a_draft_may_still_change(real):
    result = real.test_cli_runner().invoke(args=["billing", "run", "--period", "2024", "--tenant", "ishoj", "--draft"])
    assert result.exit_code == 0, result.output
    (draft,) = invoices(real, "ishoj")
    with real.app_context(), tenant_context(tenant_of(real, "ishoj")):
        invoice = db.session.get(Invoice, draft["id"])
        invoice.contract_reference = "Ny mor i Danmark (rettet)"
        db.session.commit()
        db.session.remove()


# --- PostgreSQL: the same rules for any SQL ----------------------------------------------


def _raw(real, slug, sql, **params):
    with real.app_context(), tenant_context(tenant_of(real, slug)):
        try:
            result = db.session.execute(text(sql), params)
            rowcount = result.rowcount
            db.session.commit()
            return rowcount
        finally:
            db.session.rollback()
            db.session.remove()


@postgres_only
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE billing_invoices SET total = 1 WHERE id = :id", "never changes"),
        ("UPDATE billing_invoices SET number = number + 100 WHERE id = :id", "never changes"),
        ("UPDATE billing_invoices SET state = 'draft' WHERE id = :id", "never changes|not allowed"),
        ("UPDATE billing_invoices SET supplier = '{}' WHERE id = :id", "never changes"),
        ("DELETE FROM billing_invoices WHERE id = :id", "never deleted"),
        ("UPDATE billing_invoice_lines SET amount = 1 WHERE invoice_id = :id", "never change"),
        ("DELETE FROM billing_invoice_lines WHERE invoice_id = :id", "never change"),
    ],
)
def test_postgresql_refuses_any_change_to_an_issued_invoice(real, issued, sql, message):
    with pytest.raises(DatabaseError, match=message):
        _raw(real, "ishoj", sql, id=issued)
    assert invoices(real, "ishoj")[0]["total"] == Decimal("28000.00")


@postgres_only
def test_postgresql_lets_sending_and_payment_be_recorded_once(real, issued):
    assert _raw(real, "ishoj", "UPDATE billing_invoices SET state = 'sent', sent_at = now(), sent_by = 'x' WHERE id = :id", id=issued) == 1
    with pytest.raises(DatabaseError, match="recorded once"):
        _raw(real, "ishoj", "UPDATE billing_invoices SET sent_at = now() - interval '1 day' WHERE id = :id", id=issued)


@postgres_only
def test_postgresql_refuses_an_invoice_inserted_already_numbered(real, issued):
    sql = (
        "INSERT INTO billing_invoices (tenant_id, kind, state, agreement_id, issuer_organisation_id, period_label, period_start, "
        "period_end, number, currency, total, buyer_reference, contract_reference, supplier, buyer, payment, created_at, created_by) "
        "SELECT tenant_id, kind, 'issued', agreement_id, issuer_organisation_id, '2025', '2025-01-01', '2025-12-31', 77, currency, "
        "total, buyer_reference, contract_reference, supplier, buyer, payment, created_at, created_by FROM billing_invoices WHERE id = :id"
    )
    with pytest.raises(DatabaseError, match="inserted as a draft"):
        _raw(real, "ishoj", sql, id=issued)


@postgres_only
def test_postgresql_series_move_one_step_and_only_with_an_invoice(real, issued):
    assert series(real) == {"drc-integration": 1}
    with pytest.raises(DatabaseError, match="one number at a time"):
        _raw(real, "ishoj", "UPDATE billing_number_series SET last_number = last_number + 2")
    with pytest.raises(DatabaseError, match="one number at a time"):
        _raw(real, "ishoj", "UPDATE billing_number_series SET last_number = 0")
    with pytest.raises(DatabaseError, match="taken without an invoice"):
        _raw(real, "ishoj", "UPDATE billing_number_series SET last_number = last_number + 1")  # refused at commit
    with pytest.raises(DatabaseError, match="never deleted"):
        _raw(real, "ishoj", "DELETE FROM billing_number_series")
    assert series(real) == {"drc-integration": 1}


@postgres_only
def test_postgresql_shows_a_tenant_only_the_series_of_its_own_organisations(real):
    cli = real.test_cli_runner()
    assert cli.invoke(args=["billing", "run", "--period", "2024", "--tenant", "fredericia"]).exit_code == 0
    assert cli.invoke(args=["billing", "run", "--period", "2025", "--tenant", "kolding"]).exit_code == 0
    assert set(series(real)) == {"drc-integration", "modrehjaelpen", "familienetvaerket"}
    with real.app_context(), tenant_context(tenant_of(real, "kolding")):
        visible = (
            db.session.execute(text("SELECT o.slug FROM billing_number_series s JOIN organisations o ON o.id = s.organisation_id"))
            .scalars()
            .all()
        )
        db.session.rollback()
        db.session.remove()
    assert visible == ["familienetvaerket"]  # not Mødrehjælpen's nor DRC's
    moved = _raw(
        real,
        "kolding",
        "UPDATE billing_number_series SET last_number = last_number + 1 "
        "WHERE organisation_id = (SELECT id FROM organisations WHERE slug = 'modrehjaelpen')",
    )
    assert moved == 0
    with real.app_context():
        db.session.remove()
    assert series(real)["modrehjaelpen"] == 4  # Fredericia's four quarters, untouched from Kolding


@postgres_only
def test_no_tenant_no_series(real, issued):
    with real.app_context():
        with db.engine.connect() as connection:  # no signed scope at all
            assert connection.execute(text("SELECT count(*) FROM billing_number_series")).scalar() == 0
            assert connection.execute(text("SELECT count(*) FROM billing_invoices")).scalar() == 0
