"""Partnerships: the organisations, and the agreements that bind them to a municipality.

The agreement is the spine of access, billing and reporting: an
organisation's people see a programme's data in a tenant only where their
organisation is party to the agreement covering that programme there
(``core.partnerships.access``); billing rules and report targets are read from
the agreement, never from plugin code.
"""

from __future__ import annotations

from core.partnerships.access import (
    agreement_covering,
    organisation_programmes,
    organisations_of_programme,
    programmes_for_request,
    targets_for,
    visible_programmes,
)

__all__ = [
    "agreement_covering",
    "organisation_programmes",
    "organisations_of_programme",
    "programmes_for_request",
    "targets_for",
    "visible_programmes",
]
