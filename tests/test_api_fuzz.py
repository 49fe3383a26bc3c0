"""schemathesis against the JSON API of a mother-groups tenant and a counselling tenant, with a write token.

The app runs on the repository's real tenant and organisation files with
their demo data: Ishøj (DRC's mother groups) and Fredericia (Mødrehjælpen's
open counselling and the local association). Each tenant's own OpenAPI
document is loaded from ``/<tenant>/api/v1/openapi.json`` and an API client
with the write scope, created on the administration page by the partner
organisation's staff, calls every operation in-process:

- every operation with the cases of schemathesis' coverage phase and
  ``EXAMPLES`` generated ones in its fuzzing phase (valid and invalid
  input), then
- stateful scenarios that follow the document's OpenAPI links (a course
  created, then its sessions, their attendance ...),

as ``st run`` runs them (schemathesis' engine, in-process, on the WSGI app).

Every response must conform: no server error, a status code the document
lists, its content type, its headers and its body schema.
``SAMVIRKE_FUZZ_RANDOM=1`` draws new cases on each run (by default the run is
deterministic, so CI failures reproduce).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import pytest
import schemathesis
from sqlalchemy import event, select

from config import ROOT
from core.db import db
from core.plugins.host import plugin_host
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from core.testing.fixtures import build_app, csrf_from, sign_in

# The tenant, the organisation whose write client calls its API, and the paths left out there:
# Fredericia's mother groups are DRC's (Mødrehjælpen's client gets 404 on each), tested in Ishøj.
TENANTS = {"ishoj": ("drc-integration", None), "fredericia": ("modrehjaelpen", "^/mother_groups/")}
EXAMPLES = 100  # per operation and phase (schemathesis' max-examples)
STEPS = 8  # at most, per stateful scenario
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


def _no_sync(connection, record) -> None:
    connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(scope="module")
def fuzzed_app(database_factory):
    """The real tenants with their demo data."""
    app = build_app(database_factory(), TENANTS_DIR=str(ROOT / "tenants"), ORGANISATIONS_DIR=str(ROOT / "organisations"))
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                # Thousands of commits: a throw-away file need not wait for the disk on each.
                event.listen(engine, "connect", _no_sync)
                engine.dispose()
        host = plugin_host(app)
        for tenant in db.session.scalars(select(Tenant).where(Tenant.slug.in_(TENANTS))):
            with tenant_context(tenant.id):
                host.call_each("samvirke_demo_data", enabled=tenant.enabled_programmes, tenant=tenant)
                db.session.commit()
        db.session.remove()
    return app


def write_token(app, slug: str, organisation: str) -> str:
    """A bearer token of a new write client, created on the page by the organisation's staff."""
    staff = app.test_client()
    sign_in(app, staff, "partner_staff", slug, organisation)
    form = csrf_from(staff.get(f"/{slug}/admin/api-clients").get_data(as_text=True))
    page = staff.post(f"/{slug}/admin/api-clients", data={"name": "Fuzz", "scope": "write", "csrf_token": form})
    assert page.status_code == 201, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    client_id, secret = re.search(rf"<code>({slug}-[0-9a-f]+)</code>", html), re.search(r'<code id="client-secret">([^<]+)</code>', html)
    assert client_id is not None and secret is not None, "the page shows the new client's id and secret once"
    answer = app.test_client().post(
        f"/{slug}/api/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id.group(1), secret.group(1))
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["access_token"]


@pytest.fixture(scope="module", params=sorted(TENANTS))
def api_schema(request, fuzzed_app):
    slug = request.param
    schema = schemathesis.openapi.from_wsgi(f"/{slug}/api/v1/openapi.json", fuzzed_app)
    organisation, left_out = TENANTS[slug]
    schema.config.update(headers={"Authorization": f"Bearer {write_token(fuzzed_app, slug, organisation)}"})
    schema.config.checks.update(included_check_names=CHECKS)
    schema.config.generation.update(
        max_examples=EXAMPLES, database="none", deterministic=not os.environ.get("SAMVIRKE_FUZZ_RANDOM"), no_shrink=True
    )
    schema.config.phases.stateful.max_steps = STEPS
    if left_out:
        schema = schema.exclude(path_regex=left_out)
    only = os.environ.get("SAMVIRKE_FUZZ_ONLY")  # a regular expression of paths, to debug one operation
    return schema.include(path_regex=only) if only else schema


@dataclass
class Run:
    cases: dict[str, dict[str, int]] = field(default_factory=dict)  # phase -> operation -> cases
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    links: int = 0  # transitions the stateful phase could follow

    def summary(self) -> str:
        return "\n".join(
            f"{phase}: {len(ops)} operations, {sum(ops.values())} cases ({min(ops.values())} to {max(ops.values())} per operation)"
            for phase, ops in sorted(self.cases.items())
            if ops
        )


def run(schema) -> Run:
    """All of schemathesis' phases on ``schema``, with every failure and error it reports."""
    from schemathesis.engine import events, from_schema

    result = Run()
    for happened in from_schema(schema).execute():
        if isinstance(happened, events.PhaseStarted) and isinstance(happened.payload, events.StatefulPhasePayload):
            result.links = happened.payload.transitions_total
        elif isinstance(happened, events.ScenarioFinished):
            phase = result.cases.setdefault(str(happened.phase), {})
            for node in happened.recorder.cases.values():
                label = f"{node.value.operation.method.upper()} {node.value.operation.path}"
                phase[label] = phase.get(label, 0) + 1
            for checks in happened.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        result.failures.append(
                            f"{happened.recorder.label}: {failure.title}: {failure.message}\n{check.failure_info.code_sample}"
                        )
        elif isinstance(happened, events.NonFatalError):
            result.errors.append(f"{happened.label}: {happened.value!r}")
        elif isinstance(happened, events.FatalError):
            result.errors.append(repr(happened.exception))
    return result


def test_the_api_conforms_to_its_openapi_document(api_schema):
    result = run(api_schema)
    print(result.summary())
    print(
        "fuzzed fewer times (schemathesis ran out of new inputs):",
        {k: v for k, v in result.cases.get("fuzzing", {}).items() if v < EXAMPLES},
    )
    assert not result.errors, "\n\n".join(result.errors)
    assert not result.failures, f"{len(result.failures)} failures:\n\n" + "\n\n".join(result.failures[:20])
    operations = {f"{o.method.upper()} {o.path}" for o in (r.ok() for r in api_schema.get_all_operations())}
    assert set(result.cases.get("fuzzing", {})) == operations, "every operation is fuzzed"
    assert result.links > 0 and result.cases.get("stateful"), "the stateful phase follows the document's links"
