"""An app with six municipalities, all party to Testforeningen's agreement, and the benchmark's filler for their data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.calendar import copenhagen_today
from core.testing.fixtures import TEST_TENANTS, build_app

SIX = [f"seks{n}" for n in range(1, 7)]


def six_tenant_files(folder: Path) -> Path:
    """Six tenants made from alpha's file (Testforeningen's agreement on the three programmes), nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    template = (TEST_TENANTS / "alpha.toml").read_text()
    for n, slug in enumerate(SIX, start=1):
        text = (
            template.replace('"alpha"', f'"{slug}"')
            .replace("Alfa Kommune", f"Testkommune {n}")
            .replace('municipality_code = "901"', f'municipality_code = "{910 + n}"')
            .replace("dev-idp/alpha", f"dev-idp/{slug}")
            .replace("samvirke-alpha", f"samvirke-{slug}")
            .replace("SECRET_ALPHA", f"SECRET_SEKS{n}")
            .replace('"example", ', "")
        )
        (folder / f"{slug}.toml").write_text(text)
    return folder


@pytest.fixture(scope="module")
def six_app(database_factory, tmp_path_factory):
    folder = six_tenant_files(tmp_path_factory.mktemp("six_tenants"))
    return build_app(database_factory(), TENANTS_DIR=str(folder))


def fill(app, slugs: list[str], today: date | None = None) -> None:
    """The benchmark's smallest profile in each tenant (every programme has rows), and their invoices issued."""
    from bench.fill.billing import bill
    from bench.generate import clear_tenant, fill_tenant, owner_engine, tenant_plans
    from bench.profile import Profile

    plans = tenant_plans(app, slugs)
    engine = owner_engine(app)
    with engine.begin() as connection:
        for plan in plans:
            clear_tenant(connection, plan.tenant_id)
            fill_tenant(connection, plan, Profile.tiny(), today or copenhagen_today())
    if engine.url.get_backend_name() != "sqlite":
        engine.dispose()
    bill(app, [p.tenant_id for p in plans], years=1)
