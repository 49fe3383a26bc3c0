"""E-mail notices: made once by the jobs, for those who want them, sent through a real SMTP server
by a job, or shown in the outbox; never another tenant's, never a citizen's or volunteer's name."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from core.db import db
from core.notices.delivery import MAX_ATTEMPTS
from core.notices.models import Notice, NoticeRecipient
from core.notices.people import people
from core.tenancy.context import tenant_context
from core.testing.fixtures import csrf_from, organisation_id, tenant_id
from tests.notices.conftest import notices, person, run

TODAY = date(2026, 6, 1)
SECRET_NAME = "Hemmelig Frivilligsen"


def volunteer(app, slug: str, *, certificate_until: date | None = None, insured_until: date | None = None, organisation="testforeningen"):
    from core.volunteers.models import Volunteer

    with app.app_context(), tenant_context(tenant_id(app, slug)):
        row = Volunteer(
            name=SECRET_NAME,
            email="frivillig@example.invalid",
            organisation_id=organisation_id(app, organisation),
            certificate_result="approved",
            certificate_valid_until=certificate_until,
            insured_from=date(2025, 1, 1) if insured_until else None,
            insured_until=insured_until,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_a_log_in_makes_the_person_a_recipient_with_the_roles_of_that_log_in(app):
    staff = person(app, "alpha", "partner_staff")
    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        found = {p.user_id: p for p in people()}
    assert found[staff.user_id].roles == {"partner_staff"}
    assert found[staff.user_id].organisation_id == organisation_id(app, "testforeningen")
    with app.app_context(), tenant_context(tenant_id(app, "beta")):
        assert staff.user_id not in {p.user_id for p in people()}  # a recipient of her own tenant only


def test_certificate_expiry_is_sent_by_smtp_once_without_the_volunteers_name(app, smtp):
    admin = person(app, "alpha", "tenant_admin", email="admin@kommune.invalid")
    staff = person(app, "alpha", "partner_staff", email="staff@forening.invalid")
    other = person(app, "alpha", "partner_staff", email="other@andenforening.invalid", organisation="andenforening")
    volunteer_id = volunteer(app, "alpha", certificate_until=TODAY + timedelta(days=20))
    for _ in range(2):  # the jobs are safe to run twice
        run(app, "core.volunteer_reminders", "alpha", today=TODAY.isoformat())
        run(app, "core.deliver_notices", "alpha")
    assert len(smtp.to(admin.email)) == 1 and len(smtp.to(staff.email)) == 1
    assert smtp.to(other.email) == []  # another organisation's staff do not see her
    message = smtp.to(staff.email)[0]
    assert message["Subject"] == "En frivilligs børneattest udløber den 21. juni 2026"
    body = message.get_content()
    assert f"http://127.0.0.1:5000/alpha/volunteers/{volunteer_id}" in body and "mindre end 30 dage" in body
    assert SECRET_NAME not in message.as_string() and "frivillig@example.invalid" not in message.as_string()
    sent = [n for n in notices(app, "alpha") if n.recipient_user_id == staff.user_id]
    assert [(n.status, n.kind) for n in sent] == [("sent", "volunteer_expiry")] and sent[0].sent_at is not None


def test_a_person_who_said_no_gets_nothing_of_that_kind(app, smtp):
    yes = person(app, "alpha", "tenant_admin", email="yes@kommune.invalid")
    no = person(app, "alpha", "tenant_admin", email="no@kommune.invalid", kinds=["agreement_deadline"])
    volunteer(app, "alpha", insured_until=TODAY + timedelta(days=45))
    run(app, "core.volunteer_reminders", "alpha", today=TODAY.isoformat())
    run(app, "core.deliver_notices", "alpha")
    assert [m["Subject"] for m in smtp.to(yes.email)] == ["En frivilligs forsikring udløber den 16. juli 2026"]
    assert smtp.to(no.email) == []
    assert no.user_id not in {n.recipient_user_id for n in notices(app, "alpha")}
    # The choice shows on the page: the refused kind unticked, the other ticked.
    page = no.client.get("/alpha/notices/preferences").get_data(as_text=True)
    assert 'value="volunteer_expiry">' in page and 'value="agreement_deadline" checked>' in page


def test_without_a_mail_server_the_outbox_shows_what_would_have_been_sent(app):
    admin = person(app, "alpha", "tenant_admin")
    staff = person(app, "alpha", "partner_staff")
    colleague = person(app, "alpha", "municipal_staff")
    volunteer(app, "alpha", certificate_until=TODAY + timedelta(days=50))
    run(app, "core.volunteer_reminders", "alpha", today=TODAY.isoformat())
    run(app, "core.deliver_notices", "alpha")
    assert {n.status for n in notices(app, "alpha")} == {"outbox"}
    own = staff.client.get("/alpha/notices/outbox").get_data(as_text=True)
    assert "En frivilligs børneattest udløber den 21. juli 2026" in own and "der er ikke sat en mailserver op" in own
    assert "Til:" not in own  # her own notices only
    everyone = admin.client.get("/alpha/notices/outbox").get_data(as_text=True)
    assert f"Til: {staff.name}" in everyone and f"Til: {admin.name}" in everyone
    # Municipal staff do not see volunteers: no notice for them, and nobody else's in their outbox.
    assert "børneattest" not in colleague.client.get("/alpha/notices/outbox").get_data(as_text=True)


def test_another_tenants_notices_never_show(app):
    from core.notices import Outgoing, queue_notices
    from core.notices.kinds import AGREEMENT_DEADLINE

    beta_admin = person(app, "beta", "tenant_admin")
    alpha_admin = person(app, "alpha", "tenant_admin")
    with app.app_context(), tenant_context(tenant_id(app, "beta")):
        beta_people = [p for p in people() if p.user_id == beta_admin.user_id]
        assert queue_notices(AGREEMENT_DEADLINE, [Outgoing("beta-only:1", beta_people, lambda: ("Kun for beta 4711", "Beta-tekst"))]) == 1
        db.session.commit()
    assert "Kun for beta 4711" in beta_admin.client.get("/beta/notices/outbox").get_data(as_text=True)  # the check can see it
    for page in ("/alpha/notices/outbox", "/alpha/notices/outbox?page=1"):
        assert "Kun for beta 4711" not in alpha_admin.client.get(page).get_data(as_text=True)
    assert alpha_admin.client.get("/beta/notices/outbox").status_code == 404


def test_agreement_deadlines_reach_the_people_the_reminder_is_shown_to(app, smtp):
    from tests.partnerships.test_reminders import add_reminder

    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        from core.partnerships.models import Agreement

        key = db.session.scalars(select(Agreement.key)).first()
    municipal = person(app, "alpha", "municipal_staff", email="kommune@kommune.invalid")
    party = person(app, "alpha", "partner_staff", email="part@forening.invalid")
    not_party = person(app, "alpha", "partner_staff", email="ikke@andenforening.invalid", organisation="andenforening")
    volunteer_ = person(app, "alpha", "volunteer", email="frivillig@forening.invalid")
    add_reminder(app, "alpha", key, "review", TODAY + timedelta(days=10))
    add_reminder(app, "alpha", key, "end", TODAY - timedelta(days=1))  # past: not sent
    for _ in range(2):
        run(app, "core.agreement_reminders", "alpha", today=TODAY.isoformat())
        run(app, "core.deliver_notices", "alpha")
    subjects = [m["Subject"] for m in smtp.to(municipal.email)]
    assert len(subjects) == 1 and subjects[0].startswith("Frist i samarbejdsaftale: ")
    assert "Aftalen skal drøftes senest 11. juni 2026." in smtp.to(municipal.email)[0].get_content()
    assert len(smtp.to(party.email)) == 1
    assert smtp.to(not_party.email) == [] and smtp.to(volunteer_.email) == []


def test_short_handed_shifts_reach_the_running_organisations_staff_and_volunteers(app, smtp):
    from plugins.volunteer_association.models import Shift

    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        db.session.add(Shift(day=TODAY + timedelta(days=2), starts=time(10, 0), ends=time(14, 0), needed=2))
        db.session.add(Shift(day=TODAY + timedelta(days=9), starts=time(10, 0), ends=time(14, 0), needed=2))  # not yet flagged
        db.session.commit()
    staff = person(app, "alpha", "partner_staff", email="butik@forening.invalid")
    helper = person(app, "alpha", "volunteer", email="hjaelper@forening.invalid")
    outsider = person(app, "alpha", "volunteer", email="udenfor@andenforening.invalid", organisation="andenforening")
    municipal = person(app, "alpha", "municipal_staff", email="kommune2@kommune.invalid")
    for _ in range(2):
        run(app, "volunteer_association.short_handed_shifts", "alpha", today=TODAY.isoformat())
        run(app, "core.deliver_notices", "alpha")
    for someone in (staff, helper):
        messages = smtp.to(someone.email)
        assert [m["Subject"] for m in messages] == ["En butiksvagt mangler frivillige: onsdag den 3. juni 2026 kl. 10:00"]
        assert "har 0 af de 2 frivillige" in messages[0].get_content()
        assert "http://127.0.0.1:5000/alpha/volunteer_association/" in messages[0].get_content()
    assert smtp.to(outsider.email) == [] and smtp.to(municipal.email) == []


def test_a_person_without_an_address_and_an_unreachable_server(app, smtp):
    from core.notices.delivery import deliver_notices

    nobody = person(app, "alpha", "tenant_admin")  # never gave an address
    someone = person(app, "alpha", "tenant_admin", email="someone@kommune.invalid")
    volunteer(app, "alpha", certificate_until=TODAY + timedelta(days=25))
    run(app, "core.volunteer_reminders", "alpha", today=TODAY.isoformat())
    app.config["MAIL_PORT"] = 1  # nothing listens there
    tid = tenant_id(app, "alpha")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with app.app_context(), tenant_context(tid):
            counts = deliver_notices(tid)
            db.session.commit()
        mine = [n for n in notices(app, "alpha") if n.recipient_user_id == someone.user_id]
        assert mine[0].attempts == attempt
        assert mine[0].status == ("failed" if attempt == MAX_ATTEMPTS else "pending"), counts
    assert [n.status for n in notices(app, "alpha") if n.recipient_user_id == nobody.user_id] == ["no_address"]
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "ikke en adresse"}, "Skriv en gyldig e-mailadresse."),
        ({"email": "a@b.dk", "kinds": ["sudo"]}, "Vælg en af mulighederne."),
        ({"email": "a@b.dk", "locale": "xx"}, "Vælg en af mulighederne."),
    ],
)
def test_bad_preferences_are_refused_in_danish_and_nothing_is_saved(app, data, message):
    someone = person(app, "alpha", "municipal_staff")
    form = someone.client.get("/alpha/notices/preferences").get_data(as_text=True)
    response = someone.client.post("/alpha/notices/preferences", data={"csrf_token": csrf_from(form), **data})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        email = db.session.scalar(select(NoticeRecipient.email).where(NoticeRecipient.user_id == someone.user_id))
    assert email is None


def test_the_menu_and_the_pages_in_english(app):
    someone = person(app, "alpha", "volunteer")
    assert 'href="/alpha/notices/outbox"' in someone.client.get("/alpha/").get_data(as_text=True)
    with someone.client.session_transaction() as session:
        session["lang"] = "en"
    page = someone.client.get("/alpha/notices/preferences").get_data(as_text=True)
    assert "My notices" in page and "Short-handed shop shifts" in page  # the tenants' volunteer association is enabled
    assert someone.client.get("/alpha/notices/outbox?page=x").status_code == 400


def test_notices_are_stored_once_per_recipient_kind_and_subject(app):
    from core.notices import Outgoing, queue_notices
    from core.notices.kinds import AGREEMENT_DEADLINE

    person(app, "alpha", "tenant_admin")
    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        everyone = people()
        item = Outgoing("same:1", everyone, lambda: ("S", "B"))
        assert queue_notices(AGREEMENT_DEADLINE, [item]) == len(everyone) > 0
        assert queue_notices(AGREEMENT_DEADLINE, [item]) == 0
        db.session.commit()
        assert db.session.query(Notice).count() == len(everyone)
