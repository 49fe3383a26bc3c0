"""The statements of a job run's bookkeeping, built once per process.

Every job sends the same two UPDATEs on ``job_runs`` (claim it, mark it
done). Built afresh per job, through the ORM, each cost more time in Python
than on the database; built once as Core statements with bound parameters,
SQLAlchemy finds them compiled in its cache, and a forked work horse
inherits them compiled (``core.jobs.runner.warm_up``).
"""

from __future__ import annotations

import functools
from typing import Any, Literal, cast

from sqlalchemy import Table, Update, bindparam, exists, select, update

from core.jobs.models import JobRun
from core.tenancy.models import Tenant, TenantProgramme

# Tables, not the ORM's entities: Core statements, which skip the ORM's bulk-update machinery.
RUNS = cast(Table, JobRun.__table__)
TENANTS = cast(Table, Tenant.__table__)
PROGRAMMES = cast(Table, TenantProgramme.__table__)
# What the claim also reads about the run's tenant: nothing, whether it is active, and whether it has the job's programme.
Check = Literal["none", "tenant", "programme"]


@functools.cache
def claim(*, platform: bool, check: Check = "none") -> Update:
    """Mark the run (``run``) running, one more attempt, unless it succeeded; of the tenant ``tenant``, or of none.

    Returns (job_name, kwargs, attempts[, active[, enabled]]): with ``check``, in
    the same statement, whether the tenant is active and has ``programme`` enabled. ``at``: now.
    """
    tenant = bindparam("tenant", type_=RUNS.c.tenant_id.type)
    returned: list[Any] = [RUNS.c.job_name, RUNS.c.kwargs, RUNS.c.attempts]
    if check != "none":
        returned.append(select(TENANTS.c.active).where(TENANTS.c.id == tenant).scalar_subquery())
    if check == "programme":
        programme = bindparam("programme", type_=PROGRAMMES.c.programme_key.type)
        returned.append(exists().where(PROGRAMMES.c.tenant_id == tenant, PROGRAMMES.c.programme_key == programme).correlate(None))
    return (
        update(RUNS)
        .where(
            RUNS.c.id == bindparam("run"),
            RUNS.c.status != "succeeded",
            RUNS.c.tenant_id.is_(None) if platform else RUNS.c.tenant_id == tenant,
        )
        .values(status="running", started_at=bindparam("at", type_=RUNS.c.started_at.type), attempts=RUNS.c.attempts + 1)
        .returning(*returned)
    )


SUCCEEDED = (
    update(RUNS)
    .where(RUNS.c.id == bindparam("run"))
    .values(status="succeeded", finished_at=bindparam("at", type_=RUNS.c.finished_at.type), error=None)
)
