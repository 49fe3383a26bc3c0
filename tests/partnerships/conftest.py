"""An app on the repository's own tenant and organisation files, for the tests of the real agreements."""

from __future__ import annotations

import pytest

from config import ROOT
from core.db import db
from core.partnerships.models import AgreementNotice, AgreementReminder
from core.tenancy.context import cross_tenant
from core.testing.fixtures import build_app


@pytest.fixture(scope="module")
def real(database_factory):
    """The real tenants, organisations and agreements (Ishøj–DRC, Fredericia–Mødrehjælpen, the demo ones)."""
    return build_app(database_factory(), TENANTS_DIR=str(ROOT / "tenants"), ORGANISATIONS_DIR=str(ROOT / "organisations"))


@pytest.fixture(autouse=True)
def _clean_real(request):
    """What a test records about a real agreement (notices, reminders) is gone before the next."""
    yield
    if "real" not in request.fixturenames:
        return
    real = request.getfixturevalue("real")
    with real.app_context(), cross_tenant("test clean-up"):
        db.session.rollback()
        db.session.execute(AgreementReminder.__table__.delete())
        db.session.execute(AgreementNotice.__table__.delete())
        db.session.commit()
        db.session.remove()
