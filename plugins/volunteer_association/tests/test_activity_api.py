"""The association's activities and grant applications in the JSON API: the same rules and checks as the pages."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.programme import TenantProgramme, Volunteer, copenhagen_today, db
from core.testing import cross_tenant, tenant_context
from core.testing.fixtures import api_token as _api_token
from core.testing.fixtures import organisation_id
from plugins.volunteer_association.models import (
    Activity,
    ActivityVolunteer,
    GrantApplication,
)

API = "/alpha/api/v1/volunteer_association"
MISSING_ID = 987654
ACTIVITY = {
    "kind": "experience",
    "title": "Tur i Madsby Legepark",
    "activity_date": "2026-06-13",
    "place": "Madsby",
    "families": 7,
    "children": 15,
    "funding": "shop_surplus",
    "cost": "1.250,50",
}
GRANT = {"funder": "Egmont Fonden", "purpose": "Sommerlejr", "amount_applied": "25000", "applied_on": "2026-02-01", "status": "submitted"}


def add_grant(app, tenant: int, funder: str = "Velux Fonden", status: str = "granted", **fields) -> int:
    with app.app_context(), tenant_context(tenant):
        grant = GrantApplication(
            funder=funder,
            amount_applied=Decimal(20000),
            status=status,
            amount_granted=Decimal(15000) if status in ("granted", "reported") else None,
            **fields,
        )
        db.session.add(grant)
        db.session.commit()
        return grant.id


def add_volunteer(app, tenant: int, name: str, organisation: str = "testforeningen") -> int:
    with app.app_context(), tenant_context(tenant):
        volunteer = Volunteer(name=name, organisation_id=organisation_id(app, organisation))
        db.session.add(volunteer)
        db.session.commit()
        return volunteer.id


def add_activity(app, tenant: int, title: str, day: date = date(2026, 12, 1)) -> int:
    with app.app_context(), tenant_context(tenant):
        activity = Activity(kind="help", title=title, day=day, families=3, children=4, funding="shop_surplus", cost=0)
        db.session.add(activity)
        db.session.commit()
        return activity.id


def count(app, model) -> int:
    with app.app_context(), cross_tenant("test: count rows"):
        return db.session.scalars(select(func.count()).select_from(model)).one()


# --- activities ---------------------------------------------------------------------------------


def test_record_an_activity_with_its_grant_and_volunteers(app, client_for, tenant_a):
    grant = add_grant(app, tenant_a)
    anna, bo = add_volunteer(app, tenant_a, "Anna Frivillig"), add_volunteer(app, tenant_a, "Bo Frivillig")
    staff = client_for("alpha")
    created = staff.post(f"{API}/activities", json={**ACTIVITY, "funding": "grant", "grant_id": grant, "volunteer_ids": [anna, bo, anna]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert {k: body[k] for k in ("kind", "activity_date", "families", "children", "funding", "grant_id", "cost", "volunteer_count")} == {
        "kind": "experience",
        "activity_date": "2026-06-13",
        "families": 7,
        "children": 15,
        "funding": "grant",
        "grant_id": grant,
        "cost": "1250.50",
        "volunteer_count": 2,
    }
    assert "volunteer_ids" not in body  # as on the page: how many, never who
    assert staff.get(f"{API}/activities/{body['id']}").get_json() == body
    with app.app_context(), tenant_context(tenant_a):
        assert sorted(db.session.scalars(select(ActivityVolunteer.volunteer_id))) == sorted([anna, bo])
    # Funded by the shop's surplus, a grant given anyway is dropped (as by the form).
    surplus = staff.post(f"{API}/activities", json={**ACTIVITY, "grant_id": grant})
    assert surplus.status_code == 201 and surplus.get_json()["grant_id"] is None


def test_the_list_is_newest_first_paged_and_the_tenants_own(app, client_for, tenant_a, tenant_b):
    older = add_activity(app, tenant_a, "Alphas påskefest", date(2026, 4, 1))
    newer = add_activity(app, tenant_a, "Alphas juletræ", date(2026, 12, 1))
    add_activity(app, tenant_b, "Betas juletræ")
    staff = client_for("alpha")
    listed = staff.get(f"{API}/activities")
    assert [a["id"] for a in listed.get_json()] == [newer, older]
    assert "Betas juletræ" not in listed.get_data(as_text=True)
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    assert [a["id"] for a in staff.get(f"{API}/activities?page=2&page_size=1").get_json()] == [older]
    assert staff.get(f"{API}/activities?page=1000").get_json() == []
    assert list(staff.get(f"{API}/grants?page_size=0").get_json()["errors"]["query"]) == ["page_size"]


def test_invalid_activities_get_422_naming_the_field_and_write_nothing(app, client_for, tenant_a, tenant_b):
    own_rejected = add_grant(app, tenant_a, "Afslået fond", status="rejected")
    foreign_grant = add_grant(app, tenant_b, "Betas fond")
    foreign_volunteer = add_volunteer(app, tenant_b, "Beta-frivillig")
    other_organisations = add_volunteer(app, tenant_a, "Anden forenings frivillige", "andenforening")
    staff = client_for("alpha")
    cases = [
        ({"funding": "grant"}, {"grant_id": ["Feltet skal udfyldes."]}),
        ({"funding": "grant", "grant_id": own_rejected}, {"grant_id": ["Vælg en af mulighederne."]}),
        ({"funding": "grant", "grant_id": foreign_grant}, {"grant_id": ["Vælg en af mulighederne."]}),
        ({"volunteer_ids": [foreign_volunteer]}, {"volunteer_ids": ["Vælg en af mulighederne."]}),
        ({"volunteer_ids": [other_organisations]}, {"volunteer_ids": ["Vælg en af mulighederne."]}),
        ({"kind": "party", "families": -1}, {"kind": ["Vælg en af mulighederne."], "families": ["Angiv 0 eller mere."]}),
        ({"cost": "mange penge"}, {"cost": ["Skriv et tal, for eksempel 1234,50."]}),
    ]
    for change, errors in cases:
        refused = staff.post(f"{API}/activities", json={**ACTIVITY, **change})
        assert refused.status_code == 422 and refused.get_json()["errors"]["json"] == errors, change
    huge = staff.post(f"{API}/activities", json={**ACTIVITY, "volunteer_ids": [2**63]})
    assert huge.status_code == 422 and list(huge.get_json()["errors"]["json"]) == ["volunteer_ids"]
    assert count(app, Activity) == count(app, ActivityVolunteer) == 0


# --- grants ------------------------------------------------------------------------------------------


def test_record_read_and_replace_a_grant(app, client_for, tenant_a):
    staff = client_for("alpha")
    created = staff.post(f"{API}/grants", json={**GRANT, "amount_applied": "25.000,00"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["amount_applied"], body["amount_granted"], body["deadline_status"]) == ("25000.00", None, None)
    refused = staff.put(f"{API}/grants/{body['id']}", json={**GRANT, "status": "granted"})
    assert refused.status_code == 422 and refused.get_json()["errors"]["json"] == {"amount_granted": ["Feltet skal udfyldes."]}
    soon = (copenhagen_today() + timedelta(days=10)).isoformat()
    granted = staff.put(
        f"{API}/grants/{body['id']}", json={**GRANT, "status": "granted", "amount_granted": 20000, "reporting_deadline": soon}
    )
    assert granted.status_code == 200
    assert (granted.get_json()["amount_granted"], granted.get_json()["deadline_status"]) == ("20000.00", "due_soon")
    assert staff.get(f"{API}/grants/{body['id']}").get_json() == granted.get_json()
    with app.app_context(), tenant_context(tenant_a):
        grant = db.session.get(GrantApplication, body["id"])
        assert (grant.status, grant.amount_granted) == ("granted", Decimal("20000.00"))


def test_grants_list_with_their_deadline_flags(app, client_for, tenant_a, tenant_b):
    today = copenhagen_today()
    late = add_grant(app, tenant_a, "Sen fond", reporting_deadline=today - timedelta(days=1), applied_on=date(2026, 1, 1))
    done = add_grant(
        app, tenant_a, "Afrapporteret fond", status="reported", reporting_deadline=today - timedelta(days=5), applied_on=date(2026, 2, 1)
    )
    add_grant(app, tenant_b, "Betas fond")
    listed = client_for("alpha").get(f"{API}/grants")
    assert [(g["id"], g["deadline_status"]) for g in listed.get_json()] == [(done, None), (late, "overdue")]
    assert "Betas fond" not in listed.get_data(as_text=True)


def test_invalid_grants_get_422_and_write_nothing(app, client_for):
    refused = client_for("alpha").post(f"{API}/grants", json={**GRANT, "funder": "", "status": "maybe", "amount_applied": "-5"})
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]["json"]) == {"funder", "status", "amount_applied"}
    assert refused.get_json()["errors"]["json"]["status"] == ["Vælg en af mulighederne."]
    assert count(app, GrantApplication) == 0


# --- the rules of the pages -------------------------------------------------------------------------


def test_another_tenants_ids_answer_exactly_like_missing_ones(app, client_for, tenant_a, tenant_b):
    foreign_grant = add_grant(app, tenant_b, "Betas fond")
    foreign_activity = add_activity(app, tenant_b, "Betas juletræ")
    staff = client_for("alpha")
    assert staff.get(f"{API}/grants/{add_grant(app, tenant_a, 'Alphas fond')}").status_code == 200
    for method, path, foreign_id, body in (
        ("GET", "grants", foreign_grant, None),
        ("PUT", "grants", foreign_grant, GRANT),
        ("PUT", "grants", foreign_grant, {}),
        ("GET", "activities", foreign_activity, None),
    ):
        foreign = staff.open(f"{API}/{path}/{foreign_id}", method=method, json=body)
        missing = staff.open(f"{API}/{path}/{MISSING_ID}", method=method, json=body)
        assert foreign.status_code == missing.status_code == 404, (method, path, body)  # looked up before the body is read
        assert foreign.get_data() == missing.get_data() and b"Beta" not in foreign.get_data()
    with app.app_context(), tenant_context(tenant_b):
        assert db.session.get(GrantApplication, foreign_grant).funder == "Betas fond"


def test_managers_use_the_api_and_others_do_not(app, client_for, tenant_a):
    grant = add_grant(app, tenant_a)
    activity = add_activity(app, tenant_a, "Alphas juletræ")
    reads = ("activities", f"activities/{activity}", "grants", f"grants/{grant}")
    writes = (("POST", "activities", ACTIVITY), ("POST", "grants", GRANT), ("PUT", f"grants/{grant}", {**GRANT, "funder": "Overskrevet"}))
    municipal_client = app.test_client()
    municipal_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_api_token(app, tenant_a, None)}"
    for who, client, status in (
        ("municipal_staff", client_for("alpha", "municipal_staff"), 403),
        ("finance", client_for("alpha", "finance"), 403),
        ("volunteer", client_for("alpha", "volunteer"), 403),
        ("the municipality's API client", municipal_client, 403),
        ("another organisation's staff", client_for("alpha", "partner_staff", organisation="andenforening"), 404),
        ("another tenant's staff", client_for("beta"), 404),
    ):
        for path in reads:
            response = client.get(f"{API}/{path}")
            assert response.status_code == status and b"Velux" not in response.get_data(), (who, path)
        for method, path, body in writes:
            assert client.open(f"{API}/{path}", method=method, json=body).status_code == status, (who, path)
    assert (count(app, Activity), count(app, GrantApplication)) == (1, 1)
    running_client = app.test_client()
    running_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_api_token(app, tenant_a, 'testforeningen')}"
    for client in (client_for("alpha", "tenant_admin"), client_for(None), client_for("alpha"), running_client):
        assert all(client.get(f"{API}/{path}").status_code == 200 for path in reads)
        assert client.post(f"{API}/grants", json=GRANT).status_code == 201


@contextmanager
def programme_disabled(app, slug: str, key: str):
    """The tenant without ``key`` for the block's duration (tenant programmes are kept between tests)."""
    from core.programme import Tenant

    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        row = db.session.get_one(TenantProgramme, (tenant.id, key))
        saved = (row.tenant_id, row.programme_key, dict(row.settings or {}))
        with tenant_context(tenant.id):  # a tenant's programmes are written in its context
            db.session.delete(row)
            db.session.commit()
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context(), tenant_context(saved[0]):  # a tenant's programmes are written in its context
            db.session.add(TenantProgramme(tenant_id=saved[0], programme_key=saved[1], settings=saved[2]))
            db.session.commit()
            db.session.remove()


def test_the_openapi_document_lists_activities_and_grants_only_where_the_programme_is_enabled(app, client):
    alpha = client.get("/alpha/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(alpha["paths"]["/volunteer_association/activities"])
    assert {"get", "put"} <= set(alpha["paths"]["/volunteer_association/grants/{grant_id}"])
    assert "VolunteerAssociationGrant" in alpha["components"]["schemas"]
    gamma = client.get("/gamma/api/v1/openapi.json").get_json()
    assert not [p for p in gamma["paths"] if p.startswith("/volunteer_association")]
    with programme_disabled(app, "alpha", "volunteer_association"):
        without = client.get("/alpha/api/v1/openapi.json").get_json()
        assert client.get(f"{API}/grants").status_code in (401, 404)
    assert not [p for p in without["paths"] if p.startswith("/volunteer_association")]
    assert not [s for s in without["components"]["schemas"] if s.startswith("VolunteerAssociation")]
    assert "/open_counselling/notifications" in without["paths"] and "/open_counselling/offices" in without["paths"]
