"""The association's activities and grant applications: create, list, flags, roles and isolation."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.programme import Volunteer, copenhagen_today, db
from core.testing import cross_tenant, tenant_context
from core.testing.fixtures import csrf_from, organisation_id
from plugins.volunteer_association.activities import deadline_flags, deadline_status
from plugins.volunteer_association.jobs import grant_deadline_reminders
from plugins.volunteer_association.models import (
    Activity,
    ActivityVolunteer,
    GrantApplication,
)
from plugins.volunteer_association.widgets import reminders_widget

ACTIVITIES = "/alpha/volunteer_association/activities/"
GRANTS = "/alpha/volunteer_association/grants/"
VALID = {
    "kind": "experience",
    "title": "Tur i Madsby Legepark",
    "activity_date": "2026-06-13",
    "place": "Madsby",
    "families": "7",
    "children": "15",
    "funding": "shop_surplus",
    "cost": "1.250,50",
    "notes": "",
}


def add_grant(app, tenant_id: int, funder: str = "Velux Fonden", status: str = "granted", deadline: date | None = None, **kw) -> int:
    with app.app_context(), tenant_context(tenant_id):
        grant = GrantApplication(
            funder=funder,
            amount_applied=Decimal(20000),
            status=status,
            reporting_deadline=deadline,
            amount_granted=Decimal(15000) if status in ("granted", "reported") else None,
            **kw,
        )
        db.session.add(grant)
        db.session.commit()
        return grant.id


def add_volunteer(app, tenant_id: int, name: str) -> int:
    with app.app_context(), tenant_context(tenant_id):
        volunteer = Volunteer(name=name, organisation_id=organisation_id(app, "testforeningen"))
        db.session.add(volunteer)
        db.session.commit()
        return volunteer.id


def count(app, model) -> int:
    with app.app_context(), cross_tenant("test: count rows"):
        return db.session.scalars(select(func.count()).select_from(model)).one()


def post(client, url: str, data: dict, token_page: str = ACTIVITIES):
    token = csrf_from(client.get(token_page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


# --- activities ---------------------------------------------------------------------------


def test_create_and_list_activities_newest_first(app, client_for, tenant_a):
    grant = add_grant(app, tenant_a, "Velux Fonden")
    anna, bo = add_volunteer(app, tenant_a, "Anna"), add_volunteer(app, tenant_a, "Bo")
    staff = client_for("alpha")
    first = post(staff, ACTIVITIES, {**VALID, "volunteers": [str(anna), str(bo)]})
    assert first.status_code == 303 and first.headers["Location"].endswith(ACTIVITIES)
    second = post(
        staff,
        ACTIVITIES,
        {
            **VALID,
            "kind": "network",
            "title": "Fællesspisning",
            "activity_date": "2026-09-01",
            "funding": "grant",
            "grant": str(grant),
            "cost": "800",
            "families": "0",
            "children": "0",
        },
    )
    assert second.status_code == 303
    html = staff.get(ACTIVITIES).get_data(as_text=True)
    assert html.index("Fællesspisning") < html.index("Tur i Madsby Legepark")  # by date, newest first
    assert 'data-kind="experience"' in html and 'data-kind="network"' in html and "Velux Fonden" in html
    with app.app_context(), tenant_context(tenant_a):
        trip = db.session.scalar(select(Activity).where(Activity.kind == "experience"))
        assert (trip.families, trip.children, trip.cost, trip.funding, trip.grant_id) == (7, 15, Decimal("1250.50"), "shop_surplus", None)
        assert sorted(db.session.scalars(select(ActivityVolunteer.volunteer_id).where(ActivityVolunteer.activity_id == trip.id))) == sorted(
            [anna, bo]
        )
        dinner = db.session.scalar(select(Activity).where(Activity.kind == "network"))
        assert (dinner.funding, dinner.grant_id, dinner.families) == ("grant", grant, 0)


def test_invalid_activity_gives_422_in_danish_and_writes_nothing(app, client_for):
    staff = client_for("alpha")
    refused = post(staff, ACTIVITIES, {**VALID, "kind": "party", "activity_date": "13/6", "families": "-1", "children": "to", "title": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for message in (
        "Vælg en af mulighederne.",
        "Skriv en dato som ÅÅÅÅ-MM-DD.",
        "Angiv 0 eller mere.",
        "Skriv et helt tal.",
        "Feltet skal udfyldes.",
    ):
        assert message in html
    assert 'value="Madsby"' in html  # what was typed is kept
    assert post(staff, ACTIVITIES, {**VALID, "cost": "mange"}).status_code == 422
    assert count(app, Activity) == 0


def test_a_grant_is_required_when_the_activity_is_funded_by_one(app, client_for, tenant_a):
    staff = client_for("alpha")
    refused = post(staff, ACTIVITIES, {**VALID, "funding": "grant"})
    assert refused.status_code == 422 and 'id="field-grant-error"' in refused.get_data(as_text=True)
    assert "Feltet skal udfyldes." in refused.get_data(as_text=True)
    both = post(staff, ACTIVITIES, {**VALID, "funding": "grant", "families": "-1"}).get_data(as_text=True)
    assert 'id="field-grant-error"' in both and 'id="field-families-error"' in both  # all errors at once
    draft = add_grant(app, tenant_a, "Ansøgt fond", status="submitted")  # not granted: not a choice
    assert post(staff, ACTIVITIES, {**VALID, "funding": "grant", "grant": str(draft)}).status_code == 422
    assert count(app, Activity) == 0


def test_only_granted_grants_are_offered(app, client_for, tenant_a):
    add_grant(app, tenant_a, "Bevilget fond")
    add_grant(app, tenant_a, "Afslået fond", status="rejected")
    html = client_for("alpha").get(ACTIVITIES).get_data(as_text=True)
    assert "Bevilget fond" in html and "Afslået fond" not in html


def test_another_tenants_grant_or_volunteer_cannot_be_chosen(app, client_for, tenant_b):
    foreign_grant = add_grant(app, tenant_b, "Betas fond")
    foreign_volunteer = add_volunteer(app, tenant_b, "Beta-frivillig")
    staff = client_for("alpha")
    html = staff.get(ACTIVITIES).get_data(as_text=True)
    assert "Betas fond" not in html and "Beta-frivillig" not in html
    assert post(staff, ACTIVITIES, {**VALID, "funding": "grant", "grant": str(foreign_grant)}).status_code == 422
    assert post(staff, ACTIVITIES, {**VALID, "volunteers": [str(foreign_volunteer)]}).status_code == 422
    assert count(app, Activity) == 0


def test_only_the_running_organisations_volunteers_can_be_chosen(app, client_for, tenant_a):
    """A volunteer of another organisation in the same tenant (another programme's) is not offered, nor accepted."""
    ours = add_volunteer(app, tenant_a, "Foreningens frivillige")
    with app.app_context(), tenant_context(tenant_a):
        other = Volunteer(name="Anden forenings frivillige", organisation_id=organisation_id(app, "andenforening"))
        db.session.add(other)
        db.session.commit()
        theirs = other.id
    staff = client_for("alpha")
    html = staff.get(ACTIVITIES).get_data(as_text=True)
    assert "Foreningens frivillige" in html and "Anden forenings frivillige" not in html
    assert post(staff, ACTIVITIES, {**VALID, "volunteers": [str(theirs)]}).status_code == 422
    assert post(staff, ACTIVITIES, {**VALID, "volunteers": [str(ours)]}).status_code == 303
    assert count(app, Activity) == 1


def test_list_shows_only_the_own_tenants_activities(app, client_for, tenant_a, tenant_b):
    for tid, title in ((tenant_a, "Alphas juletræ"), (tenant_b, "Betas juletræ")):
        with app.app_context(), tenant_context(tid):
            db.session.add(
                Activity(kind="help", title=title, day=date(2026, 12, 1), families=3, children=4, funding="shop_surplus", cost=0)
            )
            db.session.commit()
    html = client_for("alpha").get(ACTIVITIES).get_data(as_text=True)
    assert "Alphas juletræ" in html and "Betas juletræ" not in html


# --- grants ------------------------------------------------------------------------------------


GRANT = {
    "funder": "Egmont Fonden",
    "purpose": "Sommerlejr",
    "amount_applied": "25.000,00",
    "applied_on": "2026-02-01",
    "status": "submitted",
    "amount_granted": "",
    "reporting_deadline": "",
}


def test_create_and_update_a_grant(app, client_for, tenant_a):
    staff = client_for("alpha")
    assert post(staff, GRANTS, GRANT, GRANTS).status_code == 303
    with app.app_context(), tenant_context(tenant_a):
        grant = db.session.scalar(select(GrantApplication))
        assert (grant.funder, grant.amount_applied, grant.status, grant.amount_granted) == (
            "Egmont Fonden",
            Decimal("25000.00"),
            "submitted",
            None,
        )
        grant_id = grant.id
    edit_page = f"{GRANTS}?edit={grant_id}"
    assert 'value="Egmont Fonden"' in staff.get(edit_page).get_data(as_text=True)
    refused = post(staff, f"{GRANTS}{grant_id}", {**GRANT, "status": "granted"}, edit_page)
    assert refused.status_code == 422 and 'id="field-amount_granted-error"' in refused.get_data(as_text=True)
    assert "Feltet skal udfyldes." in refused.get_data(as_text=True)
    done = post(
        staff,
        f"{GRANTS}{grant_id}",
        {**GRANT, "status": "granted", "amount_granted": "20000", "reporting_deadline": "2027-03-31"},
        edit_page,
    )
    assert done.status_code == 303
    with app.app_context(), tenant_context(tenant_a):
        grant = db.session.get(GrantApplication, grant_id)
        assert (grant.status, grant.amount_granted, grant.reporting_deadline) == ("granted", Decimal("20000.00"), date(2027, 3, 31))


def test_invalid_grant_gives_422_and_writes_nothing(app, client_for):
    refused = post(client_for("alpha"), GRANTS, {**GRANT, "funder": "", "status": "maybe", "amount_applied": "-5"}, GRANTS)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Feltet skal udfyldes." in html and "Vælg en af mulighederne." in html and 'id="field-amount_applied-error"' in html
    assert count(app, GrantApplication) == 0


def test_a_foreign_grant_id_answers_exactly_like_a_missing_one(app, client_for, tenant_a, tenant_b):
    foreign = add_grant(app, tenant_b, "Betas fond")
    own = add_grant(app, tenant_a, "Alphas fond")
    missing = foreign + own + 1000
    staff = client_for("alpha")
    answers = []
    for grant_id in (foreign, missing):
        response = post(staff, f"{GRANTS}{grant_id}", {**GRANT, "status": "granted", "amount_granted": "1"}, GRANTS)
        answers.append((response.status_code, response.get_data()))
        page = staff.get(f"{GRANTS}?edit={grant_id}")
        answers.append((page.status_code, page.get_data()))
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert answers[0][0] == 404 and answers[1][0] == 404
    with app.app_context(), tenant_context(tenant_b):
        assert db.session.get(GrantApplication, foreign).funder == "Betas fond"


def test_reporting_deadlines_are_flagged(app, client_for, tenant_a, tenant_b):
    today = copenhagen_today()
    soon = add_grant(app, tenant_a, "Snart fond", deadline=today + timedelta(days=30))
    late = add_grant(app, tenant_a, "Sen fond", deadline=today - timedelta(days=1))
    later = add_grant(app, tenant_a, "Senere fond", deadline=today + timedelta(days=31))
    done = add_grant(app, tenant_a, "Afrapporteret fond", status="reported", deadline=today - timedelta(days=5))
    add_grant(app, tenant_b, "Betas fond", deadline=today)
    html = client_for("alpha").get(GRANTS).get_data(as_text=True)
    status = dict(re.findall(r'id="grant-(\d+)" data-deadline-status="(\w+)"', html))
    assert status == {str(soon): "due_soon", str(late): "overdue", str(later): "none", str(done): "none"}
    assert "Betas fond" not in html
    with app.test_request_context("/alpha/"), tenant_context(tenant_a):
        assert [(f.grant_id, f.status) for f in deadline_flags(today)] == [(late, "overdue"), (soon, "due_soon")]
        widget = str(reminders_widget())
        assert "Snart fond" in widget and "Sen fond" in widget and "Senere fond" not in widget and "Betas fond" not in widget
        assert 'data-deadline-status="overdue"' in widget
    with app.test_request_context("/beta/"), tenant_context(tenant_b):
        assert "Betas fond" in str(reminders_widget()) and "Snart fond" not in str(reminders_widget())


def test_deadline_status_rule():
    today = date(2026, 5, 1)
    assert deadline_status(date(2026, 5, 31), "granted", today) == "due_soon"
    assert deadline_status(date(2026, 6, 1), "granted", today) is None
    assert deadline_status(date(2026, 5, 1), "granted", today) == "due_soon"
    assert deadline_status(date(2026, 4, 30), "granted", today) == "overdue"
    assert deadline_status(date(2026, 4, 30), "reported", today) is None
    assert deadline_status(date(2026, 4, 30), "rejected", today) is None
    assert deadline_status(None, "granted", today) is None


def test_reminder_job_finds_deadlines_in_30_and_7_days_and_writes_nothing(app, tenant_a, tenant_b):
    today = date(2026, 5, 1)
    in_30 = add_grant(app, tenant_a, "Tredive", deadline=today + timedelta(days=30))
    in_7 = add_grant(app, tenant_a, "Syv", deadline=today + timedelta(days=7))
    add_grant(app, tenant_a, "Otte", deadline=today + timedelta(days=8))
    add_grant(app, tenant_a, "Afrapporteret", status="reported", deadline=today + timedelta(days=7))
    add_grant(app, tenant_b, "Beta", deadline=today + timedelta(days=7))
    with app.app_context(), tenant_context(tenant_a):
        first = grant_deadline_reminders(tenant_id=tenant_a, today=today)
        assert [(r.grant_id, r.days_before) for r in first] == [(in_7, 7), (in_30, 30)]
        assert grant_deadline_reminders(tenant_id=tenant_a, today=today) == first  # idempotent
    assert count(app, GrantApplication) == 5


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["partner_staff", "tenant_admin"])
def test_managers_use_the_pages(client_for, role):
    client = client_for("alpha", role)
    assert client.get(ACTIVITIES).status_code == 200 and client.get(GRANTS).status_code == 200


def test_platform_admin_may_record_an_activity(app, client_for):
    assert post(client_for(None), ACTIVITIES, VALID).status_code == 303
    assert count(app, Activity) == 1


@pytest.mark.parametrize("role", ["municipal_staff", "volunteer", "finance"])
def test_other_roles_get_403(app, client_for, tenant_a, role):
    grant = add_grant(app, tenant_a)
    client = client_for("alpha", role)
    assert client.get(ACTIVITIES).status_code == 403 and client.get(GRANTS).status_code == 403
    token = csrf_from(client.get("/alpha/").get_data(as_text=True))
    assert client.post(ACTIVITIES, data={**VALID, "csrf_token": token}).status_code == 403
    assert client.post(GRANTS, data={**GRANT, "csrf_token": token}).status_code == 403
    assert client.post(f"{GRANTS}{grant}", data={**GRANT, "csrf_token": token}).status_code == 403
    assert count(app, Activity) == 0


def test_a_tenant_without_the_programme_has_no_activities_page(client_for):
    assert client_for("gamma", "tenant_admin").get("/gamma/volunteer_association/activities/").status_code == 404


def test_another_tenants_page_is_not_found(client_for):
    assert client_for("alpha", "tenant_admin").get("/beta/volunteer_association/grants/").status_code == 404
