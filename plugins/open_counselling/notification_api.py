"""JSON API: notifications of concern. Under /<tenant>/api/v1/open_counselling/notifications.

The same rules as the pages (``notifications.py``): the authority-free room,
so only the running organisation's staff read and record them (a platform
administrator reads them only through break-the-glass); the municipality,
its tenant administrator included, gets 403. The ground is ``partner_only``:
it is dumped only for those who may see it, and only one notification at a
time, never in the list (as on the list page).

Every notification listed, opened, recorded or changed is written to the
audit trail (``open_counselling.notification:<id>``), never with its values.
An item route looks the notification up before the body is parsed, so
another tenant's id answers 404 exactly like a missing one, never 422.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import abort as smorest_abort
from sqlalchemy import select

from core.programme import ApiBlueprint, db, get_or_404, page_of, record
from plugins.open_counselling.access import COUNSELLORS, NOTIFICATION_WRITERS
from plugins.open_counselling.models import Family, Notification
from plugins.open_counselling.notification_schemas import (
    NotificationApiSchema,
    NotificationSummarySchema,
)
from plugins.open_counselling.notifications import UNKNOWN_FAMILY

blp = ApiBlueprint(
    "open_counselling_notifications_api",
    __name__,
    description="Notifications of concern (the authority-free room: the running organisation's staff only)",
)
LIST_CRITERION = "notification list"


def _subject(notification: Notification) -> str:
    return f"open_counselling.notification:{notification.id}"


@blp.before_request
def _find_notification() -> None:
    # After the tenant is resolved and the request authorized, before the body is parsed.
    notification_id = (request.view_args or {}).get("notification_id")
    if notification_id is not None:
        get_or_404(Notification, notification_id)


def _family_numbers(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Family.id, Family.family_number).where(Family.id.in_(ids))).all())


def _family_of(notification: Notification) -> set[int]:
    return set() if notification.family_id is None else {notification.family_id}


def _out(notification: Notification, numbers: dict[int, str]) -> dict[str, Any]:
    return {
        "id": notification.id,
        "day": notification.day,
        "ground": notification.ground,
        "author": notification.author,
        "recipient_unit": notification.recipient_unit,
        "channel": notification.channel,
        "receipt_confirmed_on": notification.receipt_confirmed_on,
        "family_id": notification.family_id,
        "family_number": numbers.get(notification.family_id) if notification.family_id is not None else None,
    }


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    """The body, with the family checked to be one of the tenant's own (422 on ``family_id`` if not)."""
    if data["family_id"] is not None and db.session.get(Family, data["family_id"]) is None:
        smorest_abort(422, errors={"json": {"family_id": [str(UNKNOWN_FAMILY)]}})
    return data


@blp.route("/notifications", roles=COUNSELLORS)
@blp.response(200, NotificationSummarySchema(many=True))
@blp.paginate()
def list_notifications(pagination_parameters):
    """The tenant's notifications, newest first, without their grounds."""
    query = select(Notification).order_by(Notification.day.desc(), Notification.id.desc())
    rows = page_of(query, pagination_parameters)
    record("search", subjects=[_subject(r) for r in rows], criterion=LIST_CRITERION)  # every notification shown
    numbers = _family_numbers({r.family_id for r in rows if r.family_id is not None})
    return [_out(r, numbers) for r in rows]


@blp.route("/notifications", methods=["POST"], roles=NOTIFICATION_WRITERS)
@blp.arguments(NotificationApiSchema)
@blp.response(201, NotificationApiSchema)
def create_notification(data):
    """Record a notification of concern."""
    notification = Notification(**_checked(data))
    db.session.add(notification)
    db.session.flush()  # its id, for the audit trail and the answer
    record("create", subject=_subject(notification))
    return _out(notification, _family_numbers(_family_of(notification)))


@blp.route("/notifications/<int:notification_id>", roles=COUNSELLORS)
@blp.response(200, NotificationApiSchema)
@blp.alt_response(404, description="No such notification in this tenant")
def get_notification(notification_id: int):
    """One notification, with its ground for those who may read it."""
    notification = get_or_404(Notification, notification_id)
    record("view", subject=_subject(notification))
    return _out(notification, _family_numbers(_family_of(notification)))


@blp.route("/notifications/<int:notification_id>", methods=["PUT"], roles=NOTIFICATION_WRITERS)
@blp.arguments(NotificationApiSchema)
@blp.response(200, NotificationApiSchema)
@blp.alt_response(404, description="No such notification in this tenant")
def replace_notification(data, notification_id: int):
    """Replace every field of a notification (e.g. to confirm its receipt)."""
    notification = get_or_404(Notification, notification_id)
    for name, value in _checked(data).items():
        setattr(notification, name, value)
    record("change", subject=_subject(notification))
    return _out(notification, _family_numbers(_family_of(notification)))
