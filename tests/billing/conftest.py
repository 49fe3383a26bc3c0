"""An app on the repository's real tenant and organisation files, for the seeds' figures end to end."""

from __future__ import annotations

import pytest

from config import ROOT
from core.testing.fixtures import build_app
from tests.billing.helpers import purge_billing


@pytest.fixture(scope="module")
def real(database_factory, tmp_path_factory):
    """Ishøj–DRC, Fredericia–Mødrehjælpen and the demo agreements, with an outbox folder of its own."""
    return build_app(
        database_factory(),
        TENANTS_DIR=str(ROOT / "tenants"),
        ORGANISATIONS_DIR=str(ROOT / "organisations"),
        BILLING_OUTBOX_DIR=str(tmp_path_factory.mktemp("outbox")),
    )


@pytest.fixture(autouse=True)
def _no_invoices_left(request, tmp_path):
    """Each test starts with no invoices, runs or series (issued invoices are deleted as the tables' owner),
    and sends to an outbox of its own (numbers start again at 1)."""
    for name in ("real", "app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).config["BILLING_OUTBOX_DIR"] = str(tmp_path / "outbox")
    yield
    for name in ("real", "app"):
        if name in request.fixturenames:
            purge_billing(request.getfixturevalue(name))


@pytest.fixture
def cli(real):
    return real.test_cli_runner()
