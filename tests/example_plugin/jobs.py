from sqlalchemy import func, select, update

from core.db import db
from tests.example_plugin.models import Household


def count_households(tenant_id: int) -> None:
    """Store each household's tenant count on it (idempotent: same result twice)."""
    total = db.session.scalar(select(func.count()).select_from(Household))
    db.session.execute(update(Household).values(counted=total))


def rename_all(tenant_id: int, suffix: str) -> None:
    for household in db.session.scalars(select(Household)):
        if not household.name.endswith(suffix):
            household.name = household.name + suffix


def fail(tenant_id: int) -> None:
    raise ValueError("this job always fails")
