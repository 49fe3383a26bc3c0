"""The kinds of notice a person can choose to get (each on by default).

A kind is offered to the roles it can reach (``roles``: those its producer
sends to), and a kind of a programme (``programme``) only where the person
sees that programme.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.identity import roles as R
from core.schemas import N_


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str  # an English message id (N_): translated where it is shown
    description: str
    roles: frozenset[str] = frozenset()
    programme: str | None = None


VOLUNTEER_EXPIRY = "volunteer_expiry"
AGREEMENT_DEADLINE = "agreement_deadline"
SHORT_HANDED_SHIFT = "short_handed_shift"

KINDS: dict[str, NoticeKind] = {
    kind.key: kind
    for kind in (
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
        NoticeKind(
            SHORT_HANDED_SHIFT,
            N_("Short-handed shop shifts"),
            N_("When a shop shift in the next few days has too few volunteers."),
            roles=frozenset({R.PARTNER_STAFF, R.VOLUNTEER}),
            programme="volunteer_association",
        ),
    )
}
