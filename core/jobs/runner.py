"""Enqueueing, executing and scheduling jobs."""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.jobs.models import JobRun
from core.logsafe import safe_exception_text
from core.plugins.host import plugin_host
from core.plugins.types import JobDefinition
from core.tenancy.context import cross_tenant, tenant_context
from core.tenancy.models import Tenant, TenantProgramme, utcnow

log = logging.getLogger(__name__)
QUEUE_NAME = "samvirke"


def registry(app: Flask | None = None) -> dict[str, tuple[str | None, JobDefinition]]:
    """Every job by name, with the programme key it belongs to (None for core)."""
    jobs: dict[str, tuple[str | None, JobDefinition]] = {}
    for programme, definitions in plugin_host(app).call_each("samvirke_jobs"):
        for job in definitions:
            if job.name in jobs:
                raise ValueError(f"Two plugins define the job {job.name!r}")
            jobs[job.name] = (programme.key if programme else None, job)
    return jobs


def _rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(app.config["REDIS_URL"]))


def enqueue(job_name: str, tenant_id: int | None, *, run_key: str | None = None, **kwargs: Any) -> JobRun | None:
    """Queue a job for one tenant; returns its run, or None if ``run_key`` already ran.

    Commits the run record first, so the worker always finds it.
    """
    app = current_app._get_current_object()
    jobs = registry(app)
    if job_name not in jobs:
        raise KeyError(f"No job named {job_name!r}")
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
        _rq_queue(app).enqueue("core.jobs.runner.execute_from_queue", run_id, job_timeout=600)
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


def execute(run_id: int) -> str:
    """Run one recorded job inside its tenant's context; returns the final status."""
    _fresh_connections_after_fork()
    # Which tenant the run is for is the one thing read across tenants; its
    # record is then kept in that tenant's context (row-level security).
    with cross_tenant("job runner: the tenant of a run"):
        tenant_id = db.session.scalar(select(JobRun.tenant_id).where(JobRun.id == run_id))
    with _context_of(tenant_id):
        return _execute(run_id)


def _execute(run_id: int) -> str:
    run = db.session.get(JobRun, run_id)
    if run is None:
        raise LookupError(f"job run {run_id} does not exist")
    if run.status == "succeeded":
        return run.status  # delivered twice: nothing to do
    programme_key, job = registry()[run.job_name]
    run.status, run.started_at, run.attempts = "running", utcnow(), run.attempts + 1
    db.session.commit()
    tenant_id, kwargs = run.tenant_id, dict(run.kwargs or {})
    try:
        if job.scope == "platform":
            with cross_tenant(f"platform job {run.job_name}"):
                job.func(tenant_id=None, **kwargs)
                db.session.commit()
            return _finish(run_id)
        tenant = db.session.get(Tenant, tenant_id)
        if tenant is None or not tenant.active:
            raise LookupError(f"tenant {tenant_id} is missing or inactive")
        if programme_key and programme_key not in tenant.enabled_programmes:
            raise LookupError(f"programme {programme_key} is not enabled for tenant {tenant_id}")
        with tenant_context(tenant_id):
            job.func(tenant_id=tenant_id, **kwargs)
            db.session.commit()
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(JobRun, run_id)
        run.status, run.finished_at = "failed", utcnow()
        # The type and message, not the locals: no personal data in the record
        # (a database error's values are left out: core/logsafe.py).
        run.error = safe_exception_text(exc).strip()[:2000]
        db.session.commit()
        log.exception("job %s (run %s) failed", run.job_name, run_id)
        return run.status
    return _finish(run_id)


def _finish(run_id: int) -> str:
    run = db.session.get(JobRun, run_id)
    run.status, run.finished_at, run.error = "succeeded", utcnow(), None
    db.session.commit()
    return run.status


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    from core.app import create_app

    return create_app()


def execute_from_queue(run_id: int) -> str:
    """Entry point for RQ workers; raises on failure so RQ records it too."""
    app = _app()
    with app.app_context():
        status = execute(run_id)
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
    used. Returns how many runs were queued.
    """
    app = _app()
    with app.app_context():
        programme_key, job = registry(app)[job_name]
        if due is None:
            now = datetime.now(UTC) + timedelta(seconds=1)
            due = croniter(job.cron, now).get_prev(datetime).isoformat(timespec="minutes")
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


def run_due_periodic_jobs(since: datetime, until: datetime) -> int:
    """Dispatch every periodic job whose cron time falls in (since, until]."""
    queued = 0
    for name, (_, job) in registry().items():
        if not job.cron:
            continue
        it = croniter(job.cron, since)
        while (due := it.get_next(datetime)) <= until:
            queued += dispatch_periodic(name, due.astimezone(UTC).isoformat(timespec="minutes"))
    return queued


def periodic_jobs() -> list[tuple[str, str]]:
    return [(name, job.cron) for name, (_, job) in registry().items() if job.cron]


def failed_runs(limit: int = 100) -> list[JobRun]:
    """Every tenant's failed runs, for platform administrators."""
    with cross_tenant("administration: failed job runs"):
        return list(db.session.scalars(select(JobRun).where(JobRun.status == "failed").order_by(JobRun.finished_at.desc()).limit(limit)))


EMBEDDED_TICK = timedelta(seconds=30)
