"""The values plugins hand to core through their hooks.

Plain frozen dataclasses: easy to build in a plugin, easy to check in core.
Everything a plugin contributes that belongs to a programme is enabled or
disabled per tenant by core, never by the plugin.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

from flask_babel.speaklater import LazyString
from marshmallow import Schema

# A user-visible text: an English message id through gettext, translated when shown, in the viewer's
# language (``lazy_gettext("Mother groups")`` for a value built at import time); never a *_da/*_en pair.
Text: TypeAlias = str | LazyString


@dataclass(frozen=True)
class Programme:
    """A programme type a plugin provides (one per plugin)."""

    key: str  # the plugin's identifier: blueprint, template folder, table prefix
    name: Text  # lazy_gettext("Open counselling"), Danish in the plugin's catalogue
    # No organisation here: who runs a programme in a tenant is the agreement's
    # business (core.partnerships), and two organisations may run one type.
    # The kinds of e-mail notice the programme's jobs send (core.notices.queue_notices), offered
    # to people only in tenants that enable the programme.
    notice_kinds: Sequence[NoticeKind] = ()


@dataclass(frozen=True)
class NoticeKind:
    """A kind of e-mail notice a person can choose to get (on by default); see core/notices."""

    key: str  # unique on the platform: stored with every notice and choice, never renamed
    label: str  # an English message id (N_ from core.schemas), translated where it is shown
    description: str  # likewise: when such a notice is sent
    roles: frozenset[str] = frozenset()  # the roles its producer sends to: it is offered to them only
    programme: str | None = None  # set by core to the declaring programme's key; None for core's own kinds


@dataclass(frozen=True)
class Migrations:
    """Where a plugin keeps its Alembic revisions, on its own branch."""

    branch: str  # Alembic branch label; the plugin key
    path: Path  # the folder holding the revision files


@dataclass(frozen=True)
class MenuEntry:
    label: Text
    endpoint: str  # Flask endpoint; the tenant slug is filled in by core
    order: int = 100


@dataclass(frozen=True)
class DashboardWidget:
    title: Text
    # Renders the widget body (HTML-safe string) for the tenant in context.
    render: Callable[[], str]
    order: int = 100


@dataclass(frozen=True)
class Permission:
    name: str  # "<programme>.<verb>", e.g. "mother_groups.refer"
    description: str
    roles: Sequence[str] = ()  # roles granted it by default


@dataclass(frozen=True)
class JobDefinition:
    """A background job. Jobs must be safe to run twice (see docs/jobs.md)."""

    name: str  # unique, "<programme>.<job>"
    func: Callable[..., Any]  # called as func(tenant_id=..., **kwargs) inside the tenant
    # Cron expression for periodic jobs (run once per tenant where enabled),
    # or None for jobs that are only enqueued on demand.
    cron: str | None = None
    description: str = ""
    # "tenant": runs inside one tenant (the default). "platform": runs once,
    # across tenants inside cross_tenant(), with tenant_id=None; for core's
    # housekeeping (e.g. audit retention), never for a programme's data.
    scope: Literal["tenant", "platform"] = "tenant"


@dataclass(frozen=True)
class InvoiceLine:
    # Stored on the invoice and printed on the document the municipality receives: core builds the
    # invoice's lines in Danish (force_locale("da")), a preview in the viewer's language.
    description: str
    period_start: date
    period_end: date
    amount: Decimal  # DKK, excluding VAT


class BillingRule(Protocol):
    key: str
    name: Text  # shown on the agreement's page, in the viewer's language
    # The marshmallow schema of the rule's parameters in an agreement
    # ([agreements.billing] parameters = {...}); ``samvirke tenants sync``
    # refuses an agreement whose parameters it does not load.
    parameters: type[Schema]

    def lines(self, agreement: dict[str, Any], period_start: date, period_end: date) -> list[InvoiceLine]:
        """The invoice lines the agreement yields for the period (may be empty).

        ``agreement`` holds the loaded parameters plus ``start`` and ``end``
        (``date``; ``end`` None when open-ended, and already the earliest end
        when notice was given).
        """


@dataclass(frozen=True)
class ReportResult:
    """Column keys and rows of counts: what a report's ``build_national`` gives the national view, per tenant id."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class AnnualFigure:
    """One figure a programme contributes to a partnership's annual report."""

    key: str  # "<programme>.<figure>", e.g. "volunteer_association.families_in_activities"
    label: Text
    value: int


Sensitivity = Literal["ordinary", "confidential", "sensitive"]


@dataclass(frozen=True)
class PersonalDataField:
    """One field of personal data a plugin stores (its record of processing)."""

    model: str
    field: str
    # The texts of the privacy notice: English message ids through gettext (lazy_gettext), so they
    # are extracted into the plugin's catalogue and shown in Danish in the Danish notice.
    description: Text
    sensitivity: Sensitivity
    legal_basis: Text  # e.g. "GDPR art. 6(1)(a) consent; art. 9(2)(a)"
    retention: Text  # e.g. "2 years after the course ends"
    erasure: Text  # how it is erased or anonymised
    # dataclasses.field: the attribute ``field`` above shadows the bare name in this class body.
    tags: Sequence[str] = dataclasses.field(default_factory=tuple)


@dataclass(frozen=True)
class SampleRows:
    """Rows a programme made for the test kit in the tenant in context (``samvirke_sample_rows``).

    ``ids``: each URL parameter of the programme's rules (as Flask spells it,
    ``"course_id"``) -> the id of a row just made, so every rule can be filled.
    ``confidential``: texts in those rows that only the running organisation's
    staff may see (the authority-free room, partner-only notes). Every text the
    rows hold contains the marker they were made with, so a leak is recognisable.
    ``narrowed``: rules relative to the programme's mount point (``"/sessions/<int:session_id>/attendance"``,
    page and API alike) -> roles for whom these rows look missing (404) although
    the matrix admits them, because the view narrows rows by ownership and
    the sample rows are nobody's own.
    """

    ids: dict[str, int] = dataclasses.field(default_factory=dict)
    confidential: tuple[str, ...] = ()
    narrowed: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
