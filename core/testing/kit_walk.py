"""The walk of the authorization matrix: who should get what on a URL rule, and the walk itself.

Shared by core's persona x route x tenant suite (tests/test_authorization.py)
and the programme kit (``core.testing.kit``), which walks one programme's
rules only. The expectation is written out from the rules of the platform
(issue 9): a foreign tenant does not exist for you (404); an organisation not
party to the agreement covering a programme finds it missing (404); otherwise
the matrix decides (allowed, or 403).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from core.identity import roles as R
from core.identity.authz import PUBLIC, allowed_roles
from core.testing.fixtures import sign_in

OWN, FOREIGN = "alpha", "beta"
# Testforeningen is party to alpha's (and beta's) agreement covering every
# programme; Anden Forening is party to none of them.
RUNNING, OTHER = "testforeningen", "andenforening"
# Who acts: a role, and for the organisation roles the organisation acted for.
PERSONAS: list[tuple[str, str | None]] = [
    (R.TENANT_ADMIN, None),
    (R.MUNICIPAL_STAFF, None),
    (R.FINANCE, None),
    (R.PLATFORM_ADMIN, None),
    (R.PARTNER_STAFF, RUNNING),
    (R.PARTNER_STAFF, OTHER),
    (R.VOLUNTEER, RUNNING),
    (R.VOLUNTEER, OTHER),
    (R.NATIONAL_COORDINATOR, RUNNING),
    (R.PARTNER_FINANCE, RUNNING),
    (R.PARTNER_FINANCE, OTHER),
]
PERSONA_IDS = [f"{role}-{organisation or 'municipality'}" for role, organisation in PERSONAS]
SKIP_METHODS = frozenset({"HEAD", "OPTIONS"})
Ids = Mapping[str, int | str]


def programme_of(rule: str, programmes: Collection[str]) -> str | None:
    """The programme a URL rule belongs to, read from the URL itself (not from the app's bookkeeping)."""
    parts = rule.split("/")
    for candidate in (parts[2:3], parts[4:5]) if rule.startswith("/<tenant>/api/v1/") else (parts[2:3],):
        if candidate and candidate[0] in programmes:
            return candidate[0]
    return None


def programme_rules(app: Flask, key: str) -> list[Rule]:
    """The URL rules of one programme: under ``/<tenant>/<key>/`` and ``/<tenant>/api/v1/<key>/``."""
    return [rule for rule in app.url_map.iter_rules() if programme_of(rule.rule, {key}) == key]


def relative_rule(rule: str) -> str:
    """A programme rule as its blueprint wrote it: ``/<tenant>/api/v1/mother_groups/courses`` -> ``/courses``."""
    parts = rule.split("/")
    tail = parts[5:] if rule.startswith("/<tenant>/api/v1/") else parts[3:]
    return "/" + "/".join(tail)


def expected_answer(rule: str, method: str, role: str, organisation: str | None, tenant: str | None, app: Flask) -> object:
    """What the person should get: {404}, {403} or "allowed" (the rules of issue 9, written out)."""
    from core.testing.fixtures import installed_programmes

    allowed = allowed_roles(rule, method, app)
    assert allowed is not None, f"{rule} is missing from the authorization matrix"
    if "<tenant>" in rule and not (role == R.PLATFORM_ADMIN or (role in R.TENANT_ROLES and tenant == OWN)):
        return {404}  # a foreign tenant does not exist for you
    if programme_of(rule, installed_programmes(app)) and organisation == OTHER:
        return {404}  # your organisation is not party to the agreement covering it here
    if role in allowed and rule.startswith("/<tenant>/reports/<key>") and organisation == OTHER:
        return {404}  # the sample report (example.households) is a programme's report
    if role in allowed:
        return "allowed"
    return {403}  # includes the authority-free room for municipal roles and platform admins without break-the-glass


def answered_as_expected(status: int, expected: object, role: str, organisation: str | None, narrowed: Collection[str]) -> bool:
    """``narrowed``: roles (``"volunteer"``) or personas (``"partner_staff/andenforening"``) for whom an allowed route may look missing."""
    if expected != "allowed":
        return status in expected  # type: ignore[operator]
    if role in narrowed or f"{role}/{organisation}" in narrowed:
        return status not in (401, 403) and status < 500
    return status not in (401, 403, 404) and status < 500


def may_read_secrets(role: str, organisation: str | None, tenant: str | None) -> bool:
    """Only the running organisation's staff, in their own tenant, read the authority-free room."""
    return role == R.PARTNER_STAFF and organisation == RUNNING and tenant == OWN


def fill(rule: str, tenant: str, ids: Ids) -> str:
    """The rule with its parameters filled: the tenant (and realm) by slug, the rest from ``ids``."""

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if name in ("tenant", "realm"):
            return tenant
        if name in ids:
            return str(ids[name])
        raise AssertionError(f"no sample value for <{name}> in {rule}: give it in the programme's samvirke_sample_rows")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule)


def call(client: Any, method: str, url: str, **options: Any) -> Any:
    """A request with an empty form body for a write (what the walk sends: no valid input)."""
    return client.open(url, method=method, data={} if method != "GET" else None, **options)


def signed_in(app: Flask, role: str, organisation: str | None = None, tenant: str = OWN) -> Any:
    """A test client with a session as ``role`` (of ``tenant`` for a tenant role)."""
    client = app.test_client()
    sign_in(app, client, role, tenant if role in R.TENANT_ROLES else None, organisation)
    return client


@contextmanager
def csrf_off(app: Flask) -> Iterator[None]:
    """The walk is about authorization, not CSRF: tokens are not required inside the block."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


@dataclass
class Walked:
    failures: list[str] = field(default_factory=list)
    secrets_seen: int = 0


def body_of(response: Any) -> str:
    return response.get_data().decode("utf-8", "replace")  # PDF, XLSX: bytes


def walk(
    app: Flask,
    client: Any,
    rules: Iterable[Rule],
    role: str,
    organisation: str | None,
    *,
    ids_for: Callable[[Rule, str], Ids],
    secrets: Mapping[str, Sequence[str]],
    narrowed: Callable[[str], Collection[str]] = lambda rule: (),
) -> Walked:
    """Every rule x method (public ones left out) x own/foreign tenant, as one person.

    The status must be what ``expected_answer`` says; no body may show a text
    of ``secrets`` (tenant slug -> texts) to anyone but the running
    organisation's staff in that tenant (counted in ``secrets_seen``).
    """
    walked = Walked()
    with csrf_off(app):
        for rule in rules:
            for method in sorted((rule.methods or set()) - SKIP_METHODS):
                if PUBLIC in (allowed_roles(rule.rule, method, app) or ()):
                    continue
                for tenant in (OWN, FOREIGN) if "<tenant>" in rule.rule else (None,):
                    url = fill(rule.rule, tenant or OWN, ids_for(rule, tenant or OWN))
                    response = call(client, method, url)
                    body = body_of(response)
                    expected = expected_answer(rule.rule, method, role, organisation, tenant, app)
                    if not answered_as_expected(response.status_code, expected, role, organisation, narrowed(rule.rule)):
                        walked.failures.append(f"{method} {url} as {role}/{organisation}: {response.status_code}, expected {expected}")
                    for slug, texts in secrets.items():
                        for secret in texts:
                            if secret in body:
                                if may_read_secrets(role, organisation, slug) and tenant == slug:
                                    walked.secrets_seen += 1
                                else:
                                    walked.failures.append(f"{method} {url} as {role}/{organisation} shows {secret!r}")
    return walked
