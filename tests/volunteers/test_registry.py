"""The volunteer registry: life-cycle rules, the reminder job, pages, API, isolation and roles.

Two tenants hold look-alike volunteers (same name); a leak would show the
other tenant's partner organisation or e-mail.
"""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import delete, func, select

from core.audit import events_for_subject
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from core.volunteers.models import Volunteer, VolunteerReminder
from core.volunteers.reminders import send_volunteer_reminders
from tests.conftest import csrf_from

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
    values = {"name": "Karen Jensen", "partner_organisation": "DRC Integration", **fields}
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
        return db.session.scalar(select(func.count(Volunteer.id)))


def reminders(app, tenant_id: int) -> list[tuple[int, str, int, date]]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.execute(
            select(VolunteerReminder.volunteer_id, VolunteerReminder.kind, VolunteerReminder.days_before, VolunteerReminder.expires_on)
            .order_by(VolunteerReminder.kind, VolunteerReminder.days_before.desc())
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def run_reminders(app, tenant_id: int, today: date) -> int:
    """Run the job as core's runner does; returns how many reminders it added (counted in the database)."""
    with app.app_context(), tenant_context(tenant_id):
        count = select(func.count(VolunteerReminder.id))
        before = db.session.scalar(count)
        send_volunteer_reminders(tenant_id, today.isoformat())
        db.session.commit()  # core's job runner commits when the job returns
        added = db.session.scalar(count) - before
        db.session.remove()
    return added


# --- life-cycle rules ---------------------------------------------------------------


def approved_until(day: date, **fields) -> Volunteer:
    return Volunteer(name="X", partner_organisation="Y", certificate_result="approved", certificate_valid_until=day, **fields)


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
        assert certificate_status(valid, TODAY).ok and "2025-03-06" in certificate_status(valid, TODAY).label
        expired = approved_until(TODAY - timedelta(days=1))
        assert not certificate_status(expired, TODAY).ok and "2025-02-28" in certificate_status(expired, TODAY).label
        assert certificate_status(expired, TODAY) != certificate_status(Volunteer(), TODAY)  # expired is not "missing"
        assert insurance_status(valid, TODAY).ok and not insurance_status(Volunteer(), TODAY).ok
        lapsed = Volunteer(insured_from=TODAY - timedelta(days=9), insured_until=TODAY - timedelta(days=1))
        assert not insurance_status(lapsed, TODAY).ok and "2025-02-28" in insurance_status(lapsed, TODAY).label
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
    assert sorted(reminders(app, tenant_a)) == sorted([
        (certificate, "certificate", 60, TODAY + timedelta(days=60)),
        (certificate, "certificate", 30, TODAY + timedelta(days=60)),
        (later, "certificate", 60, TODAY + timedelta(days=61)),
        (insured, "insurance", 60, TODAY + timedelta(days=75)),
    ])


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
    add_volunteer(app, tenant_b, certificate_result="approved", certificate_valid_until=date.today() + timedelta(days=10))
    alpha = add_volunteer(app, tenant_a, insured_from=date.today(), insured_until=date.today() + timedelta(days=40))
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

    expiring = {"certificate_result": "approved", "certificate_valid_until": date.today() + timedelta(days=45)}
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
            assert [db.session.get(JobRun, r).status for r in runs] == ["succeeded", "succeeded"]
    finally:
        app.config["REDIS_URL"] = ""
        queue.empty()
    assert [r[:3] for r in reminders(app, tenant_a)] == [(alpha, "certificate", 60)]
    assert reminders(app, tenant_b) == []


def test_dashboard_widget_counts_only_the_tenant_in_context(app, tenant_a, tenant_b):
    from core.volunteers.widgets import reminders_widget

    expired = {"name": "<b>Karen</b>", "certificate_result": "approved", "certificate_valid_until": date.today() - timedelta(days=1)}
    add_volunteer(app, tenant_a, **expired)
    add_volunteer(app, tenant_a, certificate_result="approved", certificate_valid_until=date.today() + timedelta(days=10))
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
        "name": "Karen Jensen", "phone": "+45 12 34 56 78", "email": "karen@example.org",
        "partner_organisation": "DRC Integration", "training_completed_on": "2025-01-15",
        "insured_from": "2025-01-01", "insured_until": "2099-12-31",
        "certificate_requested_on": "2025-01-05", "certificate_consent_given": "1",
        "certificate_assessed_on": "2025-01-20", "certificate_result": "approved",
        "certificate_valid_until": "2099-01-20", "certificate_document_deleted_on": "2025-01-21",
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
    assert stored.ready_on(date.today())

    listing = staff.get("/alpha/volunteers/")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "Karen Jensen" in html and "2099-01-20" in html and "2099-12-31" in html
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
        "beta": add_volunteer(app, tenant_b, partner_organisation="Beta-foreningen", email="beta@example.org", phone="999"),
    }


def test_list_shows_only_the_own_tenants_volunteers(client_for, lookalikes):
    html = client_for("alpha").get("/alpha/volunteers/").get_data(as_text=True)
    assert "Karen Jensen" in html and "Beta-foreningen" not in html
    api = client_for("alpha").get("/alpha/api/v1/volunteers").get_json()
    assert [v["id"] for v in api] == [lookalikes["alpha"]]


def test_foreign_volunteer_id_answers_exactly_like_a_missing_one(app, client_for, lookalikes, tenant_b):
    staff = client_for("alpha", "tenant_admin")
    foreign, missing = lookalikes["beta"], MISSING_ID
    token = csrf_from(staff.get("/alpha/volunteers/").get_data(as_text=True))
    api_body = {"name": "Overtaget", "partner_organisation": "X"}
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
    assert client.put(f"/alpha/api/v1/volunteers/{own}", json={"name": "X", "partner_organisation": "Y"}).status_code == 403


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
    created = staff.post("/alpha/api/v1/volunteers", json={
        "name": "Amal Yusuf", "partner_organisation": "DRC Integration", "certificate_consent_given": True,
        "certificate_requested_on": "2025-01-05", "insured_from": "2025-01-01",
    })
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["id"] and body["certificate_requested_on"] == "2025-01-05" and "login_subject" not in body and "tenant_id" not in body
    one = staff.get(f"/alpha/api/v1/volunteers/{body['id']}")
    assert one.status_code == 200 and one.get_json()["name"] == "Amal Yusuf"
    replaced = staff.put(f"/alpha/api/v1/volunteers/{body['id']}", json={"name": "Amal Yusuf", "partner_organisation": "DRC Integration"})
    assert replaced.status_code == 200
    assert replaced.get_json()["certificate_requested_on"] is None and replaced.get_json()["certificate_consent_given"] is False
    with app.app_context(), tenant_context(tenant_a):
        actions = {e.action for e in events_for_subject(tenant_a, f"volunteer:{body['id']}")}
    assert {"create", "view", "change"} <= actions


def test_api_refuses_invalid_input_with_422_and_writes_nothing(app, client_for, tenant_a):
    staff = client_for("alpha")
    refused = staff.post("/alpha/api/v1/volunteers", json={"name": "Amal", "partner_organisation": "DRC", "certificate_requested_on": "2025-01-05"})
    assert refused.status_code == 422
    assert "certificate_consent_given" in refused.get_json()["errors"]["json"]
    assert count_volunteers(app) == 0
    volunteer_id = add_volunteer(app, tenant_a)
    bad = staff.put(f"/alpha/api/v1/volunteers/{volunteer_id}", json={"name": "Amal", "partner_organisation": "DRC", "insured_from": "2025-02-01", "insured_until": "2025-01-01"})
    assert bad.status_code == 422 and "insured_until" in bad.get_json()["errors"]["json"]
    assert load(app, tenant_a, volunteer_id).name == "Karen Jensen"
