"""What the covering agreement says about the mother groups in the tenant in context.

The numbers (3 courses, 6-8 mothers each, up to 24 mothers, 2-3 volunteers a
course, at least one health-visitor visit) are the agreement's targets, never
plugin code: ``targets()`` returns the keys below that the agreement sets; a
missing key means the agreement sets no such target (show "–", skip the
check). Who runs the programme is the agreement's parties.
"""

from __future__ import annotations

from core.partnerships import organisations_of_programme, targets_for

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


def targets() -> dict[str, int]:
    """The agreement's targets for the programme ({} when no agreement covers it)."""
    return {k: v for k, v in targets_for(KEY).items() if k in TARGET_KEYS}


def programme_organisation_ids() -> set[int]:
    """The organisations running the programme in the tenant (party to the covering agreement)."""
    return {o.id for o in organisations_of_programme(KEY)}
