"""Fillers: one per programme (and one for core's volunteer registry), each writing a tenant's rows in bulk.

A filler is ``fill(ctx)``: it queues rows on ``ctx.writer`` (ids handed out in
Python, ``bench.bulk``) from ``ctx.rng`` (seeded per tenant, so a run is
reproducible) for the dates around ``ctx.today``. ``FILLERS`` maps a
programme key to its filler: a programme without one is refused loudly by
``bench.generate`` (and so by the statement-count test), never skipped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.bulk import Writer
from bench.profile import Profile


@dataclass
class TenantPlan:
    """What the generator needs to know of a tenant: its programmes and who runs them there."""

    tenant_id: int
    slug: str
    programmes: frozenset[str]
    # programme key -> ids of the organisations party to the agreement covering it
    organisations: dict[str, list[int]]


@dataclass
class Context:
    writer: Writer
    plan: TenantPlan
    profile: Profile
    today: date
    rng: random.Random
    # Volunteer ids of each organisation, filled by the core filler first.
    volunteers: dict[int, list[int]] = field(default_factory=dict)

    @property
    def tenant_id(self) -> int:
        return self.plan.tenant_id

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=365 * self.profile.years)

    def add(self, table, **values) -> int:
        return self.writer.add(table, tenant_id=self.tenant_id, **values)

    def organisation(self, programme: str) -> int | None:
        found = self.plan.organisations.get(programme) or []
        return found[0] if found else None


def fillers() -> dict[str, Callable[[Context], None]]:
    from bench.fill import homework_cafe, mother_groups, open_counselling, volunteer_association

    return {
        "mother_groups": mother_groups.fill,
        "open_counselling": open_counselling.fill,
        "volunteer_association": volunteer_association.fill,
        "homework_cafe": homework_cafe.fill,
    }
