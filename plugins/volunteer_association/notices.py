"""The kind of e-mail notice the volunteer association sends (core/notices), declared on its programme."""

from __future__ import annotations

from core.programme import N_, NoticeKind
from core.programme import roles as R

SHORT_HANDED_SHIFT = "short_handed_shift"

NOTICE_KINDS = (
    NoticeKind(
        SHORT_HANDED_SHIFT,
        N_("Short-handed shop shifts"),
        N_("When a shop shift in the next few days has too few volunteers."),
        # Those who can fill a shift: the running organisation's staff and volunteers (jobs.short_handed_shift_notices).
        roles=frozenset({R.PARTNER_STAFF, R.VOLUNTEER}),
    ),
)
