"""Core's tables (imported into the metadata) and its Alembic branch."""

from __future__ import annotations

from collections.abc import Iterable

from core.jobs.models import JobRun
from core.migrations import CORE_BRANCH, MIGRATIONS_DIR
from core.plugins.hookspecs import hookimpl
from core.plugins.types import Migrations
from core.tenancy.models import Tenant, TenantProgramme


@hookimpl(trylast=True)
def samvirke_models() -> Iterable[type]:
    from core.audit.models import AuditEvent
    from core.identity.api_clients import ApiClient, ApiToken
    from core.identity.models import LoginFailure, User, UserSession
    from core.partnerships.models import ALL_MODELS as PARTNERSHIP_MODELS
    from core.volunteers.models import Volunteer, VolunteerReminder

    return [
        Tenant,
        TenantProgramme,
        JobRun,
        User,
        UserSession,
        LoginFailure,
        AuditEvent,
        ApiClient,
        ApiToken,
        Volunteer,
        VolunteerReminder,
        *PARTNERSHIP_MODELS,
    ]


@hookimpl(trylast=True)
def samvirke_migrations() -> Migrations:
    return Migrations(branch=CORE_BRANCH, path=MIGRATIONS_DIR / "versions")
