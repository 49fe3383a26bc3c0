"""Who notices reach: the log-in records the person explicitly, with its roles; nothing else does."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import select, update

from core.db import db
from core.identity.digests import secret_digest
from core.identity.models import User, UserSession, realm_of_tenant
from core.notices.models import NoticeRecipient
from core.notices.people import people
from core.tenancy.context import tenant_context
from core.testing.fixtures import organisation_id, tenant_id
from tests.notices.conftest import notices, run
from tests.test_login import log_in

TODAY = date(2026, 6, 1)


def recipient(app, slug: str, subject: str) -> NoticeRecipient | None:
    with app.app_context(), tenant_context(tenant_id(app, slug)):
        found = db.session.execute(
            select(NoticeRecipient).join(User, User.id == NoticeRecipient.user_id).where(User.subject == subject)
        ).scalar_one_or_none()
        if found is not None:
            db.session.expunge(found)
        return found


def test_a_log_in_makes_the_person_a_recipient_who_gets_notices_without_opening_a_notice_page(app, client):
    from core.volunteers.models import Volunteer

    assert log_in(client, "alpha", "alpha-testforeningen").status_code == 302
    found = recipient(app, "alpha", "alpha-testforeningen")
    assert found is not None and found.roles == ["partner_staff"] and found.organisation_id == organisation_id(app, "testforeningen")
    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        db.session.add(
            Volunteer(
                name="Frivillig",
                organisation_id=organisation_id(app, "testforeningen"),
                certificate_result="approved",
                certificate_valid_until=TODAY + timedelta(days=20),
            )
        )
        db.session.commit()
    run(app, "core.volunteer_reminders", "alpha", today=TODAY.isoformat())
    assert [n.kind for n in notices(app, "alpha") if n.recipient_user_id == found.user_id] == ["volunteer_expiry"]
    with app.app_context(), tenant_context(tenant_id(app, "beta")):
        assert found.user_id not in {p.user_id for p in people()}  # a recipient of her own tenant only


def test_every_log_in_brings_the_roles_up_to_date_and_keeps_the_chosen_address(app, client):
    log_in(client, "alpha", "alpha-health-visitor")
    first = recipient(app, "alpha", "alpha-health-visitor")
    assert first is not None and first.roles == ["municipal_staff"] and first.email is None
    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        # As if an earlier log-in had other roles, and the person has since chosen an address and English.
        db.session.execute(
            update(NoticeRecipient)
            .where(NoticeRecipient.user_id == first.user_id)
            .values(roles=["tenant_admin"], email="sundhedsplejerske@kommune.invalid", locale="en")
        )
        db.session.commit()
    log_in(client, "alpha", "alpha-health-visitor")
    again = recipient(app, "alpha", "alpha-health-visitor")
    assert again is not None and again.user_id == first.user_id
    assert (again.roles, again.email, again.locale) == (["municipal_staff"], "sundhedsplejerske@kommune.invalid", "en")
    with app.app_context(), tenant_context(tenant_id(app, "alpha")):
        assert db.session.query(NoticeRecipient).filter_by(user_id=first.user_id).count() == 1


def test_a_session_stored_by_other_code_makes_no_recipient(app):
    """No listener on the database session: only the log-in (and one's own preferences) record a person."""
    tid = tenant_id(app, "alpha")
    with app.app_context(), tenant_context(tid):
        user = User(realm=realm_of_tenant(tid), issuer="https://test-idp.invalid", subject="not-through-the-log-in", display_name="Uden")
        db.session.add(user)
        db.session.flush()
        key = secrets.token_urlsafe(16)
        db.session.add(UserSession(id=secret_digest(key, "session"), user_id=user.id, tenant_id=tid, roles=["tenant_admin"]))
        db.session.commit()
        assert user.id not in {p.user_id for p in people()}
