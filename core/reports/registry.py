"""Which reports a tenant offers, and who gets them under disclosure control.

Reports come from ``samvirke_reports`` of the enabled programmes (those the
person's organisation is party to, for partner roles), as
``core.reports.definitions.Report`` objects; core adds one annual report per
agreement (``core.reports.annual``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.identity import roles as R
from core.plugins.host import plugin_host
from core.plugins.types import Programme
from core.reports.definitions import Report


def _checked(value: Any) -> Report:
    if not isinstance(value, Report):
        raise TypeError(f"samvirke_reports gave {type(value).__name__}, not a core.reports.definitions.Report")
    return value


def reports_for(enabled: Iterable[str]) -> list[tuple[Programme | None, Report]]:
    """The programmes' reports, then the annual report of each agreement the person may see (``core.reports.annual``)."""
    from core.reports.annual import documents

    enabled = list(enabled)
    offered: list[tuple[Programme | None, Report]] = [
        (programme, _checked(value))
        for programme, values in plugin_host().call_each("samvirke_reports", enabled=enabled)
        for value in values
    ]
    return offered + [(None, document) for document in documents(enabled)]


def find_report(key: str, enabled: Iterable[str]) -> tuple[Programme | None, Report] | None:
    for programme, report in reports_for(enabled):
        if report.key == key:
            return programme, report
    return None


def may_see_persons(principal: Any) -> bool:
    """The running organisation's staff see the persons behind a programme's figures in its own pages.

    Partner staff see a programme's reports only where their organisation is
    party to the agreement covering it (``programmes_for_request``), so this
    is the organisation's own data. Everyone else (the municipality, platform
    administrators, national coordinators, volunteers) gets every count under
    disclosure control, and so does every export, whoever asks.
    """
    return principal is not None and principal.api_client_id is None and R.PARTNER_STAFF in principal.roles


def under_disclosure_control(principal: Any, *, export: bool) -> bool:
    return export or not may_see_persons(principal)
