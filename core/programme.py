"""The plugin API: everything a programme plugin may use of core, in one module.

A plugin imports core only from here (``from core.programme import db, Schema,
get_or_404, ...``); ``tests/test_programme_api.py`` fails on any other import of
core from ``plugins/``. What is here is the contract core keeps for plugins;
what is not here may change without notice. docs/plugins.md has the guide.

Grouped by concern:

- **hooks and values**: ``hookimpl`` and the values hooks return (``Programme``,
  ``MenuEntry``, ``DashboardWidget``, ``JobDefinition``, ``InvoiceLine``, ...).
- **database and models**: ``db``, ``Model``, ``TenantScoped`` (a tenant's rows;
  core's filter scopes every query), ``tenant_reference`` and the composite
  tenant relationships, ``EncryptedString`` (field encryption), ``utcnow``.
- **tenancy**: the tenant in context, ``get_or_404`` (a tenant's row or 404),
  the tenant's agreements and their parties.
- **identity and authorization**: ``roles`` (imported as ``R`` by convention),
  the signed-in ``Principal``, ``allowed_roles``/``signed_in``/``PUBLIC``.
- **pages and API**: ``PageBlueprint`` and ``ApiBlueprint``, whose routes declare
  who may use them (``@bp.get("/courses", roles=["programme_managers"])``; core
  mounts them under the tenant and programme, found by convention), form loading and errors, UI pagination and search, API
  pagination (flask-smorest), links to list pages.
- **audit, jobs, notices**: ``record`` (every read of person data), e-mail
  notices, demo data helpers.
- **reports**: report definitions, disclosure-control relations, the annual and
  national figures' types.
- **calendar and formats**: Danish time (``copenhagen_today``), closed days from
  the ``holidays`` package and the agreement, Babel formats.
- **volunteers**: the core volunteer registry.
"""

from __future__ import annotations

from core.api.pagination import page_of, page_of_list
from core.audit import record
from core.calendar import COPENHAGEN, closed_days, copenhagen_now, copenhagen_today, optional_days_off, parse_month_day
from core.crypto import EncryptedString, mask_cpr
from core.csvsafe import safe_row
from core.db import db
from core.demo import insert_rows
from core.i18n import format_amount, format_clock, format_day, format_day_long, format_number, genitive
from core.identity import roles
from core.identity.authz import PUBLIC, allowed_roles, role_group, signed_in
from core.identity.dev_idp import volunteer_subject
from core.identity.sessions import Principal, current_principal
from core.model import Model
from core.national.contributions import Measure, NationalFigures, Window
from core.notices import Outgoing, queue_notices
from core.notices.people import people
from core.notices.producers import path_for, tenant_slug
from core.partnerships import agreement_covering, organisations_of_programme, targets_for
from core.partnerships.models import Agreement, AgreementProgramme, Organisation
from core.partnerships.terms import GovernanceRhythm, ReviewSchedule
from core.plugins import hookimpl
from core.plugins.routes import ApiBlueprint, PageBlueprint
from core.plugins.types import (
    AnnualFigure,
    DashboardWidget,
    InvoiceLine,
    JobDefinition,
    MenuEntry,
    Migrations,
    NoticeKind,
    Permission,
    PersonalDataField,
    Programme,
    ReportResult,
    SampleRows,
)
from core.reports.annual import contributed_figures
from core.reports.definitions import Chart, Column, ColumnsSum, Report, RowsSum, Table, TableData
from core.reports.disclosure import Cell, Relation
from core.reports.params import YearParameters
from core.schemas import N_, Reference, Schema
from core.tenancy.context import require_tenant_id
from core.tenancy.models import Tenant, TenantProgramme, TenantScoped, tenant_reference, utcnow
from core.tenancy.scoped import tenant_many_to_one, tenant_one_to_many
from core.tenancy.web import get_or_404
from core.volunteers import current_volunteer
from core.volunteers.models import Volunteer
from core.web.forms import error_messages, field_errors, form_errors, form_fields, load_form, parse_id
from core.web.links import link_to
from core.web.pagination import contains, paginate, search_text

__all__ = [
    "COPENHAGEN",
    "N_",
    "PUBLIC",
    "Agreement",
    "AgreementProgramme",
    "AnnualFigure",
    "ApiBlueprint",
    "Cell",
    "Chart",
    "Column",
    "ColumnsSum",
    "DashboardWidget",
    "EncryptedString",
    "GovernanceRhythm",
    "InvoiceLine",
    "JobDefinition",
    "Measure",
    "MenuEntry",
    "Migrations",
    "Model",
    "NationalFigures",
    "NoticeKind",
    "Organisation",
    "Outgoing",
    "PageBlueprint",
    "Permission",
    "PersonalDataField",
    "Principal",
    "Programme",
    "Reference",
    "Relation",
    "Report",
    "ReportResult",
    "ReviewSchedule",
    "SampleRows",
    "RowsSum",
    "Schema",
    "Table",
    "TableData",
    "Tenant",
    "TenantProgramme",
    "TenantScoped",
    "Volunteer",
    "Window",
    "YearParameters",
    "agreement_covering",
    "allowed_roles",
    "closed_days",
    "contains",
    "contributed_figures",
    "copenhagen_now",
    "copenhagen_today",
    "current_principal",
    "current_volunteer",
    "db",
    "error_messages",
    "field_errors",
    "form_errors",
    "form_fields",
    "format_amount",
    "format_clock",
    "format_day",
    "format_day_long",
    "format_number",
    "genitive",
    "get_or_404",
    "hookimpl",
    "insert_rows",
    "link_to",
    "load_form",
    "mask_cpr",
    "optional_days_off",
    "organisations_of_programme",
    "page_of",
    "page_of_list",
    "paginate",
    "parse_id",
    "parse_month_day",
    "path_for",
    "people",
    "queue_notices",
    "record",
    "require_tenant_id",
    "role_group",
    "roles",
    "safe_row",
    "search_text",
    "signed_in",
    "tenant_many_to_one",
    "tenant_one_to_many",
    "tenant_reference",
    "targets_for",
    "tenant_slug",
    "utcnow",
    "volunteer_subject",
]
