"""Tenant isolation in the ORM: every way of reading or writing stays in its tenant.

Two tenants hold look-alike data (same names); each test would see the other
tenant's rows if the scoping leaked.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import NoResultFound

from core.db import db
from core.tenancy.context import CrossTenantWrite, TenantContextMissing, cross_tenant, tenant_context
from tests.example_plugin.models import Household, Member


@pytest.fixture
def data(app_ctx, lookalike_data):
    return lookalike_data


def test_list_sees_only_own_tenant(data, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        households = db.session.scalars(select(Household)).all()
        assert [h.id for h in households] == [data["alpha"]["household"]]
        assert {m.tenant_id for m in db.session.scalars(select(Member))} == {tenant_a}


def test_get_by_id_of_foreign_row_is_none(data, tenant_a):
    with tenant_context(tenant_a):
        assert db.session.get(Household, data["beta"]["household"]) is None
        assert db.session.get(Household, data["alpha"]["household"]) is not None


def test_get_by_id_of_foreign_object_already_in_session(data, tenant_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = db.session.get(Household, data["beta"]["household"])
        assert foreign is not None  # now in the identity map
    with tenant_context(tenant_a):
        assert db.session.get(Household, data["beta"]["household"]) is None
        with pytest.raises(NoResultFound):
            db.session.get_one(Household, data["beta"]["household"])


def test_lazy_load_stays_in_tenant(data, tenant_a):
    with tenant_context(tenant_a):
        household = db.session.scalars(select(Household)).one()
        assert [m.name for m in household.members] == ["Amira", "Sara"]
        assert {m.tenant_id for m in household.members} == {tenant_a}
        member = db.session.get(Member, data["alpha"]["member"])
        db.session.expire(member)
        assert member.household.tenant_id == tenant_a


def test_joined_and_selectin_loads_stay_in_tenant(data, tenant_a):
    with tenant_context(tenant_a):
        joined = db.session.scalars(select(Household).options(joinedload(Household.members))).unique().all()
        selectin = db.session.scalars(select(Household).options(selectinload(Household.members))).all()
        members = db.session.scalars(select(Member).options(joinedload(Member.household))).all()
    for households in (joined, selectin):
        assert len(households) == 1
        assert {m.tenant_id for h in households for m in h.members} == {tenant_a}
    assert {m.household.tenant_id for m in members} == {tenant_a}
    assert len(members) == 2


def test_has_and_any_are_filtered(data, tenant_a):
    with tenant_context(tenant_a):
        by_any = db.session.scalars(select(Household).where(Household.members.any(Member.name == "Amira"))).all()
        by_has = db.session.scalars(select(Member).where(Member.household.has(Household.name == "Familien Hansen"))).all()
    assert [h.id for h in by_any] == [data["alpha"]["household"]]
    assert {m.tenant_id for m in by_has} == {tenant_a} and len(by_has) == 2


def test_count_sees_only_own_tenant(data, tenant_a):
    with tenant_context(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(Household)) == 1
        assert db.session.scalar(select(func.count(Member.id))) == 2


def test_bulk_update_touches_only_own_tenant(data, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        result = db.session.execute(update(Household).values(name="Omdøbt"))
        db.session.commit()
        assert result.rowcount == 1
    with tenant_context(tenant_b):
        assert db.session.scalars(select(Household.name)).all() == ["Familien Hansen"]


def test_bulk_delete_touches_only_own_tenant(data, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        db.session.execute(delete(Member))
        db.session.commit()
        assert db.session.scalar(select(func.count(Member.id))) == 0
    with tenant_context(tenant_b):
        assert db.session.scalar(select(func.count(Member.id))) == 2


def test_no_tenant_in_context_fails_loudly(data):
    with pytest.raises(TenantContextMissing):
        db.session.scalars(select(Household)).all()
    with pytest.raises(TenantContextMissing):
        db.session.get(Household, data["alpha"]["household"])


def test_cross_tenant_opt_out_sees_all(data):
    with cross_tenant("test: national aggregate"):
        assert db.session.scalar(select(func.count()).select_from(Household)) == 2


def test_inserts_are_stamped_with_the_tenant(app_ctx, tenant_a):
    with tenant_context(tenant_a):
        household = Household(name="Ny")
        db.session.add(household)
        db.session.commit()
        assert household.tenant_id == tenant_a


def test_insert_for_another_tenant_is_refused(app_ctx, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        db.session.add(Household(name="Forkert", tenant_id=tenant_b))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_moving_a_row_to_another_tenant_is_refused(data, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        household = db.session.get(Household, data["alpha"]["household"])
        household.tenant_id = tenant_b
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_insert_without_tenant_is_refused(app_ctx):
    db.session.add(Household(name="Ingen"))
    with pytest.raises(TenantContextMissing):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_cross_tenant_foreign_key(data, tenant_a):
    with tenant_context(tenant_a):
        db.session.add(Member(name="Indtrænger", household_id=data["beta"]["household"]))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_database_refuses_cross_tenant_foreign_key_even_without_the_orm(data, tenant_a):
    # Raw SQL bypasses the ORM filter; the composite key still holds.
    with tenant_context(tenant_a), pytest.raises(IntegrityError):
        db.session.execute(
            text("INSERT INTO example_members (tenant_id, household_id, name) VALUES (:t, :h, 'x')"),
            {"t": tenant_a, "h": data["beta"]["household"]},
        )
    db.session.rollback()


def test_every_programmes_sample_rows_stay_in_their_tenant(app, tenant_a, tenant_b):
    """Each programme of the plugin host (no list here) makes its sample rows in alpha; no tenant-scoped model shows one in beta."""
    from core.model import Model
    from core.tenancy.models import TenantScoped
    from core.testing.fixtures import installed_programmes
    from core.testing.kit_checks import sample_rows

    scoped = [mapper.class_ for mapper in Model.registry.mappers if issubclass(mapper.class_, TenantScoped)]

    def counts(tid: int) -> dict[str, int | None]:
        with app.app_context(), tenant_context(tid):
            found = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in scoped}
            db.session.remove()
        return found

    beta_before = counts(tenant_b)
    made = sample_rows(app, "alpha", "Kisolation")
    assert set(made) == set(installed_programmes(app))
    grown = {table for table, n in counts(tenant_a).items() if n}
    for key in made:
        assert any(table.startswith(f"{key}_") for table in grown), f"{key}: its sample rows are in none of its tables"
    assert counts(tenant_b) == beta_before  # nothing of alpha's in beta's view of any table
