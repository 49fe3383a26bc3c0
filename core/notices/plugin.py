"""Notices are core, registered as a plugin beside ``core.builtin``: tables, jobs, menu, routes' roles, personal data."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext

from core.plugins.hookspecs import hookimpl
from core.plugins.types import JobDefinition, MenuEntry, PersonalDataField

PLUGIN_NAME = "samvirke-core.notices"
DELIVER_JOB = "core.deliver_notices"
EVERYONE = ["tenant_people"]  # the matrix's group: every role of a tenant, and platform administrators


@hookimpl(trylast=True)
def samvirke_models() -> Iterable[type]:
    from core.notices.models import ALL_MODELS

    return ALL_MODELS


@hookimpl(trylast=True)
def samvirke_jobs() -> Iterable[JobDefinition]:
    from core.notices.delivery import deliver_notices

    return [
        JobDefinition(
            name=DELIVER_JOB,
            func=deliver_notices,
            cron="*/15 * * * *",  # deadlines days ahead need no faster; each run is a job record per tenant
            description="Send pending e-mail notices (without a mail server: put them in the outbox)",
        )
    ]


@hookimpl(trylast=True)
def samvirke_authorization() -> dict[str, Any]:
    # A person's own notices and choices; tenant administrators see everyone's outbox (decided in the view).
    return {
        "/<tenant>/notices/outbox": EVERYONE,
        "/<tenant>/notices/preferences": EVERYONE,
    }


@hookimpl(trylast=True)
def samvirke_menu_entries(tenant: Any) -> Iterable[MenuEntry]:
    return [MenuEntry(label=lazy_gettext("Notices"), endpoint="notices.outbox", order=96)]


@hookimpl(trylast=True)
def samvirke_personal_data() -> Iterable[PersonalDataField]:
    basis = lazy_gettext(
        "GDPR art. 6(1)(e)/(f): telling staff and volunteers what their work needs; the address is the person's own choice"
    )
    retention = lazy_gettext("while the person uses the platform in the municipality")
    erase = lazy_gettext("deleted with the user")
    return [
        PersonalDataField(
            "NoticeRecipient", "email", lazy_gettext("The e-mail address a person chose for notices"), "ordinary", basis, retention, erase
        ),
        PersonalDataField(
            "Notice",
            "recipient_user_id",
            lazy_gettext("Who was sent which notice (no citizen's data in it)"),
            "ordinary",
            basis,
            retention,
            erase,
        ),
    ]


def init_notices(app: Any, host: Any) -> None:
    """Register the notices' hooks beside core's (before models, jobs and the matrix are collected) and their pages."""
    from core.notices.kinds import EXTENSION, collect_kinds
    from core.notices.views import bp

    host.pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    host.pm.check_pending()
    # Core's kinds and those the programmes declare (Programme.notice_kinds): a key declared twice stops the start-up.
    app.extensions[EXTENSION] = collect_kinds(host.programmes().values())
    app.register_blueprint(bp)
