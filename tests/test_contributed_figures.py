"""``core.reports.annual.contributed_figures``: how a programme asks the others for figures (``samvirke_annual_figures``)."""

from __future__ import annotations

import pytest

from core.reports.annual import contributed_figures
from core.tenancy.context import TenantContextMissing, tenant_context


def test_the_other_enabled_programmes_contribute_in_the_tenant(app, tenant_a, lookalike_data):
    with app.app_context(), tenant_context(tenant_a):
        asked_by_another = [(f.key, f.value) for f in contributed_figures(2026, asking="open_counselling")]
        asked_by_itself = [f.key for f in contributed_figures(2026, asking="example")]
    assert ("example.households", 1) in asked_by_another  # alpha's one household, not beta's
    assert "example.households" not in asked_by_itself  # a programme is not asked for its own figures


def test_without_a_tenant_it_refuses(app):
    with app.app_context(), pytest.raises(TenantContextMissing):
        contributed_figures(2026, asking="example")
