"""Agreement reminders: the daily job stores each once; the dashboard shows them to the people concerned.

The job's dates come from the two real agreements (tenants/ishoj.toml, tenants/fredericia.toml,
read into an app of their own); who sees which reminder is checked on the test tenants too,
where the reminders are stored directly. Expected dates are written literally.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.db import db
from core.jobs.runner import enqueue
from core.partnerships.models import Agreement, AgreementNotice, AgreementReminder
from core.partnerships.reminders import record_agreement_reminders
from core.tenancy.context import cross_tenant, tenant_context
from core.testing.fixtures import csrf_from, tenant_id
from tests.partnerships.test_agreement_pages import agreement_id, audit_count, signed_in

FREDERICIA_TITLE = "Samarbejdsaftale mellem Mødrehjælpen og Fredericia Kommune"


def run_job(app, slug: str, today: str) -> int:
    tid = tenant_id(app, slug)
    with app.app_context(), tenant_context(tid):
        stored = record_agreement_reminders(tid, today)
        db.session.commit()
        db.session.remove()
    return stored


def stored(app, slug: str) -> set[tuple[str, str, date]]:
    """(agreement key, kind, due date) of the tenant's reminders."""
    tid = tenant_id(app, slug)
    with app.app_context(), tenant_context(tid):
        rows = db.session.execute(
            select(Agreement.key, AgreementReminder.kind, AgreementReminder.due_on).join(
                Agreement, Agreement.id == AgreementReminder.agreement_id
            )
        ).all()
    return {(key, kind, due_on) for key, kind, due_on in rows}


def add_reminder(app, slug: str, key: str, kind: str, due_on: date) -> int:
    tid = tenant_id(app, slug)
    with app.app_context(), tenant_context(tid):
        aid = db.session.scalar(select(Agreement.id).where(Agreement.key == key))
        reminder = AgreementReminder(agreement_id=aid, kind=kind, due_on=due_on)
        db.session.add(reminder)
        db.session.commit()
        return reminder.id


def reminder_row(app, reminder_id: int) -> AgreementReminder:
    with app.app_context(), cross_tenant("test"):
        row = db.session.get_one(AgreementReminder, reminder_id)
        db.session.expunge(row)
    return row


def acknowledge(client, slug: str, reminder_id: int):
    token = csrf_from(client.get(f"/{slug}/").get_data(as_text=True))
    return client.post(f"/{slug}/agreements/reminders/{reminder_id}/acknowledge", data={"csrf_token": token})


# --- the job ---------------------------------------------------------------------------


def test_fredericia_before_the_end_of_q2(real):
    # 10 June 2026: the review (by 30 June), the last day to give notice for the agreement
    # to end this year (30 June), and both governance bodies (30 June, 20 days) are due;
    # DRC's demo agreement: its half-yearly joint meeting (30 June); its end (31 December
    # 2026) is more than 90 days away.
    assert run_job(real, "fredericia", "2026-06-10") == 5
    assert stored(real, "fredericia") == {
        ("moedrehjaelpen-fredericia", "review", date(2026, 6, 30)),
        ("moedrehjaelpen-fredericia", "notice_deadline", date(2026, 6, 30)),
        ("moedrehjaelpen-fredericia", "governance:steering_group", date(2026, 6, 30)),
        ("moedrehjaelpen-fredericia", "governance:follow_group", date(2026, 6, 30)),
        ("ny-mor-i-danmark", "governance:joint_meeting", date(2026, 6, 30)),
    }


def test_the_windows_60_days_for_review_and_notice_30_for_meetings(real):
    # 30 April 2026 is 61 days before 30 June: nothing yet; 1 May is 60 days before.
    assert run_job(real, "fredericia", "2026-04-30") == 0
    assert run_job(real, "fredericia", "2026-05-01") == 2
    # 15 May 2026: 46 days to 30 June: review and notice deadline yes, meetings (30 days) not yet.
    assert run_job(real, "fredericia", "2026-05-15") == 0
    assert stored(real, "fredericia") == {
        ("moedrehjaelpen-fredericia", "review", date(2026, 6, 30)),
        ("moedrehjaelpen-fredericia", "notice_deadline", date(2026, 6, 30)),
    }
    # 31 May 2026: 30 days: the meetings of both agreements come in.
    assert run_job(real, "fredericia", "2026-05-31") == 3


def test_running_twice_stores_each_reminder_once(real):
    assert run_job(real, "fredericia", "2026-06-10") == 5
    assert run_job(real, "fredericia", "2026-06-10") == 0
    assert run_job(real, "fredericia", "2026-06-20") == 0  # the same deadlines, nothing new
    assert len(stored(real, "fredericia")) == 5


def test_the_job_is_registered_and_runs_through_the_queue(real):
    tid = tenant_id(real, "fredericia")
    with real.app_context():
        first = enqueue("core.agreement_reminders", tid, today="2026-06-10")
        second = enqueue("core.agreement_reminders", tid, today="2026-06-10")
        with tenant_context(tid):  # a tenant's job runs are that tenant's rows
            assert (first.status, second.status) == ("succeeded", "succeeded")
        db.session.remove()
    assert len(stored(real, "fredericia")) == 5


def test_ishoj_end_within_90_days_and_the_joint_meeting_within_30(real):
    # 15 October 2025: the end (31 December 2025) is 77 days away; the joint meeting too, more than 30.
    assert run_job(real, "ishoj", "2025-10-15") == 1
    assert stored(real, "ishoj") == {("ny-mor-i-danmark", "end", date(2025, 12, 31))}
    assert run_job(real, "ishoj", "2025-12-05") == 1
    assert stored(real, "ishoj") == {
        ("ny-mor-i-danmark", "end", date(2025, 12, 31)),
        ("ny-mor-i-danmark", "governance:joint_meeting", date(2025, 12, 31)),
    }
    assert run_job(real, "ishoj", "2026-01-02") == 0  # ended: nothing more


def test_no_notice_deadline_once_notice_is_given(real):
    aid = agreement_id(real, "fredericia", "moedrehjaelpen-fredericia")
    tid = tenant_id(real, "fredericia")
    with real.app_context(), tenant_context(tid):
        db.session.add(
            AgreementNotice(
                agreement_id=aid,
                given_on=date(2026, 3, 2),
                given_by="municipality",
                earliest_end=date(2026, 12, 31),
                recorded_by="test",
            )
        )
        db.session.commit()
    run_job(real, "fredericia", "2026-10-15")
    kinds = {kind for key, kind, _due in stored(real, "fredericia") if key == "moedrehjaelpen-fredericia"}
    assert "notice_deadline" not in kinds and "end" in kinds  # ends 31 December 2026, 77 days away


# --- the dashboard ---------------------------------------------------------------------


def test_the_dashboard_shows_reminders_to_the_people_concerned_only(real):
    run_job(real, "fredericia", "2026-06-10")
    review = "Aftalen skal drøftes senest 30. juni 2026."
    joint = "Fællesmøde: næste møde skal holdes senest 30. juni 2026."
    for role in ("tenant_admin", "municipal_staff"):
        html = signed_in(real, role, "fredericia").get("/fredericia/").get_data(as_text=True)
        assert review in html and joint in html and "Kvitter" in html, role
    html = signed_in(real, "platform_admin", None).get("/fredericia/").get_data(as_text=True)
    assert review in html and joint in html
    mothers_help = signed_in(real, "partner_staff", "fredericia", "modrehjaelpen").get("/fredericia/").get_data(as_text=True)
    assert review in mothers_help and FREDERICIA_TITLE in mothers_help and joint not in mothers_help
    drc = signed_in(real, "partner_staff", "fredericia", "drc-integration").get("/fredericia/").get_data(as_text=True)
    assert joint in drc and review not in drc and FREDERICIA_TITLE not in drc
    for role, organisation in (("finance", None), ("volunteer", "modrehjaelpen")):
        html = signed_in(real, role, "fredericia", organisation).get("/fredericia/").get_data(as_text=True)
        assert review not in html and 'id="agreement-reminders"' not in html, role


def test_acknowledging_hides_the_reminder_and_is_audited(real):
    run_job(real, "fredericia", "2026-06-10")
    client = signed_in(real, "tenant_admin", "fredericia")
    reminder = next(r for r in _reminders(real, "fredericia") if r.kind == "review")
    before = audit_count(real, "fredericia", f"agreement:{reminder.agreement_id}", "reminder acknowledged")
    response = acknowledge(client, "fredericia", reminder.id)
    assert response.status_code == 303 and response.headers["Location"].endswith("/fredericia/")
    row = reminder_row(real, reminder.id)
    assert row.acknowledged_at is not None and row.acknowledged_by.startswith("user:")
    assert audit_count(real, "fredericia", f"agreement:{reminder.agreement_id}", "reminder acknowledged") == before + 1
    html = client.get("/fredericia/").get_data(as_text=True)
    assert "Aftalen skal drøftes senest 30. juni 2026." not in html
    assert "Følgegruppe: næste møde skal holdes senest 30. juni 2026." in html  # the others stay
    assert f'id="agreement-reminder-{reminder.id}"' not in client.get(f"/fredericia/agreements/{reminder.agreement_id}").get_data(
        as_text=True
    )
    # Stored once: the job does not bring it back.
    assert run_job(real, "fredericia", "2026-06-11") == 0
    assert "Aftalen skal drøftes senest 30. juni 2026." not in client.get("/fredericia/").get_data(as_text=True)


def _reminders(app, slug: str) -> list[AgreementReminder]:
    with app.app_context(), tenant_context(tenant_id(app, slug)):
        rows = list(db.session.scalars(select(AgreementReminder).order_by(AgreementReminder.id)))
        db.session.expunge_all()
    return rows


def test_another_tenants_reminder_is_not_shown_nor_acknowledged(app):
    ours = add_reminder(app, "alpha", "testaftale", "review", date(2026, 6, 30))
    theirs = add_reminder(app, "beta", "testaftale", "end", date(2026, 7, 31))
    client = signed_in(app, "tenant_admin", "alpha")
    html = client.get("/alpha/").get_data(as_text=True)
    assert f'id="agreement-reminder-{ours}"' in html and "30. juni 2026" in html
    assert f'id="agreement-reminder-{theirs}"' not in html and "31. juli 2026" not in html
    response = acknowledge(client, "alpha", theirs)
    missing = acknowledge(client, "alpha", 987654)
    assert response.status_code == missing.status_code == 404 and response.get_data() == missing.get_data()
    assert reminder_row(app, theirs).acknowledged_at is None


def test_another_organisations_staff_neither_see_nor_acknowledge(app):
    rid = add_reminder(app, "alpha", "testaftale", "review", date(2026, 6, 30))
    text = "Aftalen skal drøftes senest 30. juni 2026."
    party = signed_in(app, "partner_staff", "alpha")  # Testforeningen, party to testaftale
    assert text in party.get("/alpha/").get_data(as_text=True)
    other = signed_in(app, "partner_staff", "alpha", "andenforening")
    html = other.get("/alpha/").get_data(as_text=True)
    assert text not in html and "Testaftale Alfa Kommune" not in html
    response = acknowledge(other, "alpha", rid)
    assert response.status_code == 404 and "Testaftale Alfa Kommune" not in response.get_data(as_text=True)
    assert reminder_row(app, rid).acknowledged_at is None
    assert acknowledge(party, "alpha", rid).status_code == 303
    assert reminder_row(app, rid).acknowledged_at is not None
    assert text not in party.get("/alpha/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["finance", "volunteer"])
def test_finance_and_volunteers_do_not_acknowledge(app, role):
    rid = add_reminder(app, "alpha", "testaftale", "review", date(2026, 6, 30))
    client = signed_in(app, role, "alpha")
    assert acknowledge(client, "alpha", rid).status_code == 403
    assert reminder_row(app, rid).acknowledged_at is None


def test_acknowledging_on_the_agreement_page_returns_to_it(app):
    rid = add_reminder(app, "alpha", "testaftale", "end", date(2026, 12, 31))
    aid = agreement_id(app, "alpha", "testaftale")
    client = signed_in(app, "municipal_staff", "alpha")
    page = client.get(f"/alpha/agreements/{aid}").get_data(as_text=True)
    assert f'id="agreement-reminder-{rid}"' in page and "Aftalen ophører den 31. december 2026." in page
    response = client.post(f"/alpha/agreements/reminders/{rid}/acknowledge", data={"csrf_token": csrf_from(page), "back": "agreement"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/alpha/agreements/{aid}")
    assert f'id="agreement-reminder-{rid}"' not in client.get(f"/alpha/agreements/{aid}").get_data(as_text=True)
