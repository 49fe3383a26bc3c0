"""The test kit a programme plugin gets for free.

A plugin's tests subclass ``ProgrammeKit`` and name the programme, in
``plugins/<key>/tests/test_kit.py``::

    from core.testing.kit import ProgrammeKit


    class TestKit(ProgrammeKit):
        programme = "mother_groups"

and get, for every route of that programme (the rules under ``/<tenant>/<key>/``
and ``/<tenant>/api/v1/<key>/``), filled with the rows of its
``samvirke_sample_rows`` hook:

a. every route is in the authorization matrix, its roles declared on the route;
b. each persona gets what the matrix and the agreements say (allowed, 403,
   404), in its own tenant and a foreign one, and no body shows a
   confidential text to anyone but the running organisation's staff;
c. tenant isolation on bodies: beta's people never see alpha's marker, and
   alpha's ids under beta's URLs answer exactly as a missing id (404);
d. organisation scoping: staff of an organisation party to no agreement get
   404 and never the marker; the confidential texts never reach municipal roles;
e. the statement-count guard: each GET route sends as many SQL statements
   with the sample rows made ten times as made once (no N+1);
f. axe-core on the programme's pages in Chromium (skipped without one, as the
   other browser tests).

The checks themselves are functions (``core.testing.kit_checks``,
``core.testing.kit_walk``), which core's suites share and the kit's
self-tests (tests/test_programme_routes.py) run on a plugin broken on purpose.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from flask import Flask

from core.testing.kit_checks import (
    KitRows,
    acting,
    check_declared,
    check_isolation,
    check_scoping,
    check_statements,
    sample_rows,
)
from core.testing.kit_walk import FOREIGN, OWN, PERSONA_IDS, PERSONAS, fill, programme_rules, signed_in, walk

__all__ = [
    "KitRows",
    "ProgrammeKit",
    "check_axe",
    "check_declared",
    "check_isolation",
    "check_matrix",
    "check_scoping",
    "check_statements",
    "sample_rows",
]


def check_matrix(app: Flask, key: str, kit: KitRows, role: str, organisation: str | None) -> list[str]:
    """(b) The persona x route x own/foreign tenant walk over the programme's routes."""
    walked = walk(
        app,
        signed_in(app, role, organisation),
        programme_rules(app, key),
        role,
        organisation,
        ids_for=lambda rule, slug: kit.rows[slug].ids,
        secrets={slug: kit.rows[slug].confidential for slug in (OWN, FOREIGN)},
        narrowed=kit.narrowed,
    )
    return walked.failures


def check_axe(app: Flask, live_url: str, key: str, kit: KitRows) -> list[str]:
    """(f) axe-core finds no serious or critical WCAG 2.1 A/AA violation on any HTML page of the programme."""
    from core.identity.authz import PUBLIC, allowed_roles
    from tests.browser.conftest import AXE, AXE_SERIOUS
    from tests.chromium import chromium_browser

    failures: list[str] = []
    pages: list[tuple[tuple[str, str | None], str]] = []
    for rule in programme_rules(app, key):
        allowed = allowed_roles(rule.rule, "GET", app)
        if "/api/" in rule.rule or "GET" not in (rule.methods or ()) or not allowed or PUBLIC in allowed:
            continue
        persona = acting(app, rule.rule, "GET", kit.narrowed(rule.rule))
        if persona is not None:
            pages.append((persona, rule.rule))
    with chromium_browser() as browser:
        for persona in dict.fromkeys(p for p, _ in pages):
            client = signed_in(app, *persona)
            cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
            assert cookie is not None
            # bypass_csp only so axe can be injected (as tests/browser/conftest.py does).
            context = browser.new_context(base_url=live_url, bypass_csp=True, locale="da-DK")
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_url}])
            page = context.new_page()
            for _, path in (p for p in pages if p[0] == persona):
                url = fill(path, OWN, kit.rows[OWN].ids)
                answer = client.get(url)
                if answer.status_code != 200 or not answer.content_type.startswith("text/html"):
                    continue  # a download or a redirect: no document to check
                page.goto(url)
                page.wait_for_load_state()
                page.add_script_tag(content=AXE)
                failures += [f"{url} as {persona[0]}: {violation}" for violation in page.evaluate(AXE_SERIOUS)]
            context.close()
    return failures


class ProgrammeKit:
    """Subclass with ``programme = "<key>"``; each check is a test. See the module's docstring."""

    programme: ClassVar[str] = ""

    @pytest.fixture
    def kit_rows(self, app: Flask) -> KitRows:
        """The programme's sample rows in alpha and in beta, each with a marker of its own."""
        return KitRows.make(app, self.programme)

    def test_every_route_declares_its_roles(self, app: Flask) -> None:
        assert check_declared(app, self.programme) == []

    @pytest.mark.parametrize(("role", "organisation"), PERSONAS, ids=PERSONA_IDS)
    def test_every_route_answers_each_person_as_the_agreements_say(
        self, app: Flask, kit_rows: KitRows, role: str, organisation: str | None
    ) -> None:
        assert check_matrix(app, self.programme, kit_rows, role, organisation) == []

    def test_tenant_isolation_on_bodies(self, app: Flask, kit_rows: KitRows) -> None:
        assert check_isolation(app, self.programme, kit_rows) == []

    def test_organisation_scoping(self, app: Flask, kit_rows: KitRows) -> None:
        assert check_scoping(app, self.programme, kit_rows) == []

    def test_statements_do_not_grow_with_the_rows(self, app: Flask) -> None:
        assert check_statements(app, self.programme) == []

    @pytest.mark.browser
    def test_pages_pass_axe(self, app: Flask, live_url: str, kit_rows: KitRows) -> None:
        assert check_axe(app, live_url, self.programme, kit_rows) == []
