"""Sending notices by e-mail: the job ``core.deliver_notices``, never a web request.

SMTP is configured by settings (``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USE_TLS``
for STARTTLS, ``MAIL_USE_SSL`` for implicit TLS, ``MAIL_USERNAME``,
``MAIL_PASSWORD``, ``MAIL_FROM``; ``PUBLIC_URL`` makes the links absolute),
sent with the standard library's ``smtplib`` and ``email.message``. Without
``MAIL_SERVER`` (the embedded default) nothing is sent: the notices are
marked ``outbox`` and the outbox page shows what would have been sent.

A run claims the tenant's pending notices first (one UPDATE, committed), so
two runs never send the same notice; a claim left by a run that died is taken
again after ``STALE_CLAIM``. A notice the server refuses for good is
``failed``; when the server cannot be reached the notices go back to
``pending`` until ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update

from core.db import db
from core.notices.models import Notice, NoticeRecipient
from core.tenancy.models import utcnow

log = logging.getLogger(__name__)
BATCH = 200
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=15)
SMTP_TIMEOUT = 30


def _set_status(ids: list[int], **values: Any) -> None:
    if ids:
        db.session.execute(update(Notice).where(Notice.id.in_(ids)).values(**values), execution_options={"synchronize_session": False})


def _claim() -> list[int]:
    """Mark up to ``BATCH`` pending notices of the tenant in context as being sent; their ids."""
    now = utcnow()
    waiting = (
        select(Notice.id)
        .where(or_(Notice.status == "pending", and_(Notice.status == "sending", Notice.claimed_at < now - STALE_CLAIM)))
        .order_by(Notice.id)
        .limit(BATCH)
    )
    ids = list(db.session.scalars(waiting))
    if not ids:
        return []
    claimed = db.session.scalars(
        update(Notice)
        .where(Notice.id.in_(ids), or_(Notice.status == "pending", and_(Notice.status == "sending", Notice.claimed_at < now - STALE_CLAIM)))
        .values(status="sending", claimed_at=now, attempts=Notice.attempts + 1)
        .returning(Notice.id),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.commit()  # the claim is seen by any other run before a message leaves
    return list(claimed)


def message_for(notice: Notice, address: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = address
    message["Subject"] = notice.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=(config["MAIL_FROM"].rpartition("@")[2] or "samvirke").strip("<> ") or None)
    body = notice.body
    if notice.link:
        body += "\n\n" + config["PUBLIC_URL"].rstrip("/") + notice.link
    message.set_content(body)
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    server, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(server, port, timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(server, port, timeout=SMTP_TIMEOUT)
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=context)
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def deliver_notices(tenant_id: int) -> dict[str, int]:
    """The job: send the tenant's pending notices (or, without a mail server, put them in the outbox)."""
    counts = {"sent": 0, "outbox": 0, "no_address": 0, "failed": 0, "retry": 0}
    if not current_app.config.get("MAIL_SERVER"):
        pending = list(db.session.scalars(select(Notice.id).where(Notice.status == "pending")))
        _set_status(pending, status="outbox")
        counts["outbox"] = len(pending)
        return counts
    ids = _claim()
    if not ids:
        return counts
    rows = db.session.execute(
        select(Notice, NoticeRecipient.email)
        .outerjoin(
            NoticeRecipient,
            (NoticeRecipient.user_id == Notice.recipient_user_id) & (NoticeRecipient.tenant_id == Notice.tenant_id),
        )
        .where(Notice.id.in_(ids))
        .order_by(Notice.id)
    ).all()
    without = [notice.id for notice, email in rows if not email]
    _set_status(without, status="no_address", claimed_at=None)
    counts["no_address"] = len(without)
    to_send = [(notice, email) for notice, email in rows if email]
    if not to_send:
        db.session.commit()
        return counts
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as exc:
        # The server is away: everything claimed waits for the next run (until MAX_ATTEMPTS).
        log.warning("mail server unavailable: %s", type(exc).__name__)
        _give_back([n for n, _ in to_send], type(exc).__name__, counts)
        db.session.commit()
        return counts
    try:
        for notice, email in to_send:
            try:
                smtp.send_message(message_for(notice, email))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
                _set_status([notice.id], status="failed", claimed_at=None, error="the mail server refused the message")
                counts["failed"] += 1
            except (OSError, smtplib.SMTPException) as exc:
                _give_back([notice], type(exc).__name__, counts)
            else:
                _set_status([notice.id], status="sent", sent_at=utcnow(), claimed_at=None, error=None)
                counts["sent"] += 1
            db.session.commit()  # each message's outcome at once: a crash later does not send it again
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return counts


def _give_back(notices: list[Notice], reason: str, counts: dict[str, int]) -> None:
    for notice in notices:
        if notice.attempts >= MAX_ATTEMPTS:
            _set_status([notice.id], status="failed", claimed_at=None, error=f"not delivered after {notice.attempts} attempts ({reason})")
            counts["failed"] += 1
        else:
            _set_status([notice.id], status="pending", claimed_at=None, error=reason[:300])
            counts["retry"] += 1
