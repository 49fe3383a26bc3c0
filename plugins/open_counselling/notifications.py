"""Notifications of concern (underretninger, SEL § 153 / Barnets Lov § 133): list, record, update.

The pages belong to the partner's "authority-free room": only the staff of the
organisation running the counselling (party to the covering agreement) record
and read them. The municipality, its tenant administrator included, gets 403
here; it sees only that notifications were sent and when, in the report
``open_counselling.notifications_sent``. A platform administrator reads them
only through an audited break-the-glass.

Every notification opened, recorded or changed is written to the audit trail
(``open_counselling.notification:<id>``), never with the values. An invalid
form renders the page again with status 422 and Danish field errors, having
written nothing. Another tenant's id answers 404 exactly like a missing one:
the ORM filters to the tenant in context, so the row is simply not found.
Core mounts the blueprint under ``/<tenant>/open_counselling/``.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from core.programme import N_, PageBlueprint, db, form_errors, form_fields, get_or_404, load_form, paginate, record
from plugins.open_counselling.access import COUNSELLORS, NOTIFICATION_WRITERS, holds_any
from plugins.open_counselling.models import Family, Notification
from plugins.open_counselling.notification_schemas import (
    CHANNEL_LABELS,
    NotificationSchema,
)

# Read by the counsellors (access.COUNSELLORS), recorded by the running organisation's staff only;
# the municipality sees that and when a notification was made (a report).
bp = PageBlueprint("open_counselling_notifications", __name__)

UNKNOWN_FAMILY = N_("Choose one of the options.")


def _subject(notification: Notification) -> str:
    return f"open_counselling.notification:{notification.id}"


def _family_choices() -> list[tuple[int, str]]:
    """The tenant's families by number only: never a name in a list a notification is filed from."""
    return [(i, n) for i, n in db.session.execute(select(Family.id, Family.family_number).order_by(Family.family_number))]


def _family_numbers(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Family.id, Family.family_number).where(Family.id.in_(ids))).all())


def _load(formdata: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The form's data, with the family checked to be one of the tenant's own."""
    data, errors = load_form(NotificationSchema(), formdata)
    if data is not None and data["family_id"] is not None and db.session.get(Family, data["family_id"]) is None:
        return None, {"family": [str(UNKNOWN_FAMILY)]}
    return data, errors


def _fields(values: Any = None, errors: dict[str, Any] | None = None):
    return form_fields(NotificationSchema(), values, errors, choices={"family": _family_choices()})


def _values(notification: Notification) -> dict[str, Any]:
    """A stored notification as form values (the ground only for those who may see it: form_fields decides)."""
    return {
        "notification_date": notification.day.isoformat(),
        "ground": notification.ground,
        "author": notification.author,
        "recipient_unit": notification.recipient_unit,
        "channel": notification.channel,
        "receipt_confirmed_on": notification.receipt_confirmed_on.isoformat() if notification.receipt_confirmed_on else "",
        "family": str(notification.family_id) if notification.family_id is not None else "",
    }


def _channel_labels() -> dict[str, str]:
    return {k: str(v) for k, v in CHANNEL_LABELS.items()}  # translated now, in the request's language


def _render_list(errors: dict[str, Any] | None = None):
    paged = paginate(select(Notification).order_by(Notification.day.desc(), Notification.id.desc()))
    notifications = paged.items
    fields = _fields(request.form if errors is not None else None, errors)
    return render_template(
        "open_counselling/notifications.html",
        notifications=notifications,
        paged=paged,
        family_numbers=_family_numbers({n.family_id for n in notifications if n.family_id is not None}),
        channel_labels=_channel_labels(),
        fields=fields,
        general_errors=form_errors(errors or {}),
        may_edit=_may_edit(),
    )


def _render_one(notification: Notification, errors: dict[str, Any] | None = None):
    fields = _fields(request.form if errors is not None else _values(notification), errors)
    shown = NotificationSchema().dump(notification)  # drops the ground for those who may not see it
    return render_template(
        "open_counselling/notification.html",
        notification=notification,
        ground=shown.get("ground"),
        family_number=_family_numbers({notification.family_id}).get(notification.family_id) if notification.family_id else None,
        channel_labels=_channel_labels(),
        fields=fields,
        general_errors=form_errors(errors or {}),
        may_edit=_may_edit(),
    )


def _may_edit() -> bool:
    return holds_any(NOTIFICATION_WRITERS)


def _get_or_404(notification_id: int) -> Notification:
    return get_or_404(Notification, notification_id)


@bp.get("/notifications/", roles=COUNSELLORS)
def notifications():
    record("search", criterion="notification list")
    return _render_list()


@bp.post("/notifications/", roles=NOTIFICATION_WRITERS)
def create_notification():
    data, errors = _load(request.form)
    if data is None:
        return _render_list(errors), 422
    notification = Notification(**data)
    db.session.add(notification)
    db.session.flush()  # its id, for the audit trail and the redirect
    record("create", subject=_subject(notification))
    return redirect(url_for("open_counselling_notifications.notification", notification_id=notification.id), 303)


@bp.get("/notifications/<int:notification_id>", roles=COUNSELLORS)
def notification(notification_id: int):
    found = _get_or_404(notification_id)
    record("view", subject=_subject(found))
    return _render_one(found)


@bp.post("/notifications/<int:notification_id>", roles=NOTIFICATION_WRITERS)
def update_notification(notification_id: int):
    # Look up before validating: another tenant's id answers 404 like a missing one, never 422.
    found = _get_or_404(notification_id)
    data, errors = _load(request.form)
    if data is None:
        return _render_one(found, errors), 422
    for name, value in data.items():
        setattr(found, name, value)
    record("change", subject=_subject(found))
    return redirect(url_for("open_counselling_notifications.notification", notification_id=found.id), 303)
