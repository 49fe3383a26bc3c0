"""Enqueueing, executing and scheduling jobs."""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from flask import Flask, current_app, has_app_context
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from core.calendar import COPENHAGEN, copenhagen_now
from core.db import db
from core.jobs import statements
from core.jobs.models import JobRun
from core.logsafe import safe_exception_text
from core.plugins.host import plugin_host
from core.plugins.types import JobDefinition
from core.tenancy.context import cross_tenant, current_tenant_id, tenant_context
from core.tenancy.models import Tenant, TenantProgramme, utcnow

log = logging.getLogger(__name__)
QUEUE_NAME = "samvirke"


class UnknownJob(KeyError):
    """No job has this name (a KeyError, as before; the CLI shows it as a message)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No job named {name!r}")
        self.name = name


_REDIS = "samvirke_redis"
_QUEUE = "samvirke_rq_queue"
JOB_TIMEOUT = 600  # seconds; RQ stops a job that runs longer


def registry(app: Flask | None = None) -> dict[str, tuple[str | None, JobDefinition]]:
    """Every job by name, with the programme key it belongs to (None for core).

    Asked of the plugins each time (a few microseconds): a plugin's hook decides what its jobs are.
    """
    jobs: dict[str, tuple[str | None, JobDefinition]] = {}
    for programme, definitions in plugin_host(app).call_each("samvirke_jobs"):
        for job in definitions:
            if job.name in jobs:
                raise ValueError(f"Two plugins define the job {job.name!r}")
            jobs[job.name] = (programme.key if programme else None, job)
    return jobs


def redis_connection(app: Flask) -> Any:
    """The process's one Redis client for ``REDIS_URL`` (it keeps its own pool, and is safe after a fork)."""
    from redis import Redis

    url = app.config["REDIS_URL"]
    cached = app.extensions.get(_REDIS)
    if cached is None or cached[0] != url:
        cached = (url, Redis.from_url(url))
        app.extensions[_REDIS] = cached
    return cached[1]


def _rq_queue(app: Flask) -> Any:
    """The process's queue object on its one Redis client (kept beside it: one per process, not per enqueue)."""
    from rq import Queue

    connection = redis_connection(app)
    cached = app.extensions.get(_QUEUE)
    if cached is None or cached.connection is not connection:
        cached = Queue(QUEUE_NAME, connection=connection)
        app.extensions[_QUEUE] = cached
    return cached


@dataclass(frozen=True)
class Queued:
    """A run recorded in the current transaction, to be dispatched once it is committed."""

    run_id: int
    tenant_id: int | None
    job_name: str


def _checked(app: Flask, job_name: str, tenant_id: int | None) -> None:
    jobs = registry(app)
    if job_name not in jobs:
        raise UnknownJob(job_name)
    if (jobs[job_name][1].scope == "platform") != (tenant_id is None):
        raise ValueError(f"{job_name}: platform jobs take no tenant, tenant jobs need one")


def record(job_name: str, tenant_id: int | None, **kwargs: Any) -> Queued:
    """Add a tenant's run to the current transaction (in that tenant's context); ``dispatch`` it after the commit.

    For callers that commit the run together with rows of their own (an invoice
    run's record and its job: one transaction). No ``run_key``: a duplicate key is ``enqueue``'s to handle.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's, typed as Flask
    _checked(app, job_name, tenant_id)
    if tenant_id is not None and current_tenant_id() != tenant_id:
        raise ValueError(f"{job_name}: a run of tenant {tenant_id} is recorded in that tenant's context")
    scope_key = "platform" if tenant_id is None else f"tenant:{tenant_id}"
    run = JobRun(job_name=job_name, tenant_id=tenant_id, scope_key=scope_key, kwargs=kwargs)
    db.session.add(run)
    db.session.flush()  # its id, without reading it back after the commit
    return Queued(run.id, tenant_id, job_name)


def dispatch(queued: Queued) -> None:
    """Hand a committed run to the worker (RQ), or run it here without Redis (the embedded default)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["REDIS_URL"]:
        # The tenant and the job's name go along, so the worker need not look the run up across tenants
        # and can check the tenant in the statement that claims it; the run is then read in that tenant's
        # context, so a tenant that is not the run's finds no run.
        _rq_queue(app).enqueue(
            "core.jobs.runner.execute_from_queue", queued.run_id, queued.tenant_id, queued.job_name, job_timeout=JOB_TIMEOUT
        )
    else:
        execute(queued.run_id, queued.tenant_id, queued.job_name)


def enqueue(job_name: str, tenant_id: int | None, *, run_key: str | None = None, **kwargs: Any) -> JobRun | None:
    """Queue a job for one tenant; returns its run, or None if ``run_key`` already ran.

    Commits the run record first, so the worker always finds it. With Redis
    the run is returned as queued (read no further); without, as it ended.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's, typed as Flask
    _checked(app, job_name, tenant_id)
    scope_key = "platform" if tenant_id is None else f"tenant:{tenant_id}"
    with _context_of(tenant_id):  # a tenant's run is recorded in its context (row-level security)
        run = JobRun(job_name=job_name, tenant_id=tenant_id, scope_key=scope_key, run_key=run_key, kwargs=kwargs)
        db.session.add(run)
        try:
            db.session.flush()
            as_queued = {attr.key: getattr(run, attr.key) for attr in inspect(JobRun).column_attrs}
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            log.info("job %s for tenant %s (%s) already queued", job_name, tenant_id, run_key)
            return None
    dispatch(Queued(as_queued["id"], tenant_id, job_name))
    if app.config["REDIS_URL"]:
        for key, value in as_queued.items():  # as committed: no query to read back what was just written
            set_committed_value(run, key, value)
    else:
        with _context_of(tenant_id):
            db.session.refresh(run)  # as it ended, readable by the caller
    return run


def _context_of(tenant_id: int | None) -> contextlib.AbstractContextManager:
    return tenant_context(tenant_id) if tenant_id is not None else contextlib.nullcontext()


_pool_pid = os.getpid()


def _fresh_connections_after_fork() -> None:
    # RQ forks a work horse per job; sockets inherited from the parent's pool
    # must not be shared between processes.
    global _pool_pid
    if os.getpid() != _pool_pid:
        for engine in db.engines.values():  # the cross-tenant bind too
            engine.dispose(close=False)
        _pool_pid = os.getpid()


_UNKNOWN: Any = object()


def execute(run_id: int, tenant_id: int | None = _UNKNOWN, job_name: str | None = None) -> str:
    """Run one recorded job inside its tenant's context; returns the final status.

    ``tenant_id``: the run's tenant (None: a platform job) when the caller
    knows it; else it is the one thing read across tenants. The run is then
    read, and kept, in that tenant's context (row-level security), so a wrong
    tenant finds no run (``LookupError``). ``job_name``: the run's job when the
    caller knows it (the queue carries it), so the statement that claims the
    run also reads whether the tenant may run it; the name is checked against the run's.
    """
    _fresh_connections_after_fork()
    if tenant_id is _UNKNOWN:
        with cross_tenant("job runner: the tenant of a run"):
            tenant_id = db.session.scalar(select(JobRun.tenant_id).where(JobRun.id == run_id))
    with _context_of(tenant_id):
        return _execute(run_id, job_name)


def _claim(run_id: int, programme_key: str | None = _UNKNOWN) -> Any:
    """Mark the run running (one more attempt) unless it already succeeded; its (name, kwargs, attempts), or None.

    The UPDATE locks the run's row until the transaction ends, so a second
    worker delivered the same run waits, then finds it succeeded. With
    ``programme_key`` (that of the job the run is expected to be, None for a
    core job) the row also says whether the tenant is active and has the
    programme enabled, in the same statement: (name, kwargs, attempts, active[, enabled]).
    """
    tenant = current_tenant_id()
    check: statements.Check = "none"
    if tenant is not None and programme_key is not _UNKNOWN:
        check = "tenant" if programme_key is None else "programme"
    parameters: dict[str, Any] = {"run": run_id, "tenant": tenant, "at": utcnow()}
    if check == "programme":
        parameters["programme"] = programme_key
    return db.session.execute(statements.claim(platform=tenant is None, check=check), parameters).first()


def _refusal(tenant_id: int, programme_key: str | None) -> str | None:
    """Why the tenant cannot run the job now (one query), or None."""
    enabled = (
        select(TenantProgramme.programme_key)
        .where(TenantProgramme.tenant_id == Tenant.id, TenantProgramme.programme_key == programme_key)
        .exists()
    )
    found = db.session.execute(select(Tenant.active, enabled).where(Tenant.id == tenant_id)).first()
    return _refused(tenant_id, programme_key, None if found is None else found[0], None if found is None else found[1])


def _refused(tenant_id: int, programme_key: str | None, active: bool | None, enabled: bool | None) -> str | None:
    if not active:
        return f"tenant {tenant_id} is missing or inactive"
    if programme_key and not enabled:
        return f"programme {programme_key} is not enabled for tenant {tenant_id}"
    return None


def _execute(run_id: int, expected_job: str | None = None) -> str:
    tenant_id = current_tenant_id()
    jobs = registry()
    expected = jobs.get(expected_job) if expected_job else None
    claimed = _claim(run_id, expected[0] if expected and expected[1].scope == "tenant" else _UNKNOWN)
    if claimed is None:
        found = db.session.execute(select(JobRun.status, JobRun.tenant_id).where(JobRun.id == run_id)).first()
        db.session.rollback()
        if found is None or found[1] != tenant_id:  # (PostgreSQL would not even show another tenant's run)
            raise LookupError(f"job run {run_id} does not exist for tenant {tenant_id}")
        return found[0]  # succeeded already: delivered twice, nothing to do
    job_name, kwargs, attempts = claimed[0], dict(claimed[1] or {}), claimed[2]
    try:
        programme_key, job = jobs[job_name]
        # A tenant job's claim, its work and its "succeeded" are one transaction
        # (unless the job commits on its way): a run is never recorded done
        # without its work, nor its work kept with the run still "running".
        if job.scope == "platform":
            db.session.commit()  # the claim; the work runs on the cross-tenant connection, which must not wait for its lock
            with cross_tenant(f"platform job {job_name}"):
                job.func(tenant_id=None, **kwargs)
                _succeeded(run_id)
                db.session.commit()
            return "succeeded"
        if tenant_id is None:
            refused: str | None = "a tenant job needs a tenant"
        elif len(claimed) > 3 and job_name == expected_job:  # read with the claim
            refused = _refused(tenant_id, programme_key, claimed[3], claimed[4] if len(claimed) > 4 else None)
        else:
            refused = _refusal(tenant_id, programme_key)
        if refused:
            raise LookupError(refused)
        job.func(tenant_id=tenant_id, **kwargs)
        _succeeded(run_id)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        db.session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            # The type and message, not the locals: no personal data in the record
            # (a database error's values are left out: core/logsafe.py).
            .values(status="failed", finished_at=utcnow(), attempts=attempts, error=safe_exception_text(exc).strip()[:2000]),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        log.exception("job %s (run %s) failed", job_name, run_id)
        return "failed"
    return "succeeded"


def _succeeded(run_id: int) -> None:
    db.session.execute(statements.SUCCEEDED, {"run": run_id, "at": utcnow()})


def warm_up() -> None:
    """Compile the statements every job runs, so a forked work horse finds them in the engine's cache.

    SQLAlchemy caches compiled statements per engine, and a work horse's cache dies with it: compiled
    in the worker before it forks, the horse inherits them. Run for no run (id 0), then rolled back.
    """
    with tenant_context(0):
        for programme_key in ("a programme", None, _UNKNOWN):  # each form of the claim
            _claim(0, programme_key)
        _succeeded(0)
        db.session.rollback()


def _app() -> Flask:
    # The process that runs jobs holds the app (`samvirke worker`, the CLI, a request): the runner
    # does not build one (a bare `rq worker` would have built a whole app per job, and the runner
    # would import the app factory that imports it).
    if not has_app_context():
        raise RuntimeError("A job runs inside the app: start workers with `samvirke worker`, not a bare `rq worker`")
    return current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's, typed as Flask


def execute_from_queue(run_id: int, tenant_id: int | None = _UNKNOWN, job_name: str | None = None) -> str:
    """Entry point for RQ workers; raises on failure so RQ records it too.

    Each job gets an app context of its own, so a worker that does not fork
    (``samvirke worker``'s default) starts every job with a fresh session.
    """
    app = _app()
    with app.app_context():
        status = execute(run_id, tenant_id, job_name)
        if status == "failed":
            with cross_tenant("job runner: the error of a failed run"):
                error = db.session.scalar(select(JobRun.error).where(JobRun.id == run_id))
            raise RuntimeError(error)
        return status


def dispatch_periodic(job_name: str, due: str | None = None) -> int:
    """Queue a periodic job for every active tenant that has its programme.

    ``due`` (the scheduled time, ISO, UTC) is the run key, so a repeated
    dispatch of the same tick, from a second scheduler or a re-delivery,
    queues nothing new. Without it, the latest scheduled time up to now is
    used, the cron expression read in Danish time. Returns how many runs were queued.
    """
    app = _app()
    with app.app_context():
        programme_key, job = registry(app)[job_name]
        if due is None:
            if not job.cron:
                raise ValueError(f"{job_name} has no schedule: give the due time")
            due = latest_due(job.cron, copenhagen_now()).isoformat(timespec="minutes")
        query = select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)
        if programme_key:
            query = query.join(TenantProgramme).where(TenantProgramme.programme_key == programme_key)
        if job.scope == "platform":
            return 0 if enqueue(job_name, None, run_key=due) is None else 1
        queued = 0
        for tenant_id in db.session.scalars(query).all():
            if enqueue(job_name, tenant_id, run_key=due) is not None:
                queued += 1
        return queued


def due_times(cron: str, since: datetime, until: datetime) -> list[datetime]:
    """The times in (since, until] at which ``cron``, read in Danish time, falls due, in UTC.

    "30 3 * * *" is 03:30 in Denmark: 01:30 UTC in summer, 02:30 UTC in winter. ``since`` and
    ``until`` must be aware.
    """
    it = croniter(cron, since.astimezone(COPENHAGEN))
    times = []
    while (due := it.get_next(datetime)) <= until:
        times.append(due.astimezone(UTC))
    return times


def latest_due(cron: str, now: datetime) -> datetime:
    """The latest time up to ``now`` (aware) at which ``cron``, read in Danish time, fell due, in UTC."""
    return croniter(cron, now.astimezone(COPENHAGEN) + timedelta(seconds=1)).get_prev(datetime).astimezone(UTC)


def run_due_periodic_jobs(since: datetime, until: datetime) -> int:
    """Dispatch every periodic job whose cron time (Danish time) falls in (since, until]."""
    queued = 0
    for name, (_, job) in registry().items():
        if not job.cron:
            continue
        for due in due_times(job.cron, since, until):
            queued += dispatch_periodic(name, due.isoformat(timespec="minutes"))
    return queued


def use_danish_time_for_cron() -> None:
    """Make this process's local time Danish time, for RQ's cron scheduler.

    ``rq.cron`` reads cron expressions in the process's local time zone, which is UTC on the
    servers; ``samvirke scheduler`` calls this first, so "30 3 * * *" means 03:30 in Denmark there
    too (and the embedded scheduler's ``due_times`` agree with it).
    """
    import time

    os.environ["TZ"] = COPENHAGEN.key
    time.tzset()


def periodic_jobs() -> list[tuple[str, str]]:
    return [(name, job.cron) for name, (_, job) in registry().items() if job.cron]


def failed_runs(limit: int = 100) -> list[JobRun]:
    """Every tenant's failed runs, for platform administrators."""
    with cross_tenant("administration: failed job runs"):
        return list(db.session.scalars(select(JobRun).where(JobRun.status == "failed").order_by(JobRun.finished_at.desc()).limit(limit)))


EMBEDDED_TICK = timedelta(seconds=30)
