"""What a job costs the database: a constant, small number of statements per run (issue 11).

A job's bookkeeping is two statements (claim the run, with whether its tenant
may run it; mark it done) besides the transaction's tenant setting on
PostgreSQL; queueing one is one INSERT; an invoice run's step writes its
progress without reading the run back. The refusals and the exactly-once
rule still hold on that path: a disabled programme, a wrong job name on the
queue, a run delivered twice.
"""

from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy import event, select

from bench.counting import count_statements
from core.db import db
from core.jobs import runner
from core.jobs.models import JobRun
from core.tenancy.context import cross_tenant, tenant_context
from core.testing.fixtures import tenant_id
from tests.example_plugin.models import Household


def _recorded(app, tenant: int, job: str, **kwargs) -> runner.Queued:
    with app.app_context(), tenant_context(tenant):
        queued = runner.record(job, tenant, **kwargs)
        db.session.commit()
        return queued


def _run(app, run_id: int) -> JobRun:
    with app.app_context(), cross_tenant("test: the run"):
        return db.session.get_one(JobRun, run_id)


def test_a_queued_job_is_two_statements_of_bookkeeping(app, tenant_a, lookalike_data):
    queued = _recorded(app, tenant_a, "example.rename_all", suffix=" (A)")
    with app.app_context(), count_statements() as seen:
        assert runner.execute_from_queue(queued.run_id, queued.tenant_id, queued.job_name) == "succeeded"
    on_runs = [s.sql for s in seen.queries() if "job_runs" in s.sql]
    assert len(on_runs) == 2, seen.summary()  # the claim (with the tenant's check) and "succeeded"
    assert "tenant_programmes" in on_runs[0] and "tenants" in on_runs[0]
    assert not any(s.sql.lstrip().upper().startswith("SELECT") and "job_runs" in s.sql for s in seen.queries()), seen.summary()
    assert seen.settings <= 1  # one signed scope for the job's transaction (PostgreSQL)
    run = _run(app, queued.run_id)
    assert (run.status, run.attempts, run.finished_at is not None) == ("succeeded", 1, True)
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(Household.name)).all() == ["Familien Hansen (A)"]


def test_the_claim_refuses_a_programme_the_tenant_has_not_enabled(app, lookalike_data):
    gamma = tenant_id(app, "gamma")  # example programme not enabled
    queued = _recorded(app, gamma, "example.rename_all", suffix="x")
    with app.app_context():
        with pytest.raises(RuntimeError, match="not enabled"):
            runner.execute_from_queue(queued.run_id, queued.tenant_id, queued.job_name)
    run = _run(app, queued.run_id)
    assert run.status == "failed" and "programme example is not enabled" in run.error


def test_a_wrong_job_name_on_the_queue_is_not_trusted(app, lookalike_data):
    """The name travels with the queue entry; the run's own job decides, and its programme is checked."""
    gamma = tenant_id(app, "gamma")
    queued = _recorded(app, gamma, "example.rename_all", suffix="x")
    with app.app_context():
        # A core job needs no programme: were its name believed, gamma would run example.rename_all.
        assert runner.execute(queued.run_id, gamma, "core.prune_job_runs") == "failed"
    run = _run(app, queued.run_id)
    assert "programme example is not enabled" in run.error


def test_without_the_name_the_run_is_still_checked(app, tenant_a, lookalike_data):
    """An entry queued by an older version (run and tenant only) runs the same way, one statement more."""
    queued = _recorded(app, tenant_a, "example.rename_all", suffix=" (old)")
    with app.app_context(), count_statements() as seen:
        assert runner.execute_from_queue(queued.run_id, queued.tenant_id) == "succeeded"
    assert sum("job_runs" in s.sql for s in seen.queries()) == 2 and any("tenant_programmes" in s.sql for s in seen.queries())


def test_a_run_delivered_twice_runs_once_on_the_fast_path(app, tenant_a, lookalike_data):
    queued = _recorded(app, tenant_a, "example.rename_all", suffix=" (A)")
    with app.app_context():
        assert runner.execute_from_queue(queued.run_id, queued.tenant_id, queued.job_name) == "succeeded"
        assert runner.execute_from_queue(queued.run_id, queued.tenant_id, queued.job_name) == "succeeded"
    assert _run(app, queued.run_id).attempts == 1
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(Household.name)).all() == ["Familien Hansen (A)"]


def test_queueing_a_job_is_one_insert_and_reads_nothing_back(app, tenant_a):
    queue = mock.Mock()
    app.config["REDIS_URL"] = "redis://queue.invalid/0"
    try:
        with app.app_context(), mock.patch.object(runner, "_rq_queue", return_value=queue), count_statements() as seen:
            run = runner.enqueue("example.rename_all", tenant_a, suffix="x")
            assert (run.status, run.tenant_id, run.kwargs, run.attempts) == ("queued", tenant_a, {"suffix": "x"}, 0)
            assert run.id is not None and run.enqueued_at is not None
    finally:
        app.config["REDIS_URL"] = ""
    assert [s.sql.split()[0].upper() for s in seen.queries()] == ["INSERT"], seen.summary()
    queue.enqueue.assert_called_once_with(
        "core.jobs.runner.execute_from_queue", run.id, tenant_a, "example.rename_all", job_timeout=runner.JOB_TIMEOUT
    )


def test_a_run_is_recorded_only_in_its_tenants_context(app, tenant_a, tenant_b):
    with app.app_context(), tenant_context(tenant_b), pytest.raises(ValueError, match="that tenant's context"):
        runner.record("example.rename_all", tenant_a)


def test_the_worker_compiles_the_job_path_before_the_first_job(app, tenant_a, lookalike_data):
    """``prepare`` leaves the claim and "succeeded" in the engine's cache of compiled statements (a forked work horse inherits it)."""
    from core.jobs.worker import prepare

    queued = _recorded(app, tenant_a, "example.rename_all", suffix=" (A)")
    hits: dict[str, bool] = {}

    def note(conn, cursor, statement, parameters, context, executemany):
        if "job_runs" in statement:
            hits[statement.split()[0]] = hits.get(statement.split()[0], True) and context.cache_hit == context.dialect.CACHE_HIT

    with app.app_context():
        db.engine._compiled_cache.clear()
        prepare(app)
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert runner.execute_from_queue(queued.run_id, queued.tenant_id, queued.job_name) == "succeeded"
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert hits == {"UPDATE": True}, hits
    with app.app_context(), cross_tenant("test: prepare touched no run"):
        assert db.session.scalars(select(JobRun.attempts)).all() == [1]
