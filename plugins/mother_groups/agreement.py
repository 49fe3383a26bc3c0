"""What the covering agreement says about the mother groups in the tenant in context.

The numbers (3 courses, 6-8 mothers each, up to 24 mothers, 2-3 volunteers a
course, at least one health-visitor visit) are the agreement's targets, never
plugin code: ``targets()`` returns the keys below that the agreement sets; a
missing key means the agreement sets no such target (show "–", skip the
check). Who runs the programme is the agreement's parties.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from core.programme import agreement_covering, require_tenant_id

KEY = "mother_groups"
# The target keys the programme reads ([agreements] targets.mother_groups = {...}).
TARGET_KEYS = (
    "courses",
    "mothers_per_course_min",
    "mothers_per_course_max",
    "mothers",
    "volunteers_per_course_min",
    "volunteers_per_course_max",
    "health_visitor_visits_per_course",
)
NO_TARGET = "–"  # shown where the agreement sets no target


def _covering() -> Any:
    """The covering agreement, read once per request (a page asks for its targets and its parties)."""
    if not has_request_context():
        return agreement_covering(KEY)
    cache = g.setdefault("_mother_groups_agreement", {})
    tenant_id = require_tenant_id()
    if tenant_id not in cache:
        cache[tenant_id] = agreement_covering(KEY)
    return cache[tenant_id]


def targets() -> dict[str, int]:
    """The agreement's targets for the programme ({} when no agreement covers it)."""
    agreement = _covering()
    found = dict((agreement.targets or {}).get(KEY, {})) if agreement is not None else {}
    return {k: v for k, v in found.items() if k in TARGET_KEYS}


def programme_organisation_ids() -> set[int]:
    """The organisations running the programme in the tenant (party to the covering agreement)."""
    agreement = _covering()
    return {o.id for o in agreement.organisations} if agreement is not None else set()
