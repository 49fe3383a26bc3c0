"""Enqueueing, executing and scheduling jobs."""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.calendar import COPENHAGEN, copenhagen_now
from core.db import db
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
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_connection(app))


def enqueue(job_name: str, tenant_id: int | None, *, run_key: str | None = None, **kwargs: Any) -> JobRun | None:
    """Queue a job for one tenant; returns its run, or None if ``run_key`` already ran.

    Commits the run record first, so the worker always finds it.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's, typed as Flask
    jobs = registry(app)
    if job_name not in jobs:
        raise UnknownJob(job_name)
    if (jobs[job_name][1].scope == "platform") != (tenant_id is None):
        raise ValueError(f"{job_name}: platform jobs take no tenant, tenant jobs need one")
    scope_key = "platform" if tenant_id is None else f"tenant:{tenant_id}"
    with _context_of(tenant_id):  # a tenant's run is recorded in its context (row-level security)
        run = JobRun(job_name=job_name, tenant_id=tenant_id, scope_key=scope_key, run_key=run_key, kwargs=kwargs)
        db.session.add(run)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            log.info("job %s for tenant %s (%s) already queued", job_name, tenant_id, run_key)
            return None
        run_id = run.id
    if app.config["REDIS_URL"]:
        # The tenant goes along, so the worker need not look it up across tenants; the run is
        # then read in that tenant's context, so a tenant that is not the run's finds no run.
        _rq_queue(app).enqueue("core.jobs.runner.execute_from_queue", run_id, tenant_id, job_timeout=600)
    else:
        execute(run_id)
    with _context_of(tenant_id):
        db.session.refresh(run)  # as it stands now, readable by the caller
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


def execute(run_id: int, tenant_id: int | None = _UNKNOWN) -> str:
    """Run one recorded job inside its tenant's context; returns the final status.

    ``tenant_id``: the run's tenant (None: a platform job) when the caller
    knows it; else it is the one thing read across tenants. The run is then
    read, and kept, in that tenant's context (row-level security), so a wrong
    tenant finds no run (``LookupError``).
    """
    _fresh_connections_after_fork()
    if tenant_id is _UNKNOWN:
        with cross_tenant("job runner: the tenant of a run"):
            tenant_id = db.session.scalar(select(JobRun.tenant_id).where(JobRun.id == run_id))
    with _context_of(tenant_id):
        return _execute(run_id)


def _claim(run_id: int) -> Any:
    """Mark the run running (one more attempt) unless it already succeeded; its (name, kwargs, attempts), or None.

    The UPDATE locks the run's row until the transaction ends, so a second
    worker delivered the same run waits, then finds it succeeded.
    """
    tenant = current_tenant_id()
    return db.session.execute(
        update(JobRun)
        .where(
            JobRun.id == run_id, JobRun.status != "succeeded", JobRun.tenant_id.is_(None) if tenant is None else JobRun.tenant_id == tenant
        )
        .values(status="running", started_at=utcnow(), attempts=JobRun.attempts + 1)
        .returning(JobRun.job_name, JobRun.kwargs, JobRun.attempts),
        execution_options={"synchronize_session": False},
    ).first()


def _refusal(tenant_id: int, programme_key: str | None) -> str | None:
    """Why the tenant cannot run the job now (one query), or None."""
    enabled = (
        select(TenantProgramme.programme_key)
        .where(TenantProgramme.tenant_id == Tenant.id, TenantProgramme.programme_key == programme_key)
        .exists()
    )
    found = db.session.execute(select(Tenant.active, enabled).where(Tenant.id == tenant_id)).first()
    if found is None or not found[0]:
        return f"tenant {tenant_id} is missing or inactive"
    if programme_key and not found[1]:
        return f"programme {programme_key} is not enabled for tenant {tenant_id}"
    return None


def _execute(run_id: int) -> str:
    tenant_id = current_tenant_id()
    claimed = _claim(run_id)
    if claimed is None:
        found = db.session.execute(select(JobRun.status, JobRun.tenant_id).where(JobRun.id == run_id)).first()
        db.session.rollback()
        if found is None or found[1] != tenant_id:  # (PostgreSQL would not even show another tenant's run)
            raise LookupError(f"job run {run_id} does not exist for tenant {tenant_id}")
        return found[0]  # succeeded already: delivered twice, nothing to do
    job_name, kwargs, attempts = claimed[0], dict(claimed[1] or {}), claimed[2]
    programme_key, job = registry()[job_name]
    try:
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
        refused = _refusal(tenant_id, programme_key) if tenant_id is not None else "a tenant job needs a tenant"
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
    db.session.execute(
        update(JobRun).where(JobRun.id == run_id).values(status="succeeded", finished_at=utcnow(), error=None),
        execution_options={"synchronize_session": False},
    )


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's, typed as Flask
    from core.app import create_app

    return create_app()


def execute_from_queue(run_id: int, tenant_id: int | None = _UNKNOWN) -> str:
    """Entry point for RQ workers; raises on failure so RQ records it too.

    Each job gets an app context of its own, so a worker that does not fork
    (``samvirke worker``'s default) starts every job with a fresh session.
    """
    app = _app()
    with app.app_context():
        status = execute(run_id, tenant_id)
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
