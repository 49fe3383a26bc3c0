"""What a national coordinator covers: the agreements their organisation is party to.

A municipality appears for a programme only where the organisation is party
to an agreement covering it there (not draft, not deactivated) and the
municipality runs the programme; and only for the years the agreement runs
(a municipality whose agreement ended is not shown for later years, when
another organisation may run the programme there). Platform administrators
see every agreement. One query for all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import defer, raiseload

from core.db import db
from core.partnerships.models import Agreement, AgreementParty, AgreementProgramme
from core.tenancy.models import Tenant, TenantProgramme


@dataclass(frozen=True)
class Municipality:
    id: int
    slug: str
    name: str


@dataclass
class Coverage:
    """The agreements a person covers, and from them the municipalities per programme and their years."""

    agreements: list[tuple[Agreement, Municipality, list[str]]] = field(default_factory=list)
    # programme key -> tenant id -> the (first, last) days of each covering agreement
    periods: dict[str, dict[int, list[tuple[date, date | None]]]] = field(default_factory=dict)
    municipalities: dict[int, Municipality] = field(default_factory=dict)

    @property
    def programmes(self) -> list[str]:
        return sorted(self.periods)

    def tenant_ids(self, programme: str | None = None) -> list[int]:
        if programme is None:
            return sorted({t for by_tenant in self.periods.values() for t in by_tenant})
        return sorted(self.periods.get(programme, {}))

    def covers(self, programme: str, tenant_id: int, year: int) -> bool:
        """An agreement covering the programme there runs for some of the year."""
        first, last = date(year, 1, 1), date(year, 12, 31)
        return any(start <= last and (end is None or end >= first) for start, end in self.periods.get(programme, {}).get(tenant_id, ()))

    def by_slug(self, slug: str) -> Municipality | None:
        return next((m for m in self.municipalities.values() if m.slug == slug), None)

    def restricted(self, programmes: Iterable[str] | None, tenant_id: int | None) -> Coverage:
        """Only those programmes and that municipality (the page's filters)."""
        wanted = set(programmes) if programmes is not None else set(self.periods)
        periods = {
            key: {t: spans for t, spans in by_tenant.items() if tenant_id is None or t == tenant_id}
            for key, by_tenant in self.periods.items()
            if key in wanted
        }
        periods = {key: by_tenant for key, by_tenant in periods.items() if by_tenant}
        kept = {t for by_tenant in periods.values() for t in by_tenant}
        return Coverage(
            agreements=[a for a in self.agreements if a[1].id in kept and wanted.intersection(a[2])],
            periods=periods,
            municipalities={t: m for t, m in self.municipalities.items() if t in kept},
        )


def coverage(organisation_id: int | None, installed: Iterable[str]) -> Coverage:
    """The organisation's agreements (``None``: every organisation's), inside ``cross_tenant()``; one query."""
    query = (
        select(Agreement, Tenant.slug, Tenant.name, AgreementProgramme.programme_key)
        # The page shows each agreement's period and status (its notices: one more query, for all
        # of them); never its parties or programmes, which would be loaded for every agreement.
        .options(raiseload(Agreement.parties), raiseload(Agreement.programmes))
        # Nor its terms, targets or payer: JSON documents decoded for every agreement and never read here.
        .options(*(defer(column, raiseload=True) for column in (Agreement.terms, Agreement.targets, Agreement.payer)))
        .join(Tenant, Tenant.id == Agreement.tenant_id)
        .join(AgreementProgramme, (AgreementProgramme.agreement_id == Agreement.id) & (AgreementProgramme.tenant_id == Agreement.tenant_id))
        .join(
            TenantProgramme,
            (TenantProgramme.tenant_id == Agreement.tenant_id) & (TenantProgramme.programme_key == AgreementProgramme.programme_key),
        )
        .where(Tenant.active.is_(True), Agreement.active.is_(True), Agreement.declared_status != "draft")
        .order_by(Tenant.name, Agreement.key, AgreementProgramme.programme_key)
    )
    if organisation_id is not None:
        parties = select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == organisation_id)
        query = query.where(Agreement.id.in_(parties))
    known = set(installed)
    found = Coverage()
    seen: dict[int, tuple[Agreement, Municipality, list[str]]] = {}
    for agreement, slug, name, key in db.session.execute(query).all():
        if key not in known:
            continue
        municipality = found.municipalities.setdefault(agreement.tenant_id, Municipality(agreement.tenant_id, slug, name))
        found.periods.setdefault(key, {}).setdefault(agreement.tenant_id, []).append((agreement.starts_on, agreement.end_date()))
        if agreement.id not in seen:
            seen[agreement.id] = (agreement, municipality, [])
            found.agreements.append(seen[agreement.id])
        seen[agreement.id][2].append(key)
    return found
