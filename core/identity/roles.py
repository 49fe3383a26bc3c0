"""Roles, and the permissions core and plugins attach to them."""

from __future__ import annotations

from collections.abc import Iterable

PLATFORM_ADMIN = "platform_admin"
TENANT_ADMIN = "tenant_admin"
MUNICIPAL_STAFF = "municipal_staff"  # e.g. a health visitor, a manager
PARTNER_STAFF = "partner_staff"  # a partner organisation's employee in that municipality
VOLUNTEER = "volunteer"  # only their own group or shift
FINANCE = "finance"
# A partner organisation's finance staff (accounts department) in that
# municipality: invoice runs and the invoices their organisation issues there.
PARTNER_FINANCE = "partner_finance"
NATIONAL_COORDINATOR = "national_coordinator"  # aggregates across municipalities only

TENANT_ROLES = (TENANT_ADMIN, MUNICIPAL_STAFF, PARTNER_STAFF, VOLUNTEER, FINANCE, PARTNER_FINANCE)
PLATFORM_ROLES = (PLATFORM_ADMIN, NATIONAL_COORDINATOR)
ALL_ROLES = (PLATFORM_ADMIN, *TENANT_ROLES, NATIONAL_COORDINATOR)

# Roles that act for a partner organisation: they need one, and they see
# only what the organisation's agreements cover.
ORGANISATION_ROLES = frozenset({PARTNER_STAFF, VOLUNTEER, NATIONAL_COORDINATOR, PARTNER_FINANCE})

# Roles that may see data marked partner-only (the "authority-free room"):
# the running organisation's own staff; never the municipality, its tenant
# administrator included (platform administrators only by break-the-glass).
PARTNER_ONLY_READERS = frozenset({PARTNER_STAFF})

# Not a role anyone holds: in the authorization matrix it marks a route of
# the authority-free room that a platform administrator may reach only
# through an audited break-the-glass with a stated reason.
BREAK_GLASS = "break_glass"


def known_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Only the roles the platform knows, in canonical order."""
    wanted = set(roles)
    return tuple(role for role in ALL_ROLES if role in wanted)
