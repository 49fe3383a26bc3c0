"""Who may use the open counselling: the roles its routes declare, and the views' finer checks.

The groups of ``config/authorization.toml`` say most of it: ``programme_managers``
run the opening hours and the governance, ``agreement_parties`` (the municipality's
staff too) read them. What no group says is the "authority-free room": contacts,
families and notifications are for the running organisation's counsellors only,
never the municipality (its tenant administrator included); a platform
administrator reads them only through an audited break-the-glass.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.programme import current_principal, role_group
from core.programme import roles as R

COUNSELLORS = [R.PARTNER_STAFF, R.BREAK_GLASS]
# A notification's ground is partner-only: only those who may see it record one (not through break-the-glass).
NOTIFICATION_WRITERS = [R.PARTNER_STAFF]


def holds_any(roles: Iterable[str]) -> bool:
    """Whether the signed-in person has one of ``roles`` (a page shows its forms only to those who may send them)."""
    principal = current_principal()
    return principal is not None and not set(principal.roles).isdisjoint(roles)


def manages() -> bool:
    """Whether the signed-in person runs the programme (``programme_managers``): the opening hours and governance forms."""
    return holds_any(role_group("programme_managers"))
