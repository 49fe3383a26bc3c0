"""Roles, and the permissions core and plugins attach to them."""
from __future__ import annotations

from collections.abc import Iterable

PLATFORM_ADMIN = "platform_admin"
TENANT_ADMIN = "tenant_admin"
MUNICIPAL_STAFF = "municipal_staff"  # e.g. a health visitor, a manager
PARTNER_STAFF = "partner_staff"  # a partner organisation's employee in that municipality
VOLUNTEER = "volunteer"  # only their own group or shift
FINANCE = "finance"
NATIONAL_COORDINATOR = "national_coordinator"  # aggregates across municipalities only

TENANT_ROLES = (TENANT_ADMIN, MUNICIPAL_STAFF, PARTNER_STAFF, VOLUNTEER, FINANCE)
PLATFORM_ROLES = (PLATFORM_ADMIN, NATIONAL_COORDINATOR)
ALL_ROLES = (PLATFORM_ADMIN, *TENANT_ROLES, NATIONAL_COORDINATOR)

# Roles that may see data marked partner-only (the "authority-free room"):
# the partner's own staff and the tenant administrator, never municipal staff.
PARTNER_ONLY_READERS = frozenset({PARTNER_STAFF, TENANT_ADMIN})

PARTNER_ORGANISATIONS = ("DRC Integration", "Mødrehjælpen")


def known_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Only the roles the platform knows, in canonical order."""
    wanted = set(roles)
    return tuple(role for role in ALL_ROLES if role in wanted)
