"""Invoice numbers: one gapless series per issuing organisation, across all its tenants.

``next_number`` is one statement: insert the series at 1, or add 1 to it. On
PostgreSQL ``INSERT ... ON CONFLICT DO UPDATE`` takes the series row's lock
(as ``SELECT ... FOR UPDATE`` would) and keeps it until the issuing
transaction ends: a second issuer of the same organisation waits, and a
transaction that rolls back gives its number back, so no number is consumed
without an invoice and none is used twice. SQLite holds one writer at a time.

Call it last in the issuing transaction, after every other lock (the
agreement's row), so two issuers never wait for each other in a circle.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from core.billing.models import NumberSeries
from core.db import db
from core.tenancy.models import utcnow


def next_number(organisation_id: int) -> int:
    """The next number of the organisation's series, taken in the current transaction."""
    table = NumberSeries.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    now = utcnow()
    statement = (
        insert.values(organisation_id=organisation_id, last_number=1, updated_at=now)
        .on_conflict_do_update(index_elements=[table.c.organisation_id], set_={"last_number": table.c.last_number + 1, "updated_at": now})
        .returning(table.c.last_number)
    )
    return int(db.session.execute(statement).scalar_one())


def last_number(organisation_id: int) -> int:
    """The last number the organisation has used (0: none yet)."""
    series = db.session.get(NumberSeries, organisation_id)
    return series.last_number if series is not None else 0
