"""UI labels for an agreement's status (English message ids, translated at render time)."""

from __future__ import annotations

from flask_babel import gettext

# The msgids here are extracted by pybabel through the N_ marker.
from core.schemas import N_

STATUS_LABELS = {
    "draft": N_("Draft"),
    "approved": N_("Approved, not started"),
    "active": N_("Active"),
    "under_notice": N_("Under notice"),
    "ended": N_("Ended"),
}


def status_label(status: str) -> str:
    return gettext(str.__str__(STATUS_LABELS[status])) if status in STATUS_LABELS else status
