"""The programme test kit: what the tests of the platform and of a plugin use beside ``core.programme``.

``core.testing.fixtures`` is loaded as a pytest plugin by the repository's root
``conftest.py``, so the tests of core (``tests/``) and of each plugin
(``plugins/<key>/tests/``) share one app, one database and the same sign-in
helpers. ``core.testing.kit.ProgrammeKit`` checks a plugin's routes for tenant
isolation, organisation scoping, the authorization matrix, statement counts and
accessibility from its sample rows.

A plugin's tests import core from ``core.programme`` and from here only
(``tests/test_programme_api.py``): these are the names a test needs and a plugin
does not, such as entering a tenant's scope by hand or reading the audit trail.
"""

from core.audit.models import AuditEvent
from core.identity.dev_idp import demo_users
from core.identity.digests import secret_digest
from core.identity.models import User, UserSession
from core.jobs.runner import enqueue
from core.reports.engine import build as build_report
from core.reports.params import BadParameters, load_parameters
from core.tenancy.context import TenantContextMissing, cross_tenant, tenant_context
from core.tenancy.files import read_tenant_files

__all__ = [
    "AuditEvent",
    "BadParameters",
    "TenantContextMissing",
    "User",
    "UserSession",
    "build_report",
    "cross_tenant",
    "demo_users",
    "enqueue",
    "load_parameters",
    "read_tenant_files",
    "secret_digest",
    "tenant_context",
]
