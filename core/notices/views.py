"""The notice pages: one's own choices of notices, and the outbox (what was, or would have been, sent)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import fields, validate
from sqlalchemy import delete, select

from core.audit import record
from core.db import db
from core.identity import roles as R
from core.identity.models import User
from core.identity.sessions import Principal, current_principal
from core.notices.kinds import NoticeKind, notice_kinds
from core.notices.models import Notice, NoticePreference, NoticeRecipient
from core.notices.people import remember
from core.partnerships.access import programmes_for_request
from core.schemas import N_, Schema
from core.tenancy.context import require_tenant_id
from core.tenancy.web import TENANT_URL_PREFIX
from core.web.forms import form_fields, load_form
from core.web.pagination import paginate

bp = Blueprint("notices", __name__, url_prefix=f"{TENANT_URL_PREFIX}/notices")
PER_PAGE = 50
SEES_ALL = frozenset({R.TENANT_ADMIN, R.PLATFORM_ADMIN})
STATUS_LABELS = {
    "pending": N_("Waiting to be sent"),
    "sending": N_("Being sent"),
    "sent": N_("Sent"),
    "outbox": N_("Not sent: no mail server is configured"),
    "no_address": N_("Not sent: no e-mail address"),
    "failed": N_("Could not be sent"),
}
LANGUAGES = {"da": "Dansk", "en": "English"}


def _person() -> tuple[Principal, int]:
    principal = current_principal()
    if principal is None or principal.user_id is None:
        abort(403)  # an API client has no notices
    return principal, principal.user_id


def offered_kinds(principal: Principal) -> list[NoticeKind]:
    """The kinds this person can get: those for their roles, of core or of a programme they see here."""
    enabled = programmes_for_request()
    return [
        kind
        for kind in notice_kinds().values()
        if not kind.roles.isdisjoint(principal.roles) and (kind.programme is None or kind.programme in enabled)
    ]


def preferences_schema(offered: list[NoticeKind]) -> Schema:
    class PreferencesSchema(Schema):
        email = fields.Email(
            load_default=None,
            validate=validate.Length(max=254),
            metadata={"label": N_("E-mail address for notices"), "hint": N_("Leave it empty to get no e-mail.")},
        )
        locale = fields.String(
            load_default="da",
            validate=validate.OneOf(list(LANGUAGES)),
            metadata={"label": N_("Language of the e-mails"), "choice_labels": LANGUAGES},
        )
        kinds = fields.List(
            fields.String(validate=validate.OneOf([k.key for k in offered])),
            load_default=list,
            metadata={"label": N_("Send me these notices"), "choice_labels": {k.key: k.label for k in offered}},
        )

    return PreferencesSchema()


def _current_choices(user_id: int, kinds: list[NoticeKind]) -> dict[str, Any]:
    recipient = db.session.execute(select(NoticeRecipient.email, NoticeRecipient.locale).where(NoticeRecipient.user_id == user_id)).first()
    off = set(
        db.session.scalars(select(NoticePreference.kind).where(NoticePreference.user_id == user_id, NoticePreference.enabled.is_(False)))
    )
    return {
        "email": (recipient.email if recipient else None) or "",
        "locale": recipient.locale if recipient else str(get_locale() or "da"),
        "kinds": [k.key for k in kinds if k.key not in off],
    }


def _render_preferences(kinds: list[NoticeKind], values: Any, errors: dict | None, status: int = 200):
    schema = preferences_schema(kinds)
    return render_template(
        "notices/preferences.html",
        fields=form_fields(schema, values, errors),
        kinds=kinds,
        mail_configured=bool(current_app.config.get("MAIL_SERVER")),
    ), status


@bp.get("/preferences")
def preferences():
    principal, user_id = _person()
    kinds = offered_kinds(principal)
    return _render_preferences(kinds, _current_choices(user_id, kinds), None)


@bp.post("/preferences")
def save_preferences():
    principal, user_id = _person()
    kinds = offered_kinds(principal)
    data, errors = load_form(preferences_schema(kinds), request.form)
    if data is None:
        return _render_preferences(kinds, request.form, errors, 422)
    tenant_id = require_tenant_id()
    chosen = set(data["kinds"])
    # One transaction: the person (with the roles of this session), then each offered kind's choice.
    remember(tenant_id, user_id, principal.roles, principal.organisation_id, email=data["email"] or None, locale=data["locale"])
    db.session.execute(
        delete(NoticePreference).where(NoticePreference.user_id == user_id, NoticePreference.kind.in_([k.key for k in kinds])),
        execution_options={"synchronize_session": False},
    )
    db.session.add_all(NoticePreference(user_id=user_id, kind=k.key, enabled=k.key in chosen) for k in kinds)
    flash(_("Your choice of notices is saved."), "success")
    return redirect(url_for("notices.preferences"), 303)


@bp.get("/outbox")
def outbox():
    """One's own notices; a tenant's administrators see everyone's. Newest first, a page at a time."""
    principal, user_id = _person()
    sees_all = not SEES_ALL.isdisjoint(principal.roles)
    query = (
        select(Notice, User.display_name)
        .join(User, User.id == Notice.recipient_user_id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
    )
    if not sees_all:
        query = query.where(Notice.recipient_user_id == user_id)
    paged = paginate(query, per_page=PER_PAGE, scalars=False)
    if sees_all:
        record("view", criterion="notice outbox (everyone's)")
    return render_template(
        "notices/outbox.html",
        paged=paged,
        sees_all=sees_all,
        kinds=notice_kinds(),
        status_labels={key: _(label) for key, label in STATUS_LABELS.items()},
        mail_configured=bool(current_app.config.get("MAIL_SERVER")),
    )
