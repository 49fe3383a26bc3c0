"""Background jobs: tenant context, failures, idempotency, RQ on a real Redis."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.db import db
from core.jobs.models import JobRun
from core.jobs.runner import dispatch_periodic, enqueue, execute, run_due_periodic_jobs
from core.tenancy.context import cross_tenant, tenant_context
from tests.example_plugin.models import Household


def _names(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalars(select(Household.name)).all()


def test_in_process_job_touches_only_its_tenant(app, tenant_a, tenant_b, lookalike_data):
    with app.app_context():
        run = enqueue("example.rename_all", tenant_a, suffix=" (A)")
        assert run.status == "succeeded"
    assert _names(app, tenant_a) == ["Familien Hansen (A)"]
    assert _names(app, tenant_b) == ["Familien Hansen"]


def test_job_for_a_disabled_programme_does_not_run(app, runner):
    from core.testing.fixtures import tenant_id

    gamma = tenant_id(app, "gamma")
    with app.app_context():
        run = enqueue("example.rename_all", gamma, suffix="x")
        assert run.status == "failed" and "not enabled" in run.error


def test_failed_job_is_recorded_and_visible_to_administrators(app, tenant_a, client_for, runner):
    with app.app_context():
        run = enqueue("example.fail", tenant_a)
        assert run.status == "failed"
        assert run.error == "ValueError: this job always fails"
    page = client_for(None).get("/admin/jobs")
    assert page.status_code == 200 and "this job always fails" in page.get_data(as_text=True)
    assert client_for("alpha").get("/admin/jobs").status_code == 403
    failed = json.loads(runner.invoke(args=["jobs", "failed", "--json"]).output)
    assert failed[0]["job"] == "example.fail" and failed[0]["tenant_id"] == tenant_a


def test_a_job_delivered_twice_runs_once(app, tenant_a, lookalike_data):
    with app.app_context():
        run = enqueue("example.rename_all", tenant_a, suffix=" (A)")
        assert execute(run.id) == "succeeded"
        with tenant_context(tenant_a):
            assert db.session.get(JobRun, run.id).attempts == 1
    assert _names(app, tenant_a) == ["Familien Hansen (A)"]


def test_periodic_dispatch_of_the_same_tick_queues_nothing_new(app, lookalike_data):
    with app.app_context():
        assert dispatch_periodic("example.count_households", "2026-05-01T10:05+00:00") == 2
        assert dispatch_periodic("example.count_households", "2026-05-01T10:05+00:00") == 0
        with cross_tenant("test: every tenant's runs"):
            assert db.session.query(JobRun).count() == 2


def test_due_periodic_jobs_follow_their_cron(app, tenant_a, lookalike_data):
    since = datetime(2026, 5, 1, 10, 1, tzinfo=UTC)
    until = datetime(2026, 5, 1, 10, 11, tzinfo=UTC)
    with app.app_context():
        run_due_periodic_jobs(since, until)  # */5: 10:05 and 10:10, for alpha and beta
        with cross_tenant("test: every tenant's runs"):
            keys = sorted({r.run_key for r in db.session.scalars(select(JobRun).where(JobRun.job_name == "example.count_households"))})
        assert keys == ["2026-05-01T10:05+00:00", "2026-05-01T10:10+00:00"]
        with tenant_context(tenant_a):
            assert db.session.scalars(select(Household.counted)).all() == [1]


def test_cli_runs_a_job_for_one_tenant(app, runner, tenant_a, tenant_b, lookalike_data):
    result = runner.invoke(args=["jobs", "run", "example.count_households", "--tenant", "alpha"])
    assert result.exit_code == 0 and "succeeded" in result.output, result.output
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(Household.counted)).all() == [1]
    with app.app_context(), tenant_context(tenant_b):
        assert db.session.scalars(select(Household.counted)).all() == [0]
    assert "core.prune_job_runs" in runner.invoke(args=["jobs", "list"]).output


@pytest.mark.redis
def test_rq_worker_runs_the_same_job_in_the_tenant(database_factory, lookalike_data, tenant_a, tenant_b, app):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL not set (the PostgreSQL + Redis CI pass sets it)")
    from redis import Redis
    from rq import Queue, SimpleWorker

    from core.jobs.runner import QUEUE_NAME

    connection = Redis.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=connection)
    queue.empty()
    app.config["REDIS_URL"] = redis_url
    try:
        with app.app_context():
            ok = enqueue("example.rename_all", tenant_a, suffix=" (RQ)")
            bad = enqueue("example.fail", tenant_b)
            with cross_tenant("test: both tenants' runs"):
                assert db.session.get(JobRun, ok.id).status == "queued"  # not run in-process
            SimpleWorker([queue], connection=connection).work(burst=True)
            db.session.expire_all()
            with cross_tenant("test: both tenants' runs"):
                assert db.session.get(JobRun, ok.id).status == "succeeded"
                assert db.session.get(JobRun, bad.id).status == "failed"
            assert len(queue.failed_job_registry) == 1
    finally:
        app.config["REDIS_URL"] = ""
        queue.failed_job_registry.cleanup()
        for job_id in queue.failed_job_registry.get_job_ids():
            queue.failed_job_registry.remove(job_id, delete_job=True)
    assert _names(app, tenant_a) == ["Familien Hansen (RQ)"]
    assert _names(app, tenant_b) == ["Familien Hansen"]


def test_a_run_claimed_for_another_tenant_is_not_found_and_does_not_run(app, tenant_a, tenant_b, lookalike_data):
    """The queue carries the run's tenant; a wrong one (a tampered queue entry) finds no run."""
    with app.app_context():
        with tenant_context(tenant_a):
            run = JobRun(job_name="example.rename_all", tenant_id=tenant_a, scope_key=f"tenant:{tenant_a}", kwargs={"suffix": " (X)"})
            db.session.add(run)
            db.session.commit()
            run_id = run.id
        with pytest.raises(LookupError):
            execute(run_id, tenant_b)
        assert execute(run_id, tenant_a) == "succeeded"
    assert _names(app, tenant_a) == ["Familien Hansen (X)"]
    assert _names(app, tenant_b) == ["Familien Hansen"]


@pytest.mark.redis
def test_samvirke_worker_runs_each_job_once_in_its_tenant_without_forking(lookalike_data, tenant_a, tenant_b, app):
    """``samvirke worker``'s default: jobs run in the worker process (one Redis client, one pool), each once."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL not set (the PostgreSQL + Redis CI pass sets it)")
    from rq import Queue

    from core.jobs.runner import QUEUE_NAME, redis_connection
    from core.jobs.worker import run_worker

    app.config["REDIS_URL"] = redis_url
    try:
        with app.app_context():
            connection = redis_connection(app)
            assert redis_connection(app) is connection  # one client per process, not one per enqueue
            queue = Queue(QUEUE_NAME, connection=connection)
            queue.empty()
            runs = [enqueue("example.rename_all", t, suffix=f" ({n})").id for t, n in ((tenant_a, 1), (tenant_b, 1), (tenant_a, 2))]
            # The same run delivered again (a re-delivery): the worker must not run it twice.
            queue.enqueue("core.jobs.runner.execute_from_queue", runs[0], tenant_a)
            run_worker(app, burst=True)
            db.session.expire_all()
            with cross_tenant("test: the runs"):
                assert [db.session.get(JobRun, r).status for r in runs] == ["succeeded"] * 3
                assert [db.session.get(JobRun, r).attempts for r in runs] == [1, 1, 1]
    finally:
        app.config["REDIS_URL"] = ""
    assert _names(app, tenant_a) == ["Familien Hansen (1) (2)"]
    assert _names(app, tenant_b) == ["Familien Hansen (1)"]
