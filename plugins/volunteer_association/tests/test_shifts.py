"""Shop shifts: sign-up, swaps, the short-handed flag, and takings by the shift itself."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.programme import Volunteer, copenhagen_today, db
from core.testing import tenant_context
from core.testing.fixtures import csrf_from, organisation_id, sign_in
from plugins.volunteer_association.models import Shift, ShiftSignup, Takings


@pytest.fixture
def shift_id(app, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        shift = Shift(day=copenhagen_today(), starts=time(10, 0), ends=time(14, 0), needed=2)
        db.session.add(shift)
        db.session.commit()
        return shift.id


def volunteer_client(app, tenant_id, name="Grethe"):
    """A signed-in volunteer who is in the registry (matched by her log-in)."""
    from core.testing import User

    client = app.test_client()
    user_id = sign_in(app, client, "volunteer", "alpha")
    with app.app_context(), tenant_context(tenant_id):
        user = db.session.get(User, user_id)
        volunteer = Volunteer(
            name=name, organisation_id=organisation_id(app, "testforeningen"), login_subject=f"{user.issuer}|{user.subject}"
        )
        db.session.add(volunteer)
        db.session.commit()
        return client, volunteer.id


def _post(client, url, data=None):
    page = client.get("/alpha/volunteer_association/")
    return client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **(data or {})})


def test_volunteer_signs_up_and_a_short_handed_shift_is_flagged(app, client_for, tenant_a, shift_id):
    client, volunteer_id = volunteer_client(app, tenant_a)
    page = client.get("/alpha/volunteer_association/").get_data(as_text=True)
    assert "For få frivillige" in page
    assert _post(client, f"/alpha/volunteer_association/shifts/{shift_id}/signup").status_code == 302
    _post(client, f"/alpha/volunteer_association/shifts/{shift_id}/signup")  # twice: still one sign-up
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(ShiftSignup.volunteer_id)).all() == [volunteer_id]
    home = client_for("alpha").get("/alpha/").get_data(as_text=True)
    assert "Vagter med for få frivillige" in home  # 1 of 2: still flagged on the dashboard


def test_a_swap_moves_the_slot_to_the_taker(app, tenant_a, shift_id):
    first, first_id = volunteer_client(app, tenant_a, "Inge")
    second, second_id = volunteer_client(app, tenant_a, "Lis")
    _post(first, f"/alpha/volunteer_association/shifts/{shift_id}/signup")
    _post(first, f"/alpha/volunteer_association/shifts/{shift_id}/offer")
    assert "Overtag vagten" in second.get("/alpha/volunteer_association/").get_data(as_text=True)
    _post(second, f"/alpha/volunteer_association/shifts/{shift_id}/take")
    with app.app_context(), tenant_context(tenant_a):
        rows = db.session.execute(select(ShiftSignup.volunteer_id, ShiftSignup.status)).all()
    assert rows == [(second_id, "signed_up")]


def test_volunteer_records_the_takings_of_her_own_shift_only(app, tenant_a, shift_id):
    client, volunteer_id = volunteer_client(app, tenant_a)
    url = f"/alpha/volunteer_association/shifts/{shift_id}/takings"
    assert client.get(url).status_code == 404  # not on this shift: no such shift for her
    _post(client, f"/alpha/volunteer_association/shifts/{shift_id}/signup")
    page = client.get(url)
    token = csrf_from(page.get_data(as_text=True))
    bad = client.post(url, data={"csrf_token": token, "cash": "-5", "card": "x", "mobilepay": "", "cash_counted": "100"})
    assert bad.status_code == 422
    ok = client.post(
        url,
        data={"csrf_token": token, "cash": "1250.50", "card": "2300", "mobilepay": "640", "cash_counted": "1240.50", "hours_worked": "3.5"},
    )
    assert ok.status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        takings = db.session.scalars(select(Takings)).one()
        assert (takings.cash, takings.card, takings.mobilepay, takings.cash_counted) == (
            Decimal("1250.50"),
            Decimal("2300.00"),
            Decimal("640.00"),
            Decimal("1240.50"),
        )
        assert db.session.scalars(select(ShiftSignup.hours_worked)).one() == Decimal("3.50")
    assert "-10,00 kr." in client.get(url).get_data(as_text=True)  # the till is 10 kr. short


def test_takings_cannot_be_recorded_before_the_shift(app, client_for, tenant_a):
    with app.app_context(), tenant_context(tenant_a):
        future = Shift(day=copenhagen_today() + timedelta(days=3), starts=time(10, 0), ends=time(14, 0))
        db.session.add(future)
        db.session.commit()
        fid = future.id
    staff = client_for("alpha")
    response = staff.put(
        f"/alpha/api/v1/volunteer_association/shifts/{fid}/takings", json={"cash": "1", "card": "1", "mobilepay": "1", "cash_counted": "1"}
    )
    assert response.status_code == 422


def test_staff_manage_the_roster_and_municipal_staff_cannot(app, client_for):
    staff = client_for("alpha")
    created = staff.post("/alpha/api/v1/volunteer_association/shifts", json={"day": "2026-12-01", "starts": "10:00", "ends": "09:00"})
    assert created.status_code == 422
    created = staff.post("/alpha/api/v1/volunteer_association/shifts", json={"day": "2026-12-01", "starts": "10:00", "ends": "14:00"})
    assert created.status_code == 201 and created.get_json()["signed_up"] == 0
    municipal = client_for("alpha", "municipal_staff")
    assert municipal.get("/alpha/volunteer_association/").status_code == 403
    assert (
        municipal.post(
            "/alpha/api/v1/volunteer_association/shifts", json={"day": "2026-12-02", "starts": "10:00", "ends": "14:00"}
        ).status_code
        == 403
    )


def test_foreign_shift_ids_look_missing(app, client_for, tenant_b):
    with app.app_context(), tenant_context(tenant_b):
        foreign = Shift(day=copenhagen_today(), starts=time(10, 0), ends=time(14, 0))
        db.session.add(foreign)
        db.session.commit()
        fid = foreign.id
    staff = client_for("alpha")
    for url in (f"/alpha/volunteer_association/shifts/{fid}/takings", f"/alpha/api/v1/volunteer_association/shifts/{fid}/takings"):
        foreign_response, missing = staff.get(url), staff.get(url.replace(f"/{fid}/", "/987654/"))
        assert foreign_response.status_code == missing.status_code == 404
        assert foreign_response.get_data() == missing.get_data()


def test_demo_year_of_shifts_and_takings(app, runner, tenant_a):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalar(select(db.func.count()).select_from(Shift)) > 500
        assert db.session.scalar(select(db.func.count()).select_from(Takings)) > 500


def test_staff_sign_up_only_the_running_organisations_volunteers(app, client_for, tenant_a, shift_id):
    with app.app_context(), tenant_context(tenant_a):
        ours = Volunteer(name="Foreningens frivillige", organisation_id=organisation_id(app, "testforeningen"))
        theirs = Volunteer(name="Anden forenings frivillige", organisation_id=organisation_id(app, "andenforening"))
        db.session.add_all([ours, theirs])
        db.session.commit()
        ids = (ours.id, theirs.id)
    staff = client_for("alpha")
    url = f"/alpha/volunteer_association/shifts/{shift_id}/signup"
    assert _post(staff, url, {"volunteer_id": str(ids[1])}).status_code == 400
    assert _post(staff, url, {"volunteer_id": "x"}).status_code == 400
    assert _post(staff, url, {"volunteer_id": str(ids[0])}).status_code == 302
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(ShiftSignup.volunteer_id).where(ShiftSignup.shift_id == shift_id)).all() == [ids[0]]
