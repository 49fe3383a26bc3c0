"""The demo data of the real tenant files: one demo volunteer log-in per organisation, each linked to
exactly one volunteer, who sees her own organisation's programme only (README: "make run")."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from core.programme import Tenant, Volunteer, copenhagen_today, db
from core.testing import tenant_context
from core.testing.fixtures import build_app, csrf_from, sign_in


@pytest.fixture(scope="module")
def real_app(database_factory, tmp_path_factory):
    """An app with the real Fredericia and Ishøj tenant files and organisations, and their demo data."""
    from config import ROOT

    folder = tmp_path_factory.mktemp("real-tenants")
    for slug in ("fredericia", "ishoj"):
        shutil.copy(ROOT / "tenants" / f"{slug}.toml", folder / f"{slug}.toml")
    app = build_app(database_factory(), TENANTS_DIR=str(folder), ORGANISATIONS_DIR=str(ROOT / "organisations"))
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    return app


def _tenant(app, slug: str) -> Tenant:
    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        db.session.expunge(tenant)
        return tenant


def _sign_in(app, client, tenant: Tenant, subject: str, role: str, organisation: str) -> None:
    """The session the development provider's log-in of ``subject`` gives."""
    sign_in(app, client, role, tenant.slug, organisation, issuer=tenant.identity_provider["issuer"], subject=subject)


def test_in_fredericia_each_organisations_demo_volunteer_is_one_log_in_linked_to_one_volunteer(real_app):
    from core.programme import Organisation, volunteer_subject
    from core.testing import demo_users

    fredericia = _tenant(real_app, "fredericia")
    issuer = fredericia.identity_provider["issuer"]
    with real_app.app_context():
        offered = {u.subject for u in demo_users("fredericia", fredericia.name, fredericia.id) if "volunteer" in u.roles}
        with tenant_context(fredericia.id):
            linked = db.session.execute(
                select(Volunteer.login_subject, Organisation.slug, func.count(Volunteer.id))
                .join(Organisation, Organisation.id == Volunteer.organisation_id)
                .where(Volunteer.login_subject.is_not(None))
                .group_by(Volunteer.login_subject, Organisation.slug)
            ).all()
            unowned = db.session.scalar(select(func.count(Volunteer.id)).where(Volunteer.organisation_id.is_(None)))
    drc, mh = volunteer_subject("fredericia", "drc-integration"), volunteer_subject("fredericia", "modrehjaelpen")
    assert offered == {drc, mh}  # the log-ins the development provider offers
    assert sorted(linked) == [(f"{issuer}|{drc}", "drc-integration", 1), (f"{issuer}|{mh}", "modrehjaelpen", 1)]
    assert unowned == 0  # every demo volunteer belongs to the organisation running her programme


def test_the_shop_volunteer_signs_up_and_records_the_days_takings_and_sees_no_mother_groups(real_app):
    from core.programme import volunteer_subject
    from plugins.volunteer_association.models import Shift, Takings

    fredericia = _tenant(real_app, "fredericia")
    shop = real_app.test_client()
    _sign_in(real_app, shop, fredericia, volunteer_subject("fredericia", "modrehjaelpen"), "volunteer", "modrehjaelpen")
    page = shop.get("/fredericia/volunteer_association/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Grethe Nielsen" in html
    assert shop.get("/fredericia/mother_groups/my-sessions").status_code == 404  # DRC's programme here
    assert shop.get("/fredericia/open_counselling/").status_code in (403, 404)  # the counsellors' room
    today = copenhagen_today()
    with real_app.app_context(), tenant_context(fredericia.id):
        shift_id = db.session.scalar(select(Shift.id).where(Shift.day == today).order_by(Shift.starts))
    if shift_id is None:
        pytest.skip("the shop has no shift today (Sunday)")
    token = csrf_from(html)
    assert shop.post(f"/fredericia/volunteer_association/shifts/{shift_id}/signup", data={"csrf_token": token}).status_code == 302
    form = shop.get(f"/fredericia/volunteer_association/shifts/{shift_id}/takings")
    assert form.status_code == 200
    saved = shop.post(
        f"/fredericia/volunteer_association/shifts/{shift_id}/takings",
        data={
            "csrf_token": csrf_from(form.get_data(as_text=True)),
            "cash": "500",
            "card": "700",
            "mobilepay": "300",
            "cash_counted": "500",
        },
    )
    assert saved.status_code == 302
    with real_app.app_context(), tenant_context(fredericia.id):
        assert db.session.scalar(select(Takings.cash).where(Takings.shift_id == shift_id)) == 500


def test_the_mother_groups_volunteer_records_todays_attendance_and_sees_no_shop(real_app):
    from core.programme import volunteer_subject

    for slug in ("ishoj", "fredericia"):
        tenant = _tenant(real_app, slug)
        phone = real_app.test_client()
        _sign_in(real_app, phone, tenant, volunteer_subject(slug, "drc-integration"), "volunteer", "drc-integration")
        home = phone.get(f"/{slug}/").get_data(as_text=True)
        assert "Registrér fremmøde" in home and ", i dag" in home, slug  # today's session, one tap away
        sessions = phone.get(f"/{slug}/mother_groups/my-sessions").get_data(as_text=True)
        assert "/attendance" in sessions, slug
        if slug == "fredericia":
            assert phone.get("/fredericia/volunteer_association/").status_code == 404
