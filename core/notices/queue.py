"""Making notices: once per (recipient, kind, subject key), only for people who want that kind.

Producers run in jobs (the tenant in context) and hand over what the notice
is about by reference, the people it concerns, and a function that writes
the subject and body; the texts are written in each recipient's language and
must carry no personal data (a link leads to the platform instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import select

from core.db import db, insert_once
from core.notices.kinds import notice_kinds
from core.notices.models import Notice, NoticePreference
from core.notices.people import Person
from core.tenancy.context import require_tenant_id
from core.tenancy.models import utcnow

BATCH = 500


@dataclass(frozen=True)
class Outgoing:
    subject_key: str  # what it is about, by reference: the UNIQUE key with recipient and kind
    people: Iterable[Person]
    message: Callable[[], tuple[str, str]]  # (subject, body), called in each recipient's language
    link: str | None = None  # a path on the platform


def opted_out(kind: str) -> set[int]:
    """Users of the tenant in context who said no to ``kind`` (one query)."""
    return set(
        db.session.scalars(select(NoticePreference.user_id).where(NoticePreference.kind == kind, NoticePreference.enabled.is_(False)))
    )


def queue_notices(kind: str, outgoing: Iterable[Outgoing]) -> int:
    """Store the notices not made before (UNIQUE + ON CONFLICT DO NOTHING); how many are new.

    Two statements for up to ``BATCH`` notices: the opt-outs, then one INSERT. The
    delivery job (``core.deliver_notices``) sends them.
    """
    if kind not in notice_kinds():  # core's own, or declared by a programme (core.notices.kinds)
        raise ValueError(f"unknown notice kind {kind!r}")
    tenant_id = require_tenant_id()
    refused = opted_out(kind)
    now = utcnow()
    rows: list[dict] = []
    texts: dict[tuple[int, str], tuple[str, str]] = {}
    for item in outgoing:
        for person in item.people:
            if person.user_id in refused:
                continue
            key = (id(item), person.locale)
            if key not in texts:
                with force_locale(person.locale):
                    subject, body = item.message()
                    texts[key] = (str(subject)[:200], str(body))
            subject, body = texts[key]
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "recipient_user_id": person.user_id,
                    "kind": kind,
                    "subject_key": item.subject_key[:120],
                    "subject": subject,
                    "body": body,
                    "link": item.link,
                    "created_at": now,
                    "status": "pending",
                    "attempts": 0,
                }
            )
    unique = ["tenant_id", "recipient_user_id", "kind", "subject_key"]
    # In slices, so one INSERT never passes the database's limit of bound values.
    return sum(insert_once(Notice, rows[i : i + BATCH], unique) for i in range(0, len(rows), BATCH))
