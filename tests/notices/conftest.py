"""A real SMTP server in the test process (aiosmtpd), people of the test tenants, and running the jobs."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from core.db import db
from core.identity.models import User, realm_of_tenant
from core.jobs.runner import enqueue
from core.notices.models import Notice
from core.tenancy.context import tenant_context
from core.testing.fixtures import csrf_from, sign_in, tenant_id


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1 that keeps what it receives; the app's mail settings point at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False, MAIL_USERNAME="")
    try:
        yield inbox
    finally:
        app.config.update(saved)
        controller.stop()


@dataclass
class Someone:
    client: object
    user_id: int
    name: str
    email: str | None


def person(
    app, slug: str, role: str, *, email: str | None = None, organisation: str | None = None, kinds: list[str] | None = None
) -> Someone:
    """A person who has signed in to the tenant (so notices can reach them) and, with ``email``, saved their choices.

    ``sign_in`` records the person as the log-in does (``core.identity.sessions.open_session``);
    tests/notices/test_recipients.py goes through the real log-in.
    """
    client = app.test_client()
    user_id = sign_in(app, client, role, slug, organisation)
    name = f"{role} {uuid.uuid4().hex[:6]}"
    with app.app_context(), tenant_context(tenant_id(app, slug)):  # (row-level security: a realm's users are its tenant's)
        user = db.session.get_one(User, user_id)
        user.display_name, user.realm = name, realm_of_tenant(tenant_id(app, slug))
        db.session.commit()
    if email is not None or kinds is not None:
        form = client.get(f"/{slug}/notices/preferences").get_data(as_text=True)
        data = {"csrf_token": csrf_from(form), "email": email or "", "locale": "da"}
        if kinds is None:  # every kind offered (on by default)
            kinds = re.findall(r'name="kinds" value="([^"]+)"', form)
        response = client.post(f"/{slug}/notices/preferences", data={**data, "kinds": kinds})
        assert response.status_code == 303, response.get_data(as_text=True)
    return Someone(client, user_id, name, email)


def run(app, job: str, slug: str, **kwargs) -> str:
    with app.app_context():
        tid = tenant_id(app, slug)
        run = enqueue(job, tid, **kwargs)
        with tenant_context(tid):
            status = run.status if run is not None else "skipped"
            error = run.error if run is not None else None
        db.session.remove()
    assert status == "succeeded", error
    return status


def notices(app, slug: str) -> list[Notice]:
    with app.app_context(), tenant_context(tenant_id(app, slug)):
        rows = db.session.scalars(select(Notice).order_by(Notice.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)
