"""Notice kinds: core's own, and those a programme declares on its Programme; core names no programme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.notices.kinds import AGREEMENT_DEADLINE, VOLUNTEER_EXPIRY, collect_kinds, notice_kinds
from core.plugins.host import plugin_host
from core.plugins.types import NoticeKind, Programme
from core.tenancy.context import tenant_context
from core.testing.fixtures import tenant_id
from tests.notices.conftest import person

CORE_NOTICES = Path(__file__).resolve().parents[2] / "core" / "notices"


def test_the_platforms_kinds_are_cores_and_those_the_programmes_declare(app):
    kinds = notice_kinds(app)
    assert kinds[VOLUNTEER_EXPIRY].programme is None and kinds[AGREEMENT_DEADLINE].programme is None
    # Declared by the volunteer association on its Programme; core set the programme from the declaring plugin.
    shifts = kinds["short_handed_shift"]
    assert shifts.programme == "volunteer_association"
    assert plugin_host(app).programmes()["volunteer_association"].notice_kinds[0].key == "short_handed_shift"


def test_core_names_no_programme_nor_a_programmes_kind(app):
    programmes = plugin_host(app).programmes()
    plugin_kinds = {kind.key for p in programmes.values() for kind in p.notice_kinds}
    assert plugin_kinds  # the volunteer association declares one
    for source in CORE_NOTICES.glob("*.py"):
        text = source.read_text()
        assert not re.search(r"^\s*(from|import) plugins\b", text, re.M), f"{source.name} imports a plugin"
        for name in (*programmes, *plugin_kinds):
            assert not re.search(rf"[\"']{re.escape(name)}[\"']", text), (
                f"{source.name} names {name!r}: a programme's kind belongs to its plugin"
            )


def test_a_kind_declared_twice_is_refused():
    twin = Programme(key="twin", name="Twin", notice_kinds=(NoticeKind(AGREEMENT_DEADLINE, "A", "B", roles=frozenset({"volunteer"})),))
    with pytest.raises(ValueError, match="agreement_deadline"):
        collect_kinds([twin])
    one = Programme(key="one", name="One", notice_kinds=(NoticeKind("one_thing", "A", "B"),))
    assert collect_kinds([one])["one_thing"].programme == "one"


def test_a_programmes_kind_is_offered_only_where_the_programme_is_enabled(app):
    alpha = person(app, "alpha", "volunteer")  # alpha enables the volunteer association
    gamma = person(app, "gamma", "tenant_admin")  # gamma enables no programme
    assert 'value="short_handed_shift"' in alpha.client.get("/alpha/notices/preferences").get_data(as_text=True)
    page = gamma.client.get("/gamma/notices/preferences").get_data(as_text=True)
    assert 'value="short_handed_shift"' not in page and f'value="{AGREEMENT_DEADLINE}"' in page


def test_a_kind_no_one_declared_is_refused(app):
    from core.notices import Outgoing, queue_notices

    with app.app_context(), tenant_context(tenant_id(app, "alpha")), pytest.raises(ValueError, match="unknown notice kind"):
        queue_notices("never_declared", [Outgoing("x:1", [], lambda: ("S", "B"))])
