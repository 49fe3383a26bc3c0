"""Every hook a Samvirke plugin can implement, in one place.

A plugin is a module (or object) with functions decorated ``@hookimpl`` whose
names match these specifications. Implementations may take fewer parameters
than the spec; specs only ever gain parameters, never rename them.

Contributions that belong to a programme (pages, API, menu entries, widgets,
jobs, reports) exist only for tenants whose tenant file enables that
programme: core enforces it, plugins need not check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flask import Blueprint
    from flask_smorest import Blueprint as ApiBlueprint
    from marshmallow import Schema

    from core.national.contributions import NationalFigures
    from core.plugins.types import (
        AnnualFigure,
        BillingRule,
        DashboardWidget,
        JobDefinition,
        MenuEntry,
        Migrations,
        Permission,
        PersonalDataField,
        Programme,
        SampleRows,
    )
    from core.reports.definitions import Report
    from core.tenancy.models import Tenant

PROJECT = "samvirke"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- Identity and storage ------------------------------------------------


@hookspec
def samvirke_programme() -> Programme | None:
    """Describe the programme type this plugin provides.

    Called once per plugin when the app is created.

    Returns a ``Programme`` (its key and name, ``lazy_gettext("...")``; the agreement covering it
    names who runs it), or None for a plugin that adds no programme (core's
    own plugins, a library plugin). The key is the plugin's one identifier:
    it is the tenant file's programme key, the blueprint name, the template
    folder, the table prefix and the migration branch.
    """


@hookspec
def samvirke_models() -> Iterable[type]:
    """List the SQLAlchemy models the plugin defines.

    Called once when the app is created, so the models are imported and their
    tables are part of the metadata that migrations compare against.

    Returns the model classes. Tenant-scoped models must derive from
    ``core.tenancy.models.TenantScoped``.
    """


@hookspec
def samvirke_migrations() -> Migrations | None:
    """Tell core where the plugin's Alembic revisions live.

    Called when the migration environment is configured (``samvirke db ...``
    and the test database set-up).

    Returns ``Migrations(branch, path)``: the plugin's revisions sit in
    ``path`` on their own branch labelled ``branch``; its first revision
    ``depends_on`` the core revision it needs. None if it has no tables.
    """


# --- Web and API ---------------------------------------------------------


@hookspec
def samvirke_blueprints() -> Iterable[Blueprint]:
    """Give the Flask blueprints of the plugin's pages.

    Called once when the app is created. Core mounts each under
    ``/<tenant>/<programme key>/`` and answers 404 for tenants where the
    programme is disabled. Templates go in ``templates/<programme key>/``.

    Returns blueprints (named after the programme key).
    """


@hookspec
def samvirke_api_blueprints() -> Iterable[ApiBlueprint]:
    """Give the flask-smorest blueprints of the plugin's JSON API.

    Called once when the app is created. Core mounts each under
    ``/<tenant>/api/v1/<programme key>/``, documents it in that tenant's
    OpenAPI document when the programme is enabled, and answers 404 when not.

    Returns flask-smorest blueprints whose endpoints declare their marshmallow
    schemas with ``@blp.arguments`` and ``@blp.response``.
    """


@hookspec
def samvirke_schemas() -> dict[str, type[Schema]]:
    """Name the marshmallow schemas the plugin's forms and API use.

    Called once when the app is created; the schemas become components of
    the OpenAPI document and can be rendered as HTML forms
    (``core.web.forms``).

    Returns a mapping from a unique schema name to the schema class.
    """


# --- Money and reports ---------------------------------------------------


@hookspec
def samvirke_billing_rules() -> Iterable[BillingRule]:
    """Give the billing rules a partnership agreement can name.

    Called when billing rules are listed or an agreement is billed.

    Returns objects with ``key``, ``name`` (a gettext text), ``parameters`` (the marshmallow
    schema of the parameters an agreement gives the rule; a sync refuses an
    agreement they do not fit) and
    ``lines(agreement, period_start, period_end) -> list[InvoiceLine]``, where
    ``agreement`` is the loaded parameters plus ``start`` and ``end``; each
    line's ``description`` through gettext (core bills in Danish).
    """


@hookspec
def samvirke_reports() -> Iterable[Report]:
    """Give the reports the plugin offers.

    Called when a tenant's reports are listed or one is rendered or exported
    (page, CSV, Excel, PDF, background job, ``samvirke reports``); reports of
    programmes the tenant has not enabled, or that the person's organisation
    is not party to, are not offered.

    Returns ``core.reports.definitions.Report`` objects (docs/reports.md):
    ``key``; ``title`` (a translated text); ``parameters``, a marshmallow
    schema (``core.reports.params.YearParameters`` and friends) whose loaded
    values reach ``compute`` and give the period shown on every page and
    export; ``compute(params) -> {table key: rows}``, run in the tenant's
    context and aggregated in SQL; ``tables``, each a ``Table`` of ``Column``
    objects (a translated heading and a kind; ``count`` columns are
    disclosure-controlled) with the sums that hold between its cells
    (``RowsSum``, ``ColumnsSum``); ``relations`` between tables (the same
    figure in two views); ``charts`` drawn from the tables.

    ``build_national`` (optional): the national view's counts per tenant id
    (a ``ReportResult``), run inside ``cross_tenant()``. Core adds one annual
    report per agreement itself (``samvirke_annual_sections``).
    """


@hookspec
def samvirke_annual_sections() -> Iterable[Report]:
    """Give the programme's section of the annual report of an agreement covering it.

    Called when the annual report of an agreement and a year is built
    (``core.reports.annual``: a page, a file, ``samvirke reports run
    annual.<agreement key>``), in the agreement's tenant's context, only for
    the programmes the agreement covers (and the person may see); core adds
    its own section (co-financing agreed, invoiced and paid) last.

    Returns ``core.reports.definitions.Report`` objects whose ``compute``
    receives ``{"year": <int>, "agreement": <Agreement>}`` (the targets and
    dates are the agreement's) and whose tables, charts and ``relations``
    join the document's: all its tables are one table set for disclosure
    control. Each table's ``section`` heads it in the document.
    """


@hookspec
def samvirke_annual_figures(tenant: Tenant, year: int) -> Iterable[AnnualFigure]:
    """Contribute figures to another programme's annual report, without an import.

    Called by ``core.reports.annual.contributed_figures(year, asking=KEY)``,
    inside the tenant's context, when a programme builds its annual report
    (e.g. open counselling's asks for the volunteer association's families
    in activities); only plugins the tenant has enabled are called, and not
    the asking programme.

    ``tenant``: the tenant whose report is built.
    ``year``: the calendar year the report covers.

    Returns ``AnnualFigure`` objects: counts only, no identities.
    """


@hookspec
def samvirke_national_figures() -> NationalFigures | None:
    """Give the programme's key figures for the national view, per municipality and year.

    Called once per app, the first time the national view (``/national/``,
    its files and exports) is built (``core.national.contributions.installed``);
    only a programme's own plugin speaks for it.

    Returns ``core.national.contributions.NationalFigures``: the measures
    (``Measure``: key, translated heading, kind ``count``, ``number`` or
    ``percent`` with the columns it is a rate of), the count the comparison
    chart shows, and ``select(window)``, ONE SQL aggregate grouped by tenant
    and year, bounded by the ``Window`` core gives it (the tenants the person
    covers, the years asked for, as rows to join on), with the labelled
    columns ``tenant_id``, ``year`` and each figure. Core runs it across
    tenants (``cross_tenant()``), so the statements do not grow with the
    number of municipalities; core computes the rates, keeps the scope and
    puts every count under disclosure control. Counts only, never a person.
    None: the programme shows its reports' ``build_national`` instead.
    """


# --- People and access ---------------------------------------------------


@hookspec
def samvirke_permissions() -> Iterable[Permission]:
    """Declare the permissions the plugin adds and the roles that get them.

    Called once when the app is created (``core.identity.permissions``),
    after the authorization matrix: a permission's roles are the platform's
    roles or groups of ``config/authorization.toml``, as in the matrix, and
    an unknown one stops the start-up. ``samvirke plugins permissions``
    lists them. The matrix, not a permission, decides each request.

    Returns ``Permission`` objects named ``<programme key>.<verb>``
    (``core.<verb>`` for a plugin without a programme), each declared once.
    """


@hookspec
def samvirke_authorization() -> dict[str, Any]:
    """Add the plugin's URL rules to the authorization matrix.

    Called once when the app is created; core's own rules are in
    ``config/authorization.toml``, in the same form.

    Returns a mapping from each URL rule of the plugin (as Flask spells it,
    e.g. ``/<tenant>/mother_groups/courses/<int:course_id>``) to ``"public"``,
    a list of roles or groups, or a table of HTTP methods to such values.
    Every rule the plugin's blueprints register must be listed.
    """


@hookspec
def samvirke_personal_data() -> Iterable[PersonalDataField]:
    """Declare every field of personal data the plugin stores.

    Called when a privacy notice is shown (``/privacy``,
    ``/<tenant>/privacy``: ``core.web.legal``), for the programmes the
    tenant has enabled: the notice's purposes, legal bases and retention
    periods are these declarations, so it cannot drift from the code.

    Returns ``PersonalDataField`` objects: model, field, sensitivity, legal
    basis, retention and how the field is erased or anonymised (the texts
    through ``lazy_gettext``, so the Danish notice is Danish).
    """


# --- A tenant's screens --------------------------------------------------


@hookspec
def samvirke_menu_entries(tenant: Tenant) -> Iterable[MenuEntry]:
    """Give the menu entries for a tenant's navigation.

    Called on every page of a tenant (inside its context), only for plugins
    whose programme the tenant has enabled (and core's own plugin).

    ``tenant``: the tenant whose page is being rendered.

    Returns ``MenuEntry`` objects (``label``: a ``lazy_gettext`` text).
    """


@hookspec
def samvirke_dashboard_widgets(tenant: Tenant) -> Iterable[DashboardWidget]:
    """Give the widgets on a tenant's home page.

    Called when the tenant home page is rendered (inside its context), only
    for plugins whose programme the tenant has enabled (and core's own).

    ``tenant``: the tenant whose home page is being rendered.

    Returns ``DashboardWidget`` objects (``title``: a ``lazy_gettext`` text).
    """


# --- Work in the background and demo data --------------------------------


@hookspec
def samvirke_jobs() -> Iterable[JobDefinition]:
    """Register the plugin's background jobs, periodic or on demand.

    Called once when the app is created. Periodic jobs (``cron`` set) run
    once per tenant that has the programme enabled. Every job must be safe to
    run twice.

    Returns ``JobDefinition`` objects with unique names.
    """


@hookspec
def samvirke_demo_data(tenant: Tenant) -> None:
    """Load the plugin's demo data for a tenant that has it enabled.

    Called by ``samvirke demo load`` inside the tenant's context, once per
    tenant, after core's own demo data. Must be safe to run twice (skip what
    exists).

    ``tenant``: the tenant to fill.

    Returns nothing; write through ``db.session`` (core commits).
    """


# --- The test kit ----------------------------------------------------------


@hookspec
def samvirke_sample_rows(marker: str) -> SampleRows | None:
    """Make a few rows of every kind the programme's URLs name, for the test kit.

    Called by the test kit (``core.testing.kit``) inside a tenant's context,
    once per test tenant, and again (with another marker) when it measures a
    page with ten times the rows; only the programme under test is asked.
    Core's authorization and isolation suites call it for every programme.
    Flush to get ids; the caller commits.

    ``marker``: a text unique to this call: put it in every text the rows hold
    (names, notes, free text), so a page showing another tenant's or another
    organisation's rows is recognised; rows made with different markers must
    not clash (unique names, numbers).

    Returns ``SampleRows``: ``ids`` maps each URL parameter of the
    programme's rules (``"course_id"``) to a row just made; ``confidential``
    lists the texts only the running organisation's staff may see;
    ``narrowed`` the rules (relative to the programme) whose views show these
    rows to fewer roles than the matrix admits. None for a plugin without
    a programme.
    """


SPEC_NAMES: tuple[str, ...] = tuple(name for name, value in list(globals().items()) if name.startswith("samvirke_") and callable(value))


def spec_functions() -> dict[str, Any]:
    """The hook specification functions by name (for meta-tests and docs)."""
    return {name: globals()[name] for name in SPEC_NAMES}
