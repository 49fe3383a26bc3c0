"""The kinds of notice a person can choose to get (each on by default).

Core's own kinds are below; a programme's kinds are declared by its plugin on
its ``Programme`` (``notice_kinds``, ``core.plugins.types.NoticeKind``), so
core names no programme. Core sets each declared kind's ``programme`` to the
declaring programme's key: a kind is offered to the roles it can reach
(``roles``: those its producer sends to), and a programme's kind only where
the person sees that programme. ``queue_notices`` refuses a kind no one
declared; two declarations of one key stop the start-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from flask import Flask, current_app

from core.identity import roles as R
from core.plugins.types import NoticeKind, Programme
from core.schemas import N_

__all__ = ["AGREEMENT_DEADLINE", "CORE_KINDS", "VOLUNTEER_EXPIRY", "NoticeKind", "collect_kinds", "notice_kinds"]

VOLUNTEER_EXPIRY = "volunteer_expiry"
AGREEMENT_DEADLINE = "agreement_deadline"
EXTENSION = "samvirke_notice_kinds"  # app.extensions key: the platform's kinds, collected at start-up

CORE_KINDS: tuple[NoticeKind, ...] = (
    NoticeKind(
        VOLUNTEER_EXPIRY,
        N_("Volunteers' certificates and insurance"),
        N_("When a volunteer's child-protection certificate or insurance runs out in 60 or 30 days."),
        roles=frozenset({R.TENANT_ADMIN, R.PLATFORM_ADMIN, R.PARTNER_STAFF}),
    ),
    NoticeKind(
        AGREEMENT_DEADLINE,
        N_("Agreement deadlines"),
        N_("When an agreement's review, notice deadline, governance meeting or end comes near."),
        roles=frozenset({R.TENANT_ADMIN, R.MUNICIPAL_STAFF, R.PLATFORM_ADMIN, R.PARTNER_STAFF}),
    ),
)


def collect_kinds(programmes: Iterable[Programme]) -> dict[str, NoticeKind]:
    """Core's kinds, then each programme's, keyed by kind; a key declared twice is refused."""
    kinds: dict[str, NoticeKind] = {}
    declared = [*CORE_KINDS, *(replace(kind, programme=programme.key) for programme in programmes for kind in programme.notice_kinds)]
    for kind in declared:
        if kind.key in kinds:
            raise ValueError(
                f"the notice kind {kind.key!r} is declared twice ({kinds[kind.key].programme or 'core'}, {kind.programme or 'core'})"
            )
        kinds[kind.key] = kind
    return kinds


def notice_kinds(app: Flask | None = None) -> dict[str, NoticeKind]:
    """Every kind on the platform (collected once, when the app is created: ``core.notices.plugin.init_notices``)."""
    app = app or current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        from core.plugins.host import plugin_host

        found = app.extensions[EXTENSION] = collect_kinds(plugin_host(app).programmes().values())
    return found
