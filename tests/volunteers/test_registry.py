"""The volunteer registry: life-cycle rules, the reminder job, pages, API, isolation and roles.

Two tenants hold look-alike volunteers (same name); a leak would show the
other tenant's volunteer. Inside one tenant, two organisations hold
volunteers with distinctive names and phone numbers; a leak would show the
other organisation's.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import delete, func, select

from core.audit import events_for_subject
from core.calendar import copenhagen_today
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from core.testing.fixtures import csrf_from, organisation_id
from core.volunteers.models import Volunteer, VolunteerReminder
from core.volunteers.reminders import send_volunteer_reminders

TODAY = date(2025, 3, 1)
MISSING_ID = 987654
PAGE_ROLES_REFUSED = ("municipal_staff", "volunteer", "finance")


@pytest.fixture(autouse=True)
def _clean_volunteers(app):
    yield
    with app.app_context():
        db.session.rollback()
        with cross_tenant("test clean-up"):
            db.session.execute(delete(VolunteerReminder))
            db.session.execute(delete(Volunteer))
        db.session.commit()
        db.session.remove()


def add_volunteer(app, tenant_id: int, **fields) -> int:
    values = {"name": "Karen Jensen", "organisation_id": organisation_id(app, "testforeningen"), **fields}
    with app.app_context(), tenant_context(tenant_id):
        volunteer = Volunteer(**values)
        db.session.add(volunteer)
        db.session.commit()
        volunteer_id = volunteer.id
        db.session.remove()
    return volunteer_id


def load(app, tenant_id: int, volunteer_id: int) -> Volunteer | None:
    with app.app_context(), tenant_context(tenant_id):
        volunteer = db.session.get(Volunteer, volunteer_id)
        if volunteer is not None:
            db.session.expunge(volunteer)
        db.session.remove()
    return volunteer


def count_volunteers(app) -> int:
    with app.app_context(), cross_tenant("test: count every tenant's volunteers"):
        return db.session.scalars(select(func.count(Volunteer.id))).one()


def reminders(app, tenant_id: int) -> list[tuple[int, str, int, date]]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.execute(
            select(
                VolunteerReminder.volunteer_id, VolunteerReminder.kind, VolunteerReminder.days_before, VolunteerReminder.expires_on
            ).order_by(VolunteerReminder.kind, VolunteerReminder.days_before.desc())
        ).all()
        db.session.remove()
    return [(volunteer_id, kind, days_before, expires_on) for volunteer_id, kind, days_before, expires_on in rows]


def run_reminders(app, tenant_id: int, today: date) -> int:
    """Run the job as core's runner does; returns how many reminders it added (counted in the database)."""
    with app.app_context(), tenant_context(tenant_id):
        count = select(func.count(VolunteerReminder.id))
        before = db.session.scalars(count).one()
        send_volunteer_reminders(tenant_id, today.isoformat())
        db.session.commit()  # core's job runner commits when the job returns
        added = db.session.scalars(count).one() - before
        db.session.remove()
    return added


# --- life-cycle rules ---------------------------------------------------------------


def approved_until(day: date, **fields) -> Volunteer:
    return Volunteer(name="X", certificate_result="approved", certificate_valid_until=day, **fields)


def test_certificate_is_valid_only_when_approved_and_up_to_its_last_day():
    volunteer = approved_until(TODAY)
    assert volunteer.certificate_valid_on(TODAY - timedelta(days=1))
    assert volunteer.certificate_valid_on(TODAY)
    assert not volunteer.certificate_valid_on(TODAY + timedelta(days=1))
    for result in ("remarks", "rejected", None):
        assert not Volunteer(certificate_result=result, certificate_valid_until=TODAY).certificate_valid_on(TODAY)
    assert not Volunteer(certificate_result="approved", certificate_valid_until=None).certificate_valid_on(TODAY)


def test_insurance_covers_from_its_first_to_its_last_day_or_open_ended():
    insured = Volunteer(insured_from=TODAY, insured_until=TODAY + timedelta(days=10))
    assert not insured.insured_on(TODAY - timedelta(days=1))
    assert insured.insured_on(TODAY) and insured.insured_on(TODAY + timedelta(days=10))
    assert not insured.insured_on(TODAY + timedelta(days=11))
    assert Volunteer(insured_from=TODAY, insured_until=None).insured_on(TODAY + timedelta(days=3650))
    assert not Volunteer(insured_from=None, insured_until=TODAY).insured_on(TODAY)


def test_ready_needs_both_a_valid_certificate_and_insurance():
    later = TODAY + timedelta(days=30)
    assert approved_until(later, insured_from=TODAY).ready_on(TODAY)
    assert not approved_until(later).ready_on(TODAY)  # not insured
    assert not approved_until(TODAY - timedelta(days=1), insured_from=TODAY).ready_on(TODAY)  # certificate expired
    assert not Volunteer(certificate_result="remarks", certificate_valid_until=later, insured_from=TODAY).ready_on(TODAY)


def test_status_columns(app):
    from core.volunteers.views import (
        certificate_status,
        insurance_status,
        training_status,
    )

    with app.test_request_context("/"):
        valid = approved_until(TODAY + timedelta(days=5), insured_from=TODAY, training_completed_on=TODAY)
        assert certificate_status(valid, TODAY).ok and "6.3.2025" in certificate_status(valid, TODAY).label
        expired = approved_until(TODAY - timedelta(days=1))
        assert not certificate_status(expired, TODAY).ok and "28.2.2025" in certificate_status(expired, TODAY).label
        assert certificate_status(expired, TODAY) != certificate_status(Volunteer(), TODAY)  # expired is not "missing"
        assert insurance_status(valid, TODAY).ok and not insurance_status(Volunteer(), TODAY).ok
        lapsed = Volunteer(insured_from=TODAY - timedelta(days=9), insured_until=TODAY - timedelta(days=1))
        assert not insurance_status(lapsed, TODAY).ok and "28.2.2025" in insurance_status(lapsed, TODAY).label
        assert training_status(valid, TODAY).ok and not training_status(Volunteer(), TODAY).ok


# --- the reminder job ---------------------------------------------------------------


def test_reminders_at_60_and_30_days_and_safe_to_run_twice(app, tenant_a):
    certificate = add_volunteer(app, tenant_a, certificate_result="approved", certificate_valid_until=TODAY + timedelta(days=60))
    insured = add_volunteer(app, tenant_a, insured_from=TODAY, insured_until=TODAY + timedelta(days=75))
    add_volunteer(app, tenant_a, certificate_result="approved", certificate_valid_until=TODAY - timedelta(days=1))  # expired: none
    later = add_volunteer(app, tenant_a, certificate_result="approved", certificate_valid_until=TODAY + timedelta(days=61))  # not yet

    assert run_reminders(app, tenant_a, TODAY) == 1
    assert reminders(app, tenant_a) == [(certificate, "certificate", 60, TODAY + timedelta(days=60))]
    assert run_reminders(app, tenant_a, TODAY) == 0  # a second delivery of the same job inserts nothing
    assert len(reminders(app, tenant_a)) == 1

    day_30 = TODAY + timedelta(days=30)
    # 30 days on: the first certificate's 30-day warning; the other certificate and the
    # insurance passed their 60-day mark while no job ran, so their warning is recorded now.
    assert run_reminders(app, tenant_a, day_30) == 3
    assert run_reminders(app, tenant_a, day_30) == 0
    assert sorted(reminders(app, tenant_a)) == sorted(
        [
            (certificate, "certificate", 60, TODAY + timedelta(days=60)),
            (certificate, "certificate", 30, TODAY + timedelta(days=60)),
            (later, "certificate", 60, TODAY + timedelta(days=61)),
            (insured, "insurance", 60, TODAY + timedelta(days=75)),
        ]
    )


def test_the_job_returns_how_many_reminders_it_recorded(app, tenant_a):
    add_volunteer(app, tenant_a, certificate_result="approved", certificate_valid_until=TODAY + timedelta(days=45))
    with app.app_context(), tenant_context(tenant_a):
        assert send_volunteer_reminders(tenant_a, TODAY.isoformat()) == 1
        assert send_volunteer_reminders(tenant_a, TODAY.isoformat()) == 0
        db.session.rollback()
        db.session.remove()


def test_renewed_certificate_gets_its_own_reminders(app, tenant_a):
    volunteer = add_volunteer(app, tenant_a, certificate_result="approved", certificate_valid_until=TODAY + timedelta(days=30))
    run_reminders(app, tenant_a, TODAY)
    with app.app_context(), tenant_context(tenant_a):
        db.session.get(Volunteer, volunteer).certificate_valid_until = TODAY + timedelta(days=3 * 365 + 30)
        db.session.commit()
    assert run_reminders(app, tenant_a, TODAY + timedelta(days=3 * 365)) == 2
    assert len(reminders(app, tenant_a)) == 4


def test_a_tenants_run_never_reminds_about_another_tenants_volunteers(app, tenant_a, tenant_b):
    expiring = {"certificate_result": "approved", "certificate_valid_until": TODAY + timedelta(days=20)}
    alpha = add_volunteer(app, tenant_a, **expiring)
    beta = add_volunteer(app, tenant_b, **expiring)
    assert run_reminders(app, tenant_a, TODAY) == 2
    assert {r[0] for r in reminders(app, tenant_a)} == {alpha}
    assert reminders(app, tenant_b) == []
    with app.app_context(), cross_tenant("test: every reminder"):
        assert db.session.scalars(select(VolunteerReminder.tenant_id).distinct()).all() == [tenant_a]
    assert run_reminders(app, tenant_a, TODAY) == 0
    assert run_reminders(app, tenant_b, TODAY) == 2
    assert {r[0] for r in reminders(app, tenant_b)} == {beta}


def test_daily_job_is_registered_and_runs_per_tenant(app, tenant_a, tenant_b):
    from core.jobs.runner import dispatch_periodic, enqueue, registry

    with app.app_context():
        programme, job = registry(app)["core.volunteer_reminders"]
    assert programme is None and job.cron == "5 6 * * *" and job.scope == "tenant"
    add_volunteer(app, tenant_b, certificate_result="approved", certificate_valid_until=copenhagen_today() + timedelta(days=10))
    alpha = add_volunteer(app, tenant_a, insured_from=copenhagen_today(), insured_until=copenhagen_today() + timedelta(days=40))
    with app.app_context():
        assert enqueue("core.volunteer_reminders", tenant_a).status == "succeeded"
        assert enqueue("core.volunteer_reminders", tenant_a).status == "succeeded"  # twice: nothing new
    assert [r[:3] for r in reminders(app, tenant_a)] == [(alpha, "insurance", 60)]
    assert reminders(app, tenant_b) == []
    with app.app_context():
        tick = "2026-05-01T06:05+00:00"
        assert dispatch_periodic("core.volunteer_reminders", tick) >= 2  # once per active tenant
        assert dispatch_periodic("core.volunteer_reminders", tick) == 0  # the same tick again: nothing
    assert len(reminders(app, tenant_b)) == 2 and len(reminders(app, tenant_a)) == 1


@pytest.mark.redis
def test_reminder_job_through_a_real_rq_worker(app, tenant_a, tenant_b):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL not set (the PostgreSQL + Redis CI pass sets it)")
    from redis import Redis
    from rq import Queue, SimpleWorker

    from core.jobs.models import JobRun
    from core.jobs.runner import QUEUE_NAME, enqueue

    expiring = {"certificate_result": "approved", "certificate_valid_until": copenhagen_today() + timedelta(days=45)}
    alpha = add_volunteer(app, tenant_a, **expiring)
    add_volunteer(app, tenant_b, **expiring)
    connection = Redis.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=connection)
    queue.empty()
    app.config["REDIS_URL"] = redis_url
    try:
        with app.app_context():
            runs = [enqueue("core.volunteer_reminders", tenant_a).id for _ in range(2)]  # delivered twice
            SimpleWorker([queue], connection=connection).work(burst=True)
            db.session.expire_all()
            with tenant_context(tenant_a):  # a tenant's job runs are that tenant's rows
                assert [db.session.get(JobRun, r).status for r in runs] == ["succeeded", "succeeded"]
    finally:
        app.config["REDIS_URL"] = ""
        queue.empty()
    assert [r[:3] for r in reminders(app, tenant_a)] == [(alpha, "certificate", 60)]
    assert reminders(app, tenant_b) == []


def test_dashboard_widget_counts_only_the_tenant_in_context(app, tenant_a, tenant_b):
    from core.volunteers.widgets import reminders_widget

    expired = {"name": "<b>Karen</b>", "certificate_result": "approved", "certificate_valid_until": copenhagen_today() - timedelta(days=1)}
    add_volunteer(app, tenant_a, **expired)
    add_volunteer(app, tenant_a, certificate_result="approved", certificate_valid_until=copenhagen_today() + timedelta(days=10))
    for _ in range(3):
        add_volunteer(app, tenant_b, **expired)
    with app.app_context(), tenant_context(tenant_a):
        send_volunteer_reminders(tenant_a)
        db.session.commit()
    with app.test_request_context("/alpha/"), tenant_context(tenant_a):
        html = reminders_widget()
    assert isinstance(html, Markup)
    assert html.count(": 2<") == 1 and html.count(": 1<") == 1  # two open reminders, one expired certificate
    assert "3" not in html and "Karen" not in html


# --- pages --------------------------------------------------------------------------


def form_data(**overrides) -> dict[str, str]:
    data = {
        "name": "Karen Jensen",
        "phone": "+45 12 34 56 78",
        "email": "karen@example.org",
        "training_completed_on": "2025-01-15",
        "insured_from": "2025-01-01",
        "insured_until": "2099-12-31",
        "certificate_requested_on": "2025-01-05",
        "certificate_consent_given": "1",
        "certificate_assessed_on": "2025-01-20",
        "certificate_result": "approved",
        "certificate_valid_until": "2099-01-20",
        "certificate_document_deleted_on": "2025-01-21",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, url: str, data: dict[str, str], page: str | None = None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_partner_staff_registers_and_edits_a_volunteer(app, client_for, tenant_a):
    staff = client_for("alpha", "partner_staff")
    created = post(staff, "/alpha/volunteers/", form_data())
    assert created.status_code == 303
    url = created.headers["Location"]
    volunteer_id = int(url.rstrip("/").rsplit("/", 1)[1])
    assert url.endswith(f"/alpha/volunteers/{volunteer_id}")
    stored = load(app, tenant_a, volunteer_id)
    assert stored.certificate_consent_given is True and stored.certificate_valid_until == date(2099, 1, 20)
    assert stored.ready_on(copenhagen_today())

    listing = staff.get("/alpha/volunteers/")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "Karen Jensen" in html and "20.1.2099" in html and "31.12.2099" in html
    page = staff.get(url).get_data(as_text=True)
    assert 'value="karen@example.org"' in page and 'value="2099-01-20"' in page

    changed = post(staff, url, form_data(phone="", certificate_valid_until="2098-06-01"))
    assert changed.status_code == 303
    stored = load(app, tenant_a, volunteer_id)
    assert stored.phone is None and stored.certificate_valid_until == date(2098, 6, 1)
    with app.app_context(), tenant_context(tenant_a):
        actions = {e.action for e in events_for_subject(tenant_a, f"volunteer:{volunteer_id}")}
    assert {"create", "view", "change"} <= actions


def test_missing_fields_give_danish_errors_and_write_nothing(client_for):
    staff = client_for("alpha", "partner_staff")
    refused = post(staff, "/alpha/volunteers/", form_data(name="", insured_from="1. januar"))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Feltet skal udfyldes." in html and "Skriv en dato som ÅÅÅÅ-MM-DD." in html
    assert 'id="field-name-error"' in html and 'id="field-insured_from-error"' in html
    assert 'value="karen@example.org"' in html  # the input is kept
    assert count_volunteers(staff.application) == 0


@pytest.mark.parametrize(
    ("overrides", "failing"),
    [
        ({"insured_from": "2025-02-01", "insured_until": "2025-01-31"}, "insured_until"),
        ({"certificate_consent_given": None}, "certificate_consent_given"),  # requested without consent
        ({"certificate_consent_given": None, "certificate_requested_on": None}, "certificate_consent_given"),  # assessed without
        ({"certificate_requested_on": None}, "certificate_requested_on"),  # assessed, never requested
        ({"certificate_result": "maybe"}, "certificate_result"),
    ],
)
def test_certificate_and_insurance_rules_are_checked(client_for, overrides, failing):
    staff = client_for("alpha", "partner_staff")
    refused = post(staff, "/alpha/volunteers/", form_data(**overrides))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f'id="field-{failing}-error"' in html
    assert count_volunteers(staff.application) == 0


def test_the_consent_rule_is_explained_in_danish(client_for):
    refused = post(client_for("alpha"), "/alpha/volunteers/", form_data(certificate_consent_given=None))
    assert refused.status_code == 422
    assert "En børneattest må kun indhentes med den frivilliges samtykke." in refused.get_data(as_text=True)


def test_consent_without_a_request_is_fine(app, client_for):
    data = form_data(certificate_requested_on=None, certificate_assessed_on=None, certificate_result=None, certificate_valid_until=None)
    assert post(client_for("alpha"), "/alpha/volunteers/", data).status_code == 303


def test_invalid_update_changes_nothing(app, client_for, tenant_a):
    volunteer_id = add_volunteer(app, tenant_a, phone="111")
    staff = client_for("alpha", "tenant_admin")
    refused = post(staff, f"/alpha/volunteers/{volunteer_id}", form_data(phone="222", name=""))
    assert refused.status_code == 422 and "Feltet skal udfyldes." in refused.get_data(as_text=True)
    assert load(app, tenant_a, volunteer_id).phone == "111"


# --- isolation ----------------------------------------------------------------------


@pytest.fixture
def lookalikes(app, tenant_a, tenant_b) -> dict[str, int]:
    return {
        "alpha": add_volunteer(app, tenant_a, email="alpha@example.org"),
        "beta": add_volunteer(app, tenant_b, email="beta@example.org", phone="999"),
    }


def test_list_shows_only_the_own_tenants_volunteers(client_for, lookalikes):
    html = client_for("alpha").get("/alpha/volunteers/").get_data(as_text=True)
    assert f"/alpha/volunteers/{lookalikes['alpha']}" in html and f"/volunteers/{lookalikes['beta']}" not in html
    api = client_for("alpha").get("/alpha/api/v1/volunteers").get_json()
    assert [v["id"] for v in api] == [lookalikes["alpha"]]


def test_foreign_volunteer_id_answers_exactly_like_a_missing_one(app, client_for, lookalikes, tenant_b):
    staff = client_for("alpha", "tenant_admin")
    foreign, missing = lookalikes["beta"], MISSING_ID
    token = csrf_from(staff.get("/alpha/volunteers/").get_data(as_text=True))
    api_body = {"name": "Overtaget", "organisation_id": organisation_id(app, "testforeningen")}
    calls = [
        lambda i: staff.get(f"/alpha/volunteers/{i}"),
        lambda i: staff.post(f"/alpha/volunteers/{i}", data={**form_data(phone="000"), "csrf_token": token}),
        lambda i: staff.post(f"/alpha/volunteers/{i}", data={"csrf_token": token}),  # invalid input: still 404, not 422
        lambda i: staff.get(f"/alpha/api/v1/volunteers/{i}"),
        lambda i: staff.put(f"/alpha/api/v1/volunteers/{i}", json=api_body),
        lambda i: staff.put(f"/alpha/api/v1/volunteers/{i}", json={}),  # invalid body: still 404, not 422
    ]
    for call in calls:
        answer_foreign, answer_missing = call(foreign), call(missing)
        assert answer_foreign.status_code == answer_missing.status_code == 404
        assert answer_foreign.get_data() == answer_missing.get_data()
        assert b"beta" not in answer_foreign.get_data().lower()
    stored = load(app, tenant_b, foreign)
    assert stored.name == "Karen Jensen" and stored.phone == "999"


def test_another_tenants_pages_are_not_found(client_for, lookalikes):
    staff = client_for("alpha", "tenant_admin")
    assert staff.get("/beta/volunteers/").status_code == 404
    assert staff.get(f"/beta/volunteers/{lookalikes['beta']}").status_code == 404
    assert staff.get("/beta/api/v1/volunteers").status_code == 404


# --- roles --------------------------------------------------------------------------


@pytest.mark.parametrize("role", PAGE_ROLES_REFUSED)
def test_roles_without_access_get_403(client_for, lookalikes, role):
    client = client_for("alpha", role)
    own = lookalikes["alpha"]
    token = csrf_from(client.get("/alpha/").get_data(as_text=True))
    assert client.get("/alpha/volunteers/").status_code == 403
    assert client.get(f"/alpha/volunteers/{own}").status_code == 403
    assert client.post("/alpha/volunteers/", data={**form_data(), "csrf_token": token}).status_code == 403
    assert client.post(f"/alpha/volunteers/{own}", data={**form_data(), "csrf_token": token}).status_code == 403
    assert client.get("/alpha/api/v1/volunteers").status_code == 403
    assert client.put(f"/alpha/api/v1/volunteers/{own}", json={"name": "X"}).status_code == 403


@pytest.mark.parametrize("role", ["tenant_admin", "partner_staff"])
def test_tenant_admin_and_partner_staff_may_open_the_pages(client_for, lookalikes, role):
    client = client_for("alpha", role)
    assert client.get("/alpha/volunteers/").status_code == 200
    assert client.get(f"/alpha/volunteers/{lookalikes['alpha']}").status_code == 200


def test_platform_admin_may_open_the_pages(client_for, lookalikes):
    assert client_for(None).get(f"/alpha/volunteers/{lookalikes['alpha']}").status_code == 200


# --- API ----------------------------------------------------------------------------


def test_api_creates_reads_and_replaces(app, client_for, tenant_a):
    staff = client_for("alpha")
    created = staff.post(
        "/alpha/api/v1/volunteers",
        json={
            "name": "Amal Yusuf",
            "certificate_consent_given": True,
            "certificate_requested_on": "2025-01-05",
            "insured_from": "2025-01-01",
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["id"] and body["certificate_requested_on"] == "2025-01-05" and "login_subject" not in body and "tenant_id" not in body
    # Partner staff need not name their organisation: it is theirs.
    assert body["organisation"] == {"slug": "testforeningen", "name": "Testforeningen"} and "partner_organisation" not in body
    assert body["organisation_id"] == organisation_id(app, "testforeningen")
    one = staff.get(f"/alpha/api/v1/volunteers/{body['id']}")
    assert one.status_code == 200 and one.get_json()["name"] == "Amal Yusuf"
    replaced = staff.put(f"/alpha/api/v1/volunteers/{body['id']}", json={"name": "Amal Yusuf"})
    assert replaced.status_code == 200 and replaced.get_json()["organisation"]["slug"] == "testforeningen"
    assert replaced.get_json()["certificate_requested_on"] is None and replaced.get_json()["certificate_consent_given"] is False
    with app.app_context(), tenant_context(tenant_a):
        actions = {e.action for e in events_for_subject(tenant_a, f"volunteer:{body['id']}")}
    assert {"create", "view", "change"} <= actions


def test_api_refuses_invalid_input_with_422_and_writes_nothing(app, client_for, tenant_a):
    staff = client_for("alpha")
    refused = staff.post("/alpha/api/v1/volunteers", json={"name": "Amal", "certificate_requested_on": "2025-01-05"})
    assert refused.status_code == 422
    assert "certificate_consent_given" in refused.get_json()["errors"]["json"]
    assert count_volunteers(app) == 0
    volunteer_id = add_volunteer(app, tenant_a)
    bad = staff.put(
        f"/alpha/api/v1/volunteers/{volunteer_id}", json={"name": "Amal", "insured_from": "2025-02-01", "insured_until": "2025-01-01"}
    )
    assert bad.status_code == 422 and "insured_until" in bad.get_json()["errors"]["json"]
    assert load(app, tenant_a, volunteer_id).name == "Karen Jensen"


# --- organisations ------------------------------------------------------------------
#
# In alpha, Testforeningen (party to the agreement) and Anden Forening (party to
# nothing there; the registry is core, not a programme) each have a volunteer
# with a distinctive name and phone number. Neither organisation's staff may
# see the other's; the municipality's administrator sees both.

OWN = {"name": "Solveig Testforeningsen", "phone": "+45 31 41 59 26", "email": "solveig@example.org"}
OTHER = {"name": "Aase Andenforeningsen", "phone": "+45 27 18 28 18", "email": "aase@example.org"}


@pytest.fixture
def two_organisations(app, tenant_a) -> dict[str, int]:
    return {
        "testforeningen": add_volunteer(
            app, tenant_a, **OWN, certificate_result="approved", certificate_valid_until=copenhagen_today() - timedelta(days=1)
        ),
        "andenforening": add_volunteer(app, tenant_a, **OTHER, organisation_id=organisation_id(app, "andenforening")),
    }


def _leaks(body: str, person: dict[str, str]) -> list[str]:
    return [value for value in person.values() if value in body]


def test_partner_staff_of_another_organisation_see_none_of_its_volunteers(app, client_for, two_organisations, tenant_a):
    other = client_for("alpha", organisation="andenforening")
    theirs, mine = two_organisations["testforeningen"], two_organisations["andenforening"]

    listing = other.get("/alpha/volunteers/")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and OTHER["name"] in html and "Anden Forening" in html
    assert _leaks(html, OWN) == [] and f"/alpha/volunteers/{theirs}" not in html

    # Another organisation's volunteer answers exactly like a missing id, on every route.
    token = csrf_from(html)
    calls = [
        lambda i: other.get(f"/alpha/volunteers/{i}"),
        lambda i: other.post(f"/alpha/volunteers/{i}", data={**form_data(name="Overtaget"), "csrf_token": token}),
        lambda i: other.get(f"/alpha/api/v1/volunteers/{i}"),
        lambda i: other.put(f"/alpha/api/v1/volunteers/{i}", json={"name": "Overtaget"}),
    ]
    for call in calls:
        answer_theirs, answer_missing = call(theirs), call(MISSING_ID)
        assert answer_theirs.status_code == answer_missing.status_code == 404
        assert answer_theirs.get_data() == answer_missing.get_data()
        assert _leaks(answer_theirs.get_data(as_text=True), OWN) == []
    assert load(app, tenant_a, theirs).name == OWN["name"]  # nothing changed

    api = other.get("/alpha/api/v1/volunteers")
    assert api.status_code == 200
    assert [(v["id"], v["organisation"]["slug"]) for v in api.get_json()] == [(mine, "andenforening")]
    assert _leaks(api.get_data(as_text=True), OWN) == []
    own_item = other.get(f"/alpha/api/v1/volunteers/{mine}")
    assert own_item.status_code == 200 and own_item.get_json()["phone"] == OTHER["phone"]


def test_partner_staff_see_their_own_organisations_volunteers_only(client_for, two_organisations):
    staff = client_for("alpha")  # Testforeningen
    html = staff.get("/alpha/volunteers/").get_data(as_text=True)
    assert OWN["name"] in html and _leaks(html, OTHER) == []
    assert staff.get(f"/alpha/volunteers/{two_organisations['andenforening']}").status_code == 404
    assert [v["name"] for v in staff.get("/alpha/api/v1/volunteers").get_json()] == [OWN["name"]]
    assert staff.get(f"/alpha/api/v1/volunteers/{two_organisations['andenforening']}").status_code == 404


@pytest.mark.parametrize("slug", ["alpha", None])  # the tenant administrator; a platform administrator
def test_administrators_see_every_organisations_volunteers(client_for, two_organisations, slug):
    admin = client_for("alpha", "tenant_admin") if slug else client_for(None)
    html = admin.get("/alpha/volunteers/").get_data(as_text=True)
    for person in (OWN, OTHER):
        assert person["name"] in html
    assert "Testforeningen" in html and "Anden Forening" in html  # the organisation's name in the list
    api = admin.get("/alpha/api/v1/volunteers").get_json()
    assert sorted((v["name"], v["organisation"]["name"]) for v in api) == [
        (OTHER["name"], "Anden Forening"),
        (OWN["name"], "Testforeningen"),
    ]
    for key, person in (("testforeningen", OWN), ("andenforening", OTHER)):
        assert person["phone"] in admin.get(f"/alpha/volunteers/{two_organisations[key]}").get_data(as_text=True)
        assert admin.get(f"/alpha/api/v1/volunteers/{two_organisations[key]}").get_json()["phone"] == person["phone"]


def test_the_list_loads_the_organisations_with_the_volunteers(app, client_for, two_organisations):
    from sqlalchemy import event

    admin = client_for("alpha", "tenant_admin")
    admin.get("/alpha/")  # the session and its organisation are looked up before counting
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()).lower())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert admin.get("/alpha/volunteers/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    lazy = [s for s in statements if s.startswith("select") and "from organisations where organisations.id =" in s]
    assert lazy == []  # no query per row
    assert any("from volunteers left outer join organisations" in s for s in statements)


def test_the_dashboard_counts_only_the_organisations_volunteers(app, client_for, two_organisations, tenant_a):
    import re

    add_volunteer(
        app,
        tenant_a,
        name="Udløbet Anden",
        organisation_id=organisation_id(app, "andenforening"),
        certificate_result="approved",
        certificate_valid_until=copenhagen_today() - timedelta(days=3),
    )
    add_volunteer(
        app,
        tenant_a,
        name="Snart Anden",
        organisation_id=organisation_id(app, "andenforening"),
        certificate_result="approved",
        certificate_valid_until=copenhagen_today() + timedelta(days=10),
    )
    with app.app_context(), tenant_context(tenant_a):
        send_volunteer_reminders(tenant_a)  # "Snart Anden": the 60- and the 30-day reminder
        db.session.commit()

    def counts(client) -> tuple[int, int]:
        home = client.get("/alpha/")
        assert home.status_code == 200
        html = home.get_data(as_text=True)
        # Each count is a link to the registry (issue 14: counters lead to their lists).
        found = re.search(r"Ubehandlede påmindelser: (\d+)(?:</a>)?</p><p>(?:<a [^>]*>)?Udløbne børneattester: (\d+)<", html)
        assert found, html
        return int(found[1]), int(found[2])

    assert counts(client_for("alpha", organisation="andenforening")) == (2, 1)
    assert counts(client_for("alpha")) == (0, 1)  # Testforeningen: Solveig's expired certificate only
    assert counts(client_for("alpha", "tenant_admin")) == (2, 2)


def test_an_administrator_chooses_an_organisation_of_the_tenants_agreements(app, client_for, tenant_a):
    admin = client_for("alpha", "tenant_admin")
    page = admin.get("/alpha/volunteers/").get_data(as_text=True)
    testforeningen, anden = organisation_id(app, "testforeningen"), organisation_id(app, "andenforening")
    assert 'name="organisation_id"' in page and f'<option value="{testforeningen}"' in page
    assert f'<option value="{anden}"' not in page  # party to no agreement in alpha
    for bad in (str(anden), str(MISSING_ID), None):
        refused = post(admin, "/alpha/volunteers/", form_data(organisation_id=bad))
        assert refused.status_code == 422, bad
        assert 'id="field-organisation_id-error"' in refused.get_data(as_text=True)
    assert count_volunteers(app) == 0
    created = post(admin, "/alpha/volunteers/", form_data(organisation_id=str(testforeningen)))
    assert created.status_code == 303
    volunteer_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert load(app, tenant_a, volunteer_id).organisation_id == testforeningen


def test_an_administrator_may_keep_an_organisation_outside_the_agreements(app, client_for, tenant_a):
    anden = organisation_id(app, "andenforening")
    volunteer_id = add_volunteer(app, tenant_a, **OTHER, organisation_id=anden)
    admin = client_for("alpha", "tenant_admin")
    url = f"/alpha/volunteers/{volunteer_id}"
    assert f'<option value="{anden}" selected' in admin.get(url).get_data(as_text=True)
    assert post(admin, url, form_data(organisation_id=str(anden), phone="111")).status_code == 303
    assert load(app, tenant_a, volunteer_id).phone == "111"
    # ... but not give it to a new volunteer.
    assert post(admin, "/alpha/volunteers/", form_data(organisation_id=str(anden))).status_code == 422


def test_partner_staff_register_for_their_own_organisation_without_choosing(app, client_for, tenant_a):
    staff = client_for("alpha", organisation="andenforening")
    page = staff.get("/alpha/volunteers/").get_data(as_text=True)
    assert 'name="organisation_id"' not in page
    created = post(staff, "/alpha/volunteers/", form_data(**OTHER))
    assert created.status_code == 303
    volunteer_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert load(app, tenant_a, volunteer_id).organisation_id == organisation_id(app, "andenforening")
    # A hand-made form naming another organisation is refused, nothing written.
    refused = post(staff, "/alpha/volunteers/", form_data(organisation_id=str(organisation_id(app, "testforeningen"))))
    assert refused.status_code == 422 and count_volunteers(app) == 1


def test_api_organisation_rules(app, client_for, tenant_a):
    testforeningen, anden = organisation_id(app, "testforeningen"), organisation_id(app, "andenforening")
    admin = client_for("alpha", "tenant_admin")
    for body in ({"name": "Amal"}, {"name": "Amal", "organisation_id": anden}, {"name": "Amal", "organisation_id": MISSING_ID}):
        refused = admin.post("/alpha/api/v1/volunteers", json=body)
        assert refused.status_code == 422 and "organisation_id" in refused.get_json()["errors"]["json"], body
    staff = client_for("alpha")
    refused = staff.post("/alpha/api/v1/volunteers", json={"name": "Amal", "organisation_id": anden})
    assert refused.status_code == 422 and "organisation_id" in refused.get_json()["errors"]["json"]
    assert count_volunteers(app) == 0

    created = admin.post("/alpha/api/v1/volunteers", json={"name": "Amal", "organisation_id": testforeningen})
    assert created.status_code == 201 and created.get_json()["organisation"] == {"slug": "testforeningen", "name": "Testforeningen"}
    volunteer_id = created.get_json()["id"]
    # Partner staff replacing their volunteer keep their organisation (named or not).
    for body in ({"name": "Amal Y"}, {"name": "Amal Y", "organisation_id": testforeningen}):
        assert staff.put(f"/alpha/api/v1/volunteers/{volunteer_id}", json=body).status_code == 200
    assert load(app, tenant_a, volunteer_id).organisation_id == testforeningen
    moved = staff.put(f"/alpha/api/v1/volunteers/{volunteer_id}", json={"name": "Amal Y", "organisation_id": anden})
    assert moved.status_code == 422 and load(app, tenant_a, volunteer_id).organisation_id == testforeningen


def test_openapi_shows_the_organisation(client):
    doc = client.get("/alpha/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    volunteer = schemas["Volunteer"]["properties"]
    assert "partner_organisation" not in volunteer and volunteer["organisation_id"]["type"] == "integer"
    assert volunteer["organisation"]["readOnly"] is True
    assert {"$ref": "#/components/schemas/VolunteerOrganisation"} in volunteer["organisation"]["anyOf"]
    assert set(schemas["VolunteerOrganisation"]["properties"]) == {"slug", "name"}


def test_current_volunteer_matches_the_log_in_and_the_organisation(app, tenant_a):
    from flask import g

    from core.identity.models import User
    from core.identity.sessions import Principal
    from core.volunteers import current_volunteer

    with app.app_context():
        user = User(issuer="https://test-idp.invalid", subject="alpha-volunteer-shared", display_name="Frivillig")
        db.session.add(user)
        db.session.commit()
        user_id, login = user.id, f"{user.issuer}|{user.subject}"
    testforeningen, anden = organisation_id(app, "testforeningen"), organisation_id(app, "andenforening")
    # The same log-in linked to a volunteer row in each organisation (a shadowing row).
    rows = {
        testforeningen: add_volunteer(app, tenant_a, name="Hos Testforeningen", login_subject=login),
        anden: add_volunteer(app, tenant_a, name="Hos Anden Forening", login_subject=login, organisation_id=anden),
    }

    def resolved(organisation: int | None) -> int | None:
        with app.test_request_context("/alpha/"), tenant_context(tenant_a):
            g.principal = Principal(
                name="Frivillig", roles=("volunteer",), tenant_id=tenant_a, user_id=user_id, organisation_id=organisation
            )
            found = current_volunteer()
            return found.id if found is not None else None

    assert resolved(testforeningen) == rows[testforeningen]
    assert resolved(anden) == rows[anden]
    assert resolved(None) is None
    with app.app_context(), tenant_context(tenant_a):
        db.session.execute(delete(Volunteer).where(Volunteer.id == rows[anden]))
        db.session.commit()
    assert resolved(anden) is None  # never the other organisation's row
    with app.app_context():
        db.session.execute(delete(User).where(User.id == user_id))
        db.session.commit()
