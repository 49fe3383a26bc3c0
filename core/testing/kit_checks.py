"""The programme kit's checks, each a function returning its failures (an empty list: it holds).

Each takes the app and a programme key, so the kit's test class
(``core.testing.kit.ProgrammeKit``) runs them on a plugin and its self-tests
(tests/test_programme_routes.py) run them on a plugin broken on purpose.
Rows come from the programme's ``samvirke_sample_rows`` hook.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule

from core.db import db
from core.identity import roles as R
from core.identity.authz import PUBLIC, allowed_roles
from core.plugins.types import SampleRows
from core.testing.fixtures import tenant_id
from core.testing.kit_walk import (
    FOREIGN,
    OTHER,
    OWN,
    PERSONAS,
    RUNNING,
    SKIP_METHODS,
    body_of,
    call,
    csrf_off,
    fill,
    may_read_secrets,
    programme_rules,
    relative_rule,
    signed_in,
)

# Who a route is tried as when one person will do: the first the matrix admits and the rows do not hide from.
ACTING = [
    (R.PARTNER_STAFF, RUNNING),
    (R.TENANT_ADMIN, None),
    (R.MUNICIPAL_STAFF, None),
    (R.FINANCE, None),
    (R.PARTNER_FINANCE, RUNNING),
    (R.VOLUNTEER, RUNNING),
    (R.PLATFORM_ADMIN, None),
]
MISSING_ID = 987654


# --- sample rows --------------------------------------------------------------------


def sample_rows(app: Flask, slug: str, marker: str, key: str | None = None) -> dict[str, SampleRows]:
    """Each programme's (or only ``key``'s) sample rows made in tenant ``slug`` and committed: programme key -> rows."""
    from core.plugins.host import plugin_host

    tid = tenant_id(app, slug)
    with app.app_context():
        from core.tenancy.context import tenant_context

        with tenant_context(tid):
            given = plugin_host(app).call_each("samvirke_sample_rows", enabled=None if key is None else [key], marker=marker)
            rows = {programme.key: value for programme, value in given if programme is not None and (key is None or programme.key == key)}
            db.session.commit()
        db.session.remove()
    if key is not None and key not in rows:
        raise AssertionError(f"{key}: no samvirke_sample_rows gave rows (the kit needs them to fill its URLs)")
    return rows


@dataclass(frozen=True)
class KitRows:
    """One programme's sample rows in the own tenant (alpha) and the foreign one (beta), each with its marker."""

    rows: Mapping[str, SampleRows]
    markers: Mapping[str, str]

    @classmethod
    def make(cls, app: Flask, key: str) -> KitRows:
        markers = {slug: f"K{slug}{uuid.uuid4().hex[:5]}" for slug in (OWN, FOREIGN)}
        return cls({slug: sample_rows(app, slug, marker, key)[key] for slug, marker in markers.items()}, markers)

    def narrowed(self, rule: str) -> frozenset[str]:
        return frozenset(self.rows[OWN].narrowed.get(relative_rule(rule), ()))


def _readable(app: Flask, rule: Rule, method: str = "GET") -> bool:
    allowed = allowed_roles(rule.rule, method, app)
    return method in (rule.methods or ()) and bool(allowed) and PUBLIC not in (allowed or ())


def acting(app: Flask, rule: str, method: str, narrowed: frozenset[str]) -> tuple[str, str | None] | None:
    """The first persona of ``ACTING`` the matrix admits on ``rule`` for whom the sample rows are not hidden."""
    allowed = allowed_roles(rule, method, app) or frozenset()
    for role, organisation in ACTING:
        if role in allowed and role not in narrowed and f"{role}/{organisation}" not in narrowed:
            return role, organisation
    return None


# --- (a) every route declares its roles -----------------------------------------------


def check_declared(app: Flask, key: str) -> list[str]:
    """Every rule of the programme is in the matrix, and its roles were declared on the route (``roles=``)."""
    from core.plugins.routes import declared_rules

    matrix = app.extensions["samvirke_authz"]
    declared = {rule for rule, _, _, _ in declared_rules(app)}
    failures = []
    rules = programme_rules(app, key)
    if not rules:
        failures.append(f"{key}: no routes under /<tenant>/{key}/ or /<tenant>/api/v1/{key}/")
    for rule in rules:
        if rule.rule not in matrix:
            failures.append(f"{rule.rule}: not in the authorization matrix")
        elif rule.rule not in declared:
            failures.append(f"{rule.rule}: its roles are not declared on the route (PageBlueprint/ApiBlueprint, roles=...)")
    return failures


# --- (c) tenant isolation on bodies ---------------------------------------------------


def check_isolation(app: Flask, key: str, kit: KitRows) -> list[str]:
    """No beta person sees alpha's marker on a GET of beta; alpha's ids under beta's URLs answer as a missing id does."""
    failures, own_seen = [], 0
    alpha, beta = kit.markers[OWN], kit.markers[FOREIGN]
    rules = programme_rules(app, key)
    with csrf_off(app):
        for role, organisation in PERSONAS:
            if organisation == OTHER or role not in (*R.TENANT_ROLES, R.PLATFORM_ADMIN):
                continue
            client = signed_in(app, role, organisation, tenant=FOREIGN)
            for rule in rules:
                if not _readable(app, rule):
                    continue
                url = fill(rule.rule, FOREIGN, kit.rows[FOREIGN].ids)
                body = body_of(client.get(url))
                if alpha in body:
                    failures.append(f"GET {url} as {role}/{organisation} of {FOREIGN} shows {OWN}'s rows ({alpha!r})")
                own_seen += beta in body
        clients: dict[tuple[str, str | None], Any] = {}
        for rule in rules:
            if "<int:" not in rule.rule:
                continue
            for method in sorted((rule.methods or set()) - SKIP_METHODS):
                persona = acting(app, rule.rule, method, kit.narrowed(rule.rule))
                if persona is None or PUBLIC in (allowed_roles(rule.rule, method, app) or ()):
                    continue
                client = clients.setdefault(persona, signed_in(app, *persona, tenant=FOREIGN))
                foreign = call(client, method, fill(rule.rule, FOREIGN, kit.rows[OWN].ids))
                missing = call(client, method, fill(rule.rule, FOREIGN, {name: MISSING_ID for name in kit.rows[OWN].ids}))
                where = f"{method} {fill(rule.rule, FOREIGN, kit.rows[OWN].ids)} as {persona[0]} of {FOREIGN}"
                if foreign.status_code not in (404, 422) or foreign.status_code != missing.status_code:
                    failures.append(f"{where} (an id of {OWN}): {foreign.status_code}, a missing id {missing.status_code}: expected 404")
                elif alpha in body_of(foreign):
                    failures.append(f"{where} (an id of {OWN}) shows {alpha!r}")
    if not own_seen:
        failures.append(f"no page of {key} showed {FOREIGN}'s own rows to its people: the check sees nothing (do the sample rows show?)")
    return failures


# --- (d) organisation scoping -------------------------------------------------------------


def check_scoping(app: Flask, key: str, kit: KitRows) -> list[str]:
    """An organisation not party to the agreement gets 404 and never the marker; confidential texts reach only the running staff."""
    failures = []
    rows, marker = kit.rows[OWN], kit.markers[OWN]
    rules = programme_rules(app, key)
    with csrf_off(app):
        for role, organisation in PERSONAS:
            if role not in R.TENANT_ROLES and role != R.PLATFORM_ADMIN:
                continue
            client = signed_in(app, role, organisation, tenant=OWN)
            for rule in rules:
                for method in sorted((rule.methods or set()) - SKIP_METHODS):
                    if PUBLIC in (allowed_roles(rule.rule, method, app) or ()) or (method != "GET" and organisation != OTHER):
                        continue
                    url = fill(rule.rule, OWN, rows.ids)
                    response = call(client, method, url)
                    body = body_of(response)
                    if organisation == OTHER and response.status_code != 404:
                        failures.append(f"{method} {url} as {role}/{OTHER} (party to no agreement): {response.status_code}, expected 404")
                    if organisation == OTHER and marker in body:
                        failures.append(f"{method} {url} as {role}/{OTHER} shows the running organisation's rows ({marker!r})")
                    if not may_read_secrets(role, organisation, OWN):
                        failures += [
                            f"{method} {url} as {role}/{organisation} shows {text!r}" for text in rows.confidential if text in body
                        ]
    return failures


# --- (e) the statement-count guard -------------------------------------------------------


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine of the process sends in the block."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _measure(app: Flask, key: str, ids: Mapping[str, int], narrowed: Any) -> dict[str, tuple[int, int, list[str]]]:
    """Each GET rule of the programme, as the persona acting on it: rule -> (status, statements, the statements)."""
    clients: dict[tuple[str, str | None], Any] = {}
    found = {}
    for rule in programme_rules(app, key):
        persona = acting(app, rule.rule, "GET", narrowed(rule.rule)) if _readable(app, rule) else None
        if persona is None:
            continue
        if persona not in clients:
            clients[persona] = signed_in(app, *persona, tenant=OWN)
            clients[persona].get(f"/{OWN}/")  # what is cached per person or organisation, cached before anything is counted
        url = fill(rule.rule, OWN, ids)
        clients[persona].get(url)  # a per-process cache filled by a first request does not count against the page
        with statements() as seen:
            response = clients[persona].get(url)
        found[rule.rule] = (response.status_code, len(seen), seen)
    return found


def check_statements(app: Flask, key: str, factor: int = 10) -> list[str]:
    """Every GET page and API route of the programme sends as many statements with its sample rows made ``factor`` times as once."""
    base = f"S{uuid.uuid4().hex[:5]}"
    # A session's last-seen time is written once a minute: that write would land in whichever page crossed the minute.
    with mock.patch("core.identity.sessions.LAST_SEEN_RESOLUTION", timedelta(days=1)):
        first = sample_rows(app, OWN, f"{base}x0", key)[key]
        narrowed = KitRows({OWN: first}, {}).narrowed
        once = _measure(app, key, first.ids, narrowed)
        for n in range(1, factor):
            sample_rows(app, OWN, f"{base}x{n}", key)
        many = _measure(app, key, first.ids, narrowed)
    failures = [f"{rule}: answered {status} with the sample rows, not measured" for rule, (status, _, _) in once.items() if status >= 400]
    for rule, (status, count, seen) in once.items():
        if status < 400 and many[rule][1] != count:
            shown = "\n".join(seen), "\n".join(many[rule][2])
            failures.append(
                f"{rule}: {count} statements with the rows once, {many[rule][1]} with them {factor} times (an N+1):\n{shown[0]}\n--- {factor}x:\n{shown[1]}"
            )
    if not once:
        failures.append(f"{key}: no GET route to measure")
    return failures
